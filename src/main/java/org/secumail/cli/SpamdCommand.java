// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.spam.SpamFilter;
import org.secumail.spam.SpamdServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * "secumail spamd [-c DIR] [--listen HOST:PORT]...": SpamAssassin's spamd protocol with the rules
 * and Bayes database of main.cf, in the foreground, for spamc, spamass-milter, or a Postfix
 * pipe to spamc. SIGHUP re-reads the rule files; a TERM signal stops it.
 */
@Command(name = "spamd", mixinStandardHelpOptions = true, description = "Serve SpamAssassin's spamd protocol (CHECK, SYMBOLS, REPORT, PROCESS, HEADERS, TELL, PING).")
public final class SpamdCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf")
    Path configDir;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "address to listen on, repeatable [127.0.0.1:783]")
    List<String> listen;

    @Override
    public Integer call() throws Exception {
        SpamdServer server;
        try {
            MainConfig cfg = ConfigSource.main(configDir).withOverrides(Map.of("secumail_spam_filter", "yes"));
            SpamFilter filter = SpamFilter.fromConfig(cfg);
            server = new SpamdServer(filter, filter.settings().maxSize(), 120_000);
            for (String l : listen == null ? List.of("127.0.0.1:783") : listen) {
                int colon = l.lastIndexOf(':');
                if (colon < 0) throw new ConfigException("--listen wants HOST:PORT, not " + l);
                String host = l.substring(0, colon).replace("[", "").replace("]", "");
                System.out.println("secumail spamd: listening on " + server.listen(host, Integer.parseInt(l.substring(colon + 1))));
            }
            SpamdServer s = server;
            Hangup.onHangup("the spam rules", () -> {
                try {
                    s.reload(cfg);
                } catch (Exception e) {
                    System.err.println("secumail spamd: warning: " + e.getMessage() + "; keeping the rules loaded before");
                }
            });
        } catch (ConfigException e) {
            System.err.println("secumail spamd: fatal: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        while (!server.isClosed()) Thread.sleep(200);
        return 0;
    }
}
