// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

import java.util.List;

/**
 * What one content check decided and wants done. The runner merges the results of all
 * checks in a fixed order: reject > tempfail > quarantine > discard > accept (the first
 * check in configuration order wins among equals); every Authentication-Results entry goes
 * into one header; headers to add are prepended in check order.
 *
 * @param check       the check's name
 * @param action      the verdict
 * @param code        the SMTP reply code for REJECT/TEMPFAIL (550, 554, 451 ...), 0 otherwise
 * @param enhanced    the enhanced status code ("5.7.1"), or "" when none
 * @param text        the reply text for REJECT/TEMPFAIL, or the reason for QUARANTINE/DISCARD
 * @param authResults Authentication-Results entries (RFC 8601)
 * @param addHeaders  header fields to add at the top of the message
 * @param trace       the steps taken, one line each (for the log at debug level and for explain)
 * @param detail      a check-specific value for checks of later phases (DKIM's verifications
 *                    for DMARC), or null
 */
public record ContentResult(String check, Action action, int code, String enhanced, String text,
                            List<AuthResult> authResults, List<HeaderField> addHeaders,
                            List<String> trace, Object detail) {
    public enum Action { ACCEPT, DISCARD, QUARANTINE, TEMPFAIL, REJECT }

    public ContentResult {
        authResults = List.copyOf(authResults);
        addHeaders = List.copyOf(addHeaders);
        trace = List.copyOf(trace);
        if (text == null) text = "";
        if (enhanced == null) enhanced = "";
    }

    /** Accept, with these Authentication-Results entries and headers. */
    public static ContentResult accept(String check, List<AuthResult> ar, List<HeaderField> headers, List<String> trace, Object detail) {
        return new ContentResult(check, Action.ACCEPT, 0, "", "", ar, headers, trace, detail);
    }

    public static ContentResult reject(String check, int code, String enhanced, String text, List<AuthResult> ar, List<String> trace) {
        return new ContentResult(check, Action.REJECT, code, enhanced, text, ar, List.of(), trace, null);
    }

    public static ContentResult tempfail(String check, String text, List<String> trace) {
        return new ContentResult(check, Action.TEMPFAIL, 451, "4.7.1", text, List.of(), List.of(), trace, null);
    }

    /** Hold the message in the hold queue (Postfix's HOLD), with this reason. */
    public static ContentResult quarantine(String check, String reason, List<AuthResult> ar, List<HeaderField> headers, List<String> trace) {
        return new ContentResult(check, Action.QUARANTINE, 0, "", reason, ar, headers, trace, null);
    }

    public static ContentResult discard(String check, String reason, List<String> trace) {
        return new ContentResult(check, Action.DISCARD, 0, "", reason, List.of(), List.of(), trace, null);
    }
}
