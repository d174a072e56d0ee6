// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.util.ArrayList;
import java.util.List;
import org.secumail.content.AuthResult;
import org.secumail.content.ContentCheck;
import org.secumail.content.ContentContext;
import org.secumail.content.ContentResult;
import org.secumail.content.RawMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DKIM verification at end of DATA ({@code secumail_dkim_verify = yes}): every signature is
 * checked, each gives one Authentication-Results entry ("dkim=none" for an unsigned message,
 * RFC 8601 section 2.7.1) and one log line. A failed signature never refuses a message on its
 * own (RFC 6376 section 6.3: it is treated as unsigned); DMARC decides. As OpenDKIM in its
 * default "sv" mode, mail from our own clients (mynetworks, SASL, InternalHosts) is signed,
 * not verified. The verifications are the result's detail, for DMARC.
 */
public final class DkimVerifyCheck implements ContentCheck {
    static final Logger LOG = LoggerFactory.getLogger("secumail.dkim");

    private final DkimVerifier verifier;

    public DkimVerifyCheck(DkimVerifier verifier) {
        this.verifier = verifier;
    }

    @Override public String name() { return "dkim"; }

    @Override public boolean appliesTo(ContentContext ctx) { return !ctx.trusted(); }

    @Override
    public ContentResult check(ContentContext ctx, RawMessage message) {
        List<DkimVerification> results = verifier.verify(message);
        List<AuthResult> ar = new ArrayList<>();
        List<String> trace = new ArrayList<>();
        if (results.isEmpty()) {
            ar.add(new AuthResult("dkim", "none", null, List.of()));
            LOG.debug("{}: dkim: no signature", ctx.queueId());
        }
        for (DkimVerification v : results) {
            ar.add(v.toAuthResult());
            trace.addAll(v.trace());
            LOG.info("{}: dkim: {} d={} s={} a={}{}{}{}", ctx.queueId(), v.result().keyword(), v.domain(), v.selector(), v.algorithm(),
                    v.testing() ? " (testing key)" : "", v.bodyLengthLimited() ? " (l= leaves part of the body unsigned)" : "",
                    v.reason() == null ? "" : ": " + v.reason());
        }
        return ContentResult.accept(name(), ar, List.of(), trace, results);
    }

    /** The verifications a DKIM check of an earlier phase left in the context (empty when none ran). */
    @SuppressWarnings("unchecked")
    public static List<DkimVerification> of(ContentContext ctx) {
        ContentResult r = ctx.earlier("dkim");
        return r != null && r.detail() instanceof List<?> l ? (List<DkimVerification>) l : List.of();
    }
}
