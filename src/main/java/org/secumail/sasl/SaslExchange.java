// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.io.IOException;

/**
 * One running SASL exchange (RFC 4422). The server feeds each client response and gets the
 * next step: another challenge, success with the authenticated user name, or failure. A
 * mechanism that has final server data (SCRAM's server-final-message) returns it as one more
 * {@link SaslStep.Challenge}; the client's (empty) answer to it then yields the success.
 */
public interface SaslExchange {

    /**
     * @param response the client's decoded response, or {@code null} when AUTH carried no initial
     *                 response (the first call); an empty array is an empty response ("=")
     */
    SaslStep next(byte[] response) throws IOException;

    /** The client cancelled with "*" (RFC 4954 section 4), or the session ended: release resources. */
    default void abort() {
    }
}
