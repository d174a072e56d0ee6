// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.dns.Resolver;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.Restrictions;
import org.secumail.trace.DryRun;
import org.secumail.trace.Trace;
import org.secumail.trace.TraceStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * "secumail replay --config NEWDIR [--since TIME] [-c DIR]": what a main.cf change would do to
 * the mail the server actually received. Every stored transaction's envelope (client, HELO,
 * sender, SASL login, the recipients that reached the restriction lists) is evaluated dry
 * ({@link DryRun}) twice: with the configuration in force (-c) and with NEWDIR. A transaction
 * flips when the decision or the set of accepted recipients differs; each flip is printed with
 * both traces side by side. Evaluating both, rather than comparing NEWDIR with what was
 * recorded, keeps out what changed since (a greylist triplet that has passed by now, a DNS
 * list answer that expired): only the configuration differs between the two runs. The stored
 * decision is shown beside them. Message content checks are not replayed (messages are not
 * kept). Exit 0 when nothing flips, 3 when something does, 1 on an error.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "List the stored transactions whose decision a changed configuration (NEWDIR) would flip, with both traces side by side.")
public final class ReplayCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding the main.cf in force (and its trace database)")
    Path configDir;

    @Option(names = "--config", required = true, paramLabel = "NEWDIR", description = "directory holding the changed main.cf")
    Path newDir;

    @Option(names = "--since", paramLabel = "TIME", description = "only transactions since TIME: 2026-12-06T10:00:00Z, 2026-12-06, or an age such as 24h, 7d, 30m [all kept]")
    String since;

    @Option(names = "--limit", paramLabel = "N", description = "at most N transactions, oldest first [${DEFAULT-VALUE}]")
    int limit = 100_000;

    @Option(names = "--width", paramLabel = "N", description = "width of each trace column [${DEFAULT-VALUE}]")
    int width = 72;

    PrintStream out = System.out;

    @Override
    public Integer call() {
        MainConfig before;
        MainConfig after;
        long from;
        try {
            before = ConfigSource.main(configDir);
            after = MainConfig.load(newDir);
            from = since == null ? 0 : parseSince(since, Instant.now());
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("secumail replay: fatal: " + e.getMessage());
            return 1;
        }
        try (TraceStore store = TraceStore.read(before)) {
            // one resolver for both runs: the same DNS answers, so only the configuration differs
            Resolver dns = ConfigSource.resolver(before);
            CheckSettings sb = new CheckSettings(before, Restrictions.builtin(), dns);
            CheckSettings sa = new CheckSettings(after, Restrictions.builtin(), dns);
            int replayed = 0;
            int skipped = 0;
            int toRefused = 0;
            int toAccepted = 0;
            int changed = 0;
            for (Trace t : store.since(from, limit)) {
                if (t.sender() == null || t.recipients().isEmpty()) {
                    skipped++;   // MAIL failed, or no RCPT reached the restriction lists: nothing to evaluate
                    continue;
                }
                DryRun.Envelope env = DryRun.Envelope.of(t);
                DryRun.Result b = DryRun.run(before, sb, env);
                DryRun.Result a = DryRun.run(after, sa, env);
                replayed++;
                if (b.decision().equals(a.decision()) && b.accepted().equals(a.accepted())) continue;
                if (!b.decision().equals(a.decision())) {
                    if (a.decision().equals("refused")) toRefused++;
                    else toAccepted++;
                } else {
                    changed++;
                }
                print(t, b, a);
            }
            int flips = toRefused + toAccepted + changed;
            out.printf("replay: %d transaction(s) evaluated, %d skipped (no recipient reached the restrictions); %d flip(s):"
                    + " %d accepted -> refused, %d refused -> accepted, %d with other recipients accepted%n",
                    replayed, skipped, flips, toRefused, toAccepted, changed);
            return flips == 0 ? 0 : 3;
        } catch (java.io.IOException | java.sql.SQLException | ConfigException e) {
            System.err.println("secumail replay: fatal: " + e.getMessage());
            return 1;
        }
    }

    private void print(Trace t, DryRun.Result b, DryRun.Result a) {
        List<String> to = new ArrayList<>();
        for (Trace.Recipient r : t.recipients()) to.add(r.address());
        out.printf("flip: %s %s %s from=<%s> to=<%s>: %s -> %s%n", Instant.ofEpochMilli(t.time()), t.queueId() == null ? "NOQUEUE" : t.queueId(),
                t.clientLabel(), t.sender(), String.join(",", to), summary(b), summary(a));
        out.printf("  recorded: %s%s%n", t.decision(), t.reply() == null || t.reply().isEmpty() ? "" : " (" + t.reply() + ")");
        sideBySide(List.of("--- in force (" + (configDir == null ? "embedded" : configDir) + ")"), List.of("--- with " + newDir));
        sideBySide(b.lines(), a.lines());
        out.println();
    }

    private static String summary(DryRun.Result r) {
        return r.decision().equals("accepted") ? "accepted for " + String.join(",", r.accepted()) : "refused (" + r.reply() + ")";
    }

    /** Two columns, each line folded to the column width. */
    private void sideBySide(List<String> left, List<String> right) {
        List<String> l = fold(left);
        List<String> r = fold(right);
        for (int i = 0; i < Math.max(l.size(), r.size()); i++) {
            String a = i < l.size() ? l.get(i) : "";
            String b = i < r.size() ? r.get(i) : "";
            out.println(("  " + a + " ".repeat(Math.max(0, width - a.length())) + " | " + b).stripTrailing());
        }
    }

    private List<String> fold(List<String> lines) {
        int w = Math.max(20, width);
        List<String> out = new ArrayList<>();
        for (String s : lines) {
            String indent = s.startsWith("  ") ? "    " : "  ";
            String rest = s;
            boolean first = true;
            while (rest.length() > (first ? w : w - indent.length())) {
                int n = first ? w : w - indent.length();
                int space = rest.lastIndexOf(' ', n);
                if (space > n / 2) n = space + 1;   // break between words when one is near
                out.add((first ? "" : indent) + rest.substring(0, n).stripTrailing());
                rest = rest.substring(n);
                first = false;
            }
            out.add((first ? "" : indent) + rest);
        }
        return out;
    }

    /** 2026-12-06T10:00:00Z, 2026-12-06 (UTC midnight), or an age: 30m, 24h, 7d, 2w, 90s. */
    static long parseSince(String s, Instant now) {
        String v = s.strip();
        if (v.matches("\\d+[smhdw]")) {
            long n = Long.parseLong(v.substring(0, v.length() - 1));
            Duration d = switch (v.charAt(v.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
            return now.minus(d).toEpochMilli();
        }
        try {
            if (v.matches("\\d{4}-\\d{2}-\\d{2}")) return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            return Instant.parse(v).toEpochMilli();
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("--since: not a time or an age: " + s + " (2026-12-06T10:00:00Z, 2026-12-06, 24h, 7d)");
        }
    }
}
