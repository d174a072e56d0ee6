// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.secumail.smtpd.Reply;
import org.secumail.table.AccessKeys;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;

/**
 * check_client_access, check_reverse_client_hostname_access, check_helo_access,
 * check_sender_access and check_recipient_access: look the client, HELO name or address up in
 * an access(5) table with Postfix's partial-key order and apply the result with {@link AccessAction}.
 */
final class AccessRestrictions {
    private AccessRestrictions() { }

    static void register(RestrictionRegistry r) {
        r.register("check_client_access", true, "access(5) table keyed by client hostname and IP address", (s, spec) -> {
            LookupTable t = Tables.open(spec, s.config().configDir());
            return c -> client(c, t, c.clientName);
        });
        r.register("check_reverse_client_hostname_access", true, "access(5) table keyed by the client's unverified PTR name", (s, spec) -> {
            LookupTable t = Tables.open(spec, s.config().configDir());
            return c -> client(c, t, c.reverseName);
        });
        r.register("check_helo_access", true, "access(5) table keyed by the HELO/EHLO name", (s, spec) -> {
            LookupTable t = Tables.open(spec, s.config().configDir());
            return c -> {
                if (c.helo == null) return Verdict.DUNNO;
                List<String> keys = t.matchesWholeInput() ? List.of(c.helo) : AccessKeys.forHostname(HostnameSyntax.trimDot(c.helo), s.parentMatchesAccess());
                return apply(c, t, keys, c.helo, CheckContext.HELO);
            };
        });
        r.register("check_sender_access", true, "access(5) table keyed by the MAIL FROM address", (s, spec) -> {
            LookupTable t = Tables.open(spec, s.config().configDir());
            return c -> c.sender == null ? Verdict.DUNNO : address(c, t, c.sender, CheckContext.SENDER);
        });
        r.register("check_recipient_access", true, "access(5) table keyed by the RCPT TO address", (s, spec) -> {
            LookupTable t = Tables.open(spec, s.config().configDir());
            return c -> c.recipient == null ? Verdict.DUNNO : address(c, t, c.recipient, CheckContext.RECIPIENT);
        });
    }

    private static Verdict client(CheckContext c, LookupTable t, String name) {
        List<String> keys = new ArrayList<>();
        boolean known = name != null && !name.equals("unknown");
        if (t.matchesWholeInput()) {
            if (known) {
                Verdict v = apply(c, t, List.of(name), c.clientLabel(), CheckContext.CLIENT);
                if (!(v instanceof Verdict.Dunno)) return v;
            }
            return apply(c, t, List.of(c.clientAddr), c.clientLabel(), CheckContext.CLIENT);
        }
        if (known) keys.addAll(AccessKeys.forHostname(name, c.settings.parentMatchesAccess()));
        keys.addAll(AccessKeys.forClientAddress(c.clientAddr));
        return apply(c, t, keys, c.clientLabel(), CheckContext.CLIENT);
    }

    private static Verdict address(CheckContext c, LookupTable t, String addr, String cls) {
        String key = addr.isEmpty() ? c.settings.config().get("smtpd_null_access_lookup_key") : addr;
        List<String> keys = t.matchesWholeInput() || addr.isEmpty()
                ? List.of(key)
                : AccessKeys.forEmail(addr, c.settings.config().get("recipient_delimiter"), c.settings.parentMatchesAccess());
        return apply(c, t, keys, addr, cls);
    }

    static Verdict apply(CheckContext c, LookupTable t, List<String> keys, String replyName, String replyClass) {
        return applyFound(c, t, keys, replyName, replyClass).orElse(Verdict.DUNNO);
    }

    /** The verdict of the first key in the table (a lookup failure too), or empty when none is there. */
    static Optional<Verdict> applyFound(CheckContext c, LookupTable t, List<String> keys, String replyName, String replyClass) {
        Optional<String> value;
        try {
            value = AccessKeys.find(t, keys);
        } catch (LookupException e) {
            c.traceDetail(t.spec() + ": looked up " + keys + ": lookup failed: " + e.getMessage());
            return Optional.of(new Verdict.Reject(Reply.of(451, "4.3.0", "<" + replyName + ">: Temporary lookup failure"), t.spec() + ": " + e.getMessage()));
        }
        if (c.trace != null) c.traceDetail(t.spec() + ": looked up " + keys + (value.isEmpty() ? ": not found" : ": found \"" + value.get() + "\""));
        if (value.isEmpty()) return Optional.empty();
        String savedName = c.replyName;
        String savedClass = c.replyClass;
        c.replyName = replyName;
        c.replyClass = replyClass;
        try {
            return Optional.of(AccessAction.apply(c, value.get(), t.spec()));
        } finally {
            c.replyName = savedName;
            c.replyClass = savedClass;
        }
    }
}
