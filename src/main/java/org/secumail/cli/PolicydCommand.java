// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.policy.PolicyServer;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.Restrictions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** "secumail policyd [-c DIR] [--listen HOST:PORT]": a Postfix policy server with SecuMail's checks, in the foreground. */
@Command(name = "policyd", mixinStandardHelpOptions = true,
        description = "Answer Postfix policy requests (check_policy_service) with secumail_policyd_restrictions, e.g. check_greylist.")
public final class PolicydCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf")
    Path configDir;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "address to listen on [${DEFAULT-VALUE}]")
    String listen = "127.0.0.1:10023";

    @Override
    public Integer call() throws Exception {
        PolicyServer server;
        try {
            MainConfig cfg = ConfigSource.main(configDir);
            int colon = listen.lastIndexOf(':');
            if (colon <= 0) throw new ConfigException("--listen: expected HOST:PORT, got " + listen);
            String host = listen.substring(0, colon).replace("[", "").replace("]", "");
            var dns = ConfigSource.resolver(cfg);
            // The asking MTA sends sasl_username only when its own AUTH is on: trust it, so that
            // permit_sasl_authenticated works in secumail_policyd_restrictions.
            MainConfig checks = cfg.withOverrides(java.util.Map.of("smtpd_sasl_auth_enable", "yes"));
            server = new PolicyServer(cfg, new CheckSettings(checks, Restrictions.builtin(), dns),
                    new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(listen.substring(colon + 1))));
        } catch (ConfigException | NumberFormatException e) {
            System.err.println("secumail policyd: fatal: " + e.getMessage());
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            org.secumail.greylist.GreylistRestrictions.closeAll();
            stop.countDown();
        }));
        stop.await();
        return 0;
    }
}
