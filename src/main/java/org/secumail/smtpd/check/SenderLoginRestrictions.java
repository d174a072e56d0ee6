// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.smtpd.Reply;
import org.secumail.table.AccessKeys;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;

/**
 * Who may use which MAIL FROM address: Postfix's smtpd_sender_login_maps, a table from the
 * sender address (looked up as user+ext@domain, user@domain, then @domain) to the SASL login
 * names that own it (a comma or space separated list), and the four restrictions that use it:
 * <ul>
 * <li>reject_authenticated_sender_login_mismatch: an authenticated client must own the sender
 * address; an address the table does not list is owned by nobody;</li>
 * <li>reject_unauthenticated_sender_login_mismatch: a client that did not authenticate may not
 * use an address the table lists;</li>
 * <li>reject_known_sender_login_mismatch: both, but only for addresses the table lists;</li>
 * <li>reject_sender_login_mismatch: the first two together.</li>
 * </ul>
 * Replies are Postfix's: "553 5.7.1 &lt;addr&gt;: Sender address rejected: not owned by user
 * NAME" and "553 5.7.1 &lt;addr&gt;: Sender address rejected: not logged in". The null sender
 * is not checked, as in Postfix.
 */
final class SenderLoginRestrictions {
    private SenderLoginRestrictions() { }

    private enum Mode { AUTHENTICATED, UNAUTHENTICATED, KNOWN, BOTH }

    static void register(RestrictionRegistry r) {
        r.register("reject_sender_login_mismatch", false,
                "smtpd_sender_login_maps: the authenticated user must own MAIL FROM, and a listed address needs AUTH (553)",
                (s, a) -> restriction(s, "reject_sender_login_mismatch", Mode.BOTH));
        r.register("reject_authenticated_sender_login_mismatch", false,
                "smtpd_sender_login_maps: an authenticated user must own MAIL FROM (553)",
                (s, a) -> restriction(s, "reject_authenticated_sender_login_mismatch", Mode.AUTHENTICATED));
        r.register("reject_known_sender_login_mismatch", false,
                "smtpd_sender_login_maps: a listed MAIL FROM needs AUTH as one of its owners (553)",
                (s, a) -> restriction(s, "reject_known_sender_login_mismatch", Mode.KNOWN));
        r.register("reject_unauthenticated_sender_login_mismatch", false,
                "smtpd_sender_login_maps: a listed MAIL FROM needs AUTH (553)",
                (s, a) -> restriction(s, "reject_unauthenticated_sender_login_mismatch", Mode.UNAUTHENTICATED));
    }

    private static Restriction restriction(CheckSettings s, String name, Mode mode) {
        MainConfig cfg = s.config();
        List<String> specs = cfg.list("smtpd_sender_login_maps");
        if (specs.isEmpty()) throw new ConfigException(name + " requires smtpd_sender_login_maps");
        List<LookupTable> tables = Tables.openAll(specs, cfg.configDir(), false);
        String delimiter = cfg.get("recipient_delimiter");
        return c -> check(c, tables, delimiter, mode);
    }

    private static Verdict check(CheckContext c, List<LookupTable> tables, String delimiter, Mode mode) {
        if (c.sender == null || c.sender.isEmpty()) return Verdict.DUNNO;
        Optional<String> owners;
        try {
            owners = owners(tables, c.sender, delimiter);
        } catch (LookupException e) {
            return new Verdict.Reject(Reply.of(451, "4.3.0", "<" + c.sender + ">: Temporary lookup failure"), "smtpd_sender_login_maps: " + e.getMessage());
        }
        boolean authenticated = c.saslUser != null;
        if (authenticated && (mode == Mode.AUTHENTICATED || mode == Mode.BOTH || (mode == Mode.KNOWN && owners.isPresent()))) {
            if (owners.isEmpty() || !owns(owners.get(), c.saslUser)) return mismatch(c, "not owned by user " + c.saslUser);
        }
        if (!authenticated && owners.isPresent() && mode != Mode.AUTHENTICATED) {
            return mismatch(c, "not logged in");
        }
        return Verdict.DUNNO;
    }

    private static Verdict mismatch(CheckContext c, String text) {
        return new Verdict.Reject(Reply.of(553, "5.7.1", "<" + c.sender + ">: Sender address rejected: " + text));
    }

    static boolean owns(String owners, String user) {
        for (String o : MainConfig.splitList(owners)) {
            if (o.equalsIgnoreCase(user)) return true;
        }
        return false;
    }

    /** Postfix's mail_addr_find order: the address, without its extension, then "@domain". */
    static Optional<String> owners(List<LookupTable> tables, String sender, String delimiter) throws LookupException {
        String addr = sender.toLowerCase(Locale.ROOT);
        int at = addr.lastIndexOf('@');
        List<String> keys = new ArrayList<>();
        keys.add(addr);
        if (at > 0) {
            String base = AccessKeys.stripExtension(addr.substring(0, at), delimiter == null ? "" : delimiter);
            if (base != null) keys.add(base + addr.substring(at));
            keys.add(addr.substring(at));
        }
        for (LookupTable t : tables) {
            Optional<String> v = AccessKeys.find(t, keys);
            if (v.isPresent()) return v;
        }
        return Optional.empty();
    }
}
