// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.secumail.spam.ReceivedLine.IP;

import java.util.regex.Matcher;

/**
 * The layouts of "Received: from ..." lines that {@link ReceivedLine} knows, tried in
 * SpamAssassin's order (the order matters: several layouts share a prefix, and the first
 * that fits decides which name is the HELO and which the reverse DNS). Each entry names
 * the MTA whose lines it reads. Roles: "ip", "rdns", "helo", "by", "ident", "rdns+helo"
 * (one name that is both: qmail and Exim omit the HELO when it equals the reverse DNS),
 * "-" (a group read but not kept).
 */
final class ReceivedFormats {
    private ReceivedFormats() { }

    private static final String LH = "(?:localhost(?:\\.localdomain)?|\\b(?<!:)127\\.0\\.0\\.1\\b|(?:IPv6:)?::1\\b)";

    private static ReceivedLine.Parsed t(String s, ReceivedLine.Fields f, String re, String... roles) {
        Matcher m = ReceivedLine.match(re, s);
        return m == null ? null : ReceivedLine.take(m, f, roles);
    }

    private static boolean has(String re, String s) { return ReceivedLine.matches(re, s); }

    /** The text after "from "; null when no layout fits (the caller falls back to any [address]). */
    static ReceivedLine.Parsed parse(String s, ReceivedLine.Fields f) {
        ReceivedLine.Parsed p = vendors(s, f);
        if (p != null) return p;
        p = standard(s, f);
        if (p != null) return p;
        p = odd(s, f);
        if (p != null) return p;
        p = ignored(s, f);
        if (p != null) return p;
        Matcher m;
        if (f.helo.isEmpty() && (m = ReceivedLine.match("^(\\S+)[^-A-Za-z0-9.]", s)) != null) f.helo = m.group(1);
        return null;
    }

    /** Webmail front ends and MTAs recognised by a product name in the line. */
    private static ReceivedLine.Parsed vendors(String s, ReceivedLine.Fields f) {
        ReceivedLine.Parsed p;
        Matcher m;
        if (has(" \\((?:SquirrelMail|NaSMail) authenticated user ", s)
                && (p = t(s, f, "(" + IP + ")\\b(?![.-]).{10,80}by (\\S+) with HTTP", "ip", "by")) != null) return p;
        if (s.contains("aol.com") && s.contains("with HTTP (WebMailUI)")
                && (p = t(s, f, "(" + IP + ") by (\\S+) \\(" + IP + "\\) with HTTP \\(WebMailUI\\)", "ip", "by")) != null) return p;
        if (s.contains(" SMTPSVC")) {
            // Microsoft IIS SMTP: never looks up the reverse DNS
            if ((p = t(s, f, "^(\\S*) \\(\\[(" + IP + ")\\][^)]{0,40}\\) by (\\S+) with Microsoft SMTPSVC", "helo", "ip", "by")) != null) return p;
            if (has("^mail pickup service by (\\S+) with Microsoft SMTPSVC$", s)) return ReceivedLine.ignored();
        } else if (has(" with (?:Microsoft SMTP Server|mapi id) (?:\\([^)]+\\) )?\\d+\\.\\d+\\.\\d+\\.\\d+(?:$| )", s)) {
            // Exchange 2007 and later, Office 365
            if ((p = t(s, f, "^(\\S+) \\(\\[?(" + IP + ")(?:%[A-Z0-9._~-]*)?\\]?\\) by (\\S+) ", "helo", "ip", "by")) != null) {
                f.id = "";
                return p;
            }
        } else if (s.contains("[XMail ")) {
            if ((p = t(s, f, "^(\\S+) \\((\\[?" + IP + "\\]?)(?::\\d+)\\) by (\\S+)(?: \\(\\S+\\))? with \\[XMail", "helo", "ip", "by")) != null) {
                if ((m = ReceivedLine.match(" id <(\\S+)>", s)) != null) f.id = m.group(1);
                if ((m = ReceivedLine.match(" from <(\\S+)>", s)) != null) f.envfrom = m.group(1);
                return p;
            }
        } else if (has("\\(ecelerity\\b", s)) {
            if ((p = t(s, f, "^\\(\\[(" + IP + "):\\d+\\] helo=(\\S+)\\) by (\\S+) ", "ip", "helo", "by")) != null) return p;
            if ((p = t(s, f, "^\\S+ \\(\\[(" + IP + "):\\d+\\]\\) by (\\S+) ", "ip", "by")) != null) return p;
        } else if (s.contains("Exim")) {
            if (has("\\bwith local(?:-\\S+)? ", s)) return ReceivedLine.ignored();
            if ((m = ReceivedLine.match("^\\[(" + IP + ")\\] \\((.*?)\\) by (\\S+) ", s)) != null) {
                ReceivedLine.take(m, f, "ip", "-", "by");
                ReceivedLine.eximComment(m.group(2), f);
                return ReceivedLine.enough();
            }
            if ((m = ReceivedLine.match("^(\\S+) \\(\\[(" + IP + ")\\](.*?)\\) by (\\S+) ", s)) != null) {
                ReceivedLine.take(m, f, "rdns+helo", "ip", "-", "by");
                ReceivedLine.eximComment(m.group(3), f);
                return ReceivedLine.enough();
            }
            if ((p = t(s, f, "^(\\S+) \\[(" + IP + ")\\](:\\d+)? by (\\S+) ", "rdns+helo", "ip", "-", "by")) != null) return p;
            // other Exim layouts: take what can be found, enough if there is an address and a "by"
            if ((m = ReceivedLine.match("^(\\S+) ", s)) != null) f.rdns = m.group(1);
            if ((m = ReceivedLine.match(" \\((\\S+)\\) ", s)) != null) f.helo = m.group(1);
            if ((m = ReceivedLine.match(" \\[(" + IP + ")(?:\\.\\d+)?\\] ", s)) != null) f.ip = m.group(1);
            if ((m = ReceivedLine.match("by (\\S+) ", s)) != null) {
                f.by = m.group(1);
                if (!f.ip.isEmpty()) return ReceivedLine.enough();
            }
        } else if (s.contains(" (Postfix) with")) {
            if ((p = t(s, f, "^(\\S+) \\((\\S+) \\[(" + IP + ")\\]\\) by (\\S+) ", "helo", "rdns", "ip", "by", "!dns")) != null) return p;
            if ((p = t(s, f, "^(\\S+) \\((\\S+)\\[(" + IP + ")\\]\\) by (\\S+) ", "helo", "rdns", "ip", "by", "!dns")) != null) return p;
        } else if (s.contains("(Scalix SMTP Relay")) {
            if ((p = t(s, f, "^(\\S+) \\( ?(" + IP + ")\\) by (\\S+)", "helo", "ip", "by")) != null) return p;
        } else if (s.contains(" (Lotus Domino ")) {
            // Domino never records the reverse DNS
            if ((p = t(s, f, "^(\\S+) \\(\\[(" + IP + ")\\]\\) by (\\S+) \\(Lotus", "helo", "ip", "by")) != null) return p;
        }
        if (has("\\bwith HTTP\\b", s) && (p = t(s, f, "^(" + IP + ") \\(\\[" + IP + "\\]\\) by (\\S+)", "ip", "by")) != null) return p;
        return null;
    }

    /** sendmail and the layouts close to it: "from HELO (RDNS [IP]) by HOST (...)". */
    private static ReceivedLine.Parsed standard(String s, ReceivedLine.Fields f) {
        ReceivedLine.Parsed p;
        Matcher m;
        // qmail-ldap lines can look like sendmail's
        if (!has(" by \\S+ \\(qmail-\\S+\\) with ", s) && (p = t(s, f, "^(\\S+) \\((\\S+) \\[(" + IP + ")\\].*\\) by (\\S+) \\(", "helo", "rdns", "ip", "by", "!dns")) != null) {
            // an IDENT answer recorded before the name ("IDENT:user@host", "user@host")
            if ((m = ReceivedLine.match("^IDENT:([^@]*)@", f.rdns)) != null) { f.ident = m.group(1); f.rdns = f.rdns.substring(m.end()); }
            if ((m = ReceivedLine.match("^([^@]*)@", f.rdns)) != null) { f.ident = m.group(1); f.rdns = f.rdns.substring(m.end()); }
            return p;
        }
        if ((p = t(s, f, "^(\\S+) \\((\\S+) \\[(" + IP + ")\\]\\) by (\\S+) with \\S+ \\(", "helo", "rdns", "ip", "by", "!dns")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\(\\[(" + IP + ")\\] helo=(\\S+)\\) by (\\S+) with ", "rdns", "ip", "helo", "by")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\(<unknown\\S*>\\[(" + IP + ")\\]\\) by (\\S+) ", "helo", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\((\\S+\\.\\S+)\\[(" + IP + ")\\]\\) by (\\S+) ", "helo", "rdns", "ip", "by", "!dns")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\((\\S*)@\\[(" + IP + ")\\].*\\) by (\\S+) \\(", "helo", "ident", "ip", "by", "!dns")) != null) return p;
        if ((m = ReceivedLine.match("by (\\S+\\.hotmail\\.msn\\.com) ", s)) != null) {
            f.by = m.group(1);
            if ((m = ReceivedLine.match("^(" + IP + ") ", s)) != null) f.ip = m.group(1);
            return ReceivedLine.enough();
        }
        if ((p = t(s, f, "^(\\S+) \\((?:HELO|EHLO) (\\S*)\\) \\((" + IP + ")\\) by (\\S+) \\(qpsmtpd/\\S+\\) with (?:ESMTP|SMTP)", "rdns", "helo", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\(LHLO (\\S*)\\) \\((" + IP + ")\\) by (\\S+) with LMTP", "rdns", "helo", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\((?:HELO|EHLO) (\\S*)\\) \\[(" + IP + ")\\] by (\\S+) \\([^)]+\\) with (?:ESMTP|SMTP)", "rdns", "helo", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\(\\[(" + IP + ")\\]\\) by (\\S+) via smtpd \\(for \\S+\\) with SMTP\\(", "helo", "ip", "by")) != null) return p;
        // qmail: "from RDNS (HELO name) (ident@IP) by HOST with SMTP"; the HELO is left out when it equals the RDNS
        if (has("^\\S+( \\((?:HELO|EHLO) \\S*\\))? \\((\\S+@)?\\[?" + IP + "\\]?\\)( \\(envelope-sender <\\S+>\\))? by \\S+( \\(.+\\))* with (.* )?(SMTP|QMQP)(?! id )", s)) {
            String env = "( \\(envelope-sender <\\S+>\\))? by (\\S+)";
            if (t(s, f, "^(\\S+) \\((?:HELO|EHLO) ([^ ()]*)\\) \\((\\S*)@\\[?(" + IP + ")\\]?\\)" + env, "rdns", "helo", "ident", "ip", "-", "by") == null
                    && t(s, f, "^(\\S+) \\((?:HELO|EHLO) ([^ ()]*)\\) \\(\\[?(" + IP + ")\\]?\\)" + env, "rdns", "helo", "ip", "-", "by") == null
                    && t(s, f, "^(\\S+) \\((\\S*)@\\[?(" + IP + ")\\]?\\)" + env, "rdns+helo", "ident", "ip", "-", "by") == null) {
                t(s, f, "^(\\S+) \\(\\[?(" + IP + ")\\]?\\)" + env, "rdns+helo", "ip", "-", "by");
            }
            // qmail records what tcpserver looked up; "unknown" means no lookup was passed on, not "no name"
            if (f.rdns.equals("unknown")) f.rdns = ""; else f.lookedUp = true;
            return ReceivedLine.enough();
        }
        if (s.endsWith(" via HTTP") && (p = t(s, f, "^\\[(" + IP + ")\\] by (\\S+) via HTTP$", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\( \\[(" + IP + ")\\]\\).*? by (\\S+) ", "-", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^\\((\\S+) \\[(" + IP + ")\\]\\) by (\\S+) ", "helo", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^\\[(" + IP + ")\\] by (\\S+) ", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^\\(\\[?(" + IP + ")\\]?\\) by (\\S+) ", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\[(" + IP + ")\\] by (\\S+) \\[" + IP + "\\] with ", "helo", "ip", "by", "!dns")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\[\\((" + IP + ")\\)\\] by (\\S+) \\(" + IP + "\\) ", "helo", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\(\\[(" + IP + ")\\]\\) by (\\S+) \\(", "helo", "ip", "by", "!dns")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\((\\S+) \\[(" + IP + ")\\]\\).*? by (\\S+)\\b", "helo", "rdns", "ip", "by", "!dns")) != null) {
            if (f.rdns.equals("softdnserr")) { f.rdns = ""; f.lookedUp = false; } // couriertcpd's failed lookup
            return p;
        }
        if ((p = t(s, f, "^(\\S+) \\(\\[(" + IP + ")(?:[.:]\\d+)?\\]\\).*? by (\\S+) ", "helo", "ip", "by", "!dns")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\((\\S+) \\[(" + IP + ")\\]\\)(?: \\(authenticated bits=\\d+\\))? by (\\S+) \\(", "helo", "rdns", "ip", "by", "!dns")) != null) return p;
        // fetchmail, getmail: the mail was fetched from a mailbox; the relays so far were the mailbox's
        if (has("with (?:POP3|IMAP)", s)) return ReceivedLine.fetched();
        if ((m = ReceivedLine.match("^(\\S+) \\((?:HELO|EHLO) ([^)]*)\\) \\((\\S*@)?\\[?(" + IP + ")\\]?\\).* by (\\S+) ", s)) != null) {
            ReceivedLine.take(m, f, "rdns", "helo", "ident", "ip", "by", "!dns");
            if (f.ident.endsWith("@")) f.ident = f.ident.substring(0, f.ident.length() - 1);
            return ReceivedLine.enough();
        }
        if ((m = ReceivedLine.match("^(\\S+) \\((\\S*@)?\\[?(" + IP + ")\\]?\\).* by (\\S+) ", s)) != null) {
            ReceivedLine.take(m, f, "rdns+helo", "ident", "ip", "by", "!dns");
            if (f.ident.endsWith("@")) f.ident = f.ident.substring(0, f.ident.length() - 1);
            return ReceivedLine.enough();
        }
        return null;
    }

    /** Rarer layouts: smap, Post.Office, ArGoSoft, InterScan, CommuniGate, Yahoo, Obtuse smtpd, ... */
    private static ReceivedLine.Parsed odd(String s, ReceivedLine.Fields f) {
        ReceivedLine.Parsed p;
        Matcher m;
        if (s.contains(" with http for ") && (p = t(s, f, "^\\[(" + IP + ")\\] by (\\S+) with http for ", "ip", "by")) != null) return p;
        if (s.contains(" via smap ") && (p = t(s, f, "^(\\S+)\\((" + IP + ")\\) by (\\S+) via smap ", "rdns", "ip", "by", "!dns")) != null) return p;
        if ((p = t(s, f, "^(\\S+)\\((" + IP + "), (?:HELO|EHLO) (\\S*)\\) by (\\S+) via smap ", "rdns", "ip", "helo", "by", "!dns")) != null) return p;
        if (s.contains(" (Post") && (p = t(s, f, "^\\[(" + IP + ")\\] by (\\S+) \\(Post", "ip", "by")) != null) return p;
        if (s.contains(" (ArGoSoft") && (p = t(s, f, "^\\[(" + IP + ")\\] by (\\S+) \\(ArGoSoft", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^(" + IP + ") by (\\S+) \\((?:SMTPL|InterScan)\\b", "ip", "by")) != null) return p;
        if (s.contains(" with BSMTP") && has("^\\S+ by \\S+ with BSMTP", s)) return ReceivedLine.ignored();
        if ((p = t(s, f, "^(\\S+) \\((\\S+) \\[(" + IP + ")\\]\\) by (\\S+) with ", "helo", "rdns", "ip", "by", "!dns")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\((?:HELO|EHLO) (\\S*)\\) \\((?:(\\S+)@)?(" + IP + ").*?\\) by (\\S+) with ", "rdns", "helo", "ident", "ip", "by", "!dns")) != null) return p;
        if ((p = t(s, f, "^\\[(" + IP + ")\\] \\((?:account \\S+ )?(?:HELO|EHLO) (\\S*)\\) by (\\S+) \\(", "ip", "helo", "by")) != null) return p;
        if (s.contains(" (CommuniGate Pro") && (p = t(s, f, "^(\\S+) \\(\\[(" + IP + ")\\] verified\\) by (\\S+) \\(", "rdns+helo", "ip", "by", "!dns")) != null) return p;
        if ((p = t(s, f, "^\\(\\[(" + IP + ")\\]\\) by (\\S+) with ", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^([^\\d]\\S+) \\((" + IP + ")\\) by (\\S+) ", "helo", "ip", "by")) != null) return p;
        if (has("^\\S+ \\(\\S+\\) by \\S+ \\(Content Technologies ", s)) return ReceivedLine.ignored();
        if ((p = t(s, f, "^(\\S+) \\(\\[(" + IP + ")\\] \\[(\\S+)\\]\\) by (\\S+) with ", "helo", "ip", "-", "by")) != null) return p;
        if ((p = t(s, f, "^(" + IP + ") by (\\S+) with ", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\((\\S+)\\[(" + IP + ")\\]\\) by (\\S+) ", "helo", "rdns", "ip", "by", "!dns")) != null) return p;
        if ((p = t(s, f, "^\\[(" + IP + ")\\]\\S+ \\((?:HELO|EHLO) (\\S*)\\) by (\\S+) ", "ip", "helo", "by")) != null) return p;
        if ((p = t(s, f, "^(" + IP + ") \\((?:HELO|EHLO) (\\S*)\\) by (\\S+) ", "ip", "helo", "by")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\[(" + IP + ")\\] by (\\S+) ", "helo", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^(\\S+)\\((" + IP + ")\\) by (\\S+) ", "rdns", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^\\[(" + IP + ")\\] by (\\S+) \\(MailGate ", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^(\\S+) \\(unverified \\[(" + IP + ")\\]\\) by (\\S+) ", "helo", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^(" + IP + ") \\([A-Za-z][^)]+\\) by (\\S+) with ", "ip", "by")) != null) return p;
        if ((m = ReceivedLine.match("^\\[(" + IP + ")\\] \\(([^)]+)\\) by (\\S+) ", s)) != null) {
            ReceivedLine.take(m, f, "ip", "-", "by");
            ReceivedLine.eximComment(m.group(2), f);
            return ReceivedLine.enough();
        }
        if ((p = t(s, f, "^(\\S+) \\((?:\\S+@)?(" + IP + ")\\) by (\\S+) with ", "rdns", "ip", "by")) != null) return p;
        if ((p = t(s, f, "^(\\S+)\\((" + IP + ")\\)(?:, claiming to be \"(\\S+)\")? via \\S+ by (\\S+),", "rdns", "ip", "helo", "by")) != null) {
            f.lookedUp = !f.rdns.equals("UNKNOWN");
            return p;
        }
        if ((p = t(s, f, "^(\\S+) \\((\\S+)@(" + IP + ") with login\\) by (\\S+\\.yahoo\\.com) with SMTP", "helo", "-", "ip", "by")) != null) return p;
        // the relay made of an X-Originating-IP header
        if ((p = t(s, f, "^X-Originating-IP: (" + IP + ")$", "ip")) != null) {
            f.by = "";
            return p;
        }
        return null;
    }

    /** Handovers that record no network client (local submission, scanners, list software, internal hops). */
    private static ReceivedLine.Parsed ignored(String s, ReceivedLine.Fields f) {
        String[] skip = {
            "^\\S+ \\([^\\s@]+@" + LH + "\\) by \\S+ \\(",
            "^\\S+ \\S+ by \\S+ with local-e?smtp ",
            "^127\\.0\\.0\\.1 \\(AVG SMTP \\S+ \\[\\S+\\]\\)",
            "^\\S+@\\S+ by \\S+ by uid \\S+ ",
            "^\\S+@\\S+ by \\S+ ",
            "^Unknown/Local \\(",
            "^" + LH + " \\((?:\\S+@)?" + LH + "[)\\[]",
            "^\\S+ \\((?:\\S+@)?" + LH + "\\) ",
            "^\\S+ \\(\\S+@\\S+ \\[" + LH + "\\]\\) ",
            "^\\(AUTH: \\S+\\) by \\S+ with ",
            "^localhost \\(localhost \\[\\[UNIX: localhost\\]\\]\\) by ",
            "^\\S+\\.amazon\\.com by \\S+\\.amazon\\.com with ESMTP \\(peer crosscheck: ",
            "^[^.]+ by \\S+ with Novell_GroupWise",
            "^no\\.name\\.available by \\S+ via smtpd \\(for ",
        };
        for (String re : skip) if (has(re, s)) return ReceivedLine.ignored();
        // qmail-scanner logs the handover again; the envelope sender it saw goes to the next relay
        if (has("^\\S+ by \\S+ \\(.{0,100}\\) with qmail-scanner", s)) return ReceivedLine.ignoredCarrying(f.envfrom);
        String[] more = {
            "^\\S+ by \\S+ with local",
            "^\\S+ \\(\\[unix socket\\]\\) by \\S+ \\(Cyrus v[0-9]*?\\.[0-9]*?\\.[0-9]*?\\) with LMTPA",
            "^\\S+ by \\S+ (?:with|via|for|\\()",
            "^\\S+ (?:(?:with|via|for) \\S+|\\(unverified\\)) by\\b",
            "^\\S+ \\(unknown\\) by \\S+ \\(SG\\) with \\b",
            "^\\S+ \\(\\S+ \\[local\\]\\) by \\S+ \\(OpenSMTPD\\) with \\b",
            "\\(LSMTP for",
            "^\\(\\[" + LH + "\\]\\) with MailEnable ",
            "^facebook\\.com \\([^)]+\\) by facebook\\.com with Thrift id \\S+$",
            "^\\S+ named \\S+ by gmailapi\\.google\\.com with HTTPREST$",
            "^\\S+ id \\S+$",
            "^\\[<.*? \\(Jetsend",
        };
        for (String re : more) if (has(re, s)) return ReceivedLine.ignored();
        return null;
    }
}
