// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.nio.charset.StandardCharsets;

/** Runs whole SASL exchanges against a backend as an SMTP server would, for tests. */
final class SaslDriver {
    static final SaslClientInfo CLIENT = new SaslClientInfo("127.0.0.1", 40000, "127.0.0.1", 587, true, "smtp");

    /** A client address of its own: Dovecot's auth penalty (per remote IP) then delays only that test. */
    static SaslClientInfo from(String ip) {
        return new SaslClientInfo(ip, 40000, "127.0.0.1", 587, true, "smtp");
    }

    private SaslDriver() {
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** PLAIN with the message as initial response (AUTH PLAIN base64). */
    static SaslStep plain(SaslBackend backend, String authzid, String user, String password) throws Exception {
        return plain(backend, CLIENT, authzid, user, password);
    }

    static SaslStep plain(SaslBackend backend, SaslClientInfo client, String authzid, String user, String password) throws Exception {
        SaslExchange x = backend.start("PLAIN", client);
        return x.next(b(authzid + "\0" + user + "\0" + password));
    }

    /** LOGIN without initial response: "Username:", "Password:". */
    static SaslStep login(SaslBackend backend, String user, String password) throws Exception {
        return login(backend, CLIENT, user, password);
    }

    static SaslStep login(SaslBackend backend, SaslClientInfo client, String user, String password) throws Exception {
        SaslExchange x = backend.start("LOGIN", client);
        SaslStep s = x.next(null);
        if (!(s instanceof SaslStep.Challenge c) || !new String(c.data(), StandardCharsets.US_ASCII).equals("Username:")) return s;
        s = x.next(b(user));
        if (!(s instanceof SaslStep.Challenge c2) || !new String(c2.data(), StandardCharsets.US_ASCII).equals("Password:")) return s;
        return x.next(b(password));
    }

    /** SCRAM-SHA-256; a Success only if the server also proved itself (server-final-message). */
    static SaslStep scram(SaslBackend backend, String user, String password) throws Exception {
        return scram(backend, CLIENT, user, password);
    }

    static SaslStep scram(SaslBackend backend, SaslClientInfo info, String user, String password) throws Exception {
        ScramClient client = new ScramClient(user, password);
        SaslExchange x = backend.start("SCRAM-SHA-256", info);
        SaslStep s = x.next(client.clientFirst());
        if (!(s instanceof SaslStep.Challenge first)) return s;
        s = x.next(client.clientFinal(first.data()));
        if (!(s instanceof SaslStep.Challenge fin)) return s;
        if (!client.serverFinalValid(fin.data())) return new SaslStep.Failure("server-final-message did not verify", false);
        return x.next(new byte[0]);
    }
}
