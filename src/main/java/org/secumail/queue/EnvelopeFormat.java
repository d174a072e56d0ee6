// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The envelope file: one typed record per line, readable with cat, after Postfix's
 * rec_type.h record types. UTF-8, LF line ends.
 * <pre>
 * V 1                         format version
 * T 1732360000.123            arrival time, seconds.milliseconds since the epoch
 * S sender@example.org        envelope sender; "S " alone is the null sender &lt;&gt;
 * A client_address=192.0.2.1  one attribute per record, in insertion order
 * R 0 rcpt@example.net        recipients with their index, 0..n-1 in order
 * E                           end of the records written at commit (Postfix REC_TYPE_END)
 * D 0 sent 2.0.0              appended later: recipient 0 is done, with its final status
 * L 1 4.4.1 relay text        appended later: recipient 1's last deferral (DSN code, relay, reason);
 *                             the last L record of a recipient wins (bounces and mailq quote it)
 * W                           appended later: the delay warning (delay_warning_time) was sent
 * </pre>
 * Values are escaped: backslash as {@code \\}, every control character (CR and LF included)
 * as {@code \xHH}, so no value can forge a record. Everything up to E is written and
 * fsynced before the file is renamed into a queue, so a file without E is corrupt. A D
 * record is appended later; a crash in the middle of that append can leave a last line
 * without LF, which readers ignore (its recipient stays pending and is delivered again:
 * a duplicate delivery is better than a lost message).
 */
final class EnvelopeFormat {
    static final String VERSION = "1";

    /** A parsed envelope file: the envelope and the done records by recipient index. */
    record Parsed(Envelope envelope, Map<Integer, String> done, Map<Integer, String> reasons, boolean delayWarned) {}

    private EnvelopeFormat() {}

    static String encode(Envelope env) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("V ").append(VERSION).append('\n');
        sb.append("T ").append(formatTime(env.arrival())).append('\n');
        sb.append("S ").append(escape(env.sender())).append('\n');
        for (Map.Entry<String, String> a : env.attributes().entrySet()) {
            sb.append("A ").append(a.getKey()).append('=').append(escape(a.getValue())).append('\n');
        }
        for (int i = 0; i < env.recipients().size(); i++) {
            sb.append("R ").append(i).append(' ').append(escape(env.recipients().get(i))).append('\n');
        }
        sb.append("E\n");
        return sb.toString();
    }

    static String doneRecord(int index, String status) {
        return "D " + index + " " + escape(status) + "\n";
    }

    /** The last deferral of a recipient: "L index dsn relay text" (escaped as one value). */
    static String reasonRecord(int index, String reason) {
        return "L " + index + " " + escape(reason) + "\n";
    }

    /** The delay warning was sent (Postfix resets its warn-time record instead). */
    static String delayWarnedRecord() {
        return "W\n";
    }

    static Parsed decode(String text) throws CorruptQueueFileException {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        // The element after the last LF is "" for a complete file, else a torn append.
        lines.remove(lines.size() - 1);
        if (lines.isEmpty() || !lines.get(0).equals("V " + VERSION)) throw corrupt("missing or unknown version record");
        Instant arrival = null;
        String sender = null;
        Map<String, String> attrs = new LinkedHashMap<>();
        List<String> rcpts = new ArrayList<>();
        Map<Integer, String> done = new TreeMap<>();
        Map<Integer, String> reasons = new TreeMap<>();
        boolean delayWarned = false;
        boolean ended = false;
        for (int n = 1; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isEmpty()) throw corrupt("empty record at line " + (n + 1));
            char type = line.charAt(0);
            if (line.length() > 1 && line.charAt(1) != ' ') throw corrupt("malformed record at line " + (n + 1));
            String body = line.length() > 2 ? line.substring(2) : "";
            if (ended && type != 'D' && type != 'L' && type != 'W') throw corrupt("record " + type + " after end record");
            switch (type) {
                case 'T' -> {
                    if (arrival != null) throw corrupt("duplicate T record");
                    arrival = parseTime(body);
                }
                case 'S' -> {
                    if (sender != null) throw corrupt("duplicate S record");
                    sender = unescape(body);
                }
                case 'A' -> {
                    int eq = body.indexOf('=');
                    if (eq <= 0) throw corrupt("malformed A record at line " + (n + 1));
                    attrs.put(body.substring(0, eq), unescape(body.substring(eq + 1)));
                }
                case 'R' -> {
                    int sp = body.indexOf(' ');
                    if (sp < 0 || parseIndex(body.substring(0, sp)) != rcpts.size()) {
                        throw corrupt("R record out of order at line " + (n + 1));
                    }
                    rcpts.add(unescape(body.substring(sp + 1)));
                }
                case 'E' -> {
                    if (ended || !body.isEmpty()) throw corrupt("malformed E record");
                    ended = true;
                }
                case 'D' -> {
                    if (!ended) throw corrupt("D record before end record");
                    int sp = body.indexOf(' ');
                    int index = parseIndex(sp < 0 ? body : body.substring(0, sp));
                    if (index >= rcpts.size()) throw corrupt("D record for unknown recipient " + index);
                    done.putIfAbsent(index, sp < 0 ? "" : unescape(body.substring(sp + 1)));
                }
                case 'L' -> {
                    if (!ended) throw corrupt("L record before end record");
                    int sp = body.indexOf(' ');
                    int index = parseIndex(sp < 0 ? body : body.substring(0, sp));
                    if (index >= rcpts.size()) throw corrupt("L record for unknown recipient " + index);
                    reasons.put(index, sp < 0 ? "" : unescape(body.substring(sp + 1)));   // the last one wins
                }
                case 'W' -> {
                    if (!ended || !body.isEmpty()) throw corrupt("malformed W record");
                    delayWarned = true;
                }
                default -> throw corrupt("unknown record type " + type + " at line " + (n + 1));
            }
        }
        if (!ended) throw corrupt("missing end record");
        if (arrival == null || sender == null) throw corrupt("missing T or S record");
        try {
            return new Parsed(new Envelope(sender, rcpts, arrival, attrs), done, reasons, delayWarned);
        } catch (IllegalArgumentException e) {
            throw corrupt(e.getMessage());
        }
    }

    static String formatTime(Instant t) {
        long millis = t.toEpochMilli();
        return Math.floorDiv(millis, 1000) + "." + String.format("%03d", Math.floorMod(millis, 1000));
    }

    private static Instant parseTime(String s) throws CorruptQueueFileException {
        int dot = s.indexOf('.');
        try {
            long sec = Long.parseLong(dot < 0 ? s : s.substring(0, dot));
            long nanos = 0;
            if (dot >= 0) {
                String frac = s.substring(dot + 1);
                if (frac.isEmpty() || frac.length() > 9 || !frac.chars().allMatch(Character::isDigit)) throw corrupt("bad time " + s);
                nanos = Long.parseLong((frac + "000000000").substring(0, 9));
            }
            return Instant.ofEpochSecond(sec, nanos);
        } catch (NumberFormatException e) {
            throw corrupt("bad time " + s);
        }
    }

    private static int parseIndex(String s) throws CorruptQueueFileException {
        if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) throw corrupt("bad recipient index " + s);
        return Integer.parseInt(s);
    }

    static String escape(String v) {
        StringBuilder sb = null;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean special = c == '\\' || c < 0x20 || c == 0x7f;
            if (special && sb == null) sb = new StringBuilder(v.length() + 8).append(v, 0, i);
            if (sb == null) continue;
            if (c == '\\') sb.append("\\\\");
            else if (special) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        return sb == null ? v : sb.toString();
    }

    static String unescape(String v) throws CorruptQueueFileException {
        if (v.indexOf('\\') < 0) return v;
        StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c != '\\') {
                sb.append(c);
            } else if (i + 1 < v.length() && v.charAt(i + 1) == '\\') {
                sb.append('\\');
                i++;
            } else if (i + 3 < v.length() && v.charAt(i + 1) == 'x'
                    && Character.digit(v.charAt(i + 2), 16) >= 0 && Character.digit(v.charAt(i + 3), 16) >= 0) {
                sb.append((char) (Character.digit(v.charAt(i + 2), 16) * 16 + Character.digit(v.charAt(i + 3), 16)));
                i += 3;
            } else {
                throw corrupt("bad escape in " + v);
            }
        }
        return sb.toString();
    }

    private static CorruptQueueFileException corrupt(String why) { return new CorruptQueueFileException(why); }
}
