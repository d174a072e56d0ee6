// SPDX-License-Identifier: Apache-2.0
package org.secumail.cleanup;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.secumail.config.MainConfig;

/**
 * The headers cleanup adds to a message that lacks them, as Postfix's
 * cleanup_header_done_callback: (Resent-)Message-Id: &lt;YYYYMMDDhhmmss.QID@myhostname&gt;,
 * (Resent-)Date: (the arrival time), (Resent-)From: (the envelope sender, MAILER-DAEMON for
 * the null sender) and undisclosed_recipients_header when there is no To: or Cc:. Only for mail
 * in the local header rewriting context (local_header_rewrite_clients, or every client when
 * remote_header_rewrite_domain is set), or for all mail with always_add_missing_headers = yes.
 *
 * @param always always_add_missing_headers
 * @param remoteContext remote_header_rewrite_domain is set: remote mail has a rewriting context too
 * @param undisclosed undisclosed_recipients_header (empty since Postfix 2.8: none added)
 * @param hostname myhostname, for the Message-Id
 * @param clients local_header_rewrite_clients
 */
public record MissingHeaders(boolean always, boolean remoteContext, String undisclosed, String hostname, HeaderRewriteClients clients) {
    /** Postfix's mail_date(), the day of the month padded with a space: "Mon,  7 Dec 2026 23:45:01 +0000 (UTC)". */
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, ppd MMM yyyy HH:mm:ss Z (z)", Locale.ROOT);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT);

    public static MissingHeaders of(MainConfig cfg) {
        return new MissingHeaders(cfg.bool("always_add_missing_headers"), !cfg.get("remote_header_rewrite_domain").isBlank(),
                cfg.get("undisclosed_recipients_header").strip(), cfg.get("myhostname"), HeaderRewriteClients.of(cfg));
    }

    /** What the primary header section had, and so what is missing. */
    static final class Seen {
        boolean resent;
        boolean messageId;
        boolean resentMessageId;
        boolean date;
        boolean resentDate;
        boolean from;
        boolean resentFrom;
        boolean visibleRecipient;

        void header(String lowerName) {
            switch (lowerName) {
                case "message-id" -> messageId = true;
                case "resent-message-id" -> resentMessageId = true;
                case "date" -> date = true;
                case "resent-date" -> resentDate = true;
                case "from" -> from = true;
                case "resent-from" -> resentFrom = true;
                case "to", "cc", "resent-to", "resent-cc" -> visibleRecipient = true;
                default -> { }
            }
            if (lowerName.startsWith("resent-")) resent = true;
        }
    }

    /** The headers to add, in Postfix's order, and the Message-Id (with its brackets) when one is added. */
    record Added(List<String> headers, String messageId) { }

    Added missing(Seen seen, String queueId, String sender, Instant arrival) {
        List<String> out = new ArrayList<>();
        String prefix = seen.resent ? "Resent-" : "";
        String id = null;
        if (!(seen.resent ? seen.resentMessageId : seen.messageId)) {
            id = "<" + STAMP.format(arrival.atZone(ZoneId.of("UTC"))) + "." + queueId + "@" + hostname + ">";
            out.add(prefix + "Message-Id: " + id);
        }
        if (!(seen.resent ? seen.resentDate : seen.date)) {
            out.add(prefix + "Date: " + DATE.format(ZonedDateTime.ofInstant(arrival, ZoneId.systemDefault())));
        }
        if (!(seen.resent ? seen.resentFrom : seen.from)) out.add(prefix + "From: " + (sender.isEmpty() ? "MAILER-DAEMON" : sender));
        if (!seen.visibleRecipient && !undisclosed.isEmpty()) {
            if (MessageCleanup.isHeader(undisclosed)) out.add(undisclosed);
            else MessageCleanup.LOG.warn("warning: bad undisclosed_recipients_header header text \"{}\" -- need \"headername: headervalue\"", undisclosed);
        }
        return new Added(out, id);
    }
}
