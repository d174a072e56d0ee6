// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Received: field read as SpamAssassin reads it (Message/Metadata/Received.pm,
 * parse_received_line): the handover's client address, its reverse DNS name as the
 * receiving MTA recorded it, the HELO name, the receiving host, the ident, the queue ID,
 * how the client authenticated and the envelope sender. MTAs write these fields in dozens
 * of layouts (sendmail, Postfix, Exim, qmail, Microsoft, Lotus, CommuniGate, webmail
 * front ends, ...), and which name is the HELO and which the reverse DNS depends on the
 * layout, so each known one is recognised in SpamAssassin's order. Lines that record no
 * network handover (local submission, list expanders, virus scanners, mail fetched by POP3
 * or IMAP) are ignored; a line that names a handover without an address is unparseable.
 */
final class ReceivedLine {
    private ReceivedLine() { }

    /** What a line is: a relay, a line to skip, a mail-fetcher marker, or one that could not be read. */
    enum Kind { RELAY, IGNORED, FETCHED, UNPARSEABLE }

    /** A line read: its kind, the relay (for RELAY), and an envelope sender to give the next relay (qmail-scanner). */
    record Parsed(Kind kind, Relays.Relay relay, String carriedEnvfrom) {
        Parsed(Kind kind, Relays.Relay relay) { this(kind, relay, null); }
    }

    private static final Parsed IGNORE = new Parsed(Kind.IGNORED, null);
    private static final Parsed FETCHED = new Parsed(Kind.FETCHED, null);
    private static final Parsed UNPARSEABLE = new Parsed(Kind.UNPARSEABLE, null);

    private static final String OCTET = "(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)";
    static final String IPV4 = "\\b(?<!:)" + OCTET + "(?:\\." + OCTET + "){3}\\b";
    private static final String H = "[a-fA-F0-9]{1,4}";
    private static final String IPV6 = "(?:IPv6:|(?<![a-fA-F0-9:]))(?:(?:" + H + ":){7}" + H + "|(?:" + H + ":){6}" + OCTET + "(?:\\." + OCTET + "){3}"
            + "|(?:" + H + "(?::" + H + "){0,6})?::(?:" + H + "(?::" + H + "){0,6})?(?::" + OCTET + "(?:\\." + OCTET + "){3})?)(?![a-fA-F0-9:])";
    /** An IPv4 or IPv6 address, as SpamAssassin's IP_ADDRESS. */
    static final String IP = "(?:" + IPV4 + "|" + IPV6 + ")";
    private static final String HELO_CHARS = "-A-Za-z0-9.^+_&:=?!@%*$\\\\/";

    private static final Pattern DATE = Pattern.compile("[\\s;]+(?:(?:Mon|T(?:ue|hu)|Wed|Fri|S(?:at|un)), )?\\d+ (?:J(?:an|u[nl])|Feb|Ma[ry]|A(?:pr|ug)|Sep|Oct|Nov|Dec) \\d+ \\d+:\\d+(?::\\d+)? \\S+$");
    private static final Pattern ID = Pattern.compile(" id <?([^\\s<>;]{3,})");
    private static final Pattern HELO_EQ = Pattern.compile("\\bhelo=([" + HELO_CHARS + "]+)(?:[^" + HELO_CHARS + "]|$)");
    private static final Pattern HELO_CMD = Pattern.compile("\\b(?:HELO|EHLO) ([" + HELO_CHARS + "]+)(?:[^" + HELO_CHARS + "]|$)");
    private static final Pattern BY = Pattern.compile(" by (\\S+)(?:[^-A-Za-z0-9;.]|$)");
    private static final Pattern ENVFROM = Pattern.compile("(?i)(?:return-path:? |envelope-(?:sender|from)[ =])(\\S+)\\b");
    private static final Pattern STRIP = Pattern.compile("[\\s\\x00#\\[\\]()<>|]");

    /** The fields being filled in while a line is read. */
    static final class Fields {
        String ip = "", rdns = "", helo = "", by = "", id = "", ident = "", auth = "", envfrom;
        /** The layout is one whose MTA always looks the client up: an empty rdns means it has none. */
        boolean lookedUp;
    }

    /** The layouts' patterns, compiled once each (about 150 of them). */
    private static final java.util.concurrent.ConcurrentHashMap<String, Pattern> PATTERNS = new java.util.concurrent.ConcurrentHashMap<>();

    private static Matcher find(String re, String s) {
        Matcher m = PATTERNS.computeIfAbsent(re, Pattern::compile).matcher(s);
        return m.find() ? m : null;
    }

    private static Pattern re(String re) { return PATTERNS.computeIfAbsent(re, Pattern::compile); }

    /** An envelope sender without its angle brackets and the spaces around them. */
    private static String unbracket(String s) { return re(">*\\s*$").matcher(re("^\\s*<*").matcher(s).replaceAll("")).replaceAll(""); }

    private static boolean has(String re, String s) { return PATTERNS.computeIfAbsent(re, Pattern::compile).matcher(s).find(); }

    /** Reads one Received: value (unfolded). */
    static Parsed parse(String value) {
        String s = re("\\s+").matcher(value).replaceAll(" ").strip();
        while (s.endsWith(";")) s = s.substring(0, s.length() - 1).stripTrailing();
        if (!has("(?i)^\\(?from ", s)) return IGNORE;
        if (has("\\bwith local for\\b", s)) return IGNORE;
        Matcher mm = find("(?i)^from (\\S+) by [^\\s;]+ ?;", s);
        if (mm != null && !re("\\[[\\d.]+\\]").matcher(mm.group(1)).matches()) return IGNORE;
        s = DATE.matcher(s).replaceFirst("");
        s = s.replace(")by ", ") by ");
        Fields f = new Fields();
        Matcher m;
        if ((m = ID.matcher(s)).find()) f.id = m.group(1);
        if ((m = HELO_EQ.matcher(s)).find() || (m = HELO_CMD.matcher(s)).find()) f.helo = m.group(1);
        if ((m = BY.matcher(s)).find()) f.by = m.group(1);
        f.auth = auth(s);
        Parsed p;
        if (s.startsWith("from ")) {
            p = fromLine(s.substring(5), f);
        } else if (s.startsWith("FROM ")) {
            p = simta(s.substring(5), f);
        } else if (s.startsWith("(from ")) {
            p = parenthesisedFrom(s.substring(6), f);
        } else {
            p = null;
        }
        if (p != null) return p == RELAY_MARK ? relay(f) : p;
        if (f.ip.isEmpty() && (m = find("\\[(" + IP + ")\\]", s)) != null) f.ip = m.group(1);
        return !f.ip.isEmpty() && !f.by.isEmpty() ? relay(f) : UNPARSEABLE;
    }

    /** Marks "enough was read": the fields make a relay. */
    private static final Parsed RELAY_MARK = new Parsed(Kind.RELAY, null);

    /** How the client authenticated, from the protocol (RFC 3848) or an MTA's own note; "" when it did not. */
    static String auth(String s) {
        Matcher m;
        if (s.contains(" by ") && (m = find("(?i) with ((?:ES|L|UTF8S|UTF8L)MTPS?A|ASMTP|HTTP[SU]?)(?: |;|$)", s)) != null) return m.group(1);
        if ((m = find(" by mx\\.google\\.com with ESMTPS id [a-z0-9]{1,4}sm[0-9]{2,9}[a-z]{3}\\.[0-9]{1,3}\\.[0-9]{4}\\.(?:[0-6][0-9]\\.){4}[0-6][0-9]", s)) != null
                && (m = find("\\(version=([^ ]+) cipher=([^)]+)\\)", s)) != null) {
            return "GMail - transport=" + m.group(1) + " cipher=" + m.group(2);
        }
        if ((m = find("^from .*?(?:\\]\\)|\\)\\]) \\(AUTH: (LOGIN|PLAIN|DIGEST-MD5|CRAM-MD5) \\S+(?:, .*?)?\\) by ", s)) != null) return m.group(1);
        if (s.contains("authenticated") && has("^from .*?(?:\\](?: \\([^)]*\\))?\\)|\\)\\]) .*?\\(.*?authenticated.*?\\).*? by", s)) return "Sendmail";
        if ((m = find("from \\S* \\((?:HELO|EHLO) (\\S*)\\) \\[(" + IP + ")\\] by (mail\\.gmx\\.(?:net|com)) \\([^)]+\\) with ((?:ESMTP|SMTP))", s)) != null) {
            return "GMX (" + m.group(4) + " / " + m.group(3) + ")";
        }
        if (s.contains(" (authenticated as ") && has("\\) by .+ \\(\\d{1,2}\\.\\d\\.\\d{3}(?:\\.\\d{1,3})?\\) \\(authenticated as .+\\) id ", s)) return "CriticalPath";
        if ((m = find("\\) \\(Authenticated sender: \\S+\\) by \\S+ \\(([^)]+)\\) with ", s)) != null) {
            return m.group(1).equals("Postfix") ? "Postfix" : "Postfix (" + m.group(1) + ")";
        }
        if (has("CommuniGate Pro (HTTP|SMTP|XIMSS|IMAP)", s) && s.contains(" (account ")) return "Communigate";
        if (has(" with Microsoft Exchange Server HTTP-DAV\\b", s)) return "HTTP-DAV";
        if (s.contains(" by ") && (m = find("(?i) \\(via (HTTP.?)\\)(?: |;|$)", s)) != null) return m.group(1);
        return "";
    }

    /** Assigns groups to fields in order: names from "ip", "rdns", "helo", "by", "ident", "-" (skip). */
    static Parsed take(Matcher m, Fields f, String... names) {
        int group = 1;
        for (String name : names) {
            if (name.equals("!dns")) { // not a group: this MTA records the reverse DNS whenever there is one
                f.lookedUp = true;
                continue;
            }
            String g = m.group(group++);
            if (g == null) g = "";
            switch (name) {
                case "ip" -> f.ip = g;
                case "rdns" -> f.rdns = g;
                case "helo" -> f.helo = g;
                case "by" -> f.by = g;
                case "ident" -> f.ident = g;
                case "rdns+helo" -> { f.rdns = g; f.helo = g; }
                default -> { }
            }
        }
        return RELAY_MARK;
    }

    /** Exim's "(... helo=x ident=y)" comment: the HELO and ident inside it. */
    static void eximComment(String sub, Fields f) {
        Matcher h = Pattern.compile("helo=(\\S+)").matcher(sub);
        if (h.find()) f.helo = h.group(1);
        Matcher i = Pattern.compile("ident=(\\S*)").matcher(sub);
        if (i.find()) f.ident = i.group(1);
    }

    private static Parsed fromLine(String s, Fields f) {
        Matcher m;
        if ((m = ENVFROM.matcher(s)).find()) f.envfrom = m.group(1);
        return ReceivedFormats.parse(s, f);
    }

    private static Parsed simta(String s, Fields f) {
        Matcher m = find("^(\\S+) \\((\\S+) \\[(" + IP + ")\\]\\) BY (\\S+) (?:\\([^)]+\\) WITH SMTP )?ID <?(\\S+?)>?(?: FOR <[^>]+>)?$", s);
        if (m == null) return null;
        take(m, f, "helo", "rdns", "ip", "by", "!dns");
        f.id = m.group(5);
        if (f.rdns.equals("unverified")) f.rdns = "";
        return RELAY_MARK;
    }

    private static Parsed parenthesisedFrom(String s, Fields f) {
        Matcher m;
        if ((m = find("^(\\S*) \\[(" + IP + ")\\]\\) by (\\S+) \\(NAVGW .*?\\) with ", s)) != null) return take(m, f, "helo", "ip", "by");
        if (has("^\\S+@localhost\\) by \\S+ ", s)) return IGNORE;
        if (has("^[^\\s@]+@[^)]+\\) by \\S+\\(jqueuemail\\) id [^\\s;]+", s)) return IGNORE;
        return null;
    }

    /** The relay from the fields read, cleaned as SpamAssassin cleans them. */
    private static Parsed relay(Fields f) {
        String rdns = re("\\.+$").matcher(f.rdns).replaceAll("");
        if (rdns.equalsIgnoreCase("unknown") || rdns.startsWith("[")) rdns = "";
        String ip = f.ip;
        for (String strip : new String[] {"(?i)^ipv6:", "^\\[", "\\]$", "(?i)%[A-Z0-9._~-]*$"}) ip = re(strip).matcher(ip).replaceFirst("");
        ip = re("(?i)^0*:0*:(?:0*:)*ffff:(\\d+\\.\\d+\\.\\d+\\.\\d+)$").matcher(ip).replaceFirst("$1");
        String by = f.by.endsWith(";") ? f.by.substring(0, f.by.length() - 1) : f.by;
        String envfrom = "";
        if (f.envfrom != null) envfrom = clean(unbracket(f.envfrom));
        return new Parsed(Kind.RELAY, new Relays.Relay(clean(ip), clean(rdns), clean(f.helo), clean(by), f.id, f.auth, clean(f.ident), envfrom,
                rdns.isEmpty() && f.lookedUp));
    }

    /** Characters that cannot be in these fields become "!" (so a "[1.2.3.4]" HELO reads "!1.2.3.4!"). */
    private static String clean(String s) { return STRIP.matcher(s).replaceAll("!"); }

    static Parsed fetched() { return FETCHED; }

    static Parsed ignored() { return IGNORE; }

    /** An ignored qmail-scanner line that carries the envelope sender over to the next relay. */
    static Parsed ignoredCarrying(String envfrom) {
        String e = envfrom == null ? null : clean(unbracket(envfrom));
        return new Parsed(Kind.IGNORED, null, e);
    }

    static Parsed enough() { return RELAY_MARK; }

    static Matcher match(String re, String s) { return find(re, s); }

    static boolean matches(String re, String s) { return has(re, s); }
}
