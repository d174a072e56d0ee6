// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import java.time.Duration;
import org.secumail.verify.AddressVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * reject_unverified_recipient and reject_unverified_sender, as Postfix's
 * reject_unverified_address(): the address verification service ({@link AddressVerifier})
 * is asked, up to address_verify_poll_count times, address_verify_poll_delay apart, while
 * its probe is in progress. Then:
 * <ul>
 * <li>deliverable: no decision (DUNNO);</li>
 * <li>in progress or a temporary failure: unverified_*_defer_code (450) with
 *     "unverified address: TEXT", through unverified_*_tempfail_action (defer_if_permit);</li>
 * <li>undeliverable: unverified_*_reject_code (450 by default, as in Postfix: set 550 to
 *     refuse for good) with "undeliverable address: TEXT", the remote server's reply.</li>
 * </ul>
 * unverified_*_reject_reason, when set, replaces TEXT. The enhanced status code is 4.1.1 for
 * a recipient and 4.1.7 for a sender, its class following the reply code. Without a verify
 * service (outside the server, as in secumail policyd) the answer is "address verification
 * problem" through the tempfail action.
 */
final class VerifyRestrictions {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.smtpd");

    private VerifyRestrictions() { }

    private record Codes(int defer, int reject, String tempfailAction, String reason, int polls, Duration delay) { }

    static void register(RestrictionRegistry r) {
        r.register("reject_unverified_recipient", false, "probe the recipient address (address verification): unverified_recipient_reject_code (450)",
                (s, a) -> {
                    Codes k = codes(s, "recipient");
                    return c -> c.recipient == null || c.recipient.isEmpty() ? Verdict.DUNNO
                            : AddressRestrictions.as(c, false, addr -> unverified(c, addr, "4.1.1", k));
                });
        r.register("reject_unverified_sender", false, "probe the sender address (address verification): unverified_sender_reject_code (450)",
                (s, a) -> {
                    Codes k = codes(s, "sender");
                    return c -> c.sender == null || c.sender.isEmpty() ? Verdict.DUNNO
                            : AddressRestrictions.as(c, true, addr -> unverified(c, addr, "4.1.7", k));
                });
    }

    private static Codes codes(CheckSettings s, String who) {
        return new Codes(s.code("unverified_" + who + "_defer_code"), s.code("unverified_" + who + "_reject_code"),
                s.tempfailAction("unverified_" + who + "_tempfail_action"), s.config().get("unverified_" + who + "_reject_reason").strip(),
                Math.max(1, s.config().integer("address_verify_poll_count")), s.config().duration("address_verify_poll_delay"));
    }

    private static Verdict unverified(CheckContext c, String addr, String dsn, Codes k) {
        AddressVerifier v = c.settings.verifier();
        if (v == null) {
            LOG.warn("warning: verify service failure");
            return c.tempfail(k.tempfailAction(), 450, dsn, "address verification problem");
        }
        AddressVerifier.Answer answer;
        for (int count = 0; ; ) {
            answer = v.query(addr);
            if (answer.status() != AddressVerifier.Status.TODO || c.dryRun) break;
            if (++count >= k.polls()) break;
            try {
                Thread.sleep(k.delay().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        c.traceDetail("address verification of <" + addr + ">: " + answer.status() + " (" + answer.text() + ")");
        int code = switch (answer.status()) {
            case OK -> 0;
            case TODO, DEFER -> k.defer();
            case BOUNCE -> k.reject();
        };
        String why = code >= 400 && !k.reason().isEmpty() ? k.reason() : answer.text();
        return switch (code / 100) {
            case 0, 2 -> Verdict.DUNNO;
            case 4 -> {
                String text = "unverified address: " + (why.length() > 250 ? why.substring(0, 250) : why);
                Verdict t = c.tempfail(k.tempfailAction(), code, dsn, text);
                yield t;
            }
            default -> c.reject(code, dsn, "undeliverable address: " + why);
        };
    }
}
