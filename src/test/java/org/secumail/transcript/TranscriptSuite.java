// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;

/**
 * The transcript collection as JUnit dynamic tests: one per *.txt file, named by file and
 * description. A server under test plugs in as a {@link Target}, which gets each
 * transcript's main.cf (base-main.cf plus its "@main.cf" lines) and says where to connect.
 * Used by {@link DifferentialTest} (Postfix, mode CODES) and by SecuMail's in-process
 * transcript test (mode STRICT), e.g.
 * <pre>
 * &#64;TestFactory
 * Stream&lt;DynamicTest&gt; transcripts() {
 *     return TranscriptSuite.dynamicTests(TranscriptSuite.directory(), Set.of("postfix-only"),
 *             (t, mainCf) -&gt; { ...start SecuMail with mainCf...; return Endpoint.of("127.0.0.1", port, server); },
 *             Mode.STRICT, Duration.ofSeconds(5));
 * }
 * </pre>
 * A transcript carrying one of skipTags is reported as skipped, with the tag as reason;
 * one that does not parse is reported as failed with the parse error.
 */
public final class TranscriptSuite {
    public static final String BASE_MAIN_CF = "base-main.cf";

    private TranscriptSuite() {}

    /** Prepares the server under test for one transcript. */
    @FunctionalInterface
    public interface Target {
        Endpoint prepare(Transcript transcript, String mainCf) throws Exception;
    }

    /**
     * Where to connect for one transcript; diagnostics (e.g. the server's log) are added to
     * a failure message; onDone runs after the transcript, pass or fail.
     */
    public record Endpoint(String host, int port, Supplier<String> diagnostics, AutoCloseable onDone) {
        public static Endpoint of(String host, int port) { return new Endpoint(host, port, () -> "", () -> {}); }

        public static Endpoint of(String host, int port, AutoCloseable onDone) { return new Endpoint(host, port, () -> "", onDone); }
    }

    /** src/test/resources/transcripts of this project (Maven sets "basedir"; else the working directory). */
    public static Path directory() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "src", "test", "resources", "transcripts");
    }

    /** The *.txt files of dir, sorted by name. */
    public static List<Path> files(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list transcripts in " + dir, e);
        }
    }

    /** All transcripts of dir; the first malformed one throws {@link TranscriptParseException}. */
    public static List<Transcript> loadAll(Path dir) {
        List<Transcript> all = new ArrayList<>();
        for (Path f : files(dir)) all.add(TranscriptParser.parse(f));
        return all;
    }

    public static String baseMainCf(Path dir) {
        Path f = dir.resolve(BASE_MAIN_CF);
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }

    public static Stream<DynamicTest> dynamicTests(Path dir, Set<String> skipTags, Target target, Mode mode, Duration readTimeout) {
        return dynamicTests(dir, skipTags, target, mode, readTimeout, r -> {});
    }

    /** As above; onPass sees each passing transcript's conversation (e.g. to log it). */
    public static Stream<DynamicTest> dynamicTests(Path dir, Set<String> skipTags, Target target, Mode mode, Duration readTimeout,
            Consumer<TranscriptResult> onPass) {
        String base = baseMainCf(dir);
        return files(dir).stream().map(file -> {
            String name = file.getFileName().toString();
            Transcript t;
            try {
                t = TranscriptParser.parse(file);
            } catch (TranscriptParseException e) {
                return DynamicTest.dynamicTest(name, file.toUri(), () -> { throw new AssertionError(e.getMessage(), e); });
            }
            Transcript parsed = t;
            return DynamicTest.dynamicTest(name + ": " + t.description(), file.toUri(), () -> {
                for (String tag : parsed.tags()) {
                    Assumptions.assumeFalse(skipTags.contains(tag), () -> name + " is tagged " + tag + ", not run here");
                }
                onPass.accept(runOne(parsed, base, target, mode, readTimeout));
            });
        });
    }

    /** Runs one transcript against target; failures carry the endpoint's diagnostics. */
    public static TranscriptResult runOne(Transcript t, String baseMainCf, Target target, Mode mode, Duration readTimeout) throws Exception {
        Endpoint ep = target.prepare(t, t.mainCfOver(baseMainCf));
        try (AutoCloseable done = ep.onDone()) {
            try {
                return TranscriptRunner.run(t, ep.host(), ep.port(), mode, readTimeout);
            } catch (AssertionError e) {
                String diag = ep.diagnostics().get();
                if (diag == null || diag.isBlank()) throw e;
                AssertionError withDiag = new AssertionError(e.getMessage() + "  server diagnostics:\n" + diag.indent(4));
                withDiag.setStackTrace(e.getStackTrace());
                throw withDiag;
            }
        }
    }
}
