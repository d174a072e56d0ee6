// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.secumail.antivirus.AntivirusParameters;
import org.secumail.antivirus.BuiltinScanner;
import org.secumail.antivirus.ClamdClient;
import org.secumail.antivirus.ClamdEndpoint;
import org.secumail.antivirus.ClamdServer;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * "secumail clamd [-c DIR] [--listen ADDR]...": the clamd protocol in front of the built-in
 * scanner, in the foreground, for clamdscan, ClamSMTP, rspamd or a Postfix set up for clamd.
 * RELOAD (clamdscan --reload) or SIGHUP re-reads the signatures; SHUTDOWN or a TERM signal stops it.
 */
@Command(name = "clamd", mixinStandardHelpOptions = true, description = "Serve the clamd protocol (PING, VERSION, INSTREAM, SCAN ...) with the built-in scanner.")
public final class ClamdCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf")
    Path configDir;

    @Option(names = "--listen", paramLabel = "ADDR", description = "unix:/path or inet:host:port, repeatable [127.0.0.1:3310]")
    List<String> listen;

    @Option(names = {"-d", "--database"}, paramLabel = "DIR", description = "signature directory (default: secumail_antivirus_database_directory)")
    Path database;

    @Override
    public Integer call() throws Exception {
        ClamdServer server;
        try {
            MainConfig cfg = ConfigSource.main(configDir);
            if (database != null) cfg = cfg.withOverrides(java.util.Map.of("secumail_antivirus_database_directory", database.toString()));
            String maxText = cfg.get("secumail_clamd_stream_max_length").strip();
            long max = maxText.isEmpty() ? ClamdClient.DEFAULT_STREAM_MAX : AntivirusParameters.size("secumail_clamd_stream_max_length", maxText);
            BuiltinScanner scanner = BuiltinScanner.fromConfig(cfg);
            Hangup.onHangup("the signatures", () -> {
                try {
                    scanner.reload();
                } catch (ConfigException e) {
                    System.err.println("secumail clamd: warning: " + e.getMessage() + "; keeping the signatures loaded before");
                }
            });
            server = new ClamdServer(scanner, max, 120_000, Path.of(System.getProperty("java.io.tmpdir")));
            for (String l : listen == null ? List.of("inet:127.0.0.1:3310") : listen) {
                System.out.println("secumail clamd: listening on " + server.listen(ClamdEndpoint.parse(l)));
            }
        } catch (ConfigException e) {
            System.err.println("secumail clamd: fatal: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        while (!server.isClosed()) Thread.sleep(200);
        return 0;
    }
}
