// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.secumail.spam.EvalTests.hit;
import static org.secumail.spam.EvalTests.str;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleBiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.secumail.content.FromHeader;
import org.secumail.content.HeaderField;

/**
 * SpamAssassin's FreeMail plugin: senders and reply addresses at free-mail providers
 * (freemail_domains), and replies steered to a free-mail address other than the sender's,
 * given in Reply-To: or in the body. Role addresses (abuse@, support@, bounce-...@) are never
 * free-mail senders; a bulk or bounce envelope sender turns the reply checks off; a body
 * with 5 or more addresses, or 3 or more free-mail ones, is a directory, not a reply
 * address, and is not read (freemail_max_body_emails, freemail_max_body_freemails).
 */
final class FreemailEvals {
    private FreemailEvals() { }

    private static final Pattern ROLE = Pattern.compile("(?i)^(?:abuse|support|sales|info|helpdesk|contact|kontakt|(?:post|host|domain)master"
            + "|undisclosed.*|request-[a-f0-9]{16}|bounced?-|[a-f0-9]{8}(?:\\.[a-f0-9]{8}|-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})|.+=.+=.+)@");
    private static final Pattern BULK_SENDER = Pattern.compile("(?i)(?:^(?:post|host|domain)master|^double-bounce|^(?:sentto|owner|return|(?:gr)?bounced?)-.+"
            + "|-(?:request|bounces?|admin|owner)|\\b(?:do[._-t]?)?no[._-t]?repl(?:y|ies)|.+=.+)@");
    private static final String LOCAL = "[a-z0-9!#$%&'*+/=?^_`{|}~-]";
    private static final Pattern EMAIL = Pattern.compile("(?i)" + LOCAL + "+(?:\\." + LOCAL + "+)*@(?:[a-z0-9](?:[a-z0-9-]{0,59}[a-z0-9])?\\.){1,4}[a-z]{2,63}");
    private static final Pattern URL_WITH_AT = Pattern.compile("(?i)<?https?://\\S{0,255}(?:@|%40)\\S{0,255}");
    /** An address followed by a label ("joe@example.com web:") is a field of a signature, not a reply address. */
    private static final Pattern LABEL_AFTER = Pattern.compile("(?i)>|\\s{1,10}(?!(?:fa(?:x|csi)|tel|phone|e?-?mail))[a-z]{2,11}:");

    static void register(Map<String, ToDoubleBiFunction<Scan, List<String>>> t) {
        t.put("check_freemail_from", (s, a) -> {
            Pattern re = str(a, 0).isEmpty() ? null : PerlRegex.cached(str(a, 0));
            for (String from : s.view().allFromAddresses()) {
                if (freemail(s, from) && (re == null || re.matcher(from).find())) return 1;
            }
            return 0;
        });
        t.put("check_freemail_header", (s, a) -> {
            String h = str(a, 0);
            String name = h.endsWith(":addr") ? h.substring(0, h.length() - 5) : h;
            String v = name.equals("EnvelopeFrom") ? s.view().envelopeFrom() : s.view().header(name, "addr");
            if (v == null || !freemail(s, v.strip().toLowerCase(Locale.ROOT))) return 0;
            String re = str(a, 1);
            return re.isEmpty() ? 1 : hit(PerlRegex.cached(re).matcher(v).find());
        });
        t.put("check_freemail_replyto", (s, a) -> replyTo(s, str(a, 0).isEmpty() ? "replyto" : str(a, 0)));
    }

    /** A free-mail address: a freemail_domains domain (or glob), not a role address. */
    static boolean freemail(Scan s, String address) {
        if (address == null || address.isEmpty() || ROLE.matcher(address).find()) return false;
        String d = FromHeader.domain(address.strip()).toLowerCase(Locale.ROOT);
        if (d.isEmpty()) return false;
        return (Boolean) s.view().memo.computeIfAbsent("freemail:" + d, k -> {
            if (s.rules().conf().freemailDomains.contains(d)) return true;
            return s.rules().conf().freemailGlobs().matches(d);
        });
    }

    private static List<String> addresses(MessageView v, String header) {
        List<String> out = new ArrayList<>();
        for (HeaderField f : v.all(header)) {
            List<String> a = FromHeader.parse(MessageView.decoded(f));
            if (!a.isEmpty()) out.add(a.get(0).toLowerCase(Locale.ROOT));
        }
        return out;
    }

    /**
     * check_freemail_replyto: From and Reply-To both free-mail and different; or a free-mail
     * address in the body other than the one replies go to ("reply": Reply-To if it is
     * free-mail, else From; "replyto": Reply-To only).
     */
    static double replyTo(Scan s, String what) {
        String envelope = s.view().envelopeFrom();
        if (!envelope.isEmpty() && BULK_SENDER.matcher(envelope).find()) return 0;
        List<String> from = addresses(s.view(), "From");
        List<String> reply = addresses(s.view(), "Reply-To");
        boolean fromFm = from.stream().anyMatch(f -> freemail(s, f));
        boolean replyFm = reply.stream().anyMatch(r -> freemail(s, r));
        boolean fromNotInReply = from.stream().noneMatch(reply::contains);
        if (fromFm && replyFm && fromNotInReply) return 1;
        if (what.equals("replyto") && !replyFm) return 0;
        if (what.equals("reply") && (!reply.isEmpty() && !replyFm || !fromFm)) return 0;
        Set<String> body = bodyFreemails(s);
        if (body == null) return 0;
        List<String> targets = what.equals("replyto") || replyFm ? reply : from;
        for (String b : body) for (String r : targets) if (!b.equals(r)) return 1;
        return 0;
    }

    /** The free-mail addresses in the body (mailto: links first), or null when the body lists too many addresses to read. */
    @SuppressWarnings("unchecked")
    static Set<String> bodyFreemails(Scan s) {
        // not computeIfAbsent: the free-mail verdicts below are memoised in the same map
        Object memo = s.view().memo.get("freemail-body");
        if (memo == null) {
            memo = bodyFreemailsUncached(s);
            s.view().memo.put("freemail-body", memo);
        }
        return memo instanceof Set<?> set ? (Set<String>) set : null;
    }

    private static Object bodyFreemailsUncached(Scan s) {
        {
            Set<String> all = new LinkedHashSet<>();
            for (String u : s.view().uris) {
                if (u.regionMatches(true, 0, "mailto:", 0, 7)) {
                    Matcher m = EMAIL.matcher(u).region(7, u.length());
                    if (m.lookingAt()) all.add(m.group().toLowerCase(Locale.ROOT));
                    if (all.size() >= 20) break;
                }
            }
            for (String p : s.view().paragraphs) {
                if (all.size() >= 40 || p.indexOf('@') < 0) continue;
                if (p.contains("://")) p = URL_WITH_AT.matcher(p).replaceAll(" ");
                collect(p, all);
            }
            Set<String> fm = new LinkedHashSet<>();
            int count = 0;
            for (String e : all) {
                if (++count == s.rules().intSetting("freemail_max_body_emails", 5)) return Boolean.FALSE;
                if (freemail(s, e) && fm.add(e) && fm.size() == s.rules().intSetting("freemail_max_body_freemails", 3)) return Boolean.FALSE;
            }
            return fm;
        }
    }

    /**
     * The addresses of one paragraph, found from each "@" (a local part holds none; trying
     * every position of the text would be slow), except those written "&lt;addr&gt;" or
     * followed by a label other than fax, tel, phone or e-mail.
     */
    private static void collect(String p, Set<String> out) {
        Matcher m = EMAIL.matcher(p);
        int at = p.indexOf('@');
        while (at >= 0 && out.size() < 40) {
            int start = at;
            while (start > 0 && isLocal(p.charAt(start - 1))) start--;
            while (start < at && p.charAt(start) == '.') start++;
            if (start < at && m.region(start, p.length()).lookingAt()) {
                int end = m.end();
                boolean mailto = start >= 7 && p.regionMatches(true, start - 7, "mailto:", 0, 7);
                boolean labelled = !mailto && LABEL_AFTER.matcher(p).region(end, p.length()).lookingAt();
                if (!labelled) out.add(m.group().toLowerCase(Locale.ROOT));
                at = p.indexOf('@', end);
            } else {
                at = p.indexOf('@', at + 1);
            }
        }
    }

    private static boolean isLocal(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+/=?^_`{|}~-.".indexOf(c) >= 0;
    }
}
