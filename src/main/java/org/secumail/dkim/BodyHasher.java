// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Body canonicalization (RFC 6376 sections 3.4.3, 3.4.4) and the body hash (section 3.7),
 * streaming: bytes go in as they come from the queue file, nothing is buffered but a count of
 * pending empty lines. With a length limit (l=, section 3.5) only that many canonical bytes
 * are hashed; {@link #canonicalLength()} tells whether the body was longer (an unsigned tail).
 *
 * <p>Line ends: CRLF, or a bare LF (taken as CRLF). A CR not followed by LF is content.
 */
public final class BodyHasher {
    private final boolean relaxed;
    private final long limit;
    private final MessageDigest digest;
    private final byte[] buf = new byte[8192];
    private int bufLen;
    private long length;
    private long pendingLines;
    private boolean pendingWsp, lineContent, sawCr, anyOutput, finished;
    private byte[] hash;

    /** @param limit the l= value, or -1 for the whole body */
    public BodyHasher(Canonicalization canon, long limit) {
        this.relaxed = canon == Canonicalization.RELAXED;
        this.limit = limit;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public void update(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) update(b[i]);
    }

    private void update(byte b) {
        if (sawCr) {
            sawCr = false;
            if (b == '\n') { endLine(); return; }
            content((byte) '\r');
        }
        if (b == '\r') { sawCr = true; return; }
        if (b == '\n') { endLine(); return; }
        if (relaxed && (b == ' ' || b == '\t')) { pendingWsp = true; return; }
        content(b);
    }

    private void content(byte b) {
        while (pendingLines > 0) { emit((byte) '\r'); emit((byte) '\n'); pendingLines--; }
        if (pendingWsp) { emit((byte) ' '); pendingWsp = false; }   // relaxed: a WSP run is one SP
        emit(b);
        lineContent = true;
    }

    private void endLine() {
        pendingWsp = false;            // relaxed: no WSP at the end of a line
        if (lineContent) { emit((byte) '\r'); emit((byte) '\n'); lineContent = false; }
        else pendingLines++;           // an empty line: written only if content follows
    }

    private void emit(byte b) {
        anyOutput = true;
        if (limit >= 0 && length >= limit) { length++; return; }
        length++;
        buf[bufLen++] = b;
        if (bufLen == buf.length) { digest.update(buf, 0, bufLen); bufLen = 0; }
    }

    /** Ends the body and returns the SHA-256 hash of its canonical form (limited by l=). */
    public byte[] finish() {
        if (finished) return hash.clone();
        finished = true;
        if (sawCr) { sawCr = false; content((byte) '\r'); }
        if (lineContent) { pendingWsp = false; emit((byte) '\r'); emit((byte) '\n'); lineContent = false; }
        // simple: an empty body is one CRLF (3.4.3); relaxed: an empty body stays empty (3.4.4)
        if (!relaxed && !anyOutput) { emit((byte) '\r'); emit((byte) '\n'); }
        digest.update(buf, 0, bufLen);
        bufLen = 0;
        hash = digest.digest();
        return hash.clone();
    }

    /** The length of the whole canonical body (after {@link #finish()}), l= or not. */
    public long canonicalLength() { return length; }
}
