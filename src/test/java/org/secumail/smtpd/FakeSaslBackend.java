// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.secumail.sasl.SaslBackend;
import org.secumail.sasl.SaslClientInfo;
import org.secumail.sasl.SaslException;
import org.secumail.sasl.SaslExchange;
import org.secumail.sasl.SaslStep;

/**
 * A test-only SASL backend with fixed users and the PLAIN (RFC 4616) and LOGIN mechanisms, so
 * the SMTP framing can be tested without the real backends. The user "tempfail" makes the
 * backend fail temporarily. It records the client info of every exchange.
 */
public final class FakeSaslBackend implements SaslBackend {
    private final Map<String, String> users;
    public final List<SaslClientInfo> clients = Collections.synchronizedList(new ArrayList<>());

    public FakeSaslBackend(Map<String, String> users) { this.users = users; }

    @Override
    public List<String> mechanisms(boolean secured) { return List.of("PLAIN", "LOGIN"); }

    @Override
    public SaslExchange start(String mechanism, SaslClientInfo client) throws SaslException {
        clients.add(client);
        return switch (mechanism) {
            case "PLAIN" -> new Plain();
            case "LOGIN" -> new Login();
            case "X-FINAL" -> new FinalData();
            default -> throw new SaslException.UnknownMechanism(mechanism);
        };
    }

    private SaslStep verify(String user, String password) {
        if (user.equals("tempfail")) return new SaslStep.Failure("backend unavailable", true);
        String want = users.get(user);
        if (want == null) return new SaslStep.Failure("unknown user", false);
        return want.equals(password) ? new SaslStep.Success(user) : new SaslStep.Failure("password mismatch", false);
    }

    private final class Plain implements SaslExchange {
        @Override
        public SaslStep next(byte[] response) throws IOException {
            if (response == null) return new SaslStep.Challenge(new byte[0]);
            String[] f = new String(response, StandardCharsets.UTF_8).split("\0", -1);
            if (f.length != 3) return new SaslStep.Failure("malformed PLAIN response", false);
            return verify(f[1], f[2]);
        }
    }

    /**
     * SCRAM's shape (RFC 5802): the password is the client's first message; on success the server
     * sends final data as one more challenge and succeeds after the client's empty answer.
     */
    private final class FinalData implements SaslExchange {
        private String user;

        @Override
        public SaslStep next(byte[] response) throws IOException {
            if (user != null) {
                return response.length == 0 ? new SaslStep.Success(user) : new SaslStep.Failure("non-empty final response", false);
            }
            if (response == null) return new SaslStep.Challenge(new byte[0]);
            SaslStep s = verify("alice@example.test", new String(response, StandardCharsets.UTF_8));
            if (!(s instanceof SaslStep.Success ok)) return s;
            user = ok.username();
            return new SaslStep.Challenge("v=server-signature".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private final class Login implements SaslExchange {
        private String user;

        @Override
        public SaslStep next(byte[] response) throws IOException {
            if (response == null && user == null) return new SaslStep.Challenge("Username:".getBytes(StandardCharsets.US_ASCII));
            if (user == null) {
                user = new String(response, StandardCharsets.UTF_8);
                return new SaslStep.Challenge("Password:".getBytes(StandardCharsets.US_ASCII));
            }
            return verify(user, new String(response == null ? new byte[0] : response, StandardCharsets.UTF_8));
        }
    }
}
