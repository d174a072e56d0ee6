// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.message.DefaultBodyDescriptorBuilder;
import org.apache.james.mime4j.message.MaximalBodyDescriptor;
import org.apache.james.mime4j.stream.BodyDescriptor;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.apache.james.mime4j.stream.RecursionMode;

/**
 * The MIME structure of a message as SpamAssassin's MIMEEval plugin counts it (base64 and
 * quoted-printable parts, attachments, HTML-only mail, long encoded lines, the parts'
 * headers for {@code mimeheader} rules), gathered in the one pass mime4j's pull parser makes
 * over the message while text parts are handed to the caller decoded.
 */
final class MimeStats {
    /** One leaf part. */
    /** One leaf part; alternatives: the multipart/alternative containers it is inside (numbered from 1). */
    record Part(String type, String charset, String encoding, String filename, List<String[]> headers, int size, List<Integer> alternatives) { }

    interface TextSink {
        void text(Part part, byte[] decoded) throws IOException;
    }

    private static final java.util.regex.Pattern HTML_NAME = java.util.regex.Pattern.compile("(?i)\\.s?html?$");

    final List<Part> parts = new ArrayList<>();
    /** The GIF, PNG and JPEG parts (ImageInfo). */
    final ImageInfo images = new ImageInfo();
    /** The multiparts open around the current part: a number for each multipart/alternative, 0 for others. */
    private final java.util.ArrayDeque<Integer> containers = new java.util.ArrayDeque<>();
    int alternativeCount;
    int base64Count;
    int qpCount;
    int base64Text;
    boolean qpLongLine;
    int base64MaxLine;
    boolean attachment;
    boolean htmlPart;
    boolean plainPart;
    boolean multipart;
    boolean partLimit;
    boolean badIsoCharset;
    /** Lines in text/plain parts declared US-ASCII (or undeclared) with NULs, CRs or 8-bit octets. */
    int asciiTextIllegal;
    /** Text after a multipart's closing boundary other than white space and dots. */
    boolean epilogue;

    static void walk(InputStream message, int maxParts, MimeStats stats, TextSink sink) throws IOException {
        MimeConfig config = MimeConfig.custom().setMaxLineLen(-1).setMaxHeaderLen(-1).setMaxHeaderCount(-1)
                .setMaxContentLen(-1).setStrictParsing(false).setMaxPartCount(maxParts).setMaxNestingDepth(30).build();
        MimeTokenStream ts = new MimeTokenStream(config, new DefaultBodyDescriptorBuilder());
        ts.setRecursionMode(RecursionMode.M_RECURSE);
        ts.parse(message);
        List<String[]> fields = new ArrayList<>();
        try {
            for (EntityState st = ts.getState(); st != EntityState.T_END_OF_STREAM; st = ts.next()) {
                switch (st) {
                    case T_START_HEADER -> fields = new ArrayList<>();
                    case T_FIELD -> {
                        Field f = ts.getField();
                        if (fields.size() < 100) fields.add(new String[] {f.getName(), f.getBody()});
                    }
                    case T_START_MULTIPART -> {
                        stats.multipart = true;
                        boolean alt = ts.getBodyDescriptor().getMimeType().equalsIgnoreCase("multipart/alternative");
                        stats.containers.push(alt ? ++stats.alternativeCount : 0);
                    }
                    case T_END_MULTIPART -> { if (!stats.containers.isEmpty()) stats.containers.pop(); }
                    case T_BODY -> stats.body(ts, fields, sink);
                    case T_EPILOGUE -> {
                        byte[] e = MessageView.readBounded(ts.getInputStream(), 65_536);
                        for (byte b : e) if (b != '.' && !Character.isWhitespace((char) (b & 0xff))) { stats.epilogue = true; break; }
                    }
                    default -> { }
                }
            }
        } catch (MimeException e) {
            stats.partLimit = true; // too many parts or too deep: what was read so far counts
        }
    }

    private void body(MimeTokenStream ts, List<String[]> fields, TextSink sink) throws IOException {
        BodyDescriptor bd = ts.getBodyDescriptor();
        String type = bd.getMimeType().toLowerCase(Locale.ROOT);
        String enc = bd.getTransferEncoding() == null ? "7bit" : bd.getTransferEncoding().toLowerCase(Locale.ROOT);
        String filename = null;
        boolean attach = false;
        if (bd instanceof MaximalBodyDescriptor m) {
            filename = m.getContentDispositionFilename();
            if (filename == null) filename = m.getContentTypeParameters().get("name");
            attach = "attachment".equalsIgnoreCase(m.getContentDispositionType());
        }
        String charset = headerCharset(fields);
        byte[] raw = null;
        if (enc.equals("base64") || enc.equals("quoted-printable")) {
            raw = MessageView.readBounded(ts.getInputStream(), MessageView.RAWBODY_PART_SCAN_SIZE);
            scanEncoded(enc, raw);
        }
        String cs = charset == null ? "" : charset.toLowerCase(Locale.ROOT);
        String disposition = bd instanceof MaximalBodyDescriptor m && m.getContentDispositionType() != null ? m.getContentDispositionType().toLowerCase(Locale.ROOT) : "";
        if (enc.equals("base64")) base64Count++;
        if (enc.equals("quoted-printable")) qpCount++;
        boolean text = type.startsWith("text/") || type.equals("message/delivery-status");
        if (!text || attach || filename != null && !type.startsWith("text/")) attachment = true;
        if (type.equals("text/html")) htmlPart = true;
        if (type.equals("text/plain")) plainPart = true;
        if (charset != null && charset.toLowerCase(Locale.ROOT).startsWith("iso-") && !charset.toLowerCase(Locale.ROOT).matches("iso-(8859|2022)-.*|iso-ir-.*")) badIsoCharset = true;
        // an encoded part was read raw (for the line-length tests): it is decoded from those bytes
        byte[] body = raw != null ? decodeAgain(enc, raw) : MessageView.readBounded(ts.getDecodedInputStream(), MessageView.RAWBODY_PART_SCAN_SIZE);
        // a part without Content-Type is text/plain even when it holds HTML: SpamAssassin 4 renders
        // only text/html as HTML (Node.pm rendered()), so its tags stay in the body text
        // base64 for plain ASCII text has no reason but to hide the words (MIMEEval's mime_base64_encoded_text)
        if (enc.equals("base64") && type.startsWith("text/") && (cs.isEmpty() || ASCII_NAMES.matcher(cs).find())
                && !disposition.startsWith("attachment") && !disposition.startsWith("inline")) base64Text++;
        if (type.equals("text/plain") && (cs.isEmpty() || cs.equals("us-ascii"))) {
            asciiTextIllegal += illegalAsciiLines(raw != null ? raw : body);
        }
        List<Integer> alts = containers.stream().filter(i -> i > 0).toList();
        Part p = new Part(type, charset, enc, filename, List.copyOf(fields), body.length, alts);
        parts.add(p);
        images.part(type, enc, filename, body);
        if (text && (!attach || type.equals("text/plain") || type.equals("text/html")) && (filename == null || type.equals("text/plain") || type.equals("text/html"))) {
            sink.text(p, body);
        } else if (filename != null && HTML_NAME.matcher(filename).find()) {
            // SpamAssassin renders any part named *.html, *.htm or *.shtml as HTML (Node.pm effective_type)
            sink.text(new Part("text/html", charset, enc, filename, p.headers(), body.length, alts), body);
        }
    }

    private static byte[] decodeAgain(String enc, byte[] raw) throws IOException {
        InputStream in = enc.equals("base64")
                ? new org.apache.james.mime4j.codec.Base64InputStream(new java.io.ByteArrayInputStream(raw), org.apache.james.mime4j.codec.DecodeMonitor.SILENT)
                : new org.apache.james.mime4j.codec.QuotedPrintableInputStream(new java.io.ByteArrayInputStream(raw), org.apache.james.mime4j.codec.DecodeMonitor.SILENT);
        return MessageView.readBounded(in, MessageView.RAWBODY_PART_SCAN_SIZE);
    }

    private static final java.util.regex.Pattern LINE_BREAK = java.util.regex.Pattern.compile("\r?\n");

    private void scanEncoded(String enc, byte[] raw) {
        String s = new String(raw, StandardCharsets.ISO_8859_1);
        for (String line : LINE_BREAK.split(s)) {
            int len = line.length();
            if (enc.equals("base64")) base64MaxLine = Math.max(base64MaxLine, len);
            // RFC 2045 section 6.7 (5) says 76, but SpamAssassin flags only lines over RFC 5322's 78
            else if (len > 78) qpLongLine = true;
        }
    }

    private static final java.util.regex.Pattern ASCII_NAMES = java.util.regex.Pattern.compile(
            "us-ascii|ansi_x3\\.4-1968|iso-ir-6|ansi_x3\\.4-1986|iso_646\\.irv:1991|ascii|iso646-us|us|ibm367|cp367|csascii");

    /** Lines with a NUL, a bare CR or an octet above 0x7F. */
    private static int illegalAsciiLines(byte[] b) {
        int n = 0;
        boolean bad = false;
        for (int i = 0; i < b.length; i++) {
            int c = b[i] & 0xff;
            if (c == '\n') {
                if (bad) n++;
                bad = false;
            } else if (c == 0 || c >= 0x80 || c == '\r' && (i + 1 >= b.length || b[i + 1] != '\n')) {
                bad = true;
            }
        }
        return bad ? n + 1 : n;
    }

    private static String headerCharset(List<String[]> fields) {
        for (String[] f : fields) {
            if (!f[0].equalsIgnoreCase("Content-Type")) continue;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)charset\\s*=\\s*\"?([^\";\\s]+)").matcher(f[1]);
            if (m.find()) return m.group(1);
        }
        return null;
    }
}
