// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * Runs every transcript in src/test/resources/transcripts against SecuMail in-process on an
 * ephemeral loopback port, in STRICT mode, with base-main.cf plus the transcript's @main.cf
 * lines, a private queue and mail spool, and DNS answered by {@link TestDnsServer} from
 * transcripts/zone.txt.
 */
class TranscriptTest {
    static final Path DIR = Path.of("src/test/resources/transcripts");
    static TestDnsServer dns;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startDns() throws IOException {
        dns = TestDnsServer.start(Files.readString(DIR.resolve("zone.txt")));
    }

    @AfterAll
    static void stopDns() {
        if (dns != null) dns.close();
    }

    static List<Path> transcripts() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".txt") && !p.getFileName().toString().equals("zone.txt")).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> transcriptsAgainstSecuMail() throws IOException {
        return transcripts().stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> run(p)));
    }

    private void run(Path p) throws Exception {
        TranscriptFile t = new TranscriptFile(p);
        Path work = Files.createTempDirectory(tmp, "t");
        String text = Files.readString(DIR.resolve("base-main.cf")) + "\n"
                + "queue_directory = " + work.resolve("queue") + "\n"
                + "mail_spool_directory = " + work.resolve("mail") + "/\n"
                + "dns_servers = 127.0.0.1:" + dns.port() + "\n"
                + "secumail_dns_timeout = 1s\n"
                + String.join("\n", t.mainCf) + "\n";
        MainConfig cfg = MainConfig.fromText(text, p.toString(), work);
        MasterConfig master = MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100);
        try (Server server = Server.start(cfg, master)) {
            t.run("127.0.0.1", server.listeners().get(0).port(), TranscriptFile.Mode.STRICT, 10_000);
        }
    }
}
