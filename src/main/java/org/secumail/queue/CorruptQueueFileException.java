// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.IOException;

/** An envelope file that cannot be understood; recovery moves such a message to corrupt/. */
public final class CorruptQueueFileException extends IOException {
    public CorruptQueueFileException(String message) { super(message); }
}
