// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

/** A malformed transcript; the message starts with "file:line: ". */
public final class TranscriptParseException extends RuntimeException {
    public TranscriptParseException(String source, int line, String message) {
        super(source + ":" + line + ": " + message);
    }
}
