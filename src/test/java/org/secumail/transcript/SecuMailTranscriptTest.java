// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.dns.TestDnsServer;

/**
 * Every transcript against SecuMail in-process, in STRICT mode: a server per transcript on an
 * ephemeral loopback port, with base-main.cf plus the transcript's @main.cf lines, a private
 * queue and mail spool, and DNS answered by {@link TestDnsServer} from transcripts/zone.dns.
 */
class SecuMailTranscriptTest {
    private static TestDnsServer dns;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startDns() throws IOException {
        dns = TestDnsServer.start(TranscriptSuite.directory().resolve("zone.dns"));
    }

    @AfterAll
    static void stopDns() {
        if (dns != null) dns.close();
    }

    @TestFactory
    Stream<DynamicTest> transcriptsAgainstSecuMail() {
        return TranscriptSuite.dynamicTests(TranscriptSuite.directory(), Set.of(), (t, mainCf) -> {
            Path work = Files.createTempDirectory(tmp, "t");
            copyClamavDatabase(work.resolve("clamav"));
            String text = mainCf + "\n"
                    + "queue_directory = " + work.resolve("queue") + "\n"
                    + "data_directory = " + work.resolve("data") + "\n"
                    + "mail_spool_directory = " + work.resolve("mail") + "/\n"
                    + "dns_servers = " + dns.serverSpec() + "\n"
                    + "secumail_dns_timeout = 1s\n";
            MainConfig cfg = MainConfig.fromText(text, t.source().toString(), work);
            Server server = Server.start(cfg, MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
            return TranscriptSuite.Endpoint.of("127.0.0.1", server.listeners().get(0).port(), server);
        }, Mode.STRICT, Duration.ofSeconds(10));
    }

    /**
     * The antivirus transcripts' signature database (transcripts/clamav/) as $config_directory/clamav:
     * a transcript names it with {@code secumail_antivirus_database_directory = $config_directory/clamav}.
     */
    private static void copyClamavDatabase(Path target) throws IOException {
        Path source = TranscriptSuite.directory().resolve("clamav");
        if (!Files.isDirectory(source)) return;
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().endsWith(".hdb")) Files.copy(f, target.resolve(f.getFileName()));
            }
        }
    }
}
