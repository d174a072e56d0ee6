// SPDX-License-Identifier: Apache-2.0
package org.secumail.greylist;

/** The greylist store failed (database unreadable, disk full, locked past the busy timeout). */
public class GreylistStoreException extends RuntimeException {
    public GreylistStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
