// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.util.List;

/**
 * The verdict of one scan.
 *
 * @param status    clean, infected or error (the scanner could not say)
 * @param signature the signature name for INFECTED ("Eicar-Test-Signature.UNOFFICIAL"), else ""
 * @param where     the part or archive member that matched ("part 2 (invoice.zip) > a.exe"), or ""
 * @param error     why the scan failed for ERROR, else ""
 * @param truncated true when only the first bytes were scanned (a message over the stream limit)
 * @param trace     what was looked at, one line each (for `secumail scan` and the debug log)
 */
public record ScanResult(Status status, String signature, String where, String error, boolean truncated, List<String> trace) {
    public enum Status { CLEAN, INFECTED, ERROR }

    public ScanResult {
        if (signature == null) signature = "";
        if (where == null) where = "";
        if (error == null) error = "";
        trace = List.copyOf(trace);
    }

    public static ScanResult clean(boolean truncated, List<String> trace) {
        return new ScanResult(Status.CLEAN, "", "", "", truncated, trace);
    }

    public static ScanResult infected(String signature, String where, boolean truncated, List<String> trace) {
        return new ScanResult(Status.INFECTED, signature, where, "", truncated, trace);
    }

    public static ScanResult error(String error, List<String> trace) {
        return new ScanResult(Status.ERROR, "", "", error, false, trace);
    }

    public boolean infected() { return status == Status.INFECTED; }

    /** "OK", "NAME FOUND" or "TEXT ERROR": clamd's reply words for this result. */
    public String clamdReply() {
        return switch (status) {
            case CLEAN -> "OK";
            case INFECTED -> signature + " FOUND";
            case ERROR -> error + " ERROR";
        };
    }
}
