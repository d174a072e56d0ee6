// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A minimal SMTP client for transcript-like tests: raw lines, multi-line replies, STARTTLS with JSSE. */
public final class LineClient implements AutoCloseable {
    private Socket socket;
    private BufferedReader in;
    private OutputStream out;

    public LineClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(15000);
        streams();
    }

    private void streams() throws IOException {
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
    }

    /** Sends raw text (CRLFs included by the caller) in one write. */
    public void sendRaw(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Sends one command and returns its whole reply. */
    public String cmd(String line) throws IOException {
        sendRaw(line + "\r\n");
        return reply();
    }

    /** Reads one (possibly multi-line) reply, lines joined with '\n'; null at end of stream. */
    public String reply() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            String l = in.readLine();
            if (l == null) return sb.isEmpty() ? null : sb.toString();
            if (!sb.isEmpty()) sb.append('\n');
            sb.append(l);
            if (l.length() < 4 || l.charAt(3) != '-') return sb.toString();
        }
        throw new IOException("reply too long");
    }

    /** Starts TLS over the connection (the server certificate is self-signed: trusted blindly). */
    public SSLSocket startTls() throws Exception {
        SSLSocket ssl = (SSLSocket) trustAll().getSocketFactory().createSocket(socket, "127.0.0.1", socket.getPort(), true);
        ssl.setUseClientMode(true);
        ssl.startHandshake();
        socket = ssl;
        streams();
        return ssl;
    }

    /** Connects with implicit TLS (RFC 8314). */
    public static LineClient implicitTls(int port) throws Exception {
        SSLSocket ssl = (SSLSocket) trustAll().getSocketFactory().createSocket("127.0.0.1", port);
        ssl.setSoTimeout(15000);
        ssl.startHandshake();
        return new LineClient(ssl);
    }

    private LineClient(Socket s) throws IOException {
        socket = s;
        streams();
    }

    static SSLContext trustAll() throws Exception {
        TrustManager tm = new X509TrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] c, String a) { }
            @Override public void checkServerTrusted(X509Certificate[] c, String a) { }
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {tm}, null);
        return ctx;
    }

    public static String b64(String s) { return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)); }

    public static String plain(String user, String password) { return b64("\0" + user + "\0" + password); }

    @Override
    public void close() throws IOException { socket.close(); }
}
