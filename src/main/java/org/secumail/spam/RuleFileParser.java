// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads SpamAssassin configuration files as they are (Mail::SpamAssassin::Conf): one
 * directive per line, "#" to the end of line a comment ("\#" a literal), {@code if} /
 * {@code ifplugin} / {@code else} / {@code endif} blocks, {@code include}, {@code loadplugin}
 * in *.pre files, and the directives listed in {@link #directive}. A directory is read as
 * SpamAssassin reads its rule and site directories: its *.pre files first, then its *.cf
 * files, each group in lexical order.
 *
 * <p>A line that cannot be used (an unknown directive, a pattern Java cannot compile, an
 * eval test not implemented) never stops loading: it is counted and, for rules, recorded in
 * {@link RuleSet.Builder#skip} with the reason, which the loader logs once.
 *
 * <p>Files are read as ISO-8859-1, so each byte stays one character: the rules' patterns
 * are written for UTF-8 octets ({@code [\xc3][\x87]}), and the text they are matched
 * against is the message's UTF-8 octets in the same form ({@link MessageView}).
 */
final class RuleFileParser {
    /** The SpamAssassin version the "if (version >= ...)" tests compare with. */
    static final double VERSION = 4.000001;

    private static final Pattern COMMENT = Pattern.compile("(?<!\\\\)#.*$");
    private static final Pattern CAN = Pattern.compile("can\\(\\s*([\\w:]+)\\s*\\)");
    private static final Pattern PLUGIN = Pattern.compile("plugin\\(\\s*([\\w:]+)\\s*\\)");
    private static final Pattern EVAL = Pattern.compile("eval:\\s*(\\w+)\\s*\\((.*)\\)\\s*$");

    /** Conf "features" this implementation offers (the if can(...) tests of the shipped rules). */
    private static final Set<String> FEATURES = Set.of(
            "Mail::SpamAssassin::Conf::feature_bug6558_free",
            "Mail::SpamAssassin::Conf::feature_welcomelist_blocklist",
            "Mail::SpamAssassin::Conf::compat_welcomelist_blocklist",
            "Mail::SpamAssassin::Conf::perl_min_version_5010000",
            "Mail::SpamAssassin::Conf::feature_originating_ip_headers",
            "Mail::SpamAssassin::Conf::feature_dns_local_ports_permit_avoid",
            "Mail::SpamAssassin::Conf::feature_registryboundaries",
            "Mail::SpamAssassin::Conf::feature_bayes_stopwords",
            "Mail::SpamAssassin::Plugin::BodyEval::has_check_body_length",
            "Mail::SpamAssassin::Plugin::MIMEEval::has_check_for_ascii_text_illegal",
            "Mail::SpamAssassin::Plugin::MIMEEval::has_check_abundant_unicode_ratio",
            "Mail::SpamAssassin::Plugin::SPF::has_check_for_spf_errors",
            "Mail::SpamAssassin::Plugin::DKIM::has_arc");

    private final RuleSet.Builder out;
    private final Set<Path> seen = new HashSet<>();
    private int depth;

    RuleFileParser(RuleSet.Builder out) { this.out = out; }

    /** A file, or a directory (its *.pre, then its *.cf); a missing path is skipped. */
    void read(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(path)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) if (f.getFileName().toString().endsWith(".pre")) readFile(f);
            for (Path f : files) if (f.getFileName().toString().endsWith(".cf")) readFile(f);
        } else if (Files.isRegularFile(path)) {
            readFile(path);
        }
    }

    void readFile(Path file) throws IOException {
        if (!seen.add(file.toAbsolutePath().normalize()) || depth > 20) return;
        depth++;
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            readLines(lines, file);
        } finally {
            depth--;
        }
    }

    /** Lines of one file; {@code origin} resolves include paths and names the file in skips. */
    void readLines(List<String> lines, Path origin) throws IOException {
        // each entry: is this block active; the "else" flips the top, if its parent is active
        Deque<boolean[]> conds = new ArrayDeque<>();
        int lineNo = 0;
        for (String raw : lines) {
            lineNo++;
            String line = COMMENT.matcher(raw).replaceFirst("").replace("\\#", "#").strip();
            if (line.isEmpty()) continue;
            String[] kv = line.split("\\s+", 2);
            String key = kv[0].toLowerCase(Locale.ROOT);
            String value = kv.length > 1 ? kv[1].strip() : "";
            boolean active = conds.isEmpty() || conds.peek()[0];
            switch (key) {
                case "if", "ifplugin" -> {
                    boolean c = key.equals("if") ? condition(value) : out.plugins.contains(value);
                    conds.push(new boolean[] {active && c, active});
                    continue;
                }
                case "else" -> {
                    if (!conds.isEmpty()) { boolean[] top = conds.peek(); top[0] = top[1] && !top[0]; }
                    continue;
                }
                case "endif" -> {
                    if (!conds.isEmpty()) conds.pop();
                    continue;
                }
                default -> { }
            }
            if (!active) continue;
            if (key.equals("lang")) continue; // translations of describe/report: English only
            if (key.equals("include")) {
                Path p = origin == null ? Path.of(value) : origin.resolveSibling(value);
                read(p);
                continue;
            }
            try {
                directive(key, value, origin == null ? "" : origin.getFileName() + ":" + lineNo);
            } catch (RuntimeException e) {
                out.unusable++;
                out.skip(kv.length > 1 ? value.split("\\s+", 2)[0] : key, "line " + (origin == null ? "" : origin.getFileName() + ":") + lineNo + ": " + e.getMessage());
            }
        }
    }

    private void directive(String key, String value, String where) {
        String[] nv = value.split("\\s+", 2);
        String name = nv[0];
        String rest = nv.length > 1 ? nv[1].strip() : "";
        switch (key) {
            case "loadplugin" -> out.plugins.add(name);
            case "header" -> out.define(name, header(name, rest));
            case "mimeheader" -> {
                TypedTest t = header(name, rest);
                out.define(name, new TypedTest(Rule.Type.MIMEHEADER, t.test(), t.pattern()));
            }
            case "body", "rawbody", "uri", "full" -> {
                Rule.Type type = Rule.Type.valueOf(key.toUpperCase(Locale.ROOT));
                out.define(name, rest.startsWith("eval:") ? new TypedTest(type, eval(rest), null)
                        : new TypedTest(type, new Rule.Match(null, "", "", false, null), rest));
            }
            case "meta" -> out.define(name, new TypedTest(Rule.Type.META, new Rule.Meta(MetaExpression.parse(rest)), null));
            case "score" -> out.score(name, scores(rest));
            case "describe" -> out.describe.put(name, rest);
            case "tflags" -> out.tflags.put(name, rest);
            case "priority" -> out.priority.put(name, (int) Double.parseDouble(rest));
            case "required_score", "required_hits" -> out.requiredScore = Double.parseDouble(value);
            case "whitelist_from", "welcomelist_from" -> out.welcomelistFrom.addAll(words(value));
            case "unwhitelist_from", "unwelcomelist_from" -> out.welcomelistFrom.removeAll(words(value));
            case "blacklist_from", "blocklist_from" -> out.blocklistFrom.addAll(words(value));
            case "unblacklist_from", "unblocklist_from" -> out.blocklistFrom.removeAll(words(value));
            case "whitelist_to", "welcomelist_to" -> out.welcomelistTo.addAll(words(value));
            case "blacklist_to", "blocklist_to" -> out.blocklistTo.addAll(words(value));
            case "more_spam_to" -> out.moreSpamTo.addAll(words(value));
            case "all_spam_to" -> out.allSpamTo.addAll(words(value));
            case "trusted_networks" -> out.trustedNetworks.addAll(words(value));
            case "clear_trusted_networks" -> out.trustedNetworks.clear();
            case "internal_networks" -> out.internalNetworks.addAll(words(value));
            case "clear_internal_networks" -> out.internalNetworks.clear();
            case "clear_originating_ip_headers" -> out.settings.put("originating_ip_headers", "");
            case "freemail_domains" -> out.freemailDomains.addAll(words(value.toLowerCase(Locale.ROOT)));
            case "replace_tag" -> out.replaceTags.put(name, rest);
            case "replace_pre" -> out.replacePre.put(name, rest);
            case "replace_inter" -> out.replaceInter.put(name, rest);
            case "replace_post" -> out.replacePost.put(name, rest);
            case "replace_rules" -> out.replaceRules.addAll(words(value));
            case "bayes_ignore_header" -> out.bayesIgnoreHeaders.add(value.toLowerCase(Locale.ROOT));
            case "test", "reuse", "require_version", "version_tag", "report", "clear_report_template",
                 "add_header", "remove_header", "clear_headers", "report_safe", "rewrite_header",
                 "util_rb_tld", "util_rb_2tld", "util_rb_3tld", "def_whitelist_auth", "def_welcomelist_auth",
                 "def_whitelist_from_dkim", "def_welcomelist_from_dkim", "def_whitelist_from_spf",
                 "def_welcomelist_from_spf", "redirector_pattern", "url_shortener", "enlist_uri_host",
                 "enlist_addrlist", "uridnsbl_skip_domain", "adsp_override", "dns_local_ports_avoid",
                 "report_contact", "unsafe_report", "spamtrap" -> out.settings.merge(key, value, (a, b) -> a + "\n" + b);
            default -> out.settings.merge(key, value, (a, b) -> a + "\n" + b);
        }
    }

    /**
     * A defined rule's type and test, before its scores and flags are known; a pattern test
     * keeps its source text here and is compiled when the whole configuration is read (the
     * replace_tag lines that rewrite it may come later).
     */
    record TypedTest(Rule.Type type, Rule.Test test, String pattern) { }

    private TypedTest header(String name, String rest) {
        if (rest.startsWith("eval:")) return new TypedTest(Rule.Type.HEADER, eval(rest), null);
        if (rest.startsWith("exists:")) return new TypedTest(Rule.Type.HEADER, new Rule.Exists(rest.substring(7).strip()), null);
        int op = indexOfOperator(rest);
        if (op < 0) throw new IllegalArgumentException("no =~ or !~ in header rule");
        String hdr = rest.substring(0, op).strip();
        boolean negate = rest.charAt(op) == '!';
        String re = rest.substring(op + 2).strip();
        String ifUnset = null;
        Matcher m = Pattern.compile("\\s*\\[if-unset:\\s*(.*)\\]\\s*$").matcher(re);
        if (m.find()) {
            ifUnset = m.group(1);
            re = re.substring(0, m.start());
        }
        String modifier = "";
        int colon = hdr.indexOf(':');
        if (colon > 0) {
            modifier = hdr.substring(colon + 1).toLowerCase(Locale.ROOT);
            hdr = hdr.substring(0, colon);
        }
        return new TypedTest(Rule.Type.HEADER, new Rule.Match(null, hdr, modifier, negate, ifUnset), re);
    }

    private static int indexOfOperator(String s) {
        int a = s.indexOf("=~");
        int b = s.indexOf("!~");
        if (a < 0) return b;
        if (b < 0) return a;
        return Math.min(a, b);
    }

    static Rule.Eval eval(String text) {
        Matcher m = EVAL.matcher(text);
        if (!m.find()) throw new IllegalArgumentException("bad eval: " + text);
        List<String> args = new ArrayList<>();
        String a = m.group(2).strip();
        if (!a.isEmpty()) {
            // arguments are Perl literals: 'quoted', "quoted" or bare numbers, comma separated
            Matcher t = Pattern.compile("\\s*(?:'([^']*)'|\"([^\"]*)\"|([^,]+?))\\s*(?:,|$)").matcher(a);
            while (t.find() && t.end() > t.start()) {
                String v = t.group(1) != null ? t.group(1) : t.group(2) != null ? t.group(2) : t.group(3).strip();
                args.add(v);
                if (t.end() >= a.length()) break;
            }
        }
        return new Rule.Eval(m.group(1), args);
    }

    private static double[] scores(String rest) {
        String[] w = rest.replace("(", "").replace(")", "").split("\\s+");
        double[] s = new double[4];
        int n = 0;
        for (String x : w) {
            if (n == 4 || x.isEmpty()) break;
            s[n++] = Double.parseDouble(x);
        }
        if (n == 0) throw new IllegalArgumentException("score without a value");
        if (n < 4) Arrays.fill(s, 1, 4, s[0]); // one value: the same in every set
        return s;
    }

    private static List<String> words(String v) {
        List<String> out = new ArrayList<>();
        for (String w : v.split("\\s+")) if (!w.isEmpty()) out.add(w);
        return out;
    }

    /** SpamAssassin's "if" expressions: version comparisons, can(...), plugin(...), ! && || (). */
    boolean condition(String expr) {
        Matcher c = CAN.matcher(expr);
        StringBuilder sb = new StringBuilder();
        while (c.find()) c.appendReplacement(sb, FEATURES.contains(c.group(1)) ? "1" : "0");
        c.appendTail(sb);
        Matcher p = PLUGIN.matcher(sb.toString());
        sb = new StringBuilder();
        while (p.find()) p.appendReplacement(sb, out.plugins.contains(p.group(1)) ? "1" : "0");
        p.appendTail(sb);
        String e = sb.toString().replaceAll("\\bversion\\b", Double.toString(VERSION))
                .replaceAll("\\bperl_version\\b", "5.036000");
        try {
            return MetaExpression.parse(e).evaluate(n -> 0) != 0;
        } catch (RuntimeException ex) {
            return false;
        }
    }

    static Set<String> defaultPlugins() {
        return new LinkedHashSet<>(List.of(
                "Mail::SpamAssassin::Plugin::Check", "Mail::SpamAssassin::Plugin::HTTPSMismatch",
                "Mail::SpamAssassin::Plugin::URIDetail", "Mail::SpamAssassin::Plugin::Bayes",
                "Mail::SpamAssassin::Plugin::BodyEval", "Mail::SpamAssassin::Plugin::DNSEval",
                "Mail::SpamAssassin::Plugin::HTMLEval", "Mail::SpamAssassin::Plugin::HeaderEval",
                "Mail::SpamAssassin::Plugin::MIMEEval", "Mail::SpamAssassin::Plugin::RelayEval",
                "Mail::SpamAssassin::Plugin::URIEval", "Mail::SpamAssassin::Plugin::WLBLEval",
                "Mail::SpamAssassin::Plugin::MIMEHeader", "Mail::SpamAssassin::Plugin::ReplaceTags",
                "Mail::SpamAssassin::Plugin::FreeMail", "Mail::SpamAssassin::Plugin::SPF",
                "Mail::SpamAssassin::Plugin::DKIM", "Mail::SpamAssassin::Plugin::DMARC",
                "Mail::SpamAssassin::Plugin::URIDNSBL", "Mail::SpamAssassin::Plugin::AutoLearnThreshold",
                "Mail::SpamAssassin::Plugin::WelcomeListSubject", "Mail::SpamAssassin::Plugin::VBounce",
                "Mail::SpamAssassin::Plugin::AskDNS", "Mail::SpamAssassin::Plugin::Hashcash"));
    }
}
