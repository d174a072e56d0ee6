// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

/** A lookup that failed temporarily (the caller defers with 4xx, as Postfix does on DICT_ERR). */
public class LookupException extends Exception {
    public LookupException(String message) { super(message); }
    public LookupException(String message, Throwable cause) { super(message, cause); }
}
