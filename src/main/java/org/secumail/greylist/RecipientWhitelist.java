// SPDX-License-Identifier: Apache-2.0
package org.secumail.greylist;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recipients that are never greylisted, in postgrey's whitelist_recipients format (access(5)
 * style), so Debian's /etc/postgrey/whitelist_recipients loads as it is. One entry a line,
 * "#" starts a comment; all matching ignores case:
 * <ul>
 * <li>{@code /regex/}: matched against the whole recipient address;</li>
 * <li>{@code user@domain}: that address, also with a "+extension";</li>
 * <li>{@code user@}: that local part in any domain ({@code postmaster@}, {@code abuse@});</li>
 * <li>{@code domain}: every address in the domain and its subdomains.</li>
 * </ul>
 */
public final class RecipientWhitelist {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.greylist");
    private static final Pattern REGEX = Pattern.compile("^/(\\S+)/$");

    private final List<Pattern> patterns;

    private RecipientWhitelist(List<Pattern> patterns) { this.patterns = List.copyOf(patterns); }

    public static RecipientWhitelist empty() { return new RecipientWhitelist(List.of()); }

    /** Reads the files in order; a file that does not exist is a configuration error. */
    public static RecipientWhitelist load(List<Path> files) {
        List<Pattern> out = new ArrayList<>();
        for (Path f : files) {
            List<String> lines = ClientWhitelist.WhitelistFiles.read(f);
            for (int i = 0; i < lines.size(); i++) {
                String line = ClientWhitelist.WhitelistFiles.strip(lines.get(i));
                if (!line.isEmpty()) parse(line, f + " line " + (i + 1), out);
            }
        }
        return new RecipientWhitelist(out);
    }

    /** The entries of one text, one a line (for inline configuration and tests). */
    public static RecipientWhitelist of(String text) {
        List<Pattern> out = new ArrayList<>();
        for (String l : text.split("\n")) {
            String line = ClientWhitelist.WhitelistFiles.strip(l);
            if (!line.isEmpty()) parse(line, "\"" + line + "\"", out);
        }
        return new RecipientWhitelist(out);
    }

    private static void parse(String line, String where, List<Pattern> out) {
        var m = REGEX.matcher(line);
        if (m.matches()) {
            out.add(ClientWhitelist.WhitelistFiles.regex(m.group(1), where));
            return;
        }
        if (!line.matches("\\S+")) {
            LOG.warn("{}: doesn't look like an address", where);
            return;
        }
        int at = line.indexOf('@');
        String regex;
        if (at < 0) {
            regex = "(?:@|\\.)" + Pattern.quote(line) + "$";
        } else {
            String user = Pattern.quote(line.substring(0, at));
            String domain = line.substring(at + 1);
            regex = domain.isEmpty()
                    ? "^" + user + "(?:\\+[^@]+)?@"
                    : "^" + user + "(?:\\+[^@]+)?@" + Pattern.quote(domain) + "$";
        }
        out.add(Pattern.compile(regex, Pattern.CASE_INSENSITIVE));
    }

    public boolean matches(String recipient) {
        if (recipient == null) return false;
        for (Pattern p : patterns) {
            if (p.matcher(recipient).find()) return true;
        }
        return false;
    }

    public int size() { return patterns.size(); }
}
