// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.queue.QueueTrigger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * "secumail reload [-c DIR]", like {@code postfix reload}: asks the server running on this
 * configuration's queue_directory to reload, through queue_directory/public/qmgr (the same as
 * sending it SIGHUP). The reload itself happens in the server and is logged there. Exit 0 when
 * the request was delivered, 1 when no server listens ("the mail system is not running").
 */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = "Tell the running server to read main.cf, master.cf, tables, signature databases and spam rules again, like postfix reload or SIGHUP.")
public final class ReloadCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf")
    Path configDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        MainConfig cfg;
        try {
            cfg = ConfigSource.main(configDir);
        } catch (ConfigException e) {
            err.println("secumail reload: fatal: " + e.getMessage());
            return 1;
        }
        Path queue = cfg.path("queue_directory");
        if (!QueueTrigger.send(queue, QueueTrigger.RELOAD)) {
            err.println("secumail reload: fatal: no server is running on " + queue);
            return 1;
        }
        out.println("secumail reload: refreshing the mail system");
        out.flush();
        return 0;
    }
}
