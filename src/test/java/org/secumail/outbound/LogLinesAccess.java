// SPDX-License-Identifier: Apache-2.0
package org.secumail.outbound;

import org.secumail.smtpd.LogCapture;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Predicate;

/** Log capture (org.secumail.smtpd.LogCapture) and the SMTP submission helper for tests in other packages. */
public final class LogLinesAccess implements AutoCloseable {
    private final LogCapture lines;

    public LogLinesAccess(String... loggers) { lines = new LogCapture(loggers); }

    public String await(Predicate<String> p, Duration limit) throws InterruptedException { return lines.await(p, limit); }

    /** Sends one message over SMTP to 127.0.0.1:port and asserts it was queued. */
    public static String submit(int port, String from, String subject, String... to) throws IOException {
        return RelayEndToEndTest.submit(port, from, subject, to);
    }

    @Override public void close() { lines.close(); }
}
