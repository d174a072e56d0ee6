// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.secumail.Server;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * "secumail run [-c CONFIG_DIR]": runs the server in the foreground until SIGTERM or SIGINT;
 * SIGHUP (or "secumail reload") reads the configuration again ({@link Server#reload()}).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the mail server in the foreground with CONFIG_DIR/main.cf and master.cf "
                + "(without -c: the embedded default, listening on 127.0.0.1:2525 for mail to localhost).")
public final class RunCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf and master.cf")
    Path configDir;

    @Override
    public Integer call() throws Exception {
        Server server;
        try {
            MainConfig cfg = ConfigSource.main(configDir);
            String refused = MailOwner.check(cfg, MailOwner.currentUid(), Path.of("/etc/passwd"));
            if (refused != null) {
                System.err.println("secumail: fatal: " + refused);
                return 1;
            }
            server = Server.start(cfg, ConfigSource.master(configDir, cfg));
        } catch (ConfigException e) {
            System.err.println("secumail: fatal: " + e.getMessage());
            return 1;
        } catch (java.io.IOException e) {
            // a port already taken, a queue directory that cannot be written: one line, as Postfix's fatal:
            System.err.println("secumail: fatal: " + e.getMessage());
            return 1;
        }
        // a reload reads the same place again: -c DIR, or nothing to read for the embedded files
        server.configSource(() -> {
            if (configDir == null) return null;
            MainConfig cfg = ConfigSource.main(configDir);
            return new Server.Loaded(cfg, ConfigSource.master(configDir, cfg));
        });
        Hangup.onHangup("main.cf, master.cf and tables", server::reload);
        org.secumail.OldGenerationGuard.start();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }));
        stop.await();
        return 0;
    }
}
