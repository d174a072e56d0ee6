// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.secumail.antivirus.BuiltinScanner;
import org.secumail.antivirus.ClamdClient;
import org.secumail.antivirus.ScanResult;
import org.secumail.antivirus.Scanner;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * "secumail scan FILE...": like clamscan, with the built-in scanner and the signatures of
 * secumail_antivirus_database_directory (or --database), or through a clamd with --clamd. Prints
 * every MIME part and archive member looked at, then "FILE: OK" or "FILE: NAME FOUND". Exit
 * status as clamscan's: 0 nothing found, 1 something found, 2 errors.
 */
@Command(name = "scan", mixinStandardHelpOptions = true, description = "Scan files or messages for viruses and banned attachments, like clamscan.")
public final class ScanCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", arity = "1..*", description = "files or directories to scan; - for standard input")
    List<String> files;

    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf")
    Path configDir;

    @Option(names = {"-d", "--database"}, paramLabel = "DIR", description = "signature directory (default: secumail_antivirus_database_directory)")
    Path database;

    @Option(names = "--clamd", paramLabel = "ENDPOINT", description = "scan through this clamd (unix:/path or inet:host:port) instead of the built-in scanner")
    String clamd;

    @Option(names = "--no-policy", description = "do not apply the attachment policy")
    boolean noPolicy;

    @Option(names = "--mail", description = "treat every file as a message (RFC 5322) whatever its first bytes")
    boolean mail;

    @Option(names = {"-q", "--quiet"}, description = "print only the verdict lines")
    boolean quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Scanner scanner;
        try {
            MainConfig cfg = ConfigSource.main(configDir);
            java.util.Map<String, String> o = new java.util.HashMap<>();
            if (database != null) o.put("secumail_antivirus_database_directory", database.toString());
            if (noPolicy) o.put("secumail_attachment_policy", "no");
            if (clamd != null) o.put("secumail_clamd_servers", clamd);
            MainConfig c = cfg.withOverrides(o);
            scanner = clamd != null ? ClamdClient.fromConfig(c) : BuiltinScanner.fromConfig(c);
            if (scanner instanceof BuiltinScanner b && !quiet) out.println("signatures: " + b.database().summary());
        } catch (ConfigException e) {
            err.println("secumail scan: fatal: " + e.getMessage());
            return 2;
        }
        int found = 0, errors = 0, scanned = 0;
        for (String name : files) {
            List<Path> targets;
            if (name.equals("-")) {
                targets = List.of(Path.of("-"));
            } else if (Files.isDirectory(Path.of(name))) {
                try (var s = Files.walk(Path.of(name))) {
                    targets = s.filter(Files::isRegularFile).sorted().toList();
                }
            } else {
                targets = List.of(Path.of(name));
            }
            for (Path t : targets) {
                scanned++;
                Scanner.Source src;
                if (t.toString().equals("-")) {
                    byte[] in = System.in.readAllBytes();
                    src = () -> new ByteArrayInputStream(in);
                } else {
                    if (!Files.isReadable(t)) {
                        out.println(t + ": Can't open file or directory ERROR");
                        errors++;
                        continue;
                    }
                    src = () -> Files.newInputStream(t);
                }
                ScanResult r = mail ? scanner.scanMessage(src) : scanner.scan(src);
                if (!quiet) for (String line : r.trace()) out.println("  " + line);
                String why = r.where().isEmpty() ? "" : " (" + r.where() + ")";
                out.println(t + ": " + r.clamdReply() + (r.infected() ? why : "") + (r.truncated() ? " [not scanned to the end]" : ""));
                if (r.infected()) found++;
                if (r.status() == ScanResult.Status.ERROR) errors++;
            }
        }
        if (!quiet) {
            out.println();
            out.println("----------- SCAN SUMMARY -----------");
            out.println("Scanned files: " + scanned);
            out.println("Infected files: " + found);
            if (errors > 0) out.println("Total errors: " + errors);
        }
        out.flush();
        return errors > 0 ? 2 : found > 0 ? 1 : 0;
    }
}
