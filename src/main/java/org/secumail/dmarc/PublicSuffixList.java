// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Public Suffix List (publicsuffix.org), for the organizational domain of RFC 7489 section
 * 3.2. Rules are read in the list's own format: one rule a line, "//" comments, "*." wildcards,
 * "!" exceptions; ICANN and private sections alike (as OpenDMARC reads them). Labels are
 * compared in their ASCII (punycode) form, so a Unicode rule matches a punycoded domain and the
 * other way round; what is returned keeps the form the caller gave, in lower case.
 *
 * <p>Lifecycle: built once ({@link #bundled()} or {@link #fromFile}); thread-safe. A list read
 * from a file is re-read when the file's modification time changes, checked at most once per
 * {@code checkInterval}, so an administrator can drop in a newer list without a restart. A
 * replacement that cannot be read keeps the previous rules and logs a warning.
 */
public final class PublicSuffixList {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.dmarc");
    /** The list bundled in the jar (MPL-2.0, licence header kept in the resource). */
    public static final String RESOURCE = "public_suffix_list.dat";

    /** One parsed list: the rule sets, all in lower-case ASCII. */
    private record Rules(Set<String> exact, Set<String> wildcard, Set<String> exception, int count) { }

    private final Path file;
    private final long checkNanos;
    private volatile Rules rules;
    private volatile FileTime mtime;
    private volatile long lastCheck;

    private PublicSuffixList(Path file, Duration checkInterval, Rules rules, FileTime mtime) {
        this.file = file;
        this.checkNanos = checkInterval.toNanos();
        this.rules = rules;
        this.mtime = mtime;
        this.lastCheck = System.nanoTime();
    }

    /** The list bundled with SecuMail. */
    public static PublicSuffixList bundled() {
        try (InputStream in = PublicSuffixList.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("bundled " + RESOURCE + " missing from the jar");
            return new PublicSuffixList(null, Duration.ZERO, parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The list in this file, re-read when its modification time changes (checked at most once
     * per checkInterval; Duration.ZERO checks on every lookup).
     *
     * @throws UncheckedIOException when the file cannot be read now
     */
    public static PublicSuffixList fromFile(Path file, Duration checkInterval) {
        try {
            FileTime t = Files.getLastModifiedTime(file);
            return new PublicSuffixList(file, checkInterval, parse(Files.readString(file, StandardCharsets.UTF_8)), t);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read public suffix list " + file + ": " + e.getMessage(), e);
        }
    }

    /** From the list's text (tests). */
    public static PublicSuffixList of(String text) {
        return new PublicSuffixList(null, Duration.ZERO, parse(text), null);
    }

    /** secumail_dmarc_psl_file: empty means the bundled list. */
    public static PublicSuffixList fromSetting(String path) {
        return path == null || path.isBlank() ? bundled() : fromFile(Path.of(path.strip()), Duration.ofSeconds(1));
    }

    /** The number of rules in the current list. */
    public int size() { return current().count(); }

    /** Where the list comes from: the file, or "bundled". */
    public String source() { return file == null ? "bundled" : file.toString(); }

    /**
     * The registrable domain (public suffix plus one label), or null when the name is itself a
     * public suffix, empty, or malformed (a leading dot or an empty label). Exactly the
     * "checkPublicSuffix" answer of the list's test file.
     */
    public String registrableDomain(String domain) {
        if (domain == null) return null;
        String d = domain.toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) d = d.substring(0, d.length() - 1);   // an absolute name
        if (d.isEmpty() || d.startsWith(".") || d.contains("..")) return null;
        String[] labels = d.split("\\.");
        String[] ascii = new String[labels.length];
        for (int i = 0; i < labels.length; i++) ascii[i] = toAscii(labels[i]);
        int suffix = suffixLabels(current(), ascii);
        if (suffix >= labels.length) return null;
        return String.join(".", java.util.Arrays.copyOfRange(labels, labels.length - suffix - 1, labels.length));
    }

    /**
     * The organizational domain of RFC 7489 section 3.2: the public suffix with the next label
     * of the name in front. A name that is itself a public suffix (or under no listed suffix
     * and has one label) has no such domain; it is then its own organizational domain, as in
     * OpenDMARC, so that a policy lookup falls back to nothing new.
     */
    public String organizationalDomain(String domain) {
        String r = registrableDomain(domain);
        if (r != null) return r;
        String d = domain == null ? "" : domain.toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    /** How many labels of the name (right to left) form its public suffix (publicsuffix.org algorithm). */
    private static int suffixLabels(Rules r, String[] labels) {
        int n = labels.length;
        // exception rules win over every other rule; the suffix is the exception minus its leftmost label
        for (int i = 0; i < n; i++) {
            if (r.exception().contains(join(labels, i))) return n - i - 1;
        }
        int best = 1;   // the implicit "*" rule: an unlisted TLD is a public suffix
        for (int i = 0; i < n; i++) {
            int len = n - i;
            if (len <= best) break;
            String s = join(labels, i);
            if (r.exact().contains(s)) { best = len; break; }
            // "*.ck" makes any "x.ck" a public suffix
            if (i + 1 < n && r.wildcard().contains(join(labels, i + 1))) { best = len; break; }
        }
        return best;
    }

    private static String join(String[] labels, int from) {
        return String.join(".", java.util.Arrays.copyOfRange(labels, from, labels.length));
    }

    private static String toAscii(String label) {
        boolean ascii = true;
        for (int i = 0; i < label.length(); i++) if (label.charAt(i) > 127) { ascii = false; break; }
        if (ascii) return label;
        try {
            return IDN.toASCII(label, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return label;   // not convertible: compared as written, matches no rule
        }
    }

    private Rules current() {
        if (file != null && System.nanoTime() - lastCheck >= checkNanos) reloadIfChanged();
        return rules;
    }

    private synchronized void reloadIfChanged() {
        lastCheck = System.nanoTime();
        try {
            FileTime t = Files.getLastModifiedTime(file);
            if (t.equals(mtime)) return;
            Rules fresh = parse(Files.readString(file, StandardCharsets.UTF_8));
            if (fresh.count() == 0) {
                LOG.warn("public suffix list {} has no rules; keeping the previous list", file);
            } else {
                rules = fresh;
                LOG.info("public suffix list {} reloaded: {} rules", file, fresh.count());
            }
            mtime = t;
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot re-read public suffix list {}: {}; keeping the previous list", file, e.toString());
        }
    }

    /** The list format: a rule is the first whitespace-free word of a line not starting with "//". */
    static Rules parse(String text) {
        Set<String> exact = new HashSet<>();
        Set<String> wildcard = new HashSet<>();
        Set<String> exception = new HashSet<>();
        int count = 0;
        for (String line : text.split("\n")) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("//")) continue;
            int sp = indexOfSpace(s);
            if (sp > 0) s = s.substring(0, sp);
            String rule = s.toLowerCase(Locale.ROOT);
            boolean exc = rule.startsWith("!");
            if (exc) rule = rule.substring(1);
            boolean wild = rule.startsWith("*.");
            if (wild) rule = rule.substring(2);
            StringBuilder ascii = new StringBuilder();
            for (String label : rule.split("\\.")) {
                if (ascii.length() > 0) ascii.append('.');
                ascii.append(toAscii(label));
            }
            String a = ascii.toString();
            if (a.isEmpty()) continue;
            if (exc) exception.add(a);
            else if (wild) wildcard.add(a);
            else exact.add(a);
            count++;
        }
        return new Rules(Set.copyOf(exact), Set.copyOf(wildcard), Set.copyOf(exception), count);
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return -1;
    }
}
