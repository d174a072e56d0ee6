// SPDX-License-Identifier: Apache-2.0
package org.secumail.cleanup;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawBody;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.stream.RawFieldParser;

/**
 * Where a line of a message being received stands in its MIME structure (RFC 2046), followed
 * line by line as Postfix's mime_state does, without decoding anything: which header section
 * (primary, a multipart body part's, an attached message's) or body the line is in, with the
 * boundaries of the enclosing multiparts. The header_checks(5) tables are chosen by it.
 * Content-Type parameters are parsed by mime4j.
 */
final class MimeStructure {
    /** The part of the message a line belongs to. */
    enum Section { PRIMARY_HEADERS, PART_HEADERS, NESTED_HEADERS, BODY }

    /** An enclosing multipart: "--" + its boundary, and whether it is multipart/digest. */
    private record Boundary(byte[] marker, boolean digest) { }

    private final int nestingLimit;
    private final int boundaryLengthLimit;
    private final Deque<Boundary> boundaries = new ArrayDeque<>();
    private Section section = Section.PRIMARY_HEADERS;
    /** The Content-Type and Content-Transfer-Encoding of the header section being read. */
    private String contentType;
    private String transferEncoding;
    /** The part being read is a multipart/digest's: message/rfc822 without a Content-Type. */
    private boolean digestPart;
    private boolean nestingExceeded;

    MimeStructure(int nestingLimit, int boundaryLengthLimit) {
        this.nestingLimit = nestingLimit;
        this.boundaryLengthLimit = boundaryLengthLimit;
    }

    Section section() { return section; }

    /** True once a multipart or attached message went deeper than mime_nesting_limit (reported once). */
    boolean takeNestingExceeded() {
        boolean was = nestingExceeded;
        nestingExceeded = false;
        return was;
    }

    /** A header of the current header section, as kept (after a REPLACE): its MIME fields are noted. */
    void header(String name, String value) {
        if (name.equalsIgnoreCase("Content-Type")) contentType = value;
        else if (name.equalsIgnoreCase("Content-Transfer-Encoding")) transferEncoding = value.strip().toLowerCase(Locale.ROOT);
    }

    /** The header section ended: what follows is a multipart's preamble, an attached message's headers or a body. */
    void endOfHeaders() {
        String type = "";
        String boundary = null;
        if (contentType != null) {
            RawBody b = RawFieldParser.DEFAULT.parseRawBody(new RawField("Content-Type", contentType));
            type = b.getValue() == null ? "" : b.getValue().toLowerCase(Locale.ROOT);
            for (NameValuePair p : b.getParams()) {
                if (p.getName().equalsIgnoreCase("boundary") && p.getValue() != null && !p.getValue().isEmpty()) boundary = p.getValue();
            }
        } else if (digestPart) {
            type = "message/rfc822";   // RFC 2046 section 5.1.5
        }
        boolean identity = transferEncoding == null || transferEncoding.equals("7bit") || transferEncoding.equals("8bit")
                || transferEncoding.equals("binary");
        contentType = null;
        transferEncoding = null;
        section = Section.BODY;
        if (type.startsWith("multipart/") && boundary != null) {
            // Postfix's mime_state: the nesting level starts at -1 and is compared before the
            // push, so mime_nesting_limit = N holds N + 2 multiparts; attached messages do not count
            if (boundaries.size() - 1 > nestingLimit) {
                nestingExceeded = true;
                return;
            }
            byte[] b = ("--" + boundary).getBytes(StandardCharsets.UTF_8);
            if (b.length > boundaryLengthLimit + 2) b = java.util.Arrays.copyOf(b, boundaryLengthLimit + 2);
            boundaries.push(new Boundary(b, type.equals("multipart/digest")));
        } else if ((type.equals("message/rfc822") || type.equals("message/global")) && identity) {
            digestPart = false;
            section = Section.NESTED_HEADERS;
        }
    }

    /**
     * A body line (the first piece of one): when it is a boundary of an enclosing multipart
     * ("--boundary" opens a part, "--boundary--" closes the multipart), the section changes.
     * The line itself stays a body line of the part it ends.
     *
     * @return true when the line was a boundary
     */
    boolean boundary(byte[] line, int off, int len) {
        if (section != Section.BODY || boundaries.isEmpty() || len < 3 || line[off] != '-' || line[off + 1] != '-') return false;
        int level = 0;
        for (Boundary b : boundaries) {
            if (startsWith(line, off, len, b.marker)) {
                for (int i = 0; i < level; i++) boundaries.pop();
                int end = off + b.marker.length;
                if (len >= b.marker.length + 2 && line[end] == '-' && line[end + 1] == '-') {
                    boundaries.pop();            // the multipart's close delimiter: its epilogue follows
                    section = Section.BODY;
                    digestPart = false;
                } else {
                    section = Section.PART_HEADERS;
                    digestPart = b.digest;
                }
                return true;
            }
            level++;
        }
        return false;
    }

    private static boolean startsWith(byte[] line, int off, int len, byte[] marker) {
        if (len < marker.length) return false;
        for (int i = 0; i < marker.length; i++) if (line[off + i] != marker[i]) return false;
        return true;
    }
}
