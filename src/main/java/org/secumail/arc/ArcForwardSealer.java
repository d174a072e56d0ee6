// SPDX-License-Identifier: Apache-2.0
package org.secumail.arc;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.content.AuthenticationResults;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;
import org.secumail.dkim.DkimKey;
import org.secumail.dkim.DkimKeys;
import org.secumail.dns.Resolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ARC sealing of the mail local delivery forwards (an alias to another domain; RFC 8617
 * section 5.1): the copy gets ARC-Authentication-Results (our Authentication-Results of the
 * original delivery), ARC-Message-Signature and ARC-Seal, so the next receiver can see what
 * we saw even after SPF stops aligning. The chain's cv= is taken from the arc= entry of our
 * own Authentication-Results header, or validated again when there is none.
 *
 * <p>Parameters: {@code secumail_arc_seal_domain} (empty: no sealing),
 * {@code secumail_arc_seal_selector} (default), {@code secumail_arc_seal_key_file}
 * ($secumail_dkim_key_directory/DOMAIN/SELECTOR.private). The key must be RSA: RFC 8617
 * section 4.1.3 allows rsa-sha256 only.
 */
public final class ArcForwardSealer {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.arc");
    private static final Pattern ARC_RESULT = Pattern.compile("(?:^|;)\\s*arc\\s*=\\s*(none|pass|fail)\\b", Pattern.CASE_INSENSITIVE);

    private final DkimKey key;
    private final String authservId;
    private final ArcSealer sealer;
    private final ArcVerifier verifier;

    private ArcForwardSealer(DkimKey key, String authservId, ArcSealer sealer, ArcVerifier verifier) {
        this.key = key;
        this.authservId = authservId;
        this.sealer = sealer;
        this.verifier = verifier;
    }

    /** The sealer main.cf asks for, or null without secumail_arc_seal_domain. */
    public static ArcForwardSealer fromConfig(MainConfig cfg, Resolver dns, Clock clock) {
        String domain = cfg.get("secumail_arc_seal_domain").strip();
        if (domain.isEmpty()) return null;
        Path file = cfg.path("secumail_arc_seal_key_file");
        DkimKeys.Loaded k;
        try {
            k = DkimKeys.load(file);
        } catch (IOException e) {
            throw new ConfigException("secumail_arc_seal_key_file: " + e.getMessage());
        }
        if (!k.algorithm().equals("rsa-sha256")) {
            throw new ConfigException("secumail_arc_seal_key_file: " + file + " is an " + k.algorithm() + " key; ARC seals with RSA only (RFC 8617 section 4.1.3)");
        }
        for (String w : k.warnings()) LOG.warn("warning: {}", w);
        DkimKey key = new DkimKey(domain, cfg.get("secumail_arc_seal_selector").strip(), k.privateKey(), k.algorithm());
        return new ArcForwardSealer(key, cfg.get("secumail_authserv_id"), new ArcSealer(clock), new ArcVerifier(dns, clock));
    }

    /** The three ARC fields to put on top of the forwarded copy (empty when the chain must not be sealed again). */
    public List<HeaderField> seal(RawMessage msg) {
        ArcResult cv = chainResult(msg);
        String ar = ArcSealer.authResultsFor(msg.headers(), authservId);
        if (ar == null) ar = "arc=" + cv.keyword();
        List<HeaderField> set = sealer.seal(msg, key, authservId, ar, cv, null);
        if (!set.isEmpty()) LOG.info("ARC set added (i={}, cv={}, d={}, s={})", instance(set.get(0)), cv.keyword(), key.domain(), key.selector());
        return set;
    }

    private ArcResult chainResult(RawMessage msg) {
        if (!ArcChain.present(msg.headers())) return ArcResult.NONE;
        for (HeaderField f : msg.headers()) {
            if (!AuthenticationResults.claimsOurId(f, authservId)) continue;
            Matcher m = ARC_RESULT.matcher(f.value());
            if (m.find()) return ArcResult.valueOf(m.group(1).toUpperCase(java.util.Locale.ROOT));
        }
        ArcResult r = verifier.validate(msg).result();
        return r == ArcResult.NONE ? ArcResult.FAIL : r;   // sets present but "none": malformed, never vouched for
    }

    private static String instance(HeaderField seal) {
        Matcher m = Pattern.compile("(?:^|;)\\s*i\\s*=\\s*(\\d+)").matcher(seal.value());
        return m.find() ? m.group(1) : "?";
    }
}
