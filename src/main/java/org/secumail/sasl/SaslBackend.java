// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.io.IOException;
import java.util.List;

/**
 * Where SMTP AUTH is decided (Postfix's smtpd_sasl_type): the built-in passwd-file backend, or
 * a Dovecot auth service. A backend runs the whole SASL mechanism (PLAIN, LOGIN,
 * SCRAM-SHA-256...); the SMTP server only frames it as RFC 4954 334/235/535 replies, so the
 * same session code works for both backends.
 */
public interface SaslBackend extends AutoCloseable {

    /**
     * The mechanisms to announce in {@code 250-AUTH}, in preference order.
     *
     * @param secured whether the connection is protected by TLS (plaintext mechanisms may be
     *                withheld otherwise, as Dovecot's disable_plaintext_auth does)
     */
    List<String> mechanisms(boolean secured) throws IOException;

    /**
     * Starts one authentication exchange with a mechanism the client chose.
     *
     * @throws SaslException.UnknownMechanism when the mechanism is not offered
     * @throws IOException                    when the backend cannot be reached (a temporary failure)
     */
    SaslExchange start(String mechanism, SaslClientInfo client) throws IOException, SaslException;

    @Override
    default void close() {
    }
}
