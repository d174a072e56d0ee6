// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One parsed DMARC policy record (RFC 7489 section 6.3, grammar in 6.4). Tags that are
 * unknown are ignored; a known tag with a bad value takes its default ("Syntax errors in the
 * remainder of the record SHOULD be discarded in favor of default values", 6.3), except p=
 * (see {@link #parse}).
 *
 * @param policy     p=
 * @param subdomainPolicy sp=, or null when absent (then p= applies to subdomains)
 * @param pct        pct= (0..100, default 100)
 * @param strictDkim adkim=s (default r)
 * @param strictSpf  aspf=s (default r)
 * @param rua        aggregate report addresses (rua=), in order
 * @param ruf        failure report addresses (ruf=), in order
 * @param fo         fo= (default "0")
 * @param rf         rf= (default "afrf")
 * @param ri         ri= seconds (default 86400)
 * @param pAssumed   true when p= was missing or bad and "p=none" was assumed because rua= holds
 *                   a valid URI (6.6.3, last paragraph)
 * @param text       the record as published
 */
public record DmarcRecord(DmarcPolicy policy, DmarcPolicy subdomainPolicy, int pct, boolean strictDkim,
                          boolean strictSpf, List<ReportUri> rua, List<ReportUri> ruf, String fo, String rf,
                          long ri, boolean pAssumed, String text) {
    public DmarcRecord {
        rua = List.copyOf(rua);
        ruf = List.copyOf(ruf);
    }

    /**
     * A reporting URI with its optional size limit (6.2: {@code mailto:addr!10m}).
     *
     * @param uri     the URI without the size suffix
     * @param maxSize the limit in bytes, or 0 for none
     */
    public record ReportUri(String uri, long maxSize) {
        /** The mailbox of a mailto: URI (without ?headers), or null for any other scheme. */
        public String mailbox() {
            if (!uri.regionMatches(true, 0, "mailto:", 0, 7)) return null;
            String addr = uri.substring(7);
            int q = addr.indexOf('?');
            if (q >= 0) addr = addr.substring(0, q);
            addr = java.net.URLDecoder.decode(addr.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
            int at = addr.lastIndexOf('@');
            return at > 0 && at < addr.length() - 1 ? addr : null;
        }

        /** The domain of the mailto: mailbox, lower case, or null. */
        public String domain() {
            String m = mailbox();
            return m == null ? null : m.substring(m.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
        }

        @Override public String toString() { return maxSize > 0 ? uri + "!" + maxSize : uri; }
    }

    /**
     * The outcome of parsing one TXT record: a record, or the reason it is unusable.
     *
     * @param record the record, or null
     * @param error  why there is no record, or null
     */
    public record Parsed(DmarcRecord record, String error) { }

    /** True for a TXT record that announces DMARC version 1 (6.6.3 step 2: others are discarded). */
    public static boolean isDmarc(String txt) {
        if (txt == null) return false;
        String s = txt.stripLeading();
        if (!s.regionMatches(true, 0, "v", 0, 1)) return false;
        s = s.substring(1).stripLeading();
        if (!s.startsWith("=")) return false;
        s = s.substring(1).stripLeading();
        // "DMARC1" is case-sensitive in the grammar (6.4: %x44 %x4d %x41 %x52 %x43 %x31)
        return s.startsWith("DMARC1") && (s.length() == 6 || s.substring(6).stripLeading().isEmpty()
                || s.substring(6).stripLeading().startsWith(";"));
    }

    /**
     * Parses a record that {@link #isDmarc} accepted. 6.4 wants p= right after v=; like
     * OpenDMARC and Mail::DMARC, p= is accepted anywhere after v=DMARC1, since records such as
     * "v=DMARC1; rua=...; p=reject" are published and their intent is plain. A record whose p=
     * (or sp=) is missing or invalid is used as "p=none" when rua= holds a valid URI, and is
     * otherwise unusable (6.6.3).
     */
    public static Parsed parse(String txt) {
        if (!isDmarc(txt)) return new Parsed(null, "not a DMARC1 record");
        String[] parts = txt.split(";");
        DmarcPolicy p = null, sp = null;
        boolean badP = false, badSp = false;
        int pct = 100;
        boolean adkim = false, aspf = false;
        List<ReportUri> rua = List.of(), ruf = List.of();
        String fo = "0", rf = "afrf";
        long ri = 86400;
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i].strip();
            if (part.isEmpty()) continue;
            int eq = part.indexOf('=');
            if (eq <= 0) continue;
            String tag = part.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = part.substring(eq + 1).strip();
            switch (tag) {
                case "p" -> {
                    p = DmarcPolicy.parse(value);
                    if (p == null) badP = true;
                }
                case "sp" -> {
                    sp = DmarcPolicy.parse(value);
                    if (sp == null) badSp = true;
                }
                case "pct" -> pct = value.matches("[0-9]{1,3}") && Integer.parseInt(value) <= 100 ? Integer.parseInt(value) : 100;
                case "adkim" -> adkim = value.equalsIgnoreCase("s");
                case "aspf" -> aspf = value.equalsIgnoreCase("s");
                case "rua" -> rua = uris(value);
                case "ruf" -> ruf = uris(value);
                case "fo" -> fo = value.matches("[01ds](\\s*:\\s*[01ds])*") ? value.replaceAll("\\s", "") : "0";
                case "rf" -> rf = value.isEmpty() ? "afrf" : value.toLowerCase(Locale.ROOT);
                case "ri" -> ri = value.matches("[0-9]{1,10}") && Long.parseLong(value) <= 0xffffffffL ? Long.parseLong(value) : 86400;
                default -> { /* unknown tags MUST be ignored (6.3) */ }
            }
        }
        if (p == null) badP = true;
        boolean assumed = false;
        if (badP || badSp) {
            if (rua.isEmpty()) {
                return new Parsed(null, badP ? "missing or invalid p= tag" : "invalid sp= tag");
            }
            p = DmarcPolicy.NONE;   // 6.6.3: act as if "v=DMARC1; p=none" had been retrieved
            sp = null;
            assumed = true;
        }
        return new Parsed(new DmarcRecord(p, sp, pct, adkim, aspf, rua, ruf, fo, rf, ri, assumed, txt), null);
    }

    /** A comma-separated list of DMARC URIs (6.4 dmarc-uri); invalid entries are dropped. */
    static List<ReportUri> uris(String value) {
        List<ReportUri> out = new ArrayList<>();
        for (String raw : value.split(",")) {
            String s = raw.strip();
            if (s.isEmpty()) continue;
            long size = 0;
            int bang = s.lastIndexOf('!');
            if (bang > 0) {
                String lim = s.substring(bang + 1).toLowerCase(Locale.ROOT);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,15})([kmgt]?)").matcher(lim);
                if (!m.matches()) continue;
                int shift = switch (m.group(2)) { case "k" -> 10; case "m" -> 20; case "g" -> 30; case "t" -> 40; default -> 0; };
                size = Long.parseLong(m.group(1)) << shift;
                s = s.substring(0, bang);
            }
            // a URI needs a scheme (RFC 3986 section 3.1)
            if (!s.matches("[A-Za-z][A-Za-z0-9+.-]*:\\S+")) continue;
            out.add(new ReportUri(s, size));
        }
        return out;
    }

    /** The policy for a message whose From: domain is a subdomain of where the record was found. */
    public DmarcPolicy subdomainPolicyOrP() { return subdomainPolicy != null ? subdomainPolicy : policy; }
}
