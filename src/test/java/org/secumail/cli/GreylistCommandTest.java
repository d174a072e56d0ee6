// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.MainConfig;
import org.secumail.greylist.Greylister;
import picocli.CommandLine;

class GreylistCommandTest {
    @TempDir
    Path dir;

    private String run(int expectedRc, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new SecumailCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(out));
        assertThat(cl.execute(args)).as(out.toString()).isEqualTo(expectedRc);
        return out.toString();
    }

    @Test
    void listShowStatsDelete() throws Exception {
        Files.writeString(dir.resolve("main.cf"), "secumail_greylist_database = " + dir.resolve("grey.sqlite") + "\n");
        try (Greylister g = Greylister.fromConfig(MainConfig.load(dir), Clock.systemUTC())) {
            g.check(InetAddress.getByName("192.0.2.10"), "unknown", "bounce-42@outside.example", "user1@example.test");
        }
        String c = dir.toString();
        String list = run(0, "greylist", "list", "-c", c);
        assertThat(list).contains("192.0.2.0/bounce-#@outside.example/user1@example.test").contains("passes=0");
        String key = list.split("\\s+")[0];
        assertThat(run(0, "greylist", "show", key, "-c", c)).startsWith(key);
        assertThat(run(0, "greylist", "stats", "-c", c)).contains("triplets: 1 (passed at least once: 0, still deferred: 1)");
        run(0, "greylist", "delete", key, "-c", c);
        assertThat(run(1, "greylist", "show", key, "-c", c)).contains("no triplet");
        assertThat(run(64, "greylist", "delete", "-c", c)).contains("needs a KEY");
    }
}
