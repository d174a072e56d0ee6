// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A list of SpamAssassin address globs ("*@example.com", "*@*.example.com", "user@host",
 * "?" for one character), compiled once: the shipped rules' enlist_addrlist lists (BANKS,
 * PAYPAL ...) and the wildcard freemail_domains are asked for every message, where matching
 * them glob by glob, each as a regular expression, cost 1.4 % of the whole chain. Case is
 * ignored. A glob without a wildcard is a set lookup, "*" followed by a literal a suffix test,
 * any other a regular expression; each gives the answer of {@link Scan#globMatch}.
 */
final class AddressGlobs {
    static final AddressGlobs NONE = of(List.of());

    private final Set<String> exact;
    private final String[] suffixes;
    private final Pattern[] others;

    private AddressGlobs(Set<String> exact, String[] suffixes, Pattern[] others) {
        this.exact = exact;
        this.suffixes = suffixes;
        this.others = others;
    }

    static AddressGlobs of(Collection<String> globs) {
        Set<String> exact = new HashSet<>();
        List<String> suffixes = new ArrayList<>();
        List<Pattern> others = new ArrayList<>();
        for (String g : globs) {
            String lower = g.toLowerCase(Locale.ROOT);
            int wild = wildcards(lower, 0);
            if (wild == 0) exact.add(lower);
            else if (lower.charAt(0) == '*' && wildcards(lower, 1) == 0) suffixes.add(lower.substring(1));
            else others.add(pattern(lower));
        }
        return new AddressGlobs(exact, suffixes.toArray(new String[0]), others.toArray(new Pattern[0]));
    }

    private static int wildcards(String glob, int from) {
        int n = 0;
        for (int i = from; i < glob.length(); i++) if (glob.charAt(i) == '*' || glob.charAt(i) == '?') n++;
        return n;
    }

    /** The glob as {@link Scan#globMatch} reads it: "*" any run, "?" one character (neither a line end, as "." in Java). */
    static Pattern pattern(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    boolean isEmpty() { return exact.isEmpty() && suffixes.length == 0 && others.length == 0; }

    /** Whether the address matches one of the globs (the empty address matches none). */
    boolean matches(String address) {
        if (address == null || address.isEmpty()) return false;
        String lower = address.toLowerCase(Locale.ROOT);
        if (exact.contains(lower)) return true;
        for (String s : suffixes) {
            // "*" is Java's ".*": the part it stands for holds no line terminator
            if (lower.endsWith(s) && noLineTerminator(lower, lower.length() - s.length())) return true;
        }
        for (Pattern p : others) if (p.matcher(lower).matches()) return true;
        return false;
    }

    private static boolean noLineTerminator(String s, int end) {
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029') return false;
        }
        return true;
    }
}
