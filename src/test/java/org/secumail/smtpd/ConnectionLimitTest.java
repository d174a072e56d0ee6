// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;

/** More connections than allowed: master.cf maxproc per service, smtpd_client_connection_count_limit per client. */
class ConnectionLimitTest {
    @TempDir
    Path dir;

    private Server start(String extra, String maxproc) throws IOException {
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                "mydestination = example.test", "mynetworks = 127.0.0.0/8", "alias_maps =",
                "queue_directory = " + dir.resolve("queue"), "dns_servers = 127.0.0.1:9", extra, "");
        return Server.start(MainConfig.fromText(main, "main.cf", dir),
                MasterConfig.parse("127.0.0.1:0 inet n - n - " + maxproc + " smtpd\n", "master.cf", 100));
    }

    private static String greeting(Socket s) throws IOException {
        s.setSoTimeout(5000);
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }

    @Test
    void beyondMaxprocTheServiceSays421() throws Exception {
        try (Server server = start("", "2")) {
            int port = server.listeners().get(0).port();
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Socket s = new Socket("127.0.0.1", port);
                    held.add(s);
                    assertThat(greeting(s)).startsWith("220 ");
                }
                try (Socket third = new Socket("127.0.0.1", port)) {
                    assertThat(greeting(third)).isEqualTo("421 4.3.2 Service currently unavailable");
                }
            } finally {
                for (Socket s : held) s.close();
            }
            Thread.sleep(300);   // the freed slots are usable again
            try (Socket again = new Socket("127.0.0.1", port)) {
                assertThat(greeting(again)).startsWith("220 ");
            }
        }
    }

    @Test
    void perClientLimitUnlessExempt() throws Exception {
        try (Server server = start("smtpd_client_connection_count_limit = 2\nsmtpd_client_event_limit_exceptions =", "-")) {
            int port = server.listeners().get(0).port();
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Socket s = new Socket("127.0.0.1", port);
                    held.add(s);
                    assertThat(greeting(s)).startsWith("220 ");
                }
                try (Socket third = new Socket("127.0.0.1", port)) {
                    assertThat(greeting(third)).isEqualTo("421 4.7.0 mx.example.test Error: too many connections from 127.0.0.1");
                }
            } finally {
                for (Socket s : held) s.close();
            }
        }
    }
}
