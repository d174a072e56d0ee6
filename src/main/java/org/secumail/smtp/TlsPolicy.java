// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.secumail.config.MainConfig;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;

/**
 * smtp_tls_policy_maps (TLS_README, "TLS policy table"): a TLS security level per next hop,
 * in place of smtp_tls_security_level. Keys, as Postfix looks them up: the next-hop
 * destination as written ("example.com", "[mx.example.com]", "[mx.example.com]:587"), then,
 * for a domain, each parent as ".parent". The value is "level [name=value ...]".
 * Levels: none, may, encrypt, verify, secure as everywhere in SecuMail; "dane" is "may" here
 * (SecuMail does no DNSSEC validation, and Postfix's dane without validated TLSA records is
 * "may"); "dane-only" and "fingerprint" cannot be met by SecuMail, so mail to such a
 * destination is deferred (never sent with less protection than asked). The attributes
 * (match=, ciphers=, protocols=, exclude=, ...) are not applied; "verify" and "secure" check
 * the certificate against the JDK's trust store and the server's host name.
 */
final class TlsPolicy {
    /** A policy for one destination: the level to use, or why the destination cannot be served. */
    record Decision(String level, String refusal) { }

    private final List<LookupTable> tables;

    private TlsPolicy(List<LookupTable> tables) {
        this.tables = tables;
    }

    static TlsPolicy fromConfig(MainConfig cfg) {
        return new TlsPolicy(List.copyOf(Tables.openAll(cfg.list("smtp_tls_policy_maps"), cfg.configDir(), false)));
    }

    boolean enabled() { return !tables.isEmpty(); }

    /** The policy for the next hop, or empty for the default level. */
    Optional<Decision> lookup(String nexthop) throws LookupException {
        if (tables.isEmpty() || nexthop == null || nexthop.isBlank()) return Optional.empty();
        for (String key : keys(nexthop)) {
            for (LookupTable t : tables) {
                Optional<String> v = t.lookup(key);
                if (v.isPresent() && !v.get().isBlank()) return Optional.of(decide(v.get().strip()));
                if (t.matchesWholeInput()) break;
            }
        }
        return Optional.empty();
    }

    static List<String> keys(String nexthop) {
        String n = nexthop.strip().toLowerCase(Locale.ROOT);
        List<String> keys = new ArrayList<>();
        keys.add(n);
        if (n.startsWith("[") || n.indexOf(':') >= 0) return keys;
        String d = n;
        int dot;
        while ((dot = d.indexOf('.')) >= 0 && dot < d.length() - 1) {
            d = d.substring(dot + 1);
            keys.add("." + d);
        }
        return keys;
    }

    private static Decision decide(String value) {
        String level = value.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        return switch (level) {
            case "none", "may", "encrypt", "verify", "secure" -> new Decision(level, null);
            case "dane" -> new Decision("may", null);
            case "dane-only", "fingerprint" -> new Decision(null, "TLS policy \"" + level + "\" is not supported by SecuMail");
            default -> new Decision(null, "invalid TLS security level \"" + level + "\" in smtp_tls_policy_maps");
        };
    }
}
