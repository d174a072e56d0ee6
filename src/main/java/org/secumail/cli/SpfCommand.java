// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.dns.DnsjavaResolver;
import org.secumail.spf.SpfEvaluator;
import org.secumail.spf.SpfResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * "secumail spf --ip ADDR [--sender ADDR] [--helo NAME]": an SPF check like spfquery, printing
 * the result, the explanation, the deciding term and every DNS query made, for administrators
 * debugging their records. DNS servers come from main.cf (dns_servers) or --dns-server.
 * Exit status: 0 pass, 1 fail, 2 softfail/neutral/none, 3 temperror/permerror, 64 bad usage.
 */
@Command(name = "spf", mixinStandardHelpOptions = true, description = "Check SPF (RFC 7208) like spfquery and show every DNS query.")
public final class SpfCommand implements Callable<Integer> {
    @Option(names = "--ip", required = true, description = "the client IP address")
    String ip;

    @Option(names = "--sender", description = "the MAIL FROM address (empty: the null sender, checked through HELO)")
    String sender = "";

    @Option(names = "--helo", description = "the HELO/EHLO name")
    String helo = "";

    @Option(names = "--helo-only", description = "check only the HELO identity")
    boolean heloOnly;

    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf (for dns_servers, myhostname)")
    Path configDir;

    @Option(names = "--dns-server", paramLabel = "HOST[:PORT]", description = "DNS server to ask instead of dns_servers / resolv.conf")
    List<String> dnsServers;

    @Option(names = "--repeat", paramLabel = "N", description = "benchmark: evaluate N times and print evaluations per second")
    int repeat;

    @Option(names = "--cache", description = "with --repeat: keep DNS answers in the TTL cache between evaluations (warm cache)")
    boolean cache;

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
            err.println("secumail spf: bad --ip address: " + ip);
            return 64;
        }
        if (heloOnly && helo.isEmpty()) {
            err.println("secumail spf: --helo-only needs --helo");
            return 64;
        }
        MainConfig cfg;
        try {
            cfg = ConfigSource.main(configDir);
        } catch (ConfigException e) {
            err.println("secumail spf: fatal: " + e.getMessage());
            return 64;
        }
        List<String> servers = dnsServers != null ? dnsServers : cfg.list("dns_servers");
        org.secumail.dns.Resolver dns = DnsjavaResolver.fromConfig(servers, cfg.duration("secumail_dns_timeout"));
        if (cache) dns = new org.secumail.dns.CachingResolver(dns);
        SpfEvaluator spf = new SpfEvaluator(dns, cfg.get("myhostname"), Clock.systemUTC());
        if (repeat > 0) {
            // a bounded benchmark loop: N evaluations, then the rate
            long t0 = System.nanoTime();
            SpfResult last = null;
            for (int i = 0; i < repeat; i++) last = heloOnly ? spf.checkHelo(addr, helo) : spf.check(addr, sender, helo);
            double secs = (System.nanoTime() - t0) / 1e9;
            out.printf("%d evaluations (%s cache) in %.2f s: %.0f per second; result %s, %d DNS queries each%n", repeat,
                    cache ? "warm" : "no", secs, repeat / secs, last.code().keyword(), last.queries().size());
            out.flush();
            return 0;
        }
        SpfResult r = heloOnly ? spf.checkHelo(addr, helo) : spf.check(addr, sender, helo);
        out.println("result: " + r.code().keyword());
        out.println("identity: " + (heloOnly || sender.isEmpty() ? "helo" : "mailfrom") + " (" + r.domain() + ")");
        out.println("mechanism: " + r.mechanism());
        if (!r.explanation().isEmpty()) out.println("explanation: " + r.explanation());
        out.println("dns queries: " + r.queries().size());
        for (String q : r.queries()) out.println("  " + q);
        out.flush();
        return switch (r.code()) {
            case PASS -> 0;
            case FAIL -> 1;
            case SOFTFAIL, NEUTRAL, NONE -> 2;
            case TEMPERROR, PERMERROR -> 3;
        };
    }
}
