// SPDX-License-Identifier: Apache-2.0
package org.secumail.cleanup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.secumail.cleanup.MimeStructure.Section;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What cleanup(8) does to one message on its way into the queue file, line by line as it is
 * received: logical headers are put together from their folded lines (header_size_limit keeps
 * the first 102,400 bytes of each), Received: headers are counted (hopcount_limit), a header
 * section that ends in a line that is no header gets the empty line that separates it from the
 * body, and the header_checks(5) tables are asked about every header and body line. Their
 * actions change the lines written (IGNORE, STRIP, PREPEND, REPLACE) or are kept for the end of
 * data, where smtpd turns them into the reply (REJECT, DISCARD) or the queue file's envelope
 * (HOLD, REDIRECT, FILTER, BCC). After a REJECT, DISCARD, REDIRECT or PASS no line is checked.
 */
public final class MessageCleanup {
    static final Logger LOG = LoggerFactory.getLogger("secumail.cleanup");
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] NEWLINE = {'\n'};
    /** Postfix's HDR_OPT_MIME headers: mime_header_checks gets them wherever they are. */
    private static final Set<String> MIME_HEADERS = Set.of("content-type", "content-transfer-encoding", "content-disposition",
            "content-description", "content-id", "mime-version");

    private final CleanupSettings s;
    private final OutputStream out;
    private final CheckLog log;
    private final MimeStructure mime;
    /** The MIME structure is followed only when some table needs it; else the body is copied. */
    private final boolean tracking;
    private boolean checking;

    /** The logical header being put together ("\n" between its lines), or empty. */
    private final HeaderBuffer header = new HeaderBuffer();
    private boolean headerPending;
    /** The last piece was not a whole line: the next continues it. */
    private boolean continuing;
    /** ... and that line is a header's (else it went out as body text). */
    private boolean continuingHeader;
    private long bodyOffset;
    private int hops;
    /** Set for mail in the local header rewriting context: the headers it lacks are added. */
    private MissingHeaders missing;
    private String sender;
    private java.time.Instant arrival;
    private final MissingHeaders.Seen seen = new MissingHeaders.Seen();

    private final Outcome outcome = new Outcome();

    /** What the checks decided; all null or empty when nothing did. */
    public static final class Outcome {
        /** The first REJECT's reason ("5.7.1 text", "4.7.1 text") or the MIME nesting error's. */
        public String rejectReason;
        public boolean hopsExceeded;
        public boolean lookupFailed;
        public String discard;
        public String hold;
        public String redirect;
        public String filter;
        public boolean pass;
        public final List<String> bcc = new ArrayList<>();
        /** The primary Message-Id: header's value, or the one cleanup added; null when there is none. */
        public String messageId;
    }

    /**
     * @param log the queue ID and the end of cleanup's log lines for this message
     */
    public MessageCleanup(CleanupSettings s, OutputStream out, CheckLog log) {
        this.s = s;
        this.out = out;
        this.log = log;
        this.tracking = s.anyChecks();
        this.checking = tracking;
        this.mime = new MimeStructure(s.nestingLimit(), s.boundaryLengthLimit());
    }

    public Outcome outcome() { return outcome; }

    /** Adds the Message-Id:, Date: and From: headers the message lacks (call before the first line). */
    public void addMissingHeaders(MissingHeaders m, String envelopeSender, java.time.Instant arrivalTime) {
        this.missing = m;
        this.sender = envelopeSender;
        this.arrival = arrivalTime;
    }

    /** One whole line of text ("\r\n" not included), e.g. smtpd's own Received: header lines. */
    public void line(String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        line(b, 0, b.length, false);
    }

    /** A line, or a piece of a long one (partial: more of the line follows), without CRLF. */
    public void line(byte[] b, int off, int len, boolean partial) throws IOException {
        boolean piece = continuing;
        continuing = partial;
        if (mime.section() != Section.BODY) {
            if (piece) {
                if (continuingHeader) {
                    if (header.length < s.headerSizeLimit()) header.append(b, off, len);
                    return;
                }
            } else if (headerPending && len > 0 && (b[off] == ' ' || b[off] == '\t')) {
                if (header.length < s.headerSizeLimit()) {   // RFC 5322 section 2.2.3: a folded line
                    header.append(NEWLINE, 0, 1);
                    header.append(b, off, len);
                }
                continuingHeader = true;
                return;
            } else {
                flushHeader();
                if (isHeader(b, off, len)) {
                    header.append(b, off, len);
                    headerPending = true;
                    continuingHeader = true;
                    return;
                }
                continuingHeader = false;
                boolean empty = len == 0 && !partial;
                if (mime.section() == Section.PRIMARY_HEADERS) {
                    primaryHeadersDone();
                    if (!empty) out.write(CRLF);   // the missing separator
                }
                endOfHeaders();
                if (empty) {
                    out.write(CRLF);
                    return;
                }
            }
        }
        body(b, off, len, partial, piece);
    }

    /** The end of the message: a header still being put together goes out. */
    public void finish() throws IOException {
        if (mime.section() != Section.BODY) flushHeader();
        if (mime.section() == Section.PRIMARY_HEADERS) primaryHeadersDone();
    }

    /** The end of the primary header section: the missing headers go after the others. */
    private void primaryHeadersDone() throws IOException {
        if (missing == null) return;
        MissingHeaders.Added added = missing.missing(seen, log.queueId(), sender, arrival);
        for (String h : added.headers()) writeHeader(h.getBytes(StandardCharsets.UTF_8));
        if (added.messageId() != null && outcome.messageId == null) outcome.messageId = added.messageId();
        missing = null;
    }

    private void endOfHeaders() {
        if (!tracking) {
            mime.endOfHeaders();
            return;
        }
        mime.endOfHeaders();
        bodyOffset = 0;
        if (mime.takeNestingExceeded() && checking) {
            if (outcome.rejectReason == null) outcome.rejectReason = "5.6.0 MIME nesting exceeds safety limit";
            log.event("reject", "mime-error", "MIME nesting exceeds safety limit", "");
        }
    }

    private void body(byte[] b, int off, int len, boolean partial, boolean piece) throws IOException {
        if (!tracking) {
            write(b, off, len, partial);
            return;
        }
        boolean boundary = !piece && mime.boundary(b, off, len);
        CheckAction a = null;
        if (checking && !s.bodyChecks().isEmpty() && len > 0 && (s.bodyChecksSizeLimit() == 0 || bodyOffset < s.bodyChecksSizeLimit())) {
            String text = new String(b, off, len, StandardCharsets.UTF_8);
            a = lookup(s.bodyChecks(), "body_checks", text);
            if (a != null) a = act(a, "body", text, "body_checks");
        }
        bodyOffset += len + (partial ? 0 : 1);
        if (boundary) bodyOffset = 0;
        if (a == null) {
            write(b, off, len, partial);
        } else if (a.kind() == CheckAction.Kind.REPLACE) {
            byte[] r = a.text().getBytes(StandardCharsets.UTF_8);
            write(r, 0, r.length, partial);
        } else if (a.kind() == CheckAction.Kind.PREPEND) {
            byte[] p = a.text().getBytes(StandardCharsets.UTF_8);
            write(p, 0, p.length, false);
            write(b, off, len, partial);
        }
        // IGNORE, STRIP: the line is dropped
    }

    private void write(byte[] b, int off, int len, boolean partial) throws IOException {
        out.write(b, off, len);
        if (!partial) out.write(CRLF);
    }

    /** A logical header is complete: counted, checked, and written unless dropped. */
    private void flushHeader() throws IOException {
        if (!headerPending) return;
        headerPending = false;
        byte[] raw = header.bytes;
        int rawLength = header.length;
        header.length = 0;
        int colon = 0;
        while (raw[colon] != ':') colon++;
        int nameEnd = colon;
        while (raw[nameEnd - 1] == ' ' || raw[nameEnd - 1] == '\t') nameEnd--;   // "Name :"
        // no String for a header nobody reads: remote mail without tables is only counted and copied
        boolean received = nameIs(raw, nameEnd, "received");
        if (received) hops++;
        Section section = mime.section();
        if (section == Section.PRIMARY_HEADERS) {
            if (missing != null) seen.header(new String(raw, 0, nameEnd, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT));
            if (outcome.messageId == null && nameIs(raw, nameEnd, "message-id")) {
                outcome.messageId = new String(raw, colon + 1, Math.min(rawLength - colon - 1, 998), StandardCharsets.UTF_8).strip()
                        .replace('\n', ' ').replace('\t', ' ');
            }
        }
        String text = null;
        if (tracking) {
            String name = new String(raw, 0, nameEnd, StandardCharsets.ISO_8859_1);   // isHeader(): printable ASCII
            String lower = name.toLowerCase(Locale.ROOT);
            boolean mimeHeader = MIME_HEADERS.contains(lower) || section == Section.PART_HEADERS;
            List<LookupTable> tables = mimeHeader ? s.mimeHeaderChecks() : section == Section.PRIMARY_HEADERS ? s.headerChecks() : s.nestedHeaderChecks();
            String param = mimeHeader ? "mime_header_checks" : section == Section.PRIMARY_HEADERS ? "header_checks" : "nested_header_checks";
            text = new String(raw, 0, rawLength, StandardCharsets.UTF_8);
            CheckAction a = checking && !tables.isEmpty() ? lookup(tables, param, text) : null;
            if (a != null) {
                a = act(a, "header", text, param);
                if (a != null) {
                    switch (a.kind()) {
                        case IGNORE, STRIP -> { return; }
                        case PREPEND -> writeHeader(a.text().getBytes(StandardCharsets.UTF_8));
                        case REPLACE -> {
                            raw = a.text().getBytes(StandardCharsets.UTF_8);
                            rawLength = raw.length;
                            text = a.text();
                            name = text.substring(0, text.indexOf(':')).strip();
                            received = name.equalsIgnoreCase("received");
                        }
                        default -> { }
                    }
                }
            }
            mime.header(name, text.substring(text.indexOf(':') + 1));
        }
        if (received && section == Section.PRIMARY_HEADERS && hops >= s.hopcountLimit() && !outcome.hopsExceeded) {
            outcome.hopsExceeded = true;
            LOG.warn("warning: {}: message rejected: hopcount exceeded", log.queueId());
        }
        if ((addressMapping != null || !dropHeaders.isEmpty()) && section == Section.PRIMARY_HEADERS) {
            int c2 = 0;
            while (c2 < rawLength && raw[c2] != ':') c2++;
            int n2 = c2;
            while (n2 > 0 && (raw[n2 - 1] == ' ' || raw[n2 - 1] == '\t')) n2--;
            // message_drop_headers: removed after the header checks, as cleanup_header() does
            for (String d : dropHeaders) if (nameIs(raw, n2, d)) return;
            // cleanup_rewrite_sender/recip: address headers of mail in a rewriting context
            AddressMapping.Kind kind = addressMapping == null ? null
                    : AddressMapping.headerKind(new String(raw, 0, n2, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT));
            if (kind != null) {
                try {
                    // byte for byte: an 8-bit display name that is not UTF-8 must come out unchanged
                    String rewritten = addressMapping.rewriteHeader(new String(raw, 0, rawLength, StandardCharsets.ISO_8859_1), kind, qualifyDomain);
                    if (rewritten != null) {
                        raw = rewritten.getBytes(StandardCharsets.ISO_8859_1);
                        rawLength = raw.length;
                    }
                } catch (org.secumail.table.LookupException e) {
                    LOG.warn("warning: {}: canonical or masquerade map lookup problem -- message not accepted, try again later: {}",
                            log.queueId(), e.getMessage());
                    outcome.lookupFailed = true;
                }
            }
        }
        writeHeader(raw, rawLength);
    }

    private AddressMapping addressMapping;
    private String qualifyDomain;
    private java.util.Set<String> dropHeaders = java.util.Set.of();

    /** message_drop_headers: primary headers (lower-case names) that are not kept. */
    public void dropHeaders(java.util.Set<String> lowerNames) { this.dropHeaders = lowerNames; }

    /**
     * Rewrites the addresses in address headers, for mail in a header rewriting context: an
     * address without a domain gets @{@code qualifyDomain} ($myorigin for local mail,
     * remote_header_rewrite_domain for remote mail), then the canonical maps and masquerading.
     */
    public void rewriteHeaderAddresses(AddressMapping m, String qualifyDomain) {
        this.addressMapping = m;
        this.qualifyDomain = qualifyDomain;
    }

    private static boolean nameIs(byte[] raw, int nameLength, String lowerName) {
        if (nameLength != lowerName.length()) return false;
        for (int i = 0; i < nameLength; i++) {
            if ((raw[i] | 0x20) != lowerName.charAt(i)) return false;   // ASCII letters and '-' (0x2d has the bit set)
        }
        return true;
    }

    /** A logical header's bytes, reused from one header to the next. */
    private static final class HeaderBuffer {
        byte[] bytes = new byte[512];
        int length;

        void append(byte[] b, int off, int len) {
            if (length + len > bytes.length) bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + len));
            System.arraycopy(b, off, bytes, length, len);
            length += len;
        }
    }

    private void writeHeader(byte[] raw) throws IOException {
        writeHeader(raw, raw.length);
    }

    /** header_size_limit: a longer header is cut at its last line break past 90 % of the limit, else at the limit. */
    private void writeHeader(byte[] raw, int length) throws IOException {
        int len = length;
        int limit = s.headerSizeLimit();
        if (len > limit) {
            int cut = limit;
            for (int i = limit - 1; i > 0.9 * limit; i--) {
                if (raw[i] == '\n') {
                    cut = i;
                    break;
                }
            }
            len = cut;
        }
        int start = 0;
        for (int i = 0; i < len; i++) {
            if (raw[i] == '\n') {
                out.write(raw, start, i - start);
                out.write(CRLF);
                start = i + 1;
            }
        }
        out.write(raw, start, len - start);
        out.write(CRLF);
    }

    private CheckAction lookup(List<LookupTable> tables, String param, String text) {
        try {
            for (LookupTable t : tables) {
                var v = t.lookup(text);
                if (v.isPresent()) return CheckAction.parse(v.get());
            }
            return null;
        } catch (LookupException e) {
            if (!outcome.lookupFailed) LOG.warn("warning: {}: {} map lookup problem -- message not accepted, try again later", log.queueId(), param);
            outcome.lookupFailed = true;
            checking = false;
            return null;
        }
    }

    /**
     * Carries out an action's effect on the message and logs it as cleanup does; returns the
     * action when the line itself changes (IGNORE, STRIP, PREPEND, REPLACE), else null.
     */
    private CheckAction act(CheckAction a, String where, String line, String param) {
        switch (a.kind()) {
            case REJECT -> {
                String reason = a.rejectReason();
                if (a.text().length() > 0 && a.text().charAt(0) == '2') {
                    LOG.warn("warning: bad DSN action in {} -- need 4.x.x or 5.x.x", a.text());
                }
                if (outcome.rejectReason == null) outcome.rejectReason = reason;
                log.event("reject", where, line, reason);
                checking = false;
            }
            case DISCARD -> {
                log.event("discard", where, line, a.text());
                outcome.discard = where + " " + CheckLog.printable(line) + (a.text().isEmpty() ? "" : ": " + a.text());
                checking = false;
            }
            case HOLD -> {
                if (outcome.hold == null && outcome.discard == null) {
                    log.event("hold", where, line, a.text());
                    outcome.hold = where + " " + CheckLog.printable(line) + (a.text().isEmpty() ? "" : ": " + a.text());
                }
            }
            case WARN -> log.event("warning", where, line, a.text());
            case INFO -> log.event("info", where, line, a.text());
            case PASS -> {
                log.event("pass", where, line, a.text());
                outcome.pass = true;
                checking = false;
            }
            case REDIRECT, BCC -> {
                if (a.text().indexOf('@') < 0) {
                    LOG.warn("warning: bad {} command in {} map: need user@domain: {}", a.word(), param, a.text());
                } else {
                    log.event(a.kind() == CheckAction.Kind.BCC ? "bcc" : "redirect", where, line, a.text());
                    if (a.kind() == CheckAction.Kind.BCC) {
                        outcome.bcc.add(a.text());
                    } else {
                        outcome.redirect = a.text();
                        checking = false;
                    }
                }
            }
            case FILTER -> {
                if (a.text().indexOf(':') < 0) {
                    LOG.warn("warning: bad FILTER command in {} map: need transport:destination: {}", param, a.text());
                } else {
                    log.event("filter", where, line, a.text());
                    outcome.filter = a.text();
                }
            }
            case STRIP -> {
                log.event("strip", where, line, a.text());
                return a;
            }
            case IGNORE -> {
                return a;
            }
            case PREPEND, REPLACE -> {
                if (where.equals("header") && !isHeader(a.text())) {
                    LOG.warn("warning: bad {} header text \"{}\" in {} map -- need \"headername: headervalue\"", a.word(), a.text(), param);
                    return null;
                }
                log.event(a.kind() == CheckAction.Kind.PREPEND ? "prepend" : "replace", where, line, a.text());
                return a;
            }
            case DUNNO -> { }
            case UNKNOWN -> LOG.warn("warning: unknown command in {} map: {}", param, (a.word() + " " + a.text()).strip());
        }
        return null;
    }

    /** RFC 5322 section 2.2: a field name of printable characters other than ":" (and space), then ":". */
    static boolean isHeader(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end && b[i] > 32 && b[i] < 127 && b[i] != ':') i++;
        if (i == off) return false;
        while (i < end && (b[i] == ' ' || b[i] == '\t')) i++;   // "Name :" as Postfix's is_header() allows
        return i < end && b[i] == ':';
    }

    static boolean isHeader(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return isHeader(b, 0, b.length);
    }
}
