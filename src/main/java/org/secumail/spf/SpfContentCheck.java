// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import java.net.InetAddress;
import java.util.List;
import org.secumail.content.ContentCheck;
import org.secumail.content.ContentContext;
import org.secumail.content.ContentResult;
import org.secumail.content.RawMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SPF at end of DATA for DMARC, when smtpd's restrictions did not already evaluate it
 * (no {@code check_spf}): DMARC's SPF half needs the MAIL FROM result (RFC 7489 section
 * 4.1), and without it every message of a domain that publishes SPF but does not sign would
 * fail DMARC. The result only informs (an spf= Authentication-Results entry and the value
 * DMARC reads through {@link ContentContext#spf()}); it never refuses on its own, which
 * remains check_spf's job. Runs in phase 0, beside DKIM verification.
 */
public final class SpfContentCheck implements ContentCheck {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.spf");

    private final SpfEvaluator spf;

    public SpfContentCheck(SpfEvaluator spf) {
        this.spf = spf;
    }

    @Override public String name() { return "spf"; }

    @Override public boolean appliesTo(ContentContext ctx) { return ctx.spf() == null && !ctx.trusted(); }

    @Override
    public ContentResult check(ContentContext ctx, RawMessage message) throws Exception {
        InetAddress ip = InetAddress.getByName(ctx.clientAddress());   // a literal: no DNS
        SpfResult r = spf.check(ip, ctx.sender(), ctx.helo());
        String identity = ctx.sender().isEmpty() ? "helo=" + ctx.helo() : "mailfrom=" + ctx.sender();
        LOG.info("{}: SPF {} ({}) client={}: {}", ctx.queueId(), r.code().keyword(), identity, ctx.clientAddress(), r.mechanism());
        return ContentResult.accept(name(), List.of(CheckSpf.authResult(r, ctx.sender(), ctx.helo())), List.of(), r.queries(), r);
    }
}
