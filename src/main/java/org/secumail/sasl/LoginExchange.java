// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.nio.charset.StandardCharsets;

/**
 * SASL LOGIN (draft-murchison-sasl-login-00): the server asks "Username:" and "Password:",
 * the client answers each. An initial response on the AUTH command is the user name (as
 * Outlook and Postfix's Cyrus/Dovecot backends accept).
 */
final class LoginExchange implements SaslExchange {
    private static final byte[] USERNAME = "Username:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PASSWORD = "Password:".getBytes(StandardCharsets.US_ASCII);
    private final PasswdFileBackend backend;
    private String user;
    private int steps;

    LoginExchange(PasswdFileBackend backend) {
        this.backend = backend;
    }

    @Override
    public SaslStep next(byte[] response) {
        if (++steps > 3) return new SaslStep.Failure("LOGIN: too many steps", false);
        if (response == null) return new SaslStep.Challenge(USERNAME.clone());
        if (response.length > PasswdFileBackend.MAX_RESPONSE) return new SaslStep.Failure("LOGIN: response too long", false);
        if (user == null) {
            user = PasswdFileBackend.utf8(response, 0, response.length);
            if (user == null || user.indexOf('\0') >= 0) return new SaslStep.Failure("LOGIN: invalid user name", false);
            return new SaslStep.Challenge(PASSWORD.clone());
        }
        return backend.verify(user, response);
    }
}
