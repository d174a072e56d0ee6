// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.io.IOException;
import java.io.InputStream;

/**
 * A virus scanner: clamd over its socket ({@link ClamdClient}) or the built-in one
 * ({@link BuiltinScanner}). Thread-safe: one instance serves every SMTP session at once.
 * A scan never throws for the scanner's own trouble (unreachable, timed out, bad reply): that
 * is a {@link ScanResult.Status#ERROR} result, so the caller applies its error action.
 */
public interface Scanner {
    /** Opens the bytes to scan; called again when a scan is retried on another clamd. */
    @FunctionalInterface
    interface Source {
        InputStream open() throws IOException;
    }

    /** "clamd:unix:/run/clamav/clamd.ctl", "builtin" ...: for the log line and the header. */
    String name();

    /** Scans the bytes of a file or a whole message (a message is recognised and taken apart). */
    ScanResult scan(Source source);

    /**
     * Scans a whole message (RFC 5322), known to be one whatever its first bytes look like. clamd
     * recognises mail by itself, so only the built-in scanner does anything different here.
     */
    default ScanResult scanMessage(Source source) { return scan(source); }
}
