// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import org.secumail.config.ConfigException;

/**
 * Where one clamd listens: a unix-domain socket (clamd.conf LocalSocket) or a TCP port
 * (TCPSocket, TCPAddr). Written in main.cf as {@code unix:/path}, {@code /path},
 * {@code inet:host:port}, {@code host:port} or {@code [ipv6]:port}, the forms Postfix uses for
 * its own services (check_policy_service, milters).
 */
public record ClamdEndpoint(String host, int port, Path socket) {
    public static ClamdEndpoint unix(Path socket) { return new ClamdEndpoint(null, 0, socket); }

    public static ClamdEndpoint tcp(String host, int port) { return new ClamdEndpoint(host, port, null); }

    public boolean isUnix() { return socket != null; }

    public static ClamdEndpoint parse(String text) {
        String t = text.strip();
        if (t.startsWith("unix:")) return unix(Path.of(t.substring(5)));
        if (t.startsWith("/")) return unix(Path.of(t));
        if (t.startsWith("inet:")) t = t.substring(5);
        int colon = t.lastIndexOf(':');
        if (colon <= 0) throw new ConfigException("bad clamd endpoint: " + text + " (want unix:/path or inet:host:port)");
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        try {
            int port = Integer.parseInt(t.substring(colon + 1));
            if (port < 1 || port > 65535) throw new NumberFormatException();
            return tcp(host, port);
        } catch (NumberFormatException e) {
            throw new ConfigException("bad clamd endpoint port: " + text);
        }
    }

    SocketAddress address() {
        return isUnix() ? UnixDomainSocketAddress.of(socket) : new InetSocketAddress(host, port);
    }

    @Override public String toString() {
        return isUnix() ? "unix:" + socket : "inet:" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
