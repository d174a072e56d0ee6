// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.content.RawMessage;
import org.secumail.dmarc.AggregateReport;
import org.secumail.dmarc.DkimOutcome;
import org.secumail.dmarc.DmarcEvaluator;
import org.secumail.dmarc.DmarcVerdict;
import org.secumail.dmarc.PublicSuffixList;
import org.secumail.dmarc.ReportFiles;
import org.secumail.dns.DnsjavaResolver;
import org.secumail.spf.SpfEvaluator;
import org.secumail.spf.SpfResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * "secumail dmarc": DMARC for administrators.
 * <ul>
 * <li>{@code dmarc report FILE...}: summarises incoming aggregate reports (.xml, .xml.gz, .zip
 *     or a whole report mail), one block per report. Exit 0, or 1 when a file held no readable
 *     report.</li>
 * <li>{@code dmarc check FILE --ip ADDR --mail-from ADDR [--helo NAME] [--dkim-pass DOMAIN]...}:
 *     evaluates one message as the server would (SPF for the client, then DMARC) and prints each
 *     step. DKIM is not verified here: --dkim-pass names the d= domains of signatures taken as
 *     valid. Exit 0 pass, 1 fail, 2 none, 3 temperror/permerror, 64 bad usage.</li>
 * <li>{@code dmarc pending [-c DIR]}: the evaluations waiting for an aggregate report, per
 *     policy domain (secumail_dmarc_report_database).</li>
 * </ul>
 */
@Command(name = "dmarc", mixinStandardHelpOptions = true, description = "DMARC (RFC 7489): check a message, summarise aggregate reports.",
        subcommands = {DmarcCommand.Report.class, DmarcCommand.Check.class, DmarcCommand.Pending.class})
public final class DmarcCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "report", mixinStandardHelpOptions = true, description = "Summarise DMARC aggregate reports (.xml, .xml.gz, .zip, .eml).")
    static final class Report implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE")
        List<Path> files;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            int rc = 0;
            for (Path f : files) {
                try {
                    List<byte[]> docs = ReportFiles.xmlDocuments(Files.readAllBytes(f));
                    if (docs.isEmpty()) {
                        err.println("secumail dmarc: " + f + ": no aggregate report found");
                        rc = 1;
                    }
                    for (byte[] d : docs) summary(out, f, AggregateReport.parse(d));
                } catch (IOException e) {
                    err.println("secumail dmarc: " + f + ": " + e.getMessage());
                    rc = 1;
                }
            }
            out.flush();
            err.flush();
            return rc;
        }

        private static void summary(PrintWriter out, Path file, AggregateReport r) {
            out.println(file + ": report " + r.reportId() + " from " + r.orgName() + " <" + r.email() + ">");
            out.println("  period: " + Instant.ofEpochSecond(r.begin()) + " to " + Instant.ofEpochSecond(r.end()));
            AggregateReport.Published p = r.policy();
            out.println("  policy: " + p.domain() + " p=" + dash(p.p()) + " sp=" + dash(p.sp()) + " adkim=" + dash(p.adkim())
                    + " aspf=" + dash(p.aspf()) + " pct=" + dash(p.pct()));
            long pass = 0, dkim = 0, spf = 0;
            for (AggregateReport.Row row : r.records()) {
                if (row.dkim().equals("pass")) dkim += row.count();
                if (row.spf().equals("pass")) spf += row.count();
                if (row.dkim().equals("pass") || row.spf().equals("pass")) pass += row.count();
            }
            out.println("  messages: " + r.messages() + " (dmarc pass " + pass + ", fail " + (r.messages() - pass)
                    + "; aligned dkim pass " + dkim + ", aligned spf pass " + spf + ")");
            for (String e : r.errors()) out.println("  error: " + e);
            out.printf("  %-39s %7s  %-11s %-5s %-5s %s%n", "source ip", "count", "disposition", "dkim", "spf", "header_from");
            for (AggregateReport.Row row : r.records()) {
                out.printf("  %-39s %7d  %-11s %-5s %-5s %s%s%n", row.sourceIp(), row.count(), dash(row.disposition()),
                        dash(row.dkim()), dash(row.spf()), row.headerFrom(),
                        row.reasons().isEmpty() ? "" : " (" + String.join(", ", row.reasons()) + ")");
            }
        }

        private static String dash(String s) { return s == null || s.isEmpty() ? "-" : s; }
    }

    @Command(name = "check", mixinStandardHelpOptions = true, description = "Evaluate DMARC for one message and print each step.")
    static final class Check implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "the message (RFC 5322, as received)")
        Path file;

        @Option(names = "--ip", required = true, description = "the SMTP client address")
        String ip;

        @Option(names = "--mail-from", required = true, description = "the MAIL FROM address (empty: the null sender, SPF through --helo)")
        String mailFrom;

        @Option(names = "--helo", description = "the HELO/EHLO name")
        String helo = "";

        @Option(names = "--dkim-pass", paramLabel = "DOMAIN", description = "the d= domain of a DKIM signature taken as valid (repeatable)")
        List<String> dkimPass = new ArrayList<>();

        @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf (dns_servers, secumail_dmarc_psl_file)")
        Path configDir;

        @Option(names = "--dns-server", paramLabel = "HOST[:PORT]", description = "DNS server to ask instead of dns_servers / resolv.conf")
        List<String> dnsServers;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            InetAddress addr;
            try {
                if (!ip.matches("[0-9A-Fa-f:.]+")) throw new IllegalArgumentException();
                addr = InetAddress.getByName(ip);
            } catch (Exception e) {
                err.println("secumail dmarc: bad --ip address: " + ip);
                err.flush();
                return 64;
            }
            MainConfig cfg;
            RawMessage msg;
            PublicSuffixList psl;
            try {
                cfg = ConfigSource.main(configDir);
                msg = RawMessage.of(Files.readAllBytes(file));
                String pslFile = cfg.raw("secumail_dmarc_psl_file") == null ? "" : cfg.get("secumail_dmarc_psl_file");
                psl = PublicSuffixList.fromSetting(pslFile);
            } catch (ConfigException | IOException | java.io.UncheckedIOException e) {
                err.println("secumail dmarc: fatal: " + e.getMessage());
                err.flush();
                return 64;
            }
            List<String> servers = dnsServers != null ? dnsServers : cfg.list("dns_servers");
            org.secumail.dns.Resolver dns = DnsjavaResolver.fromConfig(servers, cfg.duration("secumail_dns_timeout"));
            out.println("public suffix list: " + psl.source() + " (" + psl.size() + " rules)");
            SpfResult spf = new SpfEvaluator(dns, cfg.get("myhostname"), Clock.systemUTC()).check(addr, mailFrom, helo);
            out.println("spf: " + spf.code().keyword() + " for " + (mailFrom.isEmpty() ? "helo " : "mail from ") + spf.domain()
                    + " (" + spf.mechanism() + ")");
            for (String q : spf.queries()) out.println("  " + q);
            List<DkimOutcome> dkim = new ArrayList<>();
            for (String d : dkimPass) dkim.add(DkimOutcome.pass(d));
            out.println("dkim: " + (dkim.isEmpty() ? "no signature given (--dkim-pass)" : "pass for " + String.join(", ", dkimPass)));
            DmarcVerdict v = new DmarcEvaluator(dns, psl, new Random()).evaluate(msg, spf.code(), spf.domain(), dkim);
            out.println("dmarc:");
            for (String t : v.trace()) out.println("  " + t);
            out.println("Authentication-Results: " + cfg.get("myhostname") + "; " + v.toAuthResult().format());
            out.println("disposition: " + v.disposition().keyword()
                    + (v.disposition() == org.secumail.dmarc.DmarcPolicy.REJECT ? " (550 5.7.1 rejected by DMARC policy for " + v.fromDomain() + ")" : ""));
            out.flush();
            return switch (v.result()) {
                case PASS -> 0;
                case FAIL -> 1;
                case NONE -> 2;
                case TEMPERROR, PERMERROR -> 3;
            };
        }
    }

    @Command(name = "pending", mixinStandardHelpOptions = true, description = "List the evaluations waiting for an aggregate report.")
    static final class Pending implements Callable<Integer> {
        @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf")
        Path configDir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                org.secumail.dmarc.DmarcSettings s = org.secumail.dmarc.DmarcSettings.fromConfig(ConfigSource.main(configDir));
                if (!Files.exists(s.reportDatabase())) {
                    out.println("no report database (" + s.reportDatabase() + ")");
                    out.flush();
                    return 0;
                }
                try (org.secumail.dmarc.SqliteDmarcStore store = org.secumail.dmarc.SqliteDmarcStore.open(s.reportDatabase())) {
                    Instant far = Instant.now().plusSeconds(86400L * 365);
                    for (String domain : store.domainsBefore(far)) {
                        var rows = store.rowsBefore(domain, far);
                        var last = rows.get(rows.size() - 1).evaluation();
                        out.println(domain + ": " + rows.size() + " evaluations since " + rows.get(0).evaluation().time()
                                + ", rua=" + last.record().rua());
                    }
                    out.println("total: " + store.count());
                }
            } catch (ConfigException | IOException e) {
                err.println("secumail dmarc: " + e.getMessage());
                err.flush();
                return 64;
            }
            out.flush();
            return 0;
        }
    }
}
