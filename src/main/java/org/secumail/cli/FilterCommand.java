// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.secumail.ContentSetup;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.filter.FilterServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * "secumail filter --listen HOST:PORT --reinject HOST:PORT [-c DIR]": an after-queue SMTP content
 * filter for Postfix's content_filter (FILTER_README), like ClamSMTP or amavisd-new, running the
 * content checks of main.cf; in the foreground, a TERM signal stops it.
 */
@Command(name = "filter", mixinStandardHelpOptions = true,
        description = "SMTP content filter for Postfix's content_filter: check each message with main.cf's content checks and reinject it.")
public final class FilterCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf")
    Path configDir;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "address to listen on [${DEFAULT-VALUE}]")
    String listen = "127.0.0.1:10025";

    @Option(names = "--reinject", paramLabel = "HOST:PORT", description = "the MTA's reinjection service [${DEFAULT-VALUE}]")
    String reinject = "127.0.0.1:10026";

    @Override
    public Integer call() throws Exception {
        FilterServer server;
        ContentSetup.Standalone content;
        try {
            MainConfig cfg = ConfigSource.main(configDir);
            var dns = ConfigSource.resolver(cfg);
            content = ContentSetup.standalone(cfg, dns);
            server = new FilterServer(content.checks(), address(listen), address(reinject), cfg.get("myhostname"),
                    cfg.longValue("message_size_limit"), cfg.duration("secumail_filter_timeout"), cfg.path("data_directory").resolve("filter-quarantine"));
        } catch (ConfigException | NumberFormatException e) {
            System.err.println("secumail filter: fatal: " + e.getMessage());
            return 1;
        }
        System.out.println("secumail filter: listening on " + listen + ", reinjecting to " + reinject);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            try {
                content.close();
            } catch (Exception ignored) {
                // exiting
            }
            stop.countDown();
        }));
        stop.await();
        return 0;
    }

    static InetSocketAddress address(String hostPort) throws java.io.IOException {
        String l = hostPort.startsWith("inet:") ? hostPort.substring(5) : hostPort;
        int colon = l.lastIndexOf(':');
        if (colon <= 0) throw new ConfigException("expected HOST:PORT, got " + hostPort);
        String host = l.substring(0, colon).replace("[", "").replace("]", "");
        return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(l.substring(colon + 1)));
    }
}
