// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.secumail.content.RawMessage;
import org.secumail.spam.MailSource;
import org.secumail.spam.SpamFilter;
import org.secumail.spam.SpamHeaders;
import org.secumail.spam.SpamReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * "secumail spam check FILE...": scores messages offline with the rules and Bayes database
 * main.cf names (nothing is learned), printing every hit with its points, description and
 * what triggered it, then the verdict; exit 0 when all are ham, 1 when one is spam, 2 on
 * errors. "secumail spam rules": what was loaded and what was not, with why.
 */
@Command(name = "spam", mixinStandardHelpOptions = true, description = "Score messages with SpamAssassin's rules and Bayes, offline.",
        subcommands = {SpamCommand.Check.class, SpamCommand.Rules.class})
public final class SpamCommand {
    static SpamFilter open(Path configDir) throws java.io.IOException {
        var cfg = ConfigSource.main(configDir).withOverrides(Map.of("secumail_spam_filter", "yes"));
        return SpamFilter.fromConfig(cfg);
    }

    @Command(name = "check", mixinStandardHelpOptions = true, description = "Score messages (files, directories, mboxes) and explain every hit.")
    public static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", arity = "1..*", description = "message files, Maildirs, directories or mboxes")
        List<Path> files;

        @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf")
        Path configDir;

        @Option(names = {"-f", "--sender"}, paramLabel = "ADDR", description = "the envelope sender (default: none)")
        String sender = "";

        @Option(names = {"-r", "--rcpt"}, paramLabel = "ADDR", description = "an envelope recipient (repeatable)")
        List<String> rcpt = new ArrayList<>();

        @Option(names = {"-q", "--quiet"}, description = "one line per message")
        boolean quiet;

        @Option(names = "--tokens", paramLabel = "N", description = "how many of the Bayes tokens that decided to print [15]")
        int tokens = 15;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            int[] result = {0};
            try (SpamFilter f = open(configDir)) {
                for (Path p : files) {
                    MailSource.read(p, (name, bytes) -> {
                        SpamFilter.Outcome o = f.score(RawMessage.of(bytes), sender, rcpt, Map.of(), false);
                        SpamReport r = o.report();
                        boolean spam = r.score() >= f.settings().required();
                        if (spam) result[0] = Math.max(result[0], 1);
                        out.println(name + ": " + (spam ? "spam" : "ham") + ", score=" + SpamReport.fmt(r.score())
                                + " required=" + SpamReport.fmt(f.settings().required()) + (quiet ? " tests=" + r.testNames() : ""));
                        if (quiet) return;
                        out.println(" pts rule name              description");
                        out.println("---- ---------------------- --------------------------------------------------");
                        for (String line : SpamHeaders.reportLines(r, o.bayes())) out.println(line);
                        if (!o.bayes().strongest().isEmpty()) {
                            out.println("Bayes: probability " + String.format(java.util.Locale.ROOT, "%.4f", o.bayes().probability()) + ", strongest tokens:");
                            o.bayes().strongest().stream().limit(tokens).forEach(t -> out.println(String.format(java.util.Locale.ROOT,
                                    "  %.3f %5d spam %5d ham  %s", t.prob(), t.spam(), t.ham(), SpamHeaders.printable(t.token()))));
                        }
                        out.println("relays trusted: " + o.relaysTrusted());
                        out.println("relays untrusted: " + o.relaysUntrusted());
                        if (!r.skipped().isEmpty()) out.println("not run on this message: " + String.join(", ", r.skipped()));
                        out.println();
                    });
                }
            } catch (org.secumail.config.ConfigException e) {
                spec.commandLine().getErr().println("secumail spam: fatal: " + e.getMessage());
                return 2;
            }
            if (org.secumail.spam.SpamFilter.profile() != null) {
                out.println(org.secumail.spam.SpamFilter.automatonStats());
                out.println("rule cost (ms, all messages):");
                org.secumail.spam.SpamFilter.profile().entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(Integer.getInteger("secumail.spam.profile.top", 40))
                        .forEach(e -> out.println(String.format("  %8.1f  %s", e.getValue() / 1e6, e.getKey())));
            }
            out.flush();
            return result[0];
        }
    }

    @Command(name = "rules", mixinStandardHelpOptions = true, description = "List the rules loaded and those not usable, with why.")
    public static final class Rules implements Callable<Integer> {
        @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf")
        Path configDir;

        @Option(names = {"-v", "--verbose"}, description = "name every rule not usable")
        boolean verbose;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (SpamFilter f = open(configDir)) {
                var rules = f.rules();
                out.println("rules loaded: " + rules.size() + ", required_score " + SpamReport.fmt(f.settings().required()));
                for (var t : org.secumail.spam.Rule.Type.values()) out.println("  " + t.name().toLowerCase(java.util.Locale.ROOT) + ": " + (t == org.secumail.spam.Rule.Type.META ? rules.metas().size() : rules.rules(t).size()));
                Map<String, Integer> reasons = new TreeMap<>();
                for (String why : rules.skipped().values()) reasons.merge(why.replaceAll("^meta reads .*", "meta reads a rule not usable").replaceAll("^line .*?: ", "line: "), 1, Integer::sum);
                out.println("not usable: " + rules.skipped().size());
                reasons.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
                        .forEach(e -> out.println(String.format("  %5d  %s", e.getValue(), e.getKey())));
                if (verbose) new TreeMap<>(rules.skipped()).forEach((k, v) -> out.println("  " + k + ": " + v));
            }
            out.flush();
            return 0;
        }
    }
}
