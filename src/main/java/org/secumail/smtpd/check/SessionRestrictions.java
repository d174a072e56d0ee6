// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.secumail.rewrite.AddressResolver;
import org.secumail.smtpd.Reply;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restrictions on the session rather than on a name or address, as in Postfix's
 * smtpd_check.c:
 * <ul>
 * <li>{@code reject_plaintext_session}: plaintext_reject_code (450) 4.7.1 "Session encryption
 *     is required" unless STARTTLS is in effect;</li>
 * <li>{@code permit_inet_interfaces}: permit a client that connects from one of our own
 *     addresses (inet_interfaces, proxy_interfaces); the connection's address counts, not an
 *     XCLIENT one;</li>
 * <li>{@code reject_multi_recipient_bounce}: a null sender with more than one recipient,
 *     multi_recipient_bounce_reject_code (550) 5.5.3 "Multi-recipient bounce" (in the RCPT
 *     stage the second recipient is refused, at DATA and end of data the message);</li>
 * <li>{@code check_sasl_access type:table}: an access(5) table keyed by the SASL login name
 *     (only with smtpd_sasl_auth_enable = yes and a login);</li>
 * <li>{@code sleep N}: pause N seconds (against clients that talk before their turn).</li>
 * </ul>
 */
final class SessionRestrictions {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.smtpd");
    static final String SASL_USER = "SASL login name";

    private SessionRestrictions() { }

    static void register(RestrictionRegistry r) {
        r.register("reject_plaintext_session", false, "refuse a session without STARTTLS: plaintext_reject_code (450)", (s, a) -> {
            int code = s.code("plaintext_reject_code");
            return c -> c.tlsProtocol == null ? new Verdict.Reject(Reply.of(code, "4.7.1", "Session encryption is required")) : Verdict.DUNNO;
        });
        r.register("permit_inet_interfaces", false, "permit clients that connect from one of this host's own addresses", (s, a) -> {
            Set<String> own = AddressResolver.ownAddresses(s.config());
            return c -> {
                InetAddress peer = c.socketAddress != null ? c.socketAddress : c.clientAddress;
                return peer != null && own.contains(peer.getHostAddress()) ? new Verdict.Permit("permit_inet_interfaces") : Verdict.DUNNO;
            };
        });
        r.register("reject_multi_recipient_bounce", false, "refuse a null sender with several recipients: multi_recipient_bounce_reject_code (550)", (s, a) -> {
            int code = s.code("multi_recipient_bounce_reject_code");
            return c -> {
                if (c.sender == null || !c.sender.isEmpty()) return Verdict.DUNNO;
                // smtpd_check.c: at RCPT, the recipients accepted before this one; later, all of them
                int count = c.stage == Stage.RECIPIENT || c.stage == Stage.RELAY ? c.acceptedSoFar : c.recipientCount;
                int allowed = c.stage == Stage.RECIPIENT || c.stage == Stage.RELAY ? 0 : 1;
                return count > allowed ? c.reject(code, "5.5.3", "Multi-recipient bounce") : Verdict.DUNNO;
            };
        });
        r.register("check_sasl_access", true, "access(5) table keyed by the SASL login name", (s, spec) -> {
            LookupTable t = Tables.open(spec, s.config().configDir());
            boolean enabled = s.config().bool("smtpd_sasl_auth_enable");
            return c -> {
                if (!enabled) {
                    LOG.warn("warning: restriction `check_sasl_access' ignored: no SASL support");
                    return Verdict.DUNNO;
                }
                if (c.saslUser == null || c.saslUser.isEmpty()) return Verdict.DUNNO;
                return AccessRestrictions.apply(c, t, List.of(c.saslUser), printable(c.saslUser), SASL_USER);
            };
        });
        r.register("sleep", true, "pause for the given number of seconds, then go on", (s, arg) -> {
            if (!arg.matches("[0-9]{1,6}")) {
                return c -> {
                    LOG.warn("warning: restriction sleep must be followed by number");
                    return new Verdict.Reject(Reply.of(451, "4.3.5", "Server configuration error"), "sleep without a number");
                };
            }
            long millis = Long.parseLong(arg) * 1000L;
            return c -> {
                if (c.dryRun) return Verdict.DUNNO;
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Verdict.DUNNO;
            };
        });
    }

    /** Postfix's printable(): anything outside printable ASCII becomes '_'. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            b.append(ch >= 32 && ch < 127 ? ch : '_');
        }
        return b.toString();
    }
}
