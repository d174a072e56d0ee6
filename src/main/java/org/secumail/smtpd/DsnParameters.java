// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.secumail.queue.DsnAttributes;

/**
 * The RFC 3461 DSN parameters of our SMTP server: RET=FULL|HDRS and ENVID=xtext on MAIL FROM,
 * NOTIFY=NEVER|SUCCESS,FAILURE,DELAY and ORCPT=addr-type;xtext on RCPT TO. Values are
 * validated and xtext-decoded (RFC 3461 section 4) as Postfix's smtpd does, with Postfix's
 * replies (501 5.5.4 Bad ... parameter syntax; 501 5.7.1 when smtpd_discard_ehlo_keywords
 * hides DSN), and kept for the envelope under the {@link DsnAttributes} names.
 */
final class DsnParameters {
    /** RFC 3461 section 4.4: an ENVID is at most 100 characters. */
    static final int ENVID_LIMIT = 100;
    /** RFC 3461 section 4.2: an ORCPT parameter is at most 500 characters. */
    static final int ORCPT_LIMIT = 500;
    private static final Reply DISABLED = Reply.of(501, "5.7.1", "DSN support is disabled");

    /** RET and ENVID of one transaction, decoded; null when not given. */
    String ret;
    String envid;
    /** NOTIFY and ORCPT of each accepted recipient, in RCPT order (null entries: not given). */
    private final List<Rcpt> recipients = new ArrayList<>();

    static boolean isMailParameter(String key) {
        return key.equals("RET") || key.equals("ENVID");
    }

    /**
     * Checks MAIL FROM's RET and ENVID; returns the error reply, or null and remembers them.
     * Nothing is kept when any is wrong (the command fails as a whole).
     */
    Reply mail(Map<String, String> params, boolean enabled) {
        String r = null;
        String e = null;
        for (var p : params.entrySet()) {
            if (!isMailParameter(p.getKey())) continue;
            if (!enabled) return DISABLED;
            String v = p.getValue() == null ? "" : p.getValue();
            if (p.getKey().equals("RET")) {
                r = v.toUpperCase(Locale.ROOT);
                if (!r.equals("FULL") && !r.equals("HDRS")) return Reply.of(501, "5.5.4", "Bad RET parameter syntax");
            } else {
                e = xtextDecode(v);
                if (e == null || e.isEmpty() || e.length() > ENVID_LIMIT || !printable(e)) {
                    return Reply.of(501, "5.5.4", "Bad ENVID parameter syntax");
                }
            }
        }
        ret = r;
        envid = e;
        return null;
    }

    /** A RCPT TO parameter this class handles. */
    static boolean isRcptParameter(String key) {
        return key.equals("NOTIFY") || key.equals("ORCPT");
    }

    /** One RCPT TO's DSN parameters, or the reply that refuses them. */
    record Rcpt(Reply error, String notifyKinds, String orcpt) {
        static Rcpt refused(Reply r) { return new Rcpt(r, null, null); }
    }

    /** Checks RCPT TO's NOTIFY and ORCPT (decoded ORCPT: "addr-type;address"). */
    static Rcpt rcpt(Map<String, String> params, boolean enabled) {
        String notify = null;
        String orcpt = null;
        for (var p : params.entrySet()) {
            if (!isRcptParameter(p.getKey())) continue;
            if (!enabled) return Rcpt.refused(DISABLED);
            String v = p.getValue() == null ? "" : p.getValue();
            if (p.getKey().equals("NOTIFY")) {
                notify = notifyList(v);
                if (notify == null) return Rcpt.refused(Reply.of(501, "5.5.4", "Error: Bad NOTIFY parameter syntax"));
            } else {
                int semi = v.indexOf(';');
                String addr = semi <= 0 || v.length() > ORCPT_LIMIT ? null : xtextDecode(v.substring(semi + 1));
                if (addr == null || !printable(addr) || !printable(v.substring(0, semi))) {
                    return Rcpt.refused(Reply.of(501, "5.5.4", "Error: Bad ORCPT parameter syntax"));
                }
                // Postfix 3.7 accepts an empty address ("rfc822;"); there is nothing to report then.
                orcpt = addr.isEmpty() ? null : v.substring(0, semi).toLowerCase(Locale.ROOT) + ";" + addr;
            }
        }
        return new Rcpt(null, notify, orcpt);
    }

    /** Remembers an accepted recipient's parameters from {@link #rcpt}, in RCPT order. */
    void accepted(Rcpt r) {
        recipients.add(r);
    }

    /** True when the recipient at this index was given with the same NOTIFY and ORCPT as r. */
    boolean sameAs(int index, Rcpt r) {
        Rcpt o = recipients.get(index);
        return java.util.Objects.equals(o.notifyKinds(), r.notifyKinds()) && java.util.Objects.equals(o.orcpt(), r.orcpt());
    }

    /** Forgets the parameters of the recipient at this index (a milter deleted it). */
    void removeAt(int index) {
        if (index < recipients.size()) recipients.remove(index);
    }

    /** The envelope attributes; recipients' entries only when the recipient list is the one given (not redirected). */
    Map<String, String> attributes(boolean withRecipients) {
        Map<String, String> out = new LinkedHashMap<>();
        if (ret != null) out.put(DsnAttributes.RET, ret);
        if (envid != null) out.put(DsnAttributes.ENVID, envid);
        if (!withRecipients) return out;
        for (int i = 0; i < recipients.size(); i++) {
            Rcpt r = recipients.get(i);
            if (r.notifyKinds() != null) out.put(DsnAttributes.notify(i), r.notifyKinds());
            if (r.orcpt() != null) out.put(DsnAttributes.orcpt(i), r.orcpt());
        }
        return out;
    }

    void clear() {
        ret = null;
        envid = null;
        recipients.clear();
    }

    /** RFC 3461 section 4.1: NEVER alone, or a list of SUCCESS, FAILURE, DELAY; null when invalid. */
    static String notifyList(String v) {
        if (v.isEmpty()) return null;
        String up = v.toUpperCase(Locale.ROOT);
        if (up.equals("NEVER")) return up;
        if (up.replace(",", "").isEmpty()) return null;
        List<String> seen = new ArrayList<>();
        for (String k : up.split(",")) {
            if (k.isEmpty()) continue;   // Postfix's mystrtok() skips empty list items
            if (!(k.equals("SUCCESS") || k.equals("FAILURE") || k.equals("DELAY"))) return null;
            if (!seen.contains(k)) seen.add(k);
        }
        return String.join(",", seen);
    }

    /**
     * RFC 3461 section 4: xtext is printable ASCII except "+" and "=", with "+XX" (two
     * upper-case hex digits) for any other octet; null when malformed.
     */
    static String xtextDecode(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                if (i + 2 >= s.length()) return null;
                int hi = hex(s.charAt(i + 1));
                int lo = hex(s.charAt(i + 2));
                if (hi < 0 || lo < 0) return null;
                sb.append((char) (hi * 16 + lo));
                i += 2;
            } else if (c < '!' || c > '~') {
                return null;   // (Postfix, like us, lets "=" through: RFC 3461's exclusion is for senders)
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;   // Postfix accepts lower case too
        return -1;
    }

    /** Postfix's allprint(): the decoded value must not smuggle control characters into reports. */
    private static boolean printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) return false;
        }
        return true;
    }
}
