// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

/** A SASL request that cannot start. */
public class SaslException extends Exception {
    private static final long serialVersionUID = 1L;

    public SaslException(String message) {
        super(message);
    }

    /** The client asked for a mechanism the backend does not offer (504 5.5.4). */
    public static final class UnknownMechanism extends SaslException {
        private static final long serialVersionUID = 1L;

        public UnknownMechanism(String mechanism) {
            super("unsupported authentication mechanism: " + mechanism);
        }
    }
}
