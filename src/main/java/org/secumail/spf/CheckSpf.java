// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import java.time.Clock;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.smtpd.Reply;
import org.secumail.smtpd.check.CheckContext;
import org.secumail.smtpd.check.Restriction;
import org.secumail.smtpd.check.RestrictionRegistry;
import org.secumail.smtpd.check.Verdict;
import org.secumail.table.LookupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code check_spf}: SPF policy as postfix-policyd-spf-python applies it, as a restriction
 * (use it in smtpd_recipient_restrictions after reject_unauth_destination). The HELO identity
 * is checked first, then MAIL FROM (the null sender through HELO, RFC 7208 section 2.4).
 * A result in secumail_spf_reject_results is refused with {@code 550 5.7.23} (RFC 7372), one in
 * secumail_spf_defer_results deferred with {@code 451 4.7.24}; otherwise the message gets a
 * Received-SPF: header (RFC 7208 section 9.1) and an Authentication-Results: header (RFC 8601).
 * Clients in mynetworks and authenticated clients are not checked. The result is computed once
 * per transaction and reused for every recipient.
 */
public final class CheckSpf {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.spf");

    private CheckSpf() { }

    record Policy(Set<SpfResultCode> reject, Set<SpfResultCode> defer, Set<SpfResultCode> heloReject, Set<SpfResultCode> heloDefer) { }

    public static void register(RestrictionRegistry r) {
        r.register("check_spf", false, "SPF (RFC 7208) for HELO and MAIL FROM: fail 550 5.7.23, temperror 451 4.7.24, else Received-SPF header",
                (s, a) -> create(s.config(), new SpfEvaluator(s.dns(), s.config().get("myhostname"), Clock.systemUTC())));
    }

    static Restriction create(MainConfig cfg, SpfEvaluator spf) {
        Policy p = new Policy(codes(cfg, "secumail_spf_reject_results"), codes(cfg, "secumail_spf_defer_results"),
                codes(cfg, "secumail_spf_helo_reject_results"), codes(cfg, "secumail_spf_helo_defer_results"));
        String host = cfg.get("myhostname");
        return c -> check(c, spf, p, host);
    }

    private static Set<SpfResultCode> codes(MainConfig cfg, String param) {
        Set<SpfResultCode> out = EnumSet.noneOf(SpfResultCode.class);
        for (String w : cfg.list(param)) {
            try {
                out.add(SpfResultCode.valueOf(w.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(param + ": unknown SPF result \"" + w + "\" (none, neutral, pass, fail, softfail, temperror, permerror)");
            }
        }
        return out;
    }

    private static Verdict check(CheckContext c, SpfEvaluator spf, Policy p, String host) {
        if (c.sender == null || c.clientAddress == null || c.saslUser != null) return Verdict.DUNNO;
        try {
            if (c.settings.mynetworks().matches(c.clientAddress, c.clientName)) return Verdict.DUNNO;
        } catch (LookupException e) {
            return Verdict.DUNNO;
        }
        Object cached = c.transactionData.get("spf");
        if (cached instanceof Verdict v) return v;
        Verdict v = evaluate(c, spf, p, host);
        c.transactionData.put("spf", v);
        return v;
    }

    private static Verdict evaluate(CheckContext c, SpfEvaluator spf, Policy p, String host) {
        String helo = c.helo == null ? "" : c.helo;
        if (!helo.isEmpty() && !helo.startsWith("[")) {
            SpfResult h = spf.checkHelo(c.clientAddress, helo);
            LOG.info("{}: SPF {} (helo={}) client={}: {}", c.queueId.isEmpty() ? "NOQUEUE" : c.queueId, h.code().keyword(), helo, c.clientLabel(), h.mechanism());
            if (p.heloReject().contains(h.code())) return reject(550, "5.7.23", helo, CheckContext.HELO, h);
            if (p.heloDefer().contains(h.code())) return reject(451, "4.7.24", helo, CheckContext.HELO, h);
        }
        SpfResult r = spf.check(c.clientAddress, c.sender, helo);
        String identity = c.sender.isEmpty() ? "helo" : "mailfrom";
        LOG.info("{}: SPF {} ({}={}) client={}: {}", c.queueId.isEmpty() ? "NOQUEUE" : c.queueId, r.code().keyword(), identity,
                c.sender.isEmpty() ? helo : c.sender, c.clientLabel(), r.mechanism());
        if (p.reject().contains(r.code())) return reject(550, "5.7.23", c.sender.isEmpty() ? "<>" : c.sender, CheckContext.SENDER, r);
        if (p.defer().contains(r.code())) return reject(451, "4.7.24", c.sender.isEmpty() ? "<>" : c.sender, CheckContext.SENDER, r);
        c.prepends.add(receivedSpf(r, c, helo, host, identity));
        org.secumail.content.AuthResult ar = authResult(r, c.sender, helo);
        // Kept for the content checks at end of DATA: DMARC needs the result, and the entry
        // joins the one Authentication-Results header when content checks run.
        c.transactionData.put(RESULT_KEY, r);
        c.transactionData.put(AUTH_RESULT_KEY, ar);
        c.prepends.add("Authentication-Results: " + host + "; " + ar.format());
        return Verdict.DUNNO;
    }

    /** transactionData key of the MAIL FROM (or HELO, for the null sender) {@link SpfResult}. */
    public static final String RESULT_KEY = "spf-result";
    /** transactionData key of its Authentication-Results entry. */
    public static final String AUTH_RESULT_KEY = "spf-auth-result";

    /** RFC 8601 section 2.7.2: "spf=pass smtp.mailfrom=a@example.com", or smtp.helo for the null sender. */
    public static org.secumail.content.AuthResult authResult(SpfResult r, String sender, String helo) {
        String prop = sender.isEmpty() ? "smtp.helo=" + helo : "smtp.mailfrom=" + sender;
        return new org.secumail.content.AuthResult("spf", r.code().keyword(), null, java.util.List.of(prop));
    }

    private static Verdict reject(int code, String dsn, String name, String cls, SpfResult r) {
        String why = r.code() == SpfResultCode.FAIL ? r.explanation()
                : r.code() == SpfResultCode.TEMPERROR ? "temporary DNS error (" + r.mechanism() + ")" : r.code().keyword() + " (" + r.mechanism() + ")";
        return new Verdict.Reject(Reply.of(code, dsn, "<" + name + ">: " + cls + " rejected: SPF " + r.code().keyword() + ": " + clean(why)),
                "SPF " + r.code().keyword() + " " + r.mechanism());
    }

    /** RFC 7208 section 9.1. */
    static String receivedSpf(SpfResult r, CheckContext c, String helo, String host, String identity) {
        String who = identity.equals("mailfrom") ? "domain of " + c.sender : "domain of " + helo;
        String comment = switch (r.code()) {
            case PASS -> who + " designates " + c.clientAddr + " as permitted sender";
            case FAIL -> who + " does not designate " + c.clientAddr + " as permitted sender";
            case SOFTFAIL -> "transitioning " + who + " does not designate " + c.clientAddr + " as permitted sender";
            case NEUTRAL -> c.clientAddr + " is neither permitted nor denied by " + who;
            case NONE -> who + " does not provide an SPF record";
            case TEMPERROR -> "error in processing during lookup of " + who;
            case PERMERROR -> who + " uses a permanent error SPF record";
        };
        String from = c.sender.isEmpty() ? "postmaster@" + helo : c.sender;
        return "Received-SPF: " + r.code().keyword() + " (" + host + ": " + clean(comment) + ") client-ip=" + c.clientAddr
                + "; envelope-from=\"" + clean(from) + "\"; helo=" + clean(helo) + "; receiver=" + host + "; identity=" + identity + ";";
    }

    private static String clean(String s) {
        StringBuilder sb = new StringBuilder();
        for (char ch : s.toCharArray()) sb.append(ch < 32 || ch == 127 || ch == '(' || ch == ')' ? ' ' : ch);
        return sb.toString();
    }
}
