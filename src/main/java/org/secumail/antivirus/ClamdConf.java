// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the client needs from an existing clamd.conf (clamd.conf(5)): where clamd listens
 * ({@code LocalSocket}, {@code TCPSocket} with the {@code TCPAddr} lines) and how much it accepts
 * in one INSTREAM ({@code StreamMaxLength}, default 100M). The administrator's clamd and SecuMail
 * then agree without the same facts written twice.
 *
 * @param endpoints       the unix socket first (cheaper), then each TCPAddr (or 127.0.0.1)
 * @param streamMaxLength bytes, or -1 when the file does not say
 */
public record ClamdConf(List<ClamdEndpoint> endpoints, long streamMaxLength) {
    public ClamdConf {
        endpoints = List.copyOf(endpoints);
    }

    public static ClamdConf read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.ISO_8859_1));
    }

    /**
     * Lines are "Option value"; '#' starts a comment; clamd's own "Example" line is ignored.
     *
     * @throws ConfigException for a TCPSocket that is no port number, a LocalSocket that is no
     *         path or a bad StreamMaxLength
     */
    public static ClamdConf parse(String text) {
        String local = null;
        int port = 0;
        List<String> addrs = new ArrayList<>();
        long max = -1;
        for (String line : text.split("\r?\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            String[] kv = l.split("\\s+", 2);
            String v = kv.length > 1 ? kv[1].strip() : "";
            switch (kv[0]) {
                case "LocalSocket" -> local = v;
                case "TCPSocket" -> port = port(v);
                case "TCPAddr" -> addrs.add(v);
                case "StreamMaxLength" -> max = AntivirusParameters.size("StreamMaxLength", v);
                default -> { }
            }
        }
        List<ClamdEndpoint> eps = new ArrayList<>();
        if (local != null && !local.isEmpty()) {
            try {
                eps.add(ClamdEndpoint.unix(Path.of(local)));
            } catch (java.nio.file.InvalidPathException e) {
                // a NUL in the path (found by fuzzing): a ConfigException as documented, not InvalidPathException
                throw new org.secumail.config.ConfigException("clamd.conf: bad LocalSocket \"" + local.replace('\0', '?') + "\"");
            }
        }
        if (port > 0) {
            if (addrs.isEmpty()) addrs.add("127.0.0.1");
            for (String a : addrs) {
                // a clamd listening on every address is reached on loopback
                String host = a.equals("0.0.0.0") || a.equals("::") ? "127.0.0.1" : a;
                eps.add(ClamdEndpoint.tcp(host, port));
            }
        }
        return new ClamdConf(eps, max);
    }

    /** Found by fuzzing: Integer.parseInt let NumberFormatException out of parse() for "TCPSocket" without a number. */
    private static int port(String v) {
        try {
            int p = Integer.parseInt(v);
            if (p >= 0 && p <= 65535) return p;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new org.secumail.config.ConfigException("clamd.conf: bad TCPSocket \"" + v + "\"");
    }
}
