// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.secumail.content.RawMessage;
import org.secumail.spam.Bayes;
import org.secumail.spam.BayesStore;
import org.secumail.spam.MailSource;
import org.secumail.spam.SpamFilter;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * "secumail bayes learn --spam|--ham|--forget PATH...", "bayes stats", "bayes dump": the
 * Bayes database of secumail_spam_bayes_database, as sa-learn handles SpamAssassin's. Every
 * learn prints what it did: messages learned, already known, tokens added, and the new
 * message counts of each class.
 */
@Command(name = "bayes", mixinStandardHelpOptions = true, description = "Train and inspect the Bayes classifier, like sa-learn.",
        subcommands = {BayesCommand.Learn.class, BayesCommand.Stats.class, BayesCommand.Dump.class})
public final class BayesCommand {
    static Bayes open(Path configDir, SpamFilter[] holder) throws java.io.IOException {
        var cfg = ConfigSource.main(configDir).withOverrides(Map.of("secumail_spam_filter", "yes", "secumail_spam_bayes", "yes"));
        SpamFilter f = SpamFilter.fromConfig(cfg);
        holder[0] = f;
        return f.bayes();
    }

    @Command(name = "learn", mixinStandardHelpOptions = true, description = "Learn messages (files, Maildirs, directories, mboxes) as spam or ham, or forget them.")
    public static final class Learn implements Callable<Integer> {
        static final class Kind {
            @Option(names = "--spam", required = true, description = "learn as spam") boolean spam;
            @Option(names = "--ham", required = true, description = "learn as ham") boolean ham;
            @Option(names = "--forget", required = true, description = "forget these messages") boolean forget;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Kind kind;

        @Parameters(paramLabel = "PATH", arity = "1..*")
        List<Path> paths;

        @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf")
        Path configDir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            SpamFilter[] holder = new SpamFilter[1];
            Bayes bayes = open(configDir, holder);
            long[] n = new long[4]; // examined, learned, already, tokens
            try (SpamFilter f = holder[0]) {
                String stale = bayes.staleTokenizer(bayes.store().totals());
                if (stale != null) {
                    spec.commandLine().getErr().println("secumail bayes: fatal: " + stale);
                    return 2;
                }
                for (Path p : paths) {
                    bayes.store().batch(() -> {
                        try {
                            MailSource.read(p, (name, bytes) -> {
                                n[0]++;
                                RawMessage v = RawMessage.of(bytes);
                                int t = kind.forget ? bayes.forget(v, "forget " + p) : bayes.learn(v, kind.spam, "sa-learn " + p);
                                if (t < 0) n[2]++; else { n[1]++; n[3] += t; }
                            });
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                }
                Bayes.Expiry e = bayes.expireIfDue(false);
                if (e.deleted() > 0) out.println("expired: " + e.deleted() + " tokens not seen in " + e.olderThanSeconds() / 3600 + " hours of mail removed, " + e.kept() + " kept");
                BayesStore.Totals t = bayes.store().totals();
                String verb = kind.forget ? "forgot" : "learned as " + (kind.spam ? "spam" : "ham");
                out.println(verb + ": " + n[1] + " of " + n[0] + " messages examined (" + n[2] + (kind.forget ? " were not learned" : " already learned as that")
                        + "), " + n[3] + " tokens " + (kind.forget ? "removed" : "counted"));
                out.println("now: " + t.spam() + " spam, " + t.ham() + " ham, " + t.tokens() + " tokens");
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "stats", mixinStandardHelpOptions = true, description = "What the classifier has learned, and when and from where it last learned.")
    public static final class Stats implements Callable<Integer> {
        @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR") Path configDir;
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            SpamFilter[] holder = new SpamFilter[1];
            Bayes bayes = open(configDir, holder);
            try (SpamFilter f = holder[0]) {
                BayesStore.Totals t = bayes.store().totals();
                out.println("spam messages learned: " + t.spam());
                out.println("ham messages learned:  " + t.ham());
                out.println("tokens:                " + t.tokens());
                out.println("last learned:          " + (t.lastLearnEpoch() == 0 ? "never" : Instant.ofEpochSecond(t.lastLearnEpoch()) + " (" + t.lastLearnSource() + ")"));
                String min = f.rules().setting("bayes_min_spam_num", "200") + " spam and " + f.rules().setting("bayes_min_ham_num", "200") + " ham";
                boolean ready = t.spam() >= Long.parseLong(f.rules().setting("bayes_min_spam_num", "200")) && t.ham() >= Long.parseLong(f.rules().setting("bayes_min_ham_num", "200"));
                String stale = bayes.staleTokenizer(t);
                out.println("in use:                " + (stale != null ? "no, " + stale : ready ? "yes" : "no, needs at least " + min));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "dump", mixinStandardHelpOptions = true, description = "Every token: its spam probability, spam and ham counts, and hash (as sa-learn --dump data).")
    public static final class Dump implements Callable<Integer> {
        @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR") Path configDir;
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            SpamFilter[] holder = new SpamFilter[1];
            Bayes bayes = open(configDir, holder);
            try (SpamFilter f = holder[0]) {
                BayesStore.Totals t = bayes.store().totals();
                out.println(String.format("0.000 %9d %9d  non-token data: nspam, nham", t.spam(), t.ham()));
                bayes.store().forEachToken((h, c) -> out.println(String.format(java.util.Locale.ROOT, "%.3f %9d %9d  %016x",
                        c.spam() + c.ham() == 0 ? 0.5 : Bayes.probability(c.spam(), c.ham(), t.spam(), t.ham()), c.spam(), c.ham(), h)));
            }
            out.flush();
            return 0;
        }
    }
}
