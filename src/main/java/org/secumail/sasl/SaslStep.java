// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

/** The next step of a {@link SaslExchange}. */
public sealed interface SaslStep {

    /** Send {@code 334 base64(data)} and wait for the client's response. */
    record Challenge(byte[] data) implements SaslStep {
    }

    /** Authenticated as {@code username} (235 2.7.0). */
    record Success(String username) implements SaslStep {
    }

    /**
     * Not authenticated. {@code temporary} failures (backend down) become 454 4.7.0, the rest
     * 535 5.7.8. {@code reason} is for the log only: the client never learns whether the user
     * or the password was wrong.
     */
    record Failure(String reason, boolean temporary) implements SaslStep {
    }
}
