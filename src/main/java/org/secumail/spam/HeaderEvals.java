// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.secumail.spam.EvalTests.hit;
import static org.secumail.spam.EvalTests.num;
import static org.secumail.spam.EvalTests.str;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleBiFunction;
import org.secumail.content.FromHeader;
import org.secumail.content.HeaderField;

/**
 * Header eval tests: HeaderEval, WLBLEval (welcome/block lists), FreeMail, RelayEval, and
 * the authentication results (SPF, DKIM, DMARC, ARC) handed over by the earlier content
 * checks rather than computed again.
 */
final class HeaderEvals {
    private HeaderEvals() { }

    private static String lastTwoLabels(String d) {
        int last = d.lastIndexOf('.');
        if (last <= 0) return d;
        int prev = d.lastIndexOf('.', last - 1);
        return prev < 0 ? d : d.substring(prev + 1);
    }

    static void register(Map<String, ToDoubleBiFunction<Scan, List<String>>> t) {
        t.put("check_for_shifted_date", (s, a) -> shiftedDate(s, num(a, 0, Double.NEGATIVE_INFINITY), num(a, 1, Double.POSITIVE_INFINITY)));
        t.put("check_header_count_range", (s, a) -> {
            int n = s.view().all(str(a, 0)).size();
            return hit(n >= num(a, 1, 0) && n <= num(a, 2, Double.POSITIVE_INFINITY));
        });
        t.put("check_illegal_chars", (s, a) -> illegalChars(s, str(a, 0), num(a, 1, 0), num(a, 2, 0)));
        t.put("check_for_missing_to_header", (s, a) -> hit(s.view().header("To", "") == null && s.view().header("Apparently-To", "") == null));
        t.put("check_for_to_in_subject", (s, a) -> toInSubject(s, str(a, 0)));
        t.put("subject_is_all_caps", (s, a) -> {
            String subj = s.view().header("Subject", "");
            if (subj == null) return 0;
            StringBuilder lb = new StringBuilder();
            for (int i = 0; i < subj.length(); i++) {
                char c = subj.charAt(i);
                if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') lb.append(c);
            }
            String letters = lb.toString();
            return hit(letters.length() >= 10 && subj.strip().split("\\s+").length > 1 && letters.equals(letters.toUpperCase(Locale.ROOT)));
        });
        t.put("check_for_matching_env_and_hdr_from", (s, a) -> hit(!s.view().envelopeFrom().isEmpty() && s.view().envelopeFrom().equalsIgnoreCase(s.view().fromAddress())));
        t.put("check_no_relays", (s, a) -> hit(s.view().relays.trusted.isEmpty() && s.view().relays.untrusted.isEmpty()));
        t.put("check_relays_unparseable", (s, a) -> hit(s.view().relays.unparseable > 0));
        t.put("check_all_trusted", (s, a) -> hit(!s.view().relays.trusted.isEmpty() && s.view().relays.untrusted.isEmpty()));
        // welcome and block lists (WLBLEval)
        for (String n : List.of("check_from_in_whitelist", "check_from_in_welcomelist")) t.put(n, (s, a) -> fromIn(s, s.rules().conf().welcomelistFrom));
        for (String n : List.of("check_from_in_blacklist", "check_from_in_blocklist")) t.put(n, (s, a) -> fromIn(s, s.rules().conf().blocklistFrom));
        for (String n : List.of("check_to_in_whitelist", "check_to_in_welcomelist")) t.put(n, (s, a) -> toIn(s, s.rules().conf().welcomelistTo));
        for (String n : List.of("check_to_in_blacklist", "check_to_in_blocklist")) t.put(n, (s, a) -> toIn(s, s.rules().conf().blocklistTo));
        t.put("check_to_in_more_spam", (s, a) -> toIn(s, s.rules().conf().moreSpamTo));
        t.put("check_to_in_all_spam", (s, a) -> toIn(s, s.rules().conf().allSpamTo));
        t.put("check_from_in_list", (s, a) -> hit(addrList(s, str(a, 0)).matches(s.view().fromAddress())));
        t.put("check_equal_from_domains", (s, a) -> {
            String env = s.view().envelopeFrom();
            String from = s.view().fromAddress();
            if (env.isEmpty() || from.isEmpty()) return 0;
            // compared by their last two labels, as SpamAssassin does (its scores were set on that reading)
            String da = lastTwoLabels(FromHeader.domain(env).toLowerCase(Locale.ROOT));
            String db = lastTwoLabels(FromHeader.domain(from).toLowerCase(Locale.ROOT));
            if (da.isEmpty() || db.isEmpty()) return 0;
            return hit(!da.equals(db));
        });
        // authentication results from the earlier checks
        for (String r : List.of("pass", "neutral", "none", "fail", "softfail", "temperror", "permerror")) {
            t.put("check_for_spf_" + r, (s, a) -> hit(s.authIs("spf", r)));
            t.put("check_for_spf_helo_" + r, (s, a) -> hit(s.authIs("spf.helo", r)));
        }
        t.put("check_dkim_signed", (s, a) -> hit(s.view().header("DKIM-Signature", "") != null));
        t.put("check_dkim_valid", (s, a) -> hit(s.authIs("dkim", "pass")));
        // a valid signature whose body hash covered the whole body (no l=): ours never accept l= partials as dependable
        t.put("check_dkim_dependable", (s, a) -> hit(s.authIs("dkim", "pass")));
        t.put("check_dkim_valid_author_sig", (s, a) -> hit(s.authIs("dkim.author", "pass")));
        t.put("check_dmarc_pass", (s, a) -> hit(s.authIs("dmarc", "pass")));
        t.put("check_dmarc_reject", (s, a) -> hit(s.authIs("dmarc", "fail") && s.authIs("dmarc.policy", "reject")));
        t.put("check_dmarc_quarantine", (s, a) -> hit(s.authIs("dmarc", "fail") && s.authIs("dmarc.policy", "quarantine")));
        t.put("check_dmarc_none", (s, a) -> hit(s.authIs("dmarc", "fail") && s.authIs("dmarc.policy", "none")));
        t.put("check_dmarc_missing", (s, a) -> hit(s.hasAuth("dmarc") && s.authIs("dmarc", "none")));
        t.put("check_arc_signed", (s, a) -> hit(s.view().header("ARC-Seal", "") != null));
        t.put("check_arc_valid", (s, a) -> hit(s.authIs("arc", "pass")));
        t.put("check_hashcash_value", (s, a) -> {
            int b = s.hashcash().bits();
            return hit(b > 0 && b >= num(a, 0, 0) && b < num(a, 1, Double.POSITIVE_INFINITY));
        });
        // DNS lists of the relay chain and URI lists, answered before the rules ran (NetworkTests)
        t.put("check_rbl", (s, a) -> NetworkTests.hits(s.net().rbl().get(str(a, 0)), a.size() > 2 ? str(a, 2) : "").size());
        t.put("check_rbl_sub", (s, a) -> NetworkTests.hits(NetworkTests.setAnswers(s.net(), str(a, 0)), str(a, 1)).size());
        t.put("check_uridnsbl", (s, a) -> {
            NetworkTests.UriList l = s.net().uriRules().get(str(a, 0));
            return l == null ? 0 : NetworkTests.hits(s.net().uri().get(l.rule()), l.subtest()).size();
        });
        t.put("check_hashcash_double_spend", (s, a) -> hit(s.hashcash().doubleSpent()));
        t.put("check_bayes", (s, a) -> {
            double p = s.bayes();
            if (Double.isNaN(p)) return 0;
            double lo = num(a, 0, 0);
            double hi = num(a, 1, 1);
            return hit(p >= lo && (p < hi || hi >= 1.0 && p <= 1.0));
        });
    }

    /**
     * Hours between the Date: field and the Received: dates, as SpamAssassin's
     * _check_date_diff: of the differences to every Received: date, the one smallest in
     * magnitude (the oldest is left out when it is exactly 0 and there are others).
     */
    private static double shiftedDate(Scan s, double min, double max) {
        // a dozen DATE_IN_PAST_* / DATE_IN_FUTURE_* rules ask for the same figure
        double hours = (Double) s.view().memo.computeIfAbsent("date-shift-hours", k -> dateShiftHours(s));
        return hit(!Double.isNaN(hours) && hours >= min && hours < max);
    }

    /** The shift in hours, or NaN when the message has no usable Date: or Received: date. */
    private static double dateShiftHours(Scan s) {
        // Resent-Date first, as a resent message's Received: fields are the resending's
        Date date = null;
        for (String name : List.of("Resent-Date", "Date")) {
            for (HeaderField h : s.view().all(name)) {
                date = date(MessageView.decoded(h));
                if (date != null) break;
            }
            if (date != null) break;
        }
        if (date == null) return Double.NaN;
        List<Long> diffs = new ArrayList<>();
        for (Date r : receivedTimes(s.view())) diffs.add(date.getTime() - r.getTime());
        if (diffs.isEmpty()) return Double.NaN;
        if (diffs.size() > 1 && diffs.get(diffs.size() - 1) == 0) diffs.remove(diffs.size() - 1);
        long best = diffs.get(0);
        for (long d : diffs) if (Math.abs(d) < Math.abs(best)) best = d;
        return best / 3_600_000.0;
    }

    private static final java.util.regex.Pattern RECEIVED_DATE = java.util.regex.Pattern.compile("(\\s.?\\d+ \\S\\S\\S \\d+ \\d+:\\d+:\\d+ \\S+)");
    private static final java.util.regex.Pattern LOCAL_PICKUP = java.util.regex.Pattern.compile("\\bfrom (?:localhost\\s|(?:\\S+ ){1,2}\\S*\\b127\\.0\\.0\\.1\\b)|qmail \\d+ invoked by uid \\d+");
    private static final java.util.regex.Pattern LEADING_NON_DIGITS = java.util.regex.Pattern.compile("^[^\\d]+");
    private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s+");
    private static final java.util.regex.Pattern FETCHMAIL = java.util.regex.Pattern.compile("\\bby localhost with \\w+ \\(fetchmail-[\\d.]+");

    /**
     * The dates of the Received: fields, newest first, as SpamAssassin reads them: without a
     * local pick-up followed by a fetchmail hop at the top (those record when the mailbox was
     * fetched, not when the mail arrived).
     */
    static List<Date> receivedTimes(MessageView v) {
        List<String> received = new ArrayList<>();
        for (HeaderField h : v.all("Received")) {
            // unfolded to single spaces: a date folded between its day and its time still reads
            String d = WHITESPACE.matcher(MessageView.decoded(h)).replaceAll(" ");
            if (!d.isBlank()) received.add(d);
        }
        int skip = !received.isEmpty() && LOCAL_PICKUP.matcher(received.get(0)).find() ? 1 : 0;
        if (received.size() > skip && FETCHMAIL.matcher(received.get(skip)).find()) {
            received = received.subList(skip + 1, received.size());
        }
        List<Date> out = new ArrayList<>();
        for (String r : received) {
            java.util.regex.Matcher m = RECEIVED_DATE.matcher(r);
            if (!m.find()) continue;
            Date d = date(LEADING_NON_DIGITS.matcher(m.group(1).strip()).replaceFirst(""));
            if (d != null) out.add(d);
        }
        return out;
    }

    /** The To: address (or its local part) standing as the Subject, as spammers personalise it. */
    private static double toInSubject(Scan s, String test) {
        String to = s.view().header("To", "addr");
        String subject = s.view().header("Subject", "");
        if (to == null || subject == null || to.isBlank()) return 0;
        to = to.strip();
        subject = subject.strip();
        // every form below holds the address (or its local part) as written: without it in the
        // Subject (ignoring case, a superset of the patterns' ASCII folding) nothing can match,
        // and most mail is answered without compiling a pattern
        if (!containsIgnoreCase(subject, test.equals("address") ? to : to.replaceAll("@.*", ""))) return 0;
        if (test.equals("address")) {
            return hit(java.util.regex.Pattern.compile("\\b" + java.util.regex.Pattern.quote(to) + "\\b", java.util.regex.Pattern.CASE_INSENSITIVE).matcher(subject).find());
        }
        String q = java.util.regex.Pattern.quote(to.replaceAll("@.*", ""));
        java.util.regex.Pattern p = java.util.regex.Pattern.compile("^(?:(?:re|fw):\\s*(?:\\w+\\s+)?" + q + "$|(?-i:" + q + ")\\s*[,:;!?-](?:$|\\s)|" + q + "$|,\\s*" + q + "[,:;!?-]$)",
                java.util.regex.Pattern.CASE_INSENSITIVE);
        return hit(p.matcher(subject).find());
    }

    private static boolean containsIgnoreCase(String text, String part) {
        for (int i = 0; i + part.length() <= text.length(); i++) {
            if (text.regionMatches(true, i, part, 0, part.length())) return true;
        }
        return false;
    }

    /** A date as SpamAssassin reads one ({@link SaDate}), or null. */
    static Date date(String v) {
        Long t = SaDate.parse(v);
        return t == null ? null : new Date(t * 1000);
    }

    /** High-bit characters in a header (or all of them, "ALL"): ratio and count both over the limits. */
    private static double illegalChars(Scan s, String header, double ratio, double count) {
        String v = header.equals("ALL") ? s.view().header("ALL", "raw") : s.view().header(header, "raw");
        if (v == null || v.isEmpty()) return 0;
        int bad = 0;
        for (int i = 0; i < v.length(); i++) if (v.charAt(i) >= 0x80) bad++;
        return hit(bad > count && (double) bad / v.length() > ratio);
    }

    private static double fromIn(Scan s, List<String> globs) {
        if (globs.isEmpty()) return 0;
        for (String c : s.view().allFromAddresses()) if (Scan.anyGlob(globs, c)) return 1;
        return 0;
    }

    private static double toIn(Scan s, List<String> globs) {
        if (globs.isEmpty()) return 0;
        for (String r : s.view().envelopeTo) if (Scan.anyGlob(globs, r)) return 1;
        for (String h : List.of("To", "Cc")) {
            String v = s.view().header(h, "");
            if (v == null) continue;
            for (String a : FromHeader.parse(v)) if (Scan.anyGlob(globs, a)) return 1;
        }
        return 0;
    }

    private static AddressGlobs addrList(Scan s, String name) {
        return s.rules().conf().addrList(name);
    }
}
