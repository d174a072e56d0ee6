// SPDX-License-Identifier: Apache-2.0
package org.secumail.greylist;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.secumail.config.ConfigException;
import org.secumail.table.IpAddresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clients that are never greylisted, in postgrey's whitelist_clients format, so Debian's
 * /etc/postgrey/whitelist_clients loads as it is. One entry a line, "#" starts a comment:
 * <ul>
 * <li>{@code /regex/}: matched, case-insensitively, against the client's verified name;</li>
 * <li>{@code a.b.c.d} or {@code a.b.c.d/n}: an IPv4 address or network; {@code a.b.c} means
 * a.b.c.0/24 and {@code a.b} a.b.0.0/16;</li>
 * <li>anything with two colons: an IPv6 address, optionally with {@code /n};</li>
 * <li>anything else: a host name, matching itself and its subdomains
 * ({@code example.com} matches {@code mx1.example.com}).</li>
 * </ul>
 * As with postgrey, host bits below the mask are ignored ({@code 192.0.2.1/24} is the /24).
 */
public final class ClientWhitelist {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.greylist");
    private static final Pattern REGEX = Pattern.compile("^/(\\S+)/$");
    private static final Pattern V4 = Pattern.compile("^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(?:/\\d{1,2})?$");
    private static final Pattern V4_24 = Pattern.compile("^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}$");
    private static final Pattern V4_16 = Pattern.compile("^\\d{1,3}\\.\\d{1,3}$");
    private static final Pattern V6 = Pattern.compile("^.*:.*:.*(?:/\\d{1,3})?$");

    private record Net(byte[] network, int prefix) {
        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            return b.length == network.length && Arrays.equals(TripletKeys.masked(b, prefix).getAddress(), network);
        }
    }

    private final List<Pattern> names;
    private final List<Net> networks;

    private ClientWhitelist(List<Pattern> names, List<Net> networks) {
        this.names = List.copyOf(names);
        this.networks = List.copyOf(networks);
    }

    public static ClientWhitelist empty() { return new ClientWhitelist(List.of(), List.of()); }

    /** Reads the files in order; a file that does not exist is a configuration error. */
    public static ClientWhitelist load(List<Path> files) {
        List<Pattern> names = new ArrayList<>();
        List<Net> nets = new ArrayList<>();
        for (Path f : files) {
            List<String> lines = WhitelistFiles.read(f);
            for (int i = 0; i < lines.size(); i++) {
                String line = WhitelistFiles.strip(lines.get(i));
                if (line.isEmpty()) continue;
                parse(line, f + " line " + (i + 1), names, nets);
            }
        }
        return new ClientWhitelist(names, nets);
    }

    /** The entries of one text, one a line (for inline configuration and tests). */
    public static ClientWhitelist of(String text) {
        List<Pattern> names = new ArrayList<>();
        List<Net> nets = new ArrayList<>();
        for (String l : text.split("\n")) {
            String line = WhitelistFiles.strip(l);
            if (!line.isEmpty()) parse(line, "\"" + line + "\"", names, nets);
        }
        return new ClientWhitelist(names, nets);
    }

    private static void parse(String line, String where, List<Pattern> names, List<Net> nets) {
        var m = REGEX.matcher(line);
        if (m.matches()) {
            names.add(WhitelistFiles.regex(m.group(1), where));
        } else if (V4.matcher(line).matches() || V6.matcher(line).matches()) {
            network(line, where).ifPresent(nets::add);
        } else if (V4_24.matcher(line).matches()) {
            network(line + ".0/24", where).ifPresent(nets::add);
        } else if (V4_16.matcher(line).matches()) {
            network(line + ".0.0/16", where).ifPresent(nets::add);
        } else if (!line.matches("\\S+")) {
            LOG.warn("{}: doesn't look like a hostname", where);
        } else {
            names.add(Pattern.compile("(?:^|\\.)" + Pattern.quote(line) + "$", Pattern.CASE_INSENSITIVE));
        }
    }

    // postgrey skips what NetAddr::IP cannot parse; so do we, with a warning.
    private static Optional<Net> network(String text, String where) {
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        Optional<InetAddress> a = IpAddresses.parse(addr);
        if (a.isEmpty()) {
            LOG.warn("{}: bad address \"{}\" ignored", where, text);
            return Optional.empty();
        }
        int max = a.get().getAddress().length * 8;
        int prefix = slash < 0 ? max : Integer.parseInt(text.substring(slash + 1));
        if (prefix > max) {
            LOG.warn("{}: bad mask \"{}\" ignored", where, text);
            return Optional.empty();
        }
        return Optional.of(new Net(TripletKeys.masked(a.get().getAddress(), prefix).getAddress(), prefix));
    }

    /**
     * True if the client is whitelisted by name or address.
     *
     * @param clientName the verified client name, "unknown" or null when there is none
     */
    public boolean matches(InetAddress address, String clientName) {
        String name = clientName == null ? "unknown" : clientName;
        for (Pattern p : names) {
            if (p.matcher(name).find()) return true;
        }
        if (address != null) {
            for (Net n : networks) {
                if (n.contains(address)) return true;
            }
        }
        return false;
    }

    public int size() { return names.size() + networks.size(); }

    /** Reading and line handling shared with {@link RecipientWhitelist}. */
    static final class WhitelistFiles {
        private WhitelistFiles() { }

        static List<String> read(Path f) {
            try {
                // bytes as Latin-1, as Perl reads them: a stray non-UTF-8 comment never fails
                return Files.readAllLines(f, StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                throw new ConfigException("cannot read greylist whitelist " + f + ": " + e.getMessage(), e);
            }
        }

        /** postgrey: "s/#.*$//; s/^\s+//; s/\s+$//". */
        static String strip(String line) {
            int hash = line.indexOf('#');
            return (hash >= 0 ? line.substring(0, hash) : line).strip();
        }

        /** A /regex/ entry, case-insensitive as postgrey's qr{...}i; a bad one is a configuration error. */
        static Pattern regex(String body, String where) {
            try {
                return Pattern.compile(body, Pattern.CASE_INSENSITIVE);
            } catch (PatternSyntaxException e) {
                throw new ConfigException(where + ": bad regular expression /" + body + "/: " + e.getDescription(), e);
            }
        }
    }
}
