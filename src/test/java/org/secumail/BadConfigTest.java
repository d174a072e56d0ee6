// SPDX-License-Identifier: Apache-2.0
package org.secumail;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;

/** Each folder of src/test/resources/bad-configs must stop startup with its expected error. */
class BadConfigTest {
    static final Path DIR = Path.of("src/test/resources/bad-configs");

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> badConfigurationsStopStartup() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(Files::isDirectory).sorted().toList().stream()
                    .map(d -> DynamicTest.dynamicTest(d.getFileName().toString(), () -> check(d)));
        }
    }

    private void check(Path d) throws IOException {
        String expected = Files.readString(d.resolve("expected-error")).strip();
        String main = Files.readString(d.resolve("main.cf")) + "\nqueue_directory = " + tmp.resolve("q") + "\n";
        Path master = d.resolve("master.cf");
        String masterText = Files.exists(master) ? Files.readString(master) : "127.0.0.1:0 inet n - n - - smtpd\n";
        assertThatThrownBy(() -> {
            MainConfig cfg = MainConfig.fromText(main, d.resolve("main.cf").toString(), d);
            try (Server s = Server.start(cfg, MasterConfig.parse(masterText, master.toString(), 100))) {
                // started: the assertion below fails
            }
        }).isInstanceOf(ConfigException.class).hasMessageContaining(expected);
    }
}
