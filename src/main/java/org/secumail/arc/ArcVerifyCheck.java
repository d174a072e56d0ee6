// SPDX-License-Identifier: Apache-2.0
package org.secumail.arc;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.secumail.content.ContentCheck;
import org.secumail.content.ContentContext;
import org.secumail.content.ContentResult;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ARC chain validation at end of DATA ({@code secumail_arc_verify = yes}, RFC 8617 section
 * 5.2), beside DKIM in phase 0: the result goes into Authentication-Results as
 * {@code arc=pass smtp.remote-ip=... header.oldest-pass=N} and is logged. An ARC result never
 * refuses a message; it may only rescue one: when DMARC fails and the chain passes with its
 * newest ARC-Seal made by a domain in {@code secumail_arc_trusted_sealers} (a mailing list or
 * forwarder the administrator trusts, RFC 8617 section 7.2), DMARC's reject or quarantine is
 * overridden ("trusted_forwarder" in the aggregate report). Anyone can add an ARC set, so a
 * valid chain from an unknown sealer changes nothing.
 */
public final class ArcVerifyCheck implements ContentCheck {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.arc");
    private static final Pattern D_TAG = Pattern.compile("(?:^|;)\\s*d\\s*=\\s*([^;\\s]+)");

    /** The check's detail: the validation and the newest sealer's d= domain ("" when none). */
    public record Detail(ArcValidation validation, String sealer) { }

    private final ArcVerifier verifier;
    private final Set<String> trustedSealers;

    public ArcVerifyCheck(ArcVerifier verifier, List<String> trustedSealers) {
        this.verifier = verifier;
        this.trustedSealers = Set.copyOf(trustedSealers.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList());
    }

    @Override public String name() { return "arc"; }

    @Override public boolean appliesTo(ContentContext ctx) { return !ctx.trusted(); }

    @Override
    public ContentResult check(ContentContext ctx, RawMessage message) {
        ArcValidation v = verifier.validate(message);
        String sealer = newestSealer(message);
        if (v.result() != ArcResult.NONE) {
            LOG.info("{}: arc: {} instances={} sealer={}{}", ctx.queueId(), v.result().keyword(), v.instances(), sealer,
                    v.reason() == null ? "" : ": " + v.reason());
        }
        return ContentResult.accept(name(), List.of(v.toAuthResult(ctx.clientAddress())), List.of(), v.trace(), new Detail(v, sealer));
    }

    /** The d= of the ARC-Seal with the highest i= (the last hop before us), lower case; "" when none. */
    static String newestSealer(RawMessage message) {
        int best = -1;
        String domain = "";
        for (HeaderField f : message.all("ARC-Seal")) {
            String v = f.value();
            Matcher i = Pattern.compile("(?:^|;)\\s*i\\s*=\\s*(\\d{1,3})").matcher(v);
            Matcher d = D_TAG.matcher(v);
            if (i.find() && d.find()) {
                int n = Integer.parseInt(i.group(1));
                if (n > best) {
                    best = n;
                    domain = d.group(1).toLowerCase(Locale.ROOT);
                }
            }
        }
        return domain;
    }

    /** True when an earlier ARC check found a passing chain sealed last by a trusted sealer. */
    public boolean trustedPass(ContentContext ctx) {
        ContentResult r = ctx.earlier(name());
        if (r == null || !(r.detail() instanceof Detail d) || d.validation().result() != ArcResult.PASS) return false;
        return trustedSealers.contains(d.sealer());
    }
}
