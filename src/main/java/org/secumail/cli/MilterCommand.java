// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.secumail.ContentSetup;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.milter.MilterServer;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.Restrictions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * "secumail milter [-c DIR] [--listen HOST:PORT|unix:PATH]": SecuMail's checks as a milter for a
 * real Postfix (smtpd_milters = inet:127.0.0.1:8893), in the foreground. The lists
 * secumail_milter_*_restrictions and the content checks of main.cf decide; a TERM signal stops it.
 */
@Command(name = "milter", mixinStandardHelpOptions = true,
        description = "Serve the Sendmail milter protocol (6) with SecuMail's restrictions and content checks, for Postfix's smtpd_milters.")
public final class MilterCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf")
    Path configDir;

    @Option(names = "--listen", paramLabel = "HOST:PORT|unix:PATH", description = "address to listen on [${DEFAULT-VALUE}]")
    String listen = "127.0.0.1:8893";

    @Override
    public Integer call() throws Exception {
        MilterServer server;
        ContentSetup.Standalone content;
        try {
            MainConfig cfg = ConfigSource.main(configDir);
            var dns = ConfigSource.resolver(cfg);
            // The MTA reports {auth_authen} only for its own AUTH: trust it, as policyd does.
            MainConfig checks = cfg.withOverrides(java.util.Map.of("smtpd_sasl_auth_enable", "yes"));
            content = ContentSetup.standalone(cfg, dns);
            server = new MilterServer(cfg, new CheckSettings(checks, Restrictions.builtin(), dns), content.checks(), address(listen));
        } catch (ConfigException | NumberFormatException e) {
            System.err.println("secumail milter: fatal: " + e.getMessage());
            return 1;
        }
        System.out.println("secumail milter: listening on " + listen);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            try {
                content.close();
            } catch (Exception ignored) {
                // exiting
            }
            org.secumail.greylist.GreylistRestrictions.closeAll();
            stop.countDown();
        }));
        stop.await();
        return 0;
    }

    static SocketAddress address(String listen) throws java.io.IOException {
        if (listen.startsWith("unix:")) return UnixDomainSocketAddress.of(listen.substring(5));
        String l = listen.startsWith("inet:") ? listen.substring(5) : listen;
        int colon = l.lastIndexOf(':');
        if (colon <= 0) throw new ConfigException("--listen: expected HOST:PORT or unix:PATH, got " + listen);
        String host = l.substring(0, colon).replace("[", "").replace("]", "");
        return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(l.substring(colon + 1)));
    }
}
