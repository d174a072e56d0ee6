// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.secumail.content.FromHeader;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;

/**
 * One message as SpamAssassin's tests see it (Mail::SpamAssassin::Message and PerMsgStatus),
 * parsed once for all rules and for Bayes:
 * <ul>
 *   <li>header values decoded (RFC 2047) and unfolded, or raw; the pseudo-headers ALL,
 *       ToCc, EnvelopeFrom, MESSAGEID and X-Spam-Relays-*; the message's own X-Spam-*
 *       fields are not seen (a filter's earlier verdict must not score);</li>
 *   <li>the body as paragraphs of rendered text (text/plain and HTML rendered by
 *       {@link HtmlText}), Subject first, whitespace collapsed: what {@code body} rules
 *       match;</li>
 *   <li>the decoded text parts line by line ({@code rawbody}), the whole message
 *       ({@code full}), and every URI of the text and HTML ({@code uri}).</li>
 * </ul>
 * All text is in SpamAssassin's form: the UTF-8 octets of the decoded text, one char per
 * octet, which is what the shipped rules' patterns ({@code [\xc3][\xa9]}) are written for.
 *
 * <p>Limits, as SpamAssassin's: each text part counts up to {@link #BODY_PART_SCAN_SIZE}
 * octets for body rules, {@link #RAWBODY_PART_SCAN_SIZE} for rawbody; at most
 * {@link #MAX_PARTS} parts are read; {@code full} sees the first {@link #FULL_SCAN_SIZE}.
 */
public final class MessageView {
    static final int BODY_PART_SCAN_SIZE = 50_000;
    static final int RAWBODY_PART_SCAN_SIZE = 500_000;
    static final int FULL_SCAN_SIZE = 1 << 20;
    static final int MAX_PARTS = 1000;

    private final RawMessage raw;
    private final Map<String, List<HeaderField>> headers = new HashMap<>();
    final String envelopeFrom;
    final List<String> envelopeTo;
    final List<String> paragraphs = new ArrayList<>();
    /** The decoded text parts line by line (for the blank-line ratio). */
    final List<String> rawLines = new ArrayList<>();
    /**
     * What rawbody rules read: each decoded text part in chunks of 2,048 to 4,096 octets cut
     * after a line end (or a '>', or a space), as SpamAssassin's
     * split_into_array_of_short_paragraphs, so a pattern can span lines as it does there.
     */
    final List<String> rawChunks = new ArrayList<>();
    final List<String> uris;
    final String full;
    final MimeStats mime;
    final List<HtmlText> html = new ArrayList<>();
    /** A text part inside a multipart/alternative: its containers, whether HTML (with an image), its rendered text. */
    record AlternativeText(List<Integer> alternatives, boolean html, boolean image, String rendered) { }
    final List<AlternativeText> alternativeTexts = new ArrayList<>();
    final Relays relays;
    /** The rendered text of all parts, not yet collapsed (for Bayes and length tests). */
    final String text;
    /** The rendered text without, and only, the HTML text styled invisible (Bayes tokenizes them apart). */
    private final String visible;
    private final String invisible;
    /**
     * What eval tests work out once per message and several rules read (the Date: shift,
     * free-mail verdicts per domain, the addresses in the body). One message is scored by
     * one thread, so a plain map.
     */
    final Map<String, Object> memo = new HashMap<>();

    private MessageView(RawMessage raw, byte[] fullBytes, String envelopeFrom, List<String> envelopeTo, Relays.Trust trust) throws IOException {
        this.raw = raw;
        this.envelopeFrom = envelopeFrom == null ? "" : envelopeFrom;
        this.envelopeTo = List.copyOf(envelopeTo);
        for (HeaderField h : raw.headers()) {
            if (h.lowerName().startsWith("x-spam-")) continue;
            headers.computeIfAbsent(h.lowerName(), k -> new ArrayList<>()).add(h);
        }
        this.full = new String(fullBytes, 0, Math.min(fullBytes.length, FULL_SCAN_SIZE), StandardCharsets.ISO_8859_1);
        this.mime = new MimeStats();
        Set<String> uriSet = new LinkedHashSet<>();
        StringBuilder rendered = new StringBuilder();
        StringBuilder visibleText = new StringBuilder();
        StringBuilder invisibleText = new StringBuilder();
        try (InputStream in = raw.openMessage()) {
            MimeStats.walk(in, MAX_PARTS, mime, (part, decoded) -> {
                String t = decode(decoded, part.charset());
                if (part.type().equals("text/html")) {
                    HtmlText h = HtmlText.render(t);
                    html.add(h);
                    if (!part.alternatives().isEmpty()) alternativeTexts.add(new AlternativeText(part.alternatives(), true, h.hasTag("img"), h.text));
                    uriSet.addAll(h.uris);
                    Uris.fromText(h.text, uriSet);
                    append(rendered, octets(h.text), BODY_PART_SCAN_SIZE);
                    append(visibleText, octets(h.text(false)), BODY_PART_SCAN_SIZE);
                    append(invisibleText, octets(h.text(true)), BODY_PART_SCAN_SIZE);
                } else {
                    if (!part.alternatives().isEmpty()) alternativeTexts.add(new AlternativeText(part.alternatives(), false, false, t));
                    Uris.fromText(t, uriSet);
                    append(rendered, octets(t), BODY_PART_SCAN_SIZE);
                    append(visibleText, octets(t), BODY_PART_SCAN_SIZE);
                }
                String o = octets(t);
                int max = Math.min(o.length(), RAWBODY_PART_SCAN_SIZE);
                for (String line : o.substring(0, max).split("\n", -1)) rawLines.add(line);
                shortParagraphs(o.substring(0, max).replace("\r\n", "\n"), rawChunks); // SpamAssassin reads LF line ends
            });
        }
        this.text = rendered.toString();
        this.visible = visibleText.length() == rendered.length() ? this.text : visibleText.toString();
        this.invisible = invisibleText.toString();
        this.uris = List.copyOf(uriSet);
        paragraphs(header("Subject", "") == null ? "" : header("Subject", "").strip(), text);
        List<HeaderField> originating = new ArrayList<>();
        for (String name : trust.originating()) {
            List<HeaderField> f = all(name);
            if (!f.isEmpty()) originating.add(f.get(0));
        }
        this.relays = Relays.parse(all("Received"), originating, trust);
    }

    /** The view of a message with its envelope, with these trusted/internal networks. */
    public static MessageView of(RawMessage message, String envelopeFrom, List<String> recipients, Relays.Trust trust) throws IOException {
        byte[] full;
        try (InputStream in = message.openMessage()) {
            full = in.readNBytes(FULL_SCAN_SIZE);
        }
        return new MessageView(message, full, envelopeFrom, recipients, trust);
    }

    public RawMessage raw() { return raw; }

    private static void append(StringBuilder sb, String s, int max) {
        sb.append(s, 0, Math.min(s.length(), max));
        if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '\n') sb.append('\n');
    }

    /**
     * SpamAssassin's paragraphs: the Subject, then the text split at blank lines, each with
     * its whitespace runs made one space (Message.pm get_rendered_body_text_array).
     */
    private void paragraphs(String subject, String body) {
        splitParagraphs(subject, body, paragraphs, true);
    }

    /*
     * By hand, what body.split("\n[ \t\r\u000b]*\n") and then replaceAll("[ \t\n\r\u000b]+", " ")
     * on each piece did, at a third of the cost (MessageViewTest compares them): a paragraph
     * ends at a LF followed by a run of space, TAB, CR, VT and another LF.
     */
    private static void splitParagraphs(String subject, String body, List<String> out, boolean withSubject) {
        if (withSubject) out.add(subject + "\n");
        int n = body.length();
        int start = 0;
        StringBuilder c = new StringBuilder(256);
        while (start <= n) {
            int end = n;
            int next = n + 1;
            for (int i = body.indexOf('\n', start); i >= 0; i = body.indexOf('\n', i + 1)) {
                int j = i + 1;
                while (j < n && isBlankNotLf(body.charAt(j))) j++;
                if (j < n && body.charAt(j) == '\n') {
                    end = i;
                    next = j + 1;
                    break;
                }
            }
            c.setLength(0);
            boolean run = false;
            for (int k = start; k < end; k++) {
                char ch = body.charAt(k);
                if (ch == '\n' || isBlankNotLf(ch)) {
                    if (!run) c.append(' ');
                    run = true;
                } else {
                    c.append(ch);
                    run = false;
                }
            }
            String p = c.toString();
            if (!p.isBlank()) {
                for (int i = 0; i < p.length(); i += 2048) out.add(p.substring(i, Math.min(p.length(), i + 2048)));
            }
            start = next;
        }
    }

    private static boolean isBlankNotLf(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\u000b';
    }

    /** The paragraphs of a body, without the Subject (for MessageViewTest). */
    static List<String> splitParagraphs(String body) {
        List<String> out = new ArrayList<>();
        splitParagraphs("", body, out, false);
        return out;
    }

    static final int MAX_BODY_LINE_LENGTH = 2048;

    /** A text cut into chunks of MAX to 2*MAX octets, preferably after "\n", then '>', then ' '. */
    static void shortParagraphs(String t, List<String> out) {
        int n = t.length();
        if (n <= MAX_BODY_LINE_LENGTH) {
            out.add(t);
            return;
        }
        int ofs = 0;
        while (n - ofs > 2 * MAX_BODY_LINE_LENGTH) {
            int j = -1;
            for (char c : new char[] {'\n', '>', ' '}) {
                j = t.indexOf(c, ofs + MAX_BODY_LINE_LENGTH);
                if (j >= 0 && j - ofs + 1 <= 2 * MAX_BODY_LINE_LENGTH) break;
                j = -1;
            }
            if (j < 0) j = ofs + MAX_BODY_LINE_LENGTH;
            out.add(t.substring(ofs, j + 1));
            ofs = j + 1;
        }
        if (ofs < n) out.add(t.substring(ofs));
    }

    /**
     * SpamAssassin's visible_rendered (invisible false, the Subject first) or invisible_rendered
     * paragraphs, for Bayes; the body rules read {@link #paragraphs}, which hold both.
     */
    List<String> bayesParagraphs(boolean invisibleOnly) {
        if (!invisibleOnly && visible == text) return paragraphs;
        if (invisibleOnly && invisible.isBlank()) return List.of();
        List<String> out = new ArrayList<>();
        String subject = header("Subject", "");
        splitParagraphs(invisibleOnly ? "" : subject == null ? "" : subject.strip(), invisibleOnly ? invisible : visible, out, !invisibleOnly);
        return out;
    }

    static String decode(byte[] b, String charset) {
        Charset cs = StandardCharsets.ISO_8859_1;
        if (charset != null) {
            try {
                String n = charset.strip().toLowerCase(Locale.ROOT);
                // mail clients label Windows-1252 text as iso-8859-1 and us-ascii every day
                cs = n.equals("iso-8859-1") || n.equals("us-ascii") || n.equals("ascii") ? Charset.forName("windows-1252") : Charset.forName(n);
            } catch (RuntimeException e) {
                cs = StandardCharsets.ISO_8859_1;
            }
        } else if (isUtf8(b)) {
            cs = StandardCharsets.UTF_8;
        }
        return new String(b, cs);
    }

    private static boolean isUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    /** A string's UTF-8 octets, one char each (the form rules match against). */
    static String octets(String s) {
        boolean ascii = true;
        for (int i = 0; i < s.length() && ascii; i++) ascii = s.charAt(i) < 0x80;
        return ascii ? s : new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    List<HeaderField> all(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    /**
     * A header as a rule reads it, or null when the message has none: every instance,
     * each followed by "\n". Modifiers: "raw" (undecoded, folding kept), "addr" (the first
     * address), "name" (the first display name).
     */
    public String header(String name, String modifier) {
        return header(headerMemoKey(name, modifier), name, modifier);
    }

    /** The key a header is kept under in {@link #memo} (rules work it out once, at load). */
    static String headerMemoKey(String name, String modifier) { return "header\0" + name + "\0" + modifier; }

    /** {@link #header(String, String)} with its memo key worked out already. */
    String header(String memoKey, String name, String modifier) {
        // hundreds of rules read a few headers (120 read ALL): each is decoded once per message
        Object v = memo.computeIfAbsent(memoKey, k -> {
            String h = headerUncached(name, modifier);
            return h == null ? NO_HEADER : h;
        });
        return v == NO_HEADER ? null : (String) v;
    }

    private static final Object NO_HEADER = new Object();

    private String headerUncached(String name, String modifier) {
        String lower = name.toLowerCase(Locale.ROOT);
        // the pseudo-headers are case-sensitive, so a real "MessageID:" field is not MESSAGEID
        List<HeaderField> fields = switch (name) {
            case "ALL" -> null;
            case "ToCc" -> { List<HeaderField> l = new ArrayList<>(all("To")); l.addAll(all("Cc")); yield l; }
            case "MESSAGEID" -> { List<HeaderField> l = new ArrayList<>(all("Message-Id")); l.addAll(all("Resent-Message-Id")); l.addAll(all("X-Message-Id")); yield l; }
            default -> all(name);
        };
        if (name.equals("ALL")) return headersBetween(-2, Integer.MAX_VALUE, modifier);
        // the fields added by trusted (internal) relays, and those that may have been added outside:
        // split at the Received: field of the last trusted (internal) relay, which both include
        if (name.equals("ALL-TRUSTED")) return headersBetween(-2, relays.lastTrustedIndex + 1, modifier);
        if (name.equals("ALL-INTERNAL")) return headersBetween(-2, relays.lastInternalIndex + 1, modifier);
        if (name.equals("ALL-UNTRUSTED")) return headersBetween(relays.lastTrustedIndex + 1, Integer.MAX_VALUE, modifier);
        if (name.equals("ALL-EXTERNAL")) return headersBetween(relays.lastInternalIndex + 1, Integer.MAX_VALUE, modifier);
        if (name.equals("EnvelopeFrom")) {
            String e = envelopeFrom();
            return e.isEmpty() ? null : e + "\n";
        }
        if (lower.startsWith("x-spam-relays-")) return relays.pseudoHeader(lower.substring(14));
        if (fields.isEmpty()) return null;
        StringBuilder sb = new StringBuilder();
        for (HeaderField h : fields) {
            String v = modifier.equals("raw") ? rawValue(h) : decoded(h);
            if (modifier.equals("addr")) {
                List<String> a = FromHeader.parse(decoded(h));
                v = a.isEmpty() ? v.strip() : a.get(0);
                return v; // the first address only, with no line end, as SpamAssassin's :addr
            }
            if (modifier.equals("name")) return displayName(decoded(h));
            sb.append(v).append('\n');
        }
        return sb.toString();
    }

    /**
     * The header fields from the start-th Received: field (counting from 0 at the top; -2
     * for the fields above the first) up to and including the end-th, as "Name: value" lines
     * (SpamAssassin's get_all_hdrs_in_rcvd_index_range).
     */
    private String headersBetween(int start, int end, String modifier) {
        StringBuilder sb = new StringBuilder();
        int index = -1;
        for (HeaderField h : raw.headers()) {
            if (h.is("Received")) index++;
            if (h.lowerName().startsWith("x-spam-")) continue;
            boolean in = start <= index && index < end;
            if (in || index == end) sb.append(h.name()).append(": ").append(modifier.equals("raw") ? rawValue(h) : decoded(h)).append('\n');
            if (!in && index == end) break;
        }
        return sb.toString();
    }

    private static String rawValue(HeaderField h) {
        byte[] b = h.raw();
        int start = h.name().length() + 1;
        int end = b.length;
        while (end > start && (b[end - 1] == '\n' || b[end - 1] == '\r')) end--;
        String v = new String(b, start, end - start, StandardCharsets.ISO_8859_1);
        return v.startsWith(" ") ? v.substring(1) : v;
    }

    /** A folding line end (RFC 5322 2.2.3): taken out when unfolding. */
    private static final java.util.regex.Pattern FOLD = java.util.regex.Pattern.compile("\r?\n(?=[ \t])");

    static String decoded(HeaderField h) {
        String raw = rawValue(h);
        // most fields are one line: no pattern to run (this is read for every field, by many rules)
        String v = (raw.indexOf('\n') < 0 ? raw : FOLD.matcher(raw).replaceAll("")).strip();
        // RFC 2047 words decoded (mime4j), then back to octets; the undecoded parts are octets already
        if (v.contains("=?")) {
            String utf = new String(v.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
            return octets(DecoderUtil.decodeEncodedWords(utf, DecodeMonitor.SILENT));
        }
        return v;
    }

    private static String displayName(String v) {
        int lt = v.indexOf('<');
        int open = v.indexOf('(');
        // An unclosed comment ("a@b (Joe", or a ')' only before the '(') runs to the end of the
        // value; ending it at the '(' threw StringIndexOutOfBoundsException (found by fuzzing).
        int close = v.lastIndexOf(')') > open ? v.lastIndexOf(')') : v.length();
        String n = lt >= 0 ? v.substring(0, lt) : (open >= 0 ? v.substring(open + 1, close) : "");
        n = n.strip();
        if (n.length() >= 2 && n.startsWith("\"") && n.endsWith("\"")) n = n.substring(1, n.length() - 1);
        return n;
    }

    /**
     * The envelope sender: the one given, else what the relay that handed the message to us
     * recorded, else what the delivering MTA recorded (X-Envelope-From, Envelope-Sender,
     * Return-Path), as SpamAssassin's get_envelope_from.
     */
    String envelopeFrom() {
        if (!envelopeFrom.isEmpty()) return envelopeFrom;
        String hop = relays.lastHopEnvelopeFrom();
        if (hop.indexOf('@') > 0) return hop;
        // X-Sender with a fetchmail hop: the delivering MTA's fields are the mailbox's, not the sender's
        if (firstAddress("X-Sender").indexOf('@') >= 0) {
            for (HeaderField h : all("Received")) if (decoded(h).contains("(fetchmail")) return "";
        }
        // a field below a Received: was added by a relay the sender controls: not trusted
        for (String h : List.of("X-Envelope-From", "Envelope-Sender", "Return-Path")) {
            if (all(h).isEmpty()) continue;
            if (!belowReceived(h)) return firstAddress(h);
            if (h.equals("X-Envelope-From")) return "";
        }
        return "";
    }

    private String firstAddress(String header) {
        List<HeaderField> f = all(header);
        if (f.isEmpty()) return "";
        List<String> a = FromHeader.parse(decoded(f.get(0)));
        return a.isEmpty() ? "" : a.get(0);
    }

    /** Whether a Received: field comes before the first field of this name. */
    private boolean belowReceived(String header) {
        for (HeaderField h : raw.headers()) {
            if (h.is("Received")) return true;
            if (h.is(header)) return false;
        }
        return false;
    }

    /**
     * Every address the message claims to be from, lower case, as SpamAssassin's
     * all_from_addrs: the first Resent-From if resent, else From, Envelope-Sender,
     * Resent-Sender, X-Envelope-From and the envelope sender (runs of dots made one).
     */
    List<String> allFromAddresses() {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        List<String> candidates = new ArrayList<>();
        String resent = firstAddress("Resent-From");
        if (!resent.isEmpty()) {
            candidates.add(resent);
        } else {
            for (HeaderField f : all("From")) {
                List<String> a = FromHeader.parse(decoded(f));
                if (!a.isEmpty()) candidates.add(a.get(0));
            }
            for (String h : List.of("Envelope-Sender", "Resent-Sender", "X-Envelope-From")) {
                for (HeaderField f : all(h)) {
                    List<String> a = FromHeader.parse(decoded(f));
                    if (!a.isEmpty()) candidates.add(a.get(0));
                }
            }
            candidates.add(envelopeFrom());
        }
        for (String c : candidates) if (!c.isBlank()) out.add(c.strip().toLowerCase(Locale.ROOT).replaceAll("\\.{2,}", "."));
        return List.copyOf(out);
    }

    /** The first address of From (decoded, lower case), or "". */
    String fromAddress() {
        String a = header("From", "addr");
        return a == null ? "" : a.strip().toLowerCase(Locale.ROOT);
    }

    /** Bytes of a decoded part, bounded. */
    static byte[] readBounded(InputStream in, int max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            if (out.size() < max) out.write(buf, 0, Math.min(n, max - out.size()));
        }
        return out.toByteArray();
    }
}
