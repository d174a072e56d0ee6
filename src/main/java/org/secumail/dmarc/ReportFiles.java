// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;

/**
 * Finds the aggregate report XML documents in what arrives: a bare .xml, a .xml.gz, a .zip
 * (the forms of RFC 7489 section 7.2.1.1 and of the big reporters), or a whole report mail
 * with such an attachment. The mail is walked with a small MIME reader (RFC 2045/2046:
 * multipart by boundary, base64 and quoted-printable), enough for reports; decompressed data
 * is bounded by {@link #MAX_BYTES} against zip bombs, nesting by {@link #MAX_DEPTH}.
 */
public final class ReportFiles {
    public static final int MAX_BYTES = 64 << 20;
    static final int MAX_DEPTH = 8;
    private static final Pattern BOUNDARY = Pattern.compile("(?i)boundary\\s*=\\s*(?:\"([^\"]+)\"|([^;\\s]+))");

    private ReportFiles() { }

    /** The XML documents found in these bytes, in order; empty when there is none. */
    public static List<byte[]> xmlDocuments(byte[] data) throws IOException {
        List<byte[]> out = new ArrayList<>();
        find(data, 0, out);
        return out;
    }

    private static void find(byte[] data, int depth, List<byte[]> out) throws IOException {
        if (depth > MAX_DEPTH || data.length == 0) return;
        if (data.length > 2 && (data[0] & 0xff) == 0x1f && (data[1] & 0xff) == 0x8b) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
                find(readBounded(in), depth + 1, out);
            }
        } else if (data.length > 4 && data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4) {
            try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(data))) {
                ZipEntry e;
                while ((e = zip.getNextEntry()) != null) {
                    if (!e.isDirectory()) find(readBounded(zip), depth + 1, out);
                }
            }
        } else if (looksLikeXml(data)) {
            out.add(data);
        } else {
            mime(data, depth, out);
        }
    }

    private static boolean looksLikeXml(byte[] data) {
        int i = 0;
        if (data.length >= 3 && (data[0] & 0xff) == 0xef && (data[1] & 0xff) == 0xbb && (data[2] & 0xff) == 0xbf) i = 3;
        while (i < data.length && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')) i++;
        return i < data.length && data[i] == '<';
    }

    private static final Pattern FEEDBACK_ROOT = Pattern.compile(
            "^\\uFEFF?\\s*(<\\?xml[^>]*\\?>\\s*)?(<!--.*?-->\\s*)*<([A-Za-z_][\\w.-]*:)?feedback[\\s>/]", Pattern.DOTALL);

    /** An XML document whose root element is "feedback" (an HTML part is not). */
    static boolean isFeedback(byte[] data) {
        String head = new String(data, 0, Math.min(data.length, 4096), StandardCharsets.UTF_8);
        return FEEDBACK_ROOT.matcher(head).find();
    }

    /** One MIME entity: a multipart is split at its boundary, a leaf is decoded and searched. */
    private static void mime(byte[] data, int depth, List<byte[]> out) throws IOException {
        RawMessage m = RawMessage.of(data);
        if (m.headers().isEmpty()) return;
        HeaderField ct = m.first("Content-Type");
        String type = ct == null ? "text/plain" : ct.value();
        int off = (int) Math.min(m.bodyOffset(), data.length);
        byte[] body = java.util.Arrays.copyOfRange(data, off, data.length);
        if (type.toLowerCase(Locale.ROOT).startsWith("multipart/")) {
            Matcher b = BOUNDARY.matcher(type);
            if (!b.find()) return;
            for (byte[] part : parts(body, b.group(1) != null ? b.group(1) : b.group(2))) find(part, depth + 1, out);
            return;
        }
        if (type.toLowerCase(Locale.ROOT).startsWith("message/rfc822")) {
            find(body, depth + 1, out);
            return;
        }
        HeaderField cte = m.first("Content-Transfer-Encoding");
        String enc = cte == null ? "7bit" : cte.value().toLowerCase(Locale.ROOT);
        byte[] decoded = switch (enc) {
            case "base64" -> Base64.getMimeDecoder().decode(stripBase64(body));
            case "quoted-printable" -> quotedPrintable(body);
            default -> body;
        };
        // a text part that is not itself a report is not searched again (it would be taken as a mail)
        boolean archive = decoded.length > 4 && (((decoded[0] & 0xff) == 0x1f && (decoded[1] & 0xff) == 0x8b)
                || (decoded[0] == 'P' && decoded[1] == 'K' && decoded[2] == 3 && decoded[3] == 4));
        if (archive || isFeedback(decoded)) {
            find(decoded, depth + 1, out);
        }
    }

    /** The bodies between "--boundary" lines, up to "--boundary--" (RFC 2046 section 5.1.1). */
    static List<byte[]> parts(byte[] body, String boundary) {
        String text = new String(body, StandardCharsets.ISO_8859_1);
        String delim = "--" + boundary;
        List<byte[]> out = new ArrayList<>();
        int start = -1;
        int pos = 0;
        while (pos <= text.length()) {
            int eol = text.indexOf('\n', pos);
            int end = eol < 0 ? text.length() : eol + 1;
            String line = text.substring(pos, end).stripTrailing();
            if (line.equals(delim) || line.equals(delim + "--")) {
                if (start >= 0) {
                    int stop = pos;   // the CRLF before the delimiter belongs to it
                    if (stop > start && text.charAt(stop - 1) == '\n') stop--;
                    if (stop > start && text.charAt(stop - 1) == '\r') stop--;
                    out.add(text.substring(start, stop).getBytes(StandardCharsets.ISO_8859_1));
                }
                if (line.endsWith("--") && line.equals(delim + "--")) break;
                start = end;
            }
            if (eol < 0) break;
            pos = end;
        }
        return out;
    }

    private static byte[] stripBase64(byte[] body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(body.length);
        for (byte c : body) {
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=') b.write(c);
        }
        return b.toByteArray();
    }

    private static byte[] quotedPrintable(byte[] body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(body.length);
        for (int i = 0; i < body.length; i++) {
            byte c = body[i];
            if (c == '=' && i + 1 < body.length && (body[i + 1] == '\r' || body[i + 1] == '\n')) {
                i += body[i + 1] == '\r' && i + 2 < body.length && body[i + 2] == '\n' ? 2 : 1;   // soft line break
            } else if (c == '=' && i + 2 < body.length && hex(body[i + 1]) >= 0 && hex(body[i + 2]) >= 0) {
                b.write(hex(body[i + 1]) * 16 + hex(body[i + 2]));
                i += 2;
            } else {
                b.write(c);
            }
        }
        return b.toByteArray();
    }

    private static int hex(byte c) {
        return Character.digit(c, 16);
    }

    private static byte[] readBounded(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            if (b.size() + n > MAX_BYTES) throw new IOException("report larger than " + MAX_BYTES + " bytes once decompressed");
            b.write(buf, 0, n);
        }
        return b.toByteArray();
    }
}
