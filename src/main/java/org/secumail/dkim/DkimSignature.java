// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * One DKIM-Signature header field, parsed and checked for syntax (RFC 6376 section 3.5) and
 * for what section 6.1.1 asks of a verifier before any DNS work: v=1, the required tags,
 * an algorithm we accept (RFC 8301: no rsa-sha1), h= including From, i= inside d=.
 * Also used for ARC-Message-Signature (RFC 8617 section 4.1.2), which has i= as the instance
 * and no v=: see {@link #parse(String, boolean)}.
 *
 * @param tags      all tags as written
 * @param algorithm "rsa-sha256" or "ed25519-sha256"
 * @param b         the signature, decoded
 * @param bh        the body hash, decoded
 * @param domain    d=, lower case
 * @param selector  s=
 * @param headers   h=, the names in order (case kept)
 * @param identity  i= (DKIM only; "@" + d= when absent)
 * @param length    l=, or -1
 * @param timestamp t=, or -1
 * @param expires   x=, or -1
 */
public record DkimSignature(TagList tags, String algorithm, Canonicalization headerCanon, Canonicalization bodyCanon,
                            byte[] b, byte[] bh, String domain, String selector, List<String> headers,
                            String identity, long length, long timestamp, long expires) {
    /** A bound on h= entries: far above what signers write (OpenDKIM: about 30). */
    public static final int MAX_H = 256;

    public static DkimSignature parse(String value) throws DkimException { return parse(value, false); }

    /** @param arc true for ARC-Message-Signature: no v=, i= is the instance number */
    public static DkimSignature parse(String value, boolean arc) throws DkimException {
        TagList t = TagList.parse(value);
        if (!arc) {
            String v = t.get("v");
            if (v == null) throw DkimException.perm("missing v= tag");
            if (!v.equals("1")) throw DkimException.perm("unsupported version v=" + TagList.clip(v));
        }
        for (String req : arc ? new String[] {"i", "a", "b", "bh", "d", "h", "s"} : new String[] {"a", "b", "bh", "d", "h", "s"}) {
            if (!t.has(req)) throw DkimException.perm("missing " + req + "= tag");
        }
        String a = t.get("a").toLowerCase(Locale.ROOT);
        if (a.equals("rsa-sha1")) throw DkimException.perm("rsa-sha1 is not accepted (RFC 8301)");
        if (!a.equals("rsa-sha256") && !a.equals("ed25519-sha256")) throw DkimException.perm("unknown algorithm a=" + TagList.clip(a));
        // DKIM's default is simple/simple (3.5); for ARC dkimpy and the ValiMail suite take relaxed/relaxed
        Canonicalization hc = arc ? Canonicalization.RELAXED : Canonicalization.SIMPLE;
        Canonicalization bc = hc;
        String c = t.get("c");
        if (c != null) {
            String[] parts = c.split("/", -1);
            if (parts.length > 2) throw DkimException.perm("bad c= tag");
            hc = Canonicalization.of(parts[0].strip());
            bc = parts.length == 2 ? Canonicalization.of(parts[1].strip()) : Canonicalization.SIMPLE;
            if (hc == null || bc == null) throw DkimException.perm("unknown canonicalization c=" + TagList.clip(c));
        }
        String q = t.get("q");
        if (q != null && !List.of(q.split(":")).stream().map(String::strip).toList().contains("dns/txt")) {
            throw DkimException.perm("unsupported query method q=" + TagList.clip(q));
        }
        byte[] b = base64(t.compact("b"), "b");
        byte[] bh = base64(t.compact("bh"), "bh");
        if (b.length == 0) throw DkimException.perm("empty b= tag");
        if (bh.length != 32) throw DkimException.perm("bh= is not a SHA-256 hash");
        String d = t.get("d").toLowerCase(Locale.ROOT);
        if (!validDomain(d)) throw DkimException.perm("bad domain d=" + TagList.clip(d));
        String s = t.get("s");
        if (!validSelector(s)) throw DkimException.perm("bad selector s=" + TagList.clip(s));
        List<String> h = new ArrayList<>();
        for (String name : t.get("h").split(":", -1)) {
            String n = TagList.removeWhitespace(name);
            if (n.isEmpty()) {
                // ARC: an empty h= or an empty name (ValiMail ams_fields_h_empty, _mis_hdr) selects nothing
                if (arc) continue;
                throw DkimException.perm("empty name in h=");
            }
            h.add(n);
            if (h.size() > MAX_H) throw DkimException.perm("h= lists more than " + MAX_H + " fields");
        }
        // section 5.4: From MUST be signed; ARC's AMS follows the same rule (RFC 8617 4.1.2)
        if (!arc && h.stream().noneMatch(n -> n.equalsIgnoreCase("from"))) throw DkimException.perm("From field not signed (h= lacks from)");
        // RFC 8617 4.1.2: the AMS must not sign ARC-Seal fields
        if (arc && h.stream().anyMatch(n -> n.equalsIgnoreCase("arc-seal"))) throw DkimException.perm("ARC-Message-Signature h= includes ARC-Seal");
        String i = "@" + d;
        if (arc) {
            i = t.get("i");
            if (instance(i) < 0) throw DkimException.perm("bad instance i=" + TagList.clip(i));
        } else if (t.has("i")) {
            i = t.get("i");
            int at = i.lastIndexOf('@');
            String idom = at < 0 ? "" : i.substring(at + 1).toLowerCase(Locale.ROOT);
            // section 3.5 i=: the domain of i= must be d= or a subdomain of it
            if (at < 0 || !(idom.equals(d) || idom.endsWith("." + d))) throw DkimException.perm("i= domain not within d=" + d);
        }
        long l = number(t.get("l"), "l");
        long ts = number(t.get("t"), "t");
        long x = number(t.get("x"), "x");
        if (x >= 0 && ts >= 0 && x < ts) throw DkimException.perm("x= is before t=");
        return new DkimSignature(t, a, hc, bc, b, bh, d, s, List.copyOf(h), i, l, ts, x);
    }

    /** RFC 6376 3.5 d=: a domain name; dkimpy rejects all but letters, digits, '-' and dots. */
    static boolean validDomain(String d) {
        if (d.isEmpty() || d.length() > 253 || d.startsWith(".") || d.endsWith(".") || d.contains("..")) return false;
        for (String label : d.split("\\.")) {
            if (label.isEmpty() || label.length() > 63) return false;
            for (int k = 0; k < label.length(); k++) {
                char ch = label.charAt(k);
                if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')) return false;
            }
        }
        return true;
    }

    /** Selectors are sub-domains too (3.1), and may contain '_' in practice. */
    static boolean validSelector(String s) {
        if (s.isEmpty() || s.length() > 253) return false;
        for (String label : s.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) return false;
            for (int k = 0; k < label.length(); k++) {
                char ch = label.charAt(k);
                if (!(Character.isLetterOrDigit(ch) && ch < 128 || ch == '-' || ch == '_')) return false;
            }
        }
        return true;
    }

    static byte[] base64(String v, String tag) throws DkimException {
        try {
            return Base64.getDecoder().decode(v);
        } catch (IllegalArgumentException e) {
            throw DkimException.perm("bad base64 in " + tag + "=");
        }
    }

    private static long number(String v, String tag) throws DkimException {
        if (v == null) return -1;
        // 3.5: l= at most 76 digits, t=/x= 12; anything over a long is nonsense here
        if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            throw DkimException.perm("bad " + tag + "= value " + TagList.clip(v));
        }
        return Long.parseLong(v);
    }

    /** An ARC instance number (RFC 8617 4.2.1): 1 to 50, digits only; -1 for anything else. */
    public static int instance(String v) {
        if (v == null || v.isEmpty() || v.length() > 3 || !v.chars().allMatch(ch -> ch >= '0' && ch <= '9')) return -1;
        int n = Integer.parseInt(v);
        return n >= 1 && n <= 50 ? n : -1;
    }

    /** The b= value as written, whitespace removed (for header.b, RFC 6008). */
    public String bText() { return tags.compact("b"); }
}
