// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.io.Closeable;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One open connection to an SMTP or LMTP server after the greeting and EHLO/LHLO: what the
 * server announced (RFC 5321 section 4.1.1.1 and the service extensions) and how to name it
 * in logs ("mx.example[192.0.2.1]" and relay=mx.example[192.0.2.1]:25).
 */
final class ClientSession implements Closeable {
    final SmtpWire wire;
    /** host[address], as in "host mx.example[192.0.2.1] said: ...". */
    final String label;
    /** The relay= field: label:port, or the socket path. */
    final String relay;
    /** The server's host name (MX name or next-hop host): SASL password lookups, TLS SNI. */
    final String hostname;
    final long openedNanos = System.nanoTime();
    boolean esmtp;
    final Set<String> keywords = new HashSet<>();
    long sizeLimit;
    final Set<String> authMechanisms = new HashSet<>();
    final Set<String> xforwardNames = new HashSet<>();
    int transactions;

    ClientSession(SmtpWire wire, String label, String relay, String hostname) {
        this.wire = wire;
        this.label = label;
        this.relay = relay;
        this.hostname = hostname;
    }

    /** Takes the EHLO (or LHLO) reply's keywords: SIZE n, PIPELINING, STARTTLS, AUTH..., DSN, 8BITMIME, SMTPUTF8. */
    void extensions(Reply ehlo) {
        esmtp = true;
        keywords.clear();
        authMechanisms.clear();
        xforwardNames.clear();
        sizeLimit = 0;
        List<String> texts = ehlo.texts();
        for (int i = 1; i < texts.size(); i++) {
            String[] w = texts.get(i).strip().split("\\s+");
            if (w.length == 0 || w[0].isEmpty()) continue;
            String kw = w[0].toUpperCase(Locale.ROOT);
            keywords.add(kw);
            if (kw.equals("SIZE") && w.length > 1 && w[1].matches("\\d{1,18}")) sizeLimit = Long.parseLong(w[1]);
            if (kw.equals("XFORWARD")) {
                for (int k = 1; k < w.length; k++) xforwardNames.add(w[k].toUpperCase(Locale.ROOT));
            }
            if (kw.equals("AUTH")) {
                for (int k = 1; k < w.length; k++) authMechanisms.add(w[k].toUpperCase(Locale.ROOT));
            }
        }
    }

    boolean has(String keyword) { return keywords.contains(keyword); }

    /** The attribute names the server listed after XFORWARD in its EHLO reply. */
    java.util.Set<String> xforwardAttributes() { return java.util.Set.copyOf(xforwardNames); }

    /** Sends QUIT and closes, without waiting longer than the quit timeout. */
    void quit(java.time.Duration timeout) {
        try {
            wire.stage("sending QUIT", timeout);
            wire.write("QUIT");
            wire.flush();
            wire.readReply();
        } catch (IOException e) {
            // the server may close first: nothing is lost at this point
        } finally {
            close();
        }
    }

    @Override
    public void close() { wire.close(); }
}
