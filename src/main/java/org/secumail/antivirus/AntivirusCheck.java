// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.secumail.config.MainConfig;
import org.secumail.content.ContentCheck;
import org.secumail.content.ContentContext;
import org.secumail.content.ContentResult;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The antivirus content check: scans the whole message (headers and body, as clamd sees a
 * file) at end of DATA, before the 250, so an infected message is refused while the client is
 * still connected instead of being bounced later (ClamSMTP's after-queue weakness).
 *
 * <ul>
 * <li>infected: {@code 554 5.7.1 Message rejected: infected (NAME)}, or discard, or quarantine
 *     (secumail_antivirus_infected_action);</li>
 * <li>scanner unreachable, timed out or erroring: {@code 451 4.7.1} (never a silent accept), or
 *     accept with an {@code X-Virus-Scanned: ... error} header (secumail_antivirus_error_action =
 *     accept, for sites that prefer mail to flow);</li>
 * <li>clean: an {@code X-Virus-Scanned:} header (secumail_antivirus_scanned_header).</li>
 * </ul>
 * One log line per scan on logger "secumail.antivirus":
 * {@code QID: antivirus: clean|infected (NAME)|error (REASON), scanner=clamd:unix:/path, 12 ms}.
 * Phase 0: it needs nothing from other checks.
 */
public final class AntivirusCheck implements ContentCheck {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.antivirus");

    public enum InfectedAction { REJECT, DISCARD, QUARANTINE }

    public enum ErrorAction { TEMPFAIL, ACCEPT }

    private final Scanner scanner;
    private final InfectedAction infectedAction;
    private final ErrorAction errorAction;
    private final boolean scannedHeader;
    private final String hostname;
    private final Scanner policyScanner;

    public AntivirusCheck(Scanner scanner, InfectedAction infectedAction, ErrorAction errorAction, boolean scannedHeader, String hostname) {
        this(scanner, null, infectedAction, errorAction, scannedHeader, hostname);
    }

    /**
     * With a second scanner that applies only the attachment policy after a clean verdict: clamd
     * knows nothing of banned names, so with clamd the policy runs in a built-in walk with an
     * empty signature set (see {@link BuiltinScanner#policyOnly}).
     */
    public AntivirusCheck(Scanner scanner, Scanner policyScanner, InfectedAction infectedAction, ErrorAction errorAction, boolean scannedHeader, String hostname) {
        this.scanner = scanner;
        this.policyScanner = policyScanner;
        this.infectedAction = infectedAction;
        this.errorAction = errorAction;
        this.scannedHeader = scannedHeader;
        this.hostname = hostname;
    }

    /**
     * The check main.cf asks for: empty when secumail_antivirus_scanner = none (the default),
     * else with a {@link ClamdClient} or a {@link BuiltinScanner} (which loads its signatures now).
     *
     * @throws org.secumail.config.ConfigException for a bad value or unloadable signatures
     */
    public static Optional<AntivirusCheck> fromConfig(MainConfig config) {
        MainConfig c = AntivirusParameters.withDefaults(config);
        String kind = AntivirusParameters.choice(c, "secumail_antivirus_scanner", "none", "clamd", "builtin");
        if (kind.equals("none")) return Optional.empty();
        Scanner s;
        Scanner policy = null;
        if (kind.equals("clamd")) {
            s = ClamdClient.fromConfig(c);
            AttachmentPolicy p = AttachmentPolicy.fromConfig(c);
            if (p != null) policy = BuiltinScanner.policyOnly(p, c);
        } else {
            s = BuiltinScanner.fromConfig(c);
        }
        return Optional.of(new AntivirusCheck(s, policy, settingsInfected(c), settingsError(c), c.bool("secumail_antivirus_scanned_header"), c.get("myhostname")));
    }

    static InfectedAction settingsInfected(MainConfig c) {
        return InfectedAction.valueOf(AntivirusParameters.choice(c, "secumail_antivirus_infected_action", "reject", "discard", "quarantine").toUpperCase(Locale.ROOT));
    }

    static ErrorAction settingsError(MainConfig c) {
        return ErrorAction.valueOf(AntivirusParameters.choice(c, "secumail_antivirus_error_action", "tempfail", "accept").toUpperCase(Locale.ROOT));
    }

    public Scanner scanner() { return scanner; }

    @Override public String name() { return "antivirus"; }

    @Override
    public ContentResult check(ContentContext ctx, RawMessage message) {
        long t0 = System.nanoTime();
        ScanResult r;
        try {
            r = scanner.scanMessage(message::openMessage);
            if (r.status() == ScanResult.Status.CLEAN && policyScanner != null) {
                ScanResult p = policyScanner.scanMessage(message::openMessage);
                if (p.status() != ScanResult.Status.CLEAN) r = p;
            }
        } catch (RuntimeException e) {
            // a bug or a resource failure in the scanner: the same as a scanner error, never an accept
            r = ScanResult.error(e.getClass().getSimpleName() + ": " + e.getMessage(), List.of());
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String verdict = switch (r.status()) {
            case CLEAN -> "clean";
            case INFECTED -> "infected (" + r.signature() + ")";
            case ERROR -> "error (" + r.error() + ")";
        };
        LOG.info("{}: antivirus: {}{}{}, scanner={}, {} ms", ctx.queueId(), verdict,
                r.where().isEmpty() ? "" : ", part=" + r.where(), r.truncated() ? ", truncated" : "", scanner.name(), ms);
        List<String> trace = new ArrayList<>(r.trace());
        trace.add("antivirus: " + verdict + " by " + scanner.name() + " in " + ms + " ms");
        return switch (r.status()) {
            case CLEAN -> ContentResult.accept(name(), List.of(), scannedHeader ? List.of(header(r.truncated() ? "clean, truncated" : "clean")) : List.of(), trace, r);
            case INFECTED -> infected(r, trace);
            case ERROR -> errorAction == ErrorAction.TEMPFAIL
                    ? ContentResult.tempfail(name(), "Error: virus scanner unavailable, try again later", trace)
                    : ContentResult.accept(name(), List.of(), List.of(header("not scanned, scanner error")), trace, r);
        };
    }

    private ContentResult infected(ScanResult r, List<String> trace) {
        String sig = safe(r.signature());
        // a banned attachment is named in the reply, so the sender knows which file to leave out
        String text = sig.startsWith("Banned.")
                ? "Message rejected: banned attachment (" + partName(r.where()) + ": " + sig + ")"
                : "Message rejected: infected (" + sig + ")";
        return switch (infectedAction) {
            case REJECT -> ContentResult.reject(name(), 554, "5.7.1", text, List.of(), trace);
            case DISCARD -> ContentResult.discard(name(), "infected (" + sig + ")", trace);
            case QUARANTINE -> ContentResult.quarantine(name(), "infected (" + sig + ")", List.of(), List.of(header("infected (" + sig + ")")), trace);
        };
    }

    private HeaderField header(String status) {
        String by = scanner instanceof ClamdClient ? "ClamAV using SecuMail" : "SecuMail built-in scanner";
        return HeaderField.of("X-Virus-Scanned", by + (hostname.isEmpty() ? "" : " at " + hostname) + "; " + status);
    }

    /** The last element of "message > part 2 (a.zip) > b.exe", printable and bounded. */
    static String partName(String where) {
        int i = where.lastIndexOf(" > ");
        String last = i < 0 ? where : where.substring(i + 3);
        StringBuilder b = new StringBuilder();
        for (char ch : last.toCharArray()) if (ch >= 32 && ch < 127) b.append(ch);
        return b.length() > 80 ? b.substring(0, 80) : b.toString();
    }

    /** A signature name in a reply or header: printable ASCII only, bounded (it came from a socket). */
    static String safe(String s) {
        StringBuilder b = new StringBuilder();
        for (char ch : s.toCharArray()) if (ch > 32 && ch < 127) b.append(ch);
        return b.length() > 100 ? b.substring(0, 100) : b.toString();
    }
}
