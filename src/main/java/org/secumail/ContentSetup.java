// SPDX-License-Identifier: Apache-2.0
package org.secumail;

import java.util.ArrayList;
import java.util.List;
import org.secumail.config.MainConfig;
import org.secumail.content.ContentCheck;
import org.secumail.content.ContentChecks;
import org.secumail.content.MessageSigner;
import org.secumail.dkim.DkimSigning;
import org.secumail.dkim.DkimVerifier;
import org.secumail.dkim.DkimVerifyCheck;
import org.secumail.dns.Resolver;

/**
 * Assembles the end-of-DATA content checks of one smtpd service from its main.cf (with the
 * service's -o overrides), in the documented order: verification (DKIM, ARC), then DMARC,
 * antivirus and spam; DKIM signing last (docs/flow.md).
 */
final class ContentSetup {
    private ContentSetup() { }

    static ContentChecks fromConfig(MainConfig cfg, Resolver dns) {
        List<ContentCheck> checks = new ArrayList<>();
        List<MessageSigner> signers = new ArrayList<>();
        java.time.Clock clock = java.time.Clock.systemUTC();
        if (cfg.bool("secumail_dkim_verify")) {
            checks.add(new DkimVerifyCheck(new DkimVerifier(dns, clock, cfg.integer("secumail_dkim_max_signatures"))));
        }
        DkimSigning signing = DkimSigning.fromConfig(cfg, clock);
        if (signing != null) signers.add(signing);
        String folder = cfg.get("secumail_quarantine_folder").strip();
        if (!folder.isEmpty() && (!folder.matches("\\.[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}") || folder.contains(".."))) {
            throw new org.secumail.config.ConfigException("secumail_quarantine_folder: \"" + folder
                    + "\" is not a Maildir++ folder name such as .Junk (a dot, then letters, digits, '_', '-' or '.')");
        }
        return new ContentChecks(checks, signers, cfg.get("secumail_authserv_id"), cfg.duration("secumail_content_check_timeout"));
    }
}
