// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.secumail.config.ConfigException;
import org.secumail.greylist.GreylistStore;
import org.secumail.greylist.Greylister;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * "secumail greylist list|clients|show KEY|delete KEY|delete-client KEY|stats|expire": the
 * greylisting database of secumail_greylist_database, like postgrey's tools. Triplet keys are
 * "network/sender/recipient" as the log shows them. Safe while the server runs (SQLite WAL).
 */
@Command(name = "greylist", mixinStandardHelpOptions = true,
        description = "Show and edit the greylisting database: list, clients, show KEY, delete KEY, delete-client KEY, stats, expire.")
public final class GreylistCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ACTION", description = "list | clients | show | delete | delete-client | stats | expire")
    String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "KEY", description = "triplet or client key (show, delete, delete-client)")
    String key;

    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf")
    Path configDir;

    @Option(names = {"-n", "--limit"}, description = "at most this many entries (list, clients) [1000]")
    int limit = 1000;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<String> needKey = List.of("show", "delete", "delete-client");
        if (needKey.contains(action) == (key == null)) {
            err.println("secumail greylist: " + action + (key == null ? " needs a KEY" : " takes no KEY"));
            return 64;
        }
        Greylister g;
        try {
            g = Greylister.fromConfig(ConfigSource.main(configDir), Clock.systemUTC());
        } catch (ConfigException e) {
            err.println("secumail greylist: fatal: " + e.getMessage());
            return 1;
        }
        try (g) {
            GreylistStore db = g.store();
            int rc = 0;
            switch (action) {
                case "list" -> {
                    for (var e : db.triplets(limit)) out.println(line(e.key(), e.triplet()));
                }
                case "clients" -> {
                    for (var e : db.clients(limit)) {
                        out.println(e.key() + "  deliveries=" + e.client().count() + "  last=" + e.client().lastSeen()
                                + (e.client().count() >= g.settings().autoWhitelist() && g.settings().autoWhitelist() > 0 ? "  whitelisted" : ""));
                    }
                }
                case "show" -> {
                    var t = db.triplet(key);
                    if (t.isPresent()) out.println(line(key, t.get()));
                    else { err.println("secumail greylist: no triplet " + key); rc = 1; }
                }
                case "delete" -> {
                    if (!db.deleteTriplet(key)) { err.println("secumail greylist: no triplet " + key); rc = 1; }
                }
                case "delete-client" -> {
                    if (!db.deleteClient(key)) { err.println("secumail greylist: no client " + key); rc = 1; }
                }
                case "stats" -> {
                    var s = g.stats();
                    out.println("triplets: " + s.triplets() + " (passed at least once: " + s.passedTriplets() + ", still deferred: "
                            + (s.triplets() - s.passedTriplets()) + ")");
                    out.println("clients: " + s.clients() + " (auto-whitelisted: " + s.whitelistedClients() + ")");
                }
                case "expire" -> {
                    var x = g.expire();
                    out.println("expired: " + x.triplets() + " triplets, " + x.clients() + " clients");
                }
                default -> {
                    err.println("secumail greylist: unknown action \"" + action + "\"");
                    rc = 64;
                }
            }
            out.flush();
            return rc;
        }
    }

    private static String line(String key, GreylistStore.Triplet t) {
        List<String> f = new ArrayList<>();
        f.add(key);
        f.add("first=" + t.firstSeen());
        f.add("last=" + t.lastSeen());
        f.add("passes=" + t.passes());
        return String.join("  ", f);
    }
}
