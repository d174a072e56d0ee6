// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;
import org.secumail.dkim.Canonicalization;
import org.secumail.dkim.DkimBenchmark;
import org.secumail.dkim.DkimException;
import org.secumail.dkim.DkimKey;
import org.secumail.dkim.DkimKeyRecord;
import org.secumail.dkim.DkimKeys;
import org.secumail.dkim.DkimResult;
import org.secumail.dkim.DkimSignOptions;
import org.secumail.dkim.DkimSigner;
import org.secumail.dkim.DkimVerification;
import org.secumail.dkim.DkimVerifier;
import org.secumail.dkim.KeyLookup;
import org.secumail.dns.DnsjavaResolver;
import org.secumail.dns.Resolver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * "secumail dkim keygen|verify|sign|testkey": DKIM keys and signatures by hand, for
 * administrators moving from OpenDKIM or debugging a failing signature. keygen writes what
 * opendkim-genkey writes; testkey checks a published record like opendkim-testkey. DNS
 * servers come from main.cf (dns_servers) or --dns-server. Exit status: 0 success (every
 * signature passes, key OK), 1 failure, 64 bad usage or unreadable input. verify also shows the
 * ARC chain (RFC 8617) when there is one, without changing its exit status.
 */
@Command(name = "dkim", mixinStandardHelpOptions = true, description = "DKIM keys, signing and verification (RFC 6376, RFC 8463).",
        subcommands = {DkimCommand.Keygen.class, DkimCommand.Verify.class, DkimCommand.Sign.class, DkimCommand.Testkey.class,
                DkimCommand.Bench.class})
public final class DkimCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    /** Options shared by the commands that ask DNS. */
    static class DnsOptions {
        @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf (for dns_servers)")
        Path configDir;

        @Option(names = "--dns-server", paramLabel = "HOST[:PORT]", description = "DNS server to ask instead of dns_servers / resolv.conf")
        List<String> dnsServers;

        MainConfig config() { return ConfigSource.main(configDir); }

        Resolver resolver(MainConfig cfg) {
            return DnsjavaResolver.fromConfig(dnsServers != null ? dnsServers : cfg.list("dns_servers"), cfg.duration("secumail_dns_timeout"));
        }
    }

    @Command(name = "keygen", mixinStandardHelpOptions = true, description = "Write SELECTOR.private and SELECTOR.txt like opendkim-genkey.")
    static final class Keygen implements Callable<Integer> {
        @Option(names = {"-d", "--domain"}, required = true) String domain;
        @Option(names = {"-s", "--selector"}, required = true) String selector;
        @Option(names = "--type", defaultValue = "rsa", description = "rsa or ed25519 (default ${DEFAULT-VALUE})") String type;
        @Option(names = {"-b", "--bits"}, defaultValue = "2048", description = "RSA key size (default ${DEFAULT-VALUE})") int bits;
        @Option(names = {"-D", "--directory"}, defaultValue = ".", description = "where to write the files") Path dir;
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            KeyPair kp;
            try {
                new DkimKey(domain, selector, DkimKeys.generate("ed25519", 0).getPrivate());   // validates d= and s=
                kp = DkimKeys.generate(type, bits);
            } catch (IllegalArgumentException e) {
                err.println("secumail dkim keygen: " + e.getMessage());
                return 64;
            }
            Path priv = dir.resolve(selector + ".private");
            Path txt = dir.resolve(selector + ".txt");
            Files.createDirectories(dir);
            Files.deleteIfExists(priv);
            // created with mode 600 from the start, never readable by others even briefly
            Files.createFile(priv, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(priv, DkimKeys.toPem(kp.getPrivate()), StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
            Files.writeString(txt, DkimKeys.zoneLine(selector, domain, kp.getPublic()), StandardCharsets.US_ASCII);
            spec.commandLine().getOut().println("wrote " + priv + " and " + txt);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, description = "Verify every DKIM-Signature of a message, printing each step.")
    static final class Verify extends DnsOptions implements Callable<Integer> {
        @Parameters(paramLabel = "FILE") Path file;
        @Option(names = "--max-signatures", description = "secumail_dkim_max_signatures (default: main.cf, else 10)") Integer max;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            RawMessage msg;
            MainConfig cfg;
            try {
                msg = RawMessage.of(file);
                cfg = config();
            } catch (IOException | ConfigException e) {
                err.println("secumail dkim verify: " + e.getMessage());
                return 64;
            }
            int limit = max != null ? max : cfg.get("secumail_dkim_max_signatures").isEmpty()
                    ? DkimVerifier.DEFAULT_MAX_SIGNATURES : cfg.integer("secumail_dkim_max_signatures");
            List<DkimVerification> results = new DkimVerifier(resolver(cfg), Clock.systemUTC(), limit).verify(msg);
            if (results.isEmpty()) out.println("no DKIM-Signature header field: dkim=none");
            for (DkimVerification v : results) {
                for (String t : v.trace()) out.println((t.startsWith("signature ") ? "" : "  ") + t);
                out.println("  " + v.toAuthResult().format());
            }
            if (org.secumail.arc.ArcChain.present(msg.headers())) {
                // ARC (RFC 8617) is shown too, for forwarded mail; it does not change the exit status
                org.secumail.arc.ArcValidation arc = new org.secumail.arc.ArcVerifier(resolver(cfg), Clock.systemUTC()).validate(msg);
                out.println("ARC chain:");
                for (String t : arc.trace()) out.println("  " + t);
                out.println("  " + arc.toAuthResult(null).format());
            }
            out.flush();
            return !results.isEmpty() && results.stream().allMatch(v -> v.result() == DkimResult.PASS) ? 0 : 1;
        }
    }

    @Command(name = "sign", mixinStandardHelpOptions = true, description = "Sign a message and print it with its DKIM-Signature.")
    static final class Sign implements Callable<Integer> {
        @Parameters(paramLabel = "FILE") Path file;
        @Option(names = {"-d", "--domain"}, required = true) String domain;
        @Option(names = {"-s", "--selector"}, required = true) String selector;
        @Option(names = {"-k", "--key"}, required = true, paramLabel = "KEYFILE") Path keyFile;
        @Option(names = "--type", description = "rsa or ed25519: refuse a key of the other type") String type;
        @Option(names = "--canon", defaultValue = "relaxed/relaxed", description = "header/body canonicalization (default ${DEFAULT-VALUE})") String canon;
        @Option(names = "--body-length", description = "write l= (not recommended: RFC 6376 section 8.2)") boolean bodyLength;
        @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "write the signed message here instead of standard output") Path output;
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter err = spec.commandLine().getErr();
            try {
                DkimKeys.Loaded k = DkimKeys.load(keyFile);
                k.warnings().forEach(w -> err.println("secumail dkim sign: warning: " + w));
                if (type != null && !k.algorithm().startsWith(type + "-")) throw new IllegalArgumentException(keyFile + " holds a " + k.algorithm() + " key, not " + type);
                String[] c = canon.split("/");
                Canonicalization hc = Canonicalization.of(c[0]);
                Canonicalization bc = c.length > 1 ? Canonicalization.of(c[1]) : Canonicalization.SIMPLE;
                if (hc == null || bc == null) throw new IllegalArgumentException("bad --canon " + canon);
                RawMessage msg = RawMessage.of(file);
                HeaderField sig = new DkimSigner(Clock.systemUTC()).sign(msg, new DkimKey(domain, selector, k.privateKey(), k.algorithm()),
                        DkimSignOptions.defaults().withCanon(hc, bc).withBodyLength(bodyLength));
                err.println("signed with " + k.algorithm() + " key " + keyFile + " as d=" + domain + " s=" + selector + " c=" + hc.keyword() + "/" + bc.keyword());
                err.flush();
                java.io.OutputStream os = output != null ? Files.newOutputStream(output) : System.out;
                try (var in = msg.openMessage()) {
                    os.write(sig.raw());
                    in.transferTo(os);
                    os.flush();
                } finally {
                    if (output != null) os.close();
                }
                return 0;
            } catch (IllegalArgumentException | IOException e) {
                err.println("secumail dkim sign: " + e.getMessage());
                return 64;
            }
        }
    }

    @Command(name = "testkey", mixinStandardHelpOptions = true, description = "Check the published key record against the private key, like opendkim-testkey.")
    static final class Testkey extends DnsOptions implements Callable<Integer> {
        @Option(names = {"-d", "--domain"}, required = true) String domain;
        @Option(names = {"-s", "--selector"}, required = true) String selector;
        @Option(names = {"-k", "--key"}, required = true, paramLabel = "KEYFILE") Path keyFile;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            DkimKeys.Loaded k;
            MainConfig cfg;
            try {
                k = DkimKeys.load(keyFile);
                cfg = config();
            } catch (IOException | ConfigException e) {
                err.println("secumail dkim testkey: " + e.getMessage());
                return 64;
            }
            k.warnings().forEach(w -> out.println("warning: " + w));
            List<String> trace = new ArrayList<>();
            String name = selector + "._domainkey." + domain;
            try {
                DkimKeyRecord rec = KeyLookup.fetch(resolver(cfg), name, trace);
                trace.forEach(t -> out.println(t));
                rec.checkAlgorithm(k.algorithm());
                if (!java.util.Arrays.equals(rec.key().getEncoded(), k.publicKey().getEncoded())) {
                    out.println("key mismatch: the p= of " + name + " is not the public half of " + keyFile);
                    out.flush();
                    return 1;
                }
                if (rec.testing()) out.println("note: the record has t=y (testing mode)");
                out.println("key OK");
                out.flush();
                return 0;
            } catch (DkimException e) {
                trace.forEach(t -> out.println(t));
                out.println("key record " + name + ": " + e.getMessage() + " (" + e.result().keyword() + ")");
                out.flush();
                return 1;
            }
        }
    }

    /**
     * Hidden: signatures and verifications per second for bench/dkim.sh (DkimBenchmark). Not
     * an administrator's tool, so it stays out of the usage list.
     */
    @Command(name = "bench", hidden = true, mixinStandardHelpOptions = true,
            description = "Signatures and verifications per second (bench/dkim.sh); verifies MESSAGE.SELECTOR.EXT copies.")
    static final class Bench implements Callable<Integer> {
        @Option(names = {"-d", "--domain"}, required = true) String domain;
        @Option(names = {"-k", "--key"}, required = true, paramLabel = "SELECTOR=KEYFILE", description = "a key, in order (repeatable)")
        java.util.LinkedHashMap<String, Path> keys;
        @Option(names = {"-m", "--message"}, required = true, paramLabel = "LABEL=FILE", description = "an unsigned message (repeatable)")
        java.util.LinkedHashMap<String, Path> messages;
        @Option(names = "--threads", split = ",", defaultValue = "1,2", description = "thread counts (default ${DEFAULT-VALUE})") List<Integer> threads;
        @Option(names = "--warmup", defaultValue = "3", description = "unmeasured seconds before each loop (default ${DEFAULT-VALUE})") double warmup;
        @Option(names = "--seconds", defaultValue = "10", description = "measured seconds per loop (default ${DEFAULT-VALUE})") double seconds;
        @Option(names = "--json", paramLabel = "FILE", description = "also write one JSON line per result here") Path json;
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (PrintWriter j = json == null ? null : new PrintWriter(Files.newBufferedWriter(json, StandardCharsets.UTF_8))) {
                DkimBenchmark.run(domain, keys, messages, threads, warmup, seconds, out, j);
                return 0;
            } catch (IllegalArgumentException | IllegalStateException | IOException e) {
                spec.commandLine().getErr().println("secumail dkim bench: " + e.getMessage());
                return 64;
            }
        }
    }
}
