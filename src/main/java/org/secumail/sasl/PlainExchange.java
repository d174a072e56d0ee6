// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.util.Arrays;
import java.util.Locale;

/**
 * SASL PLAIN (RFC 4616): one message {@code [authzid] NUL authcid NUL passwd}. The
 * authorization identity must be empty or the authentication identity itself: acting as
 * somebody else is not supported.
 */
final class PlainExchange implements SaslExchange {
    private final PasswdFileBackend backend;
    private int steps;

    PlainExchange(PasswdFileBackend backend) {
        this.backend = backend;
    }

    @Override
    public SaslStep next(byte[] response) {
        if (++steps > 2) return new SaslStep.Failure("PLAIN: too many steps", false);
        if (response == null) return new SaslStep.Challenge(new byte[0]);  // RFC 4954: empty 334, then the message
        if (response.length > PasswdFileBackend.MAX_RESPONSE) return new SaslStep.Failure("PLAIN: response too long", false);
        int n1 = indexOf(response, 0);
        int n2 = n1 < 0 ? -1 : indexOf(response, n1 + 1);
        if (n2 < 0 || indexOf(response, n2 + 1) >= 0) return new SaslStep.Failure("PLAIN: malformed message", false);
        String authzid = PasswdFileBackend.utf8(response, 0, n1);
        String authcid = PasswdFileBackend.utf8(response, n1 + 1, n2);
        if (authzid == null || authcid == null) return new SaslStep.Failure("PLAIN: invalid UTF-8", false);
        byte[] password = Arrays.copyOfRange(response, n2 + 1, response.length);
        SaslStep result = backend.verify(authcid, password);
        Arrays.fill(password, (byte) 0);
        if (result instanceof SaslStep.Success s && !authzid.isEmpty() && !authzid.toLowerCase(Locale.ROOT).equals(s.username())) {
            return new SaslStep.Failure("PLAIN: " + s.username() + " may not act as authorization identity " + authzid, false);
        }
        return result;
    }

    static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) return i;
        }
        return -1;
    }
}
