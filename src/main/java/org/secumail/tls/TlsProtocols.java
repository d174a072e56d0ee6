// SPDX-License-Identifier: Apache-2.0
package org.secumail.tls;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;

/**
 * Postfix's TLS protocol lists (postconf(5) smtpd_tls_protocols): names to include
 * ("TLSv1.2, TLSv1.3"), names to exclude ("!SSLv2, !SSLv3, !TLSv1, !TLSv1.1"), and, since
 * Postfix 3.6, bounds (">=TLSv1.2", "&lt;=TLSv1.3"). SSLv2 and SSLv3 are known names but are
 * never enabled: the JDK has neither (RFC 7568 forbids SSLv3).
 */
public final class TlsProtocols {
    /** The protocol versions Postfix knows, oldest first. */
    static final List<String> KNOWN = List.of("SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");
    private static final Set<String> NEVER = Set.of("SSLv2", "SSLv3");

    private TlsProtocols() { }

    /**
     * The JDK protocol names a Postfix protocol list enables, oldest first.
     *
     * @throws ConfigException for an unknown name or a list that enables nothing
     */
    public static List<String> parse(String parameter, String value) {
        List<String> tokens = MainConfig.splitList(value.replace(":", " "));
        Set<String> include = new LinkedHashSet<>();
        Set<String> exclude = new LinkedHashSet<>();
        int min = 0;
        int max = KNOWN.size() - 1;
        for (String t : tokens) {
            if (t.startsWith(">=")) {
                min = Math.max(min, index(parameter, t.substring(2)));
            } else if (t.startsWith("<=")) {
                max = Math.min(max, index(parameter, t.substring(2)));
            } else if (t.startsWith("!")) {
                exclude.add(KNOWN.get(index(parameter, t.substring(1))));
            } else {
                include.add(KNOWN.get(index(parameter, t)));
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = min; i <= max; i++) {
            String p = KNOWN.get(i);
            if (NEVER.contains(p) || exclude.contains(p)) continue;
            if (!include.isEmpty() && !include.contains(p)) continue;
            out.add(p);
        }
        if (out.isEmpty()) throw new ConfigException(parameter + " = " + value + ": no TLS protocol version left to enable");
        return out;
    }

    private static int index(String parameter, String name) {
        for (int i = 0; i < KNOWN.size(); i++) {
            if (KNOWN.get(i).toLowerCase(Locale.ROOT).equals(name.strip().toLowerCase(Locale.ROOT))) return i;
        }
        throw new ConfigException(parameter + ": unknown TLS protocol \"" + name + "\" (expected one of " + String.join(", ", KNOWN) + ")");
    }
}
