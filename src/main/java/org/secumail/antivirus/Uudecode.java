// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * uuencoded files inside text (POSIX uuencode(1) historical format: "begin MODE NAME", lines
 * whose first character gives the byte count, "end"). Mail predating MIME, and some malware,
 * still use it; ClamAV decodes it too. Bounded: at most {@code maxFiles} files of
 * {@code maxSize} bytes each are decoded, the rest is ignored.
 */
final class Uudecode {
    /** A file's first line; compiled once, as every line of the text is tried. */
    private static final java.util.regex.Pattern BEGIN = java.util.regex.Pattern.compile("begin [0-7]{3,4} .+");
    private Uudecode() { }

    record File(String name, byte[] data) { }

    static List<File> find(ByteBuffer text, int maxFiles, long maxSize) {
        List<File> out = new ArrayList<>();
        int n = text.limit();
        int pos = 0;
        ByteArrayOutputStream cur = null;
        String name = null;
        while (pos < n && out.size() < maxFiles) {
            int end = pos;
            while (end < n && text.get(end) != '\n') end++;
            int lineEnd = end > pos && text.get(end - 1) == '\r' ? end - 1 : end;
            byte[] line = new byte[Math.min(lineEnd - pos, 1024)];
            text.get(pos, line);
            pos = end + 1;
            String s = new String(line, StandardCharsets.ISO_8859_1);
            if (cur == null) {
                if (s.startsWith("begin ") && BEGIN.matcher(s).matches()) {
                    name = s.substring(s.indexOf(' ', 6) + 1).strip();
                    cur = new ByteArrayOutputStream();
                }
                continue;
            }
            if (s.equals("end")) {
                out.add(new File(name, cur.toByteArray()));
                cur = null;
                continue;
            }
            if (!decodeLine(line, cur) || cur.size() > maxSize) {
                out.add(new File(name, cur.toByteArray()));   // what was decoded so far is scanned
                cur = null;
            }
        }
        if (cur != null && cur.size() > 0) out.add(new File(name, cur.toByteArray()));
        return out;
    }

    /** One encoded line: a length character, then groups of four characters for three bytes. */
    private static boolean decodeLine(byte[] line, ByteArrayOutputStream out) {
        if (line.length == 0) return true;
        int count = (line[0] - 32) & 63;
        if (count == 0) return true;   // the "`" line before "end"
        int need = (count + 2) / 3 * 4;
        if (line.length < 1 + need) return false;
        int written = 0;
        for (int i = 1; i + 3 < 1 + need + 1 && written < count; i += 4) {
            int a = (line[i] - 32) & 63, b = (line[i + 1] - 32) & 63, c = (line[i + 2] - 32) & 63, d = (line[i + 3] - 32) & 63;
            int[] bytes = {(a << 2) | (b >> 4), ((b & 15) << 4) | (c >> 2), ((c & 3) << 6) | d};
            for (int k = 0; k < 3 && written < count; k++, written++) out.write(bytes[k] & 0xFF);
        }
        return true;
    }
}
