// SPDX-License-Identifier: Apache-2.0
package org.secumail.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;

/** check_policy_service against a scripted policy server and against a real postgrey. */
class PolicyServiceTest {
    @TempDir
    Path dir;

    /** A policy server answering by recipient; counts connections and keeps the last request. */
    static final class FakePolicyServer implements AutoCloseable {
        final ServerSocket ss = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        final AtomicInteger connections = new AtomicInteger();
        final Map<String, String> lastRequest = new ConcurrentHashMap<>();

        FakePolicyServer() throws IOException {
            Thread.ofVirtual().start(() -> {
                while (!ss.isClosed()) {
                    try {
                        Socket s = ss.accept();
                        connections.incrementAndGet();
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket s) {
            try (s) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                OutputStream out = s.getOutputStream();
                Map<String, String> req = new java.util.HashMap<>();
                String line;
                while ((line = in.readLine()) != null) {
                    if (!line.isEmpty()) {
                        int eq = line.indexOf('=');
                        req.put(line.substring(0, eq), line.substring(eq + 1));
                        continue;
                    }
                    lastRequest.clear();
                    lastRequest.putAll(req);
                    String action = switch (req.getOrDefault("recipient", "")) {
                        case "user2@example.test" -> "REJECT no thanks";
                        case "user3@example.test" -> "DEFER_IF_PERMIT Greylisted, come back later";
                        case "slow@example.test" -> null;
                        default -> "DUNNO";
                    };
                    req.clear();
                    if (action == null) {
                        Thread.sleep(5000);
                        return;
                    }
                    out.write(("action=" + action + "\n\n").getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException | InterruptedException e) {
                // client went away
            }
        }

        int port() { return ss.getLocalPort(); }

        @Override
        public void close() throws IOException { ss.close(); }
    }

    private Server start(String restrictions) throws IOException {
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                "mydestination = example.test", "mynetworks = 127.0.0.0/8", "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                "local_recipient_maps =", "alias_maps =", "queue_directory = " + dir.resolve("q"), "dns_servers = 127.0.0.1:9",
                "smtpd_policy_service_timeout = 1s", "smtpd_policy_service_retry_delay = 0",
                "smtpd_recipient_restrictions = reject_unauth_destination, " + restrictions, "");
        return Server.start(MainConfig.fromText(main, "main.cf", dir), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
    }

    /** One session from 192.0.2.10: the replies to the RCPT commands. */
    private static List<String> rcpts(int port, String... recipients) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            List<String> replies = new ArrayList<>();
            String greeting = in.readLine();
            assertThat(greeting).startsWith("220");
            send(out, "XCLIENT ADDR=192.0.2.10 NAME=[UNAVAILABLE]");
            in.readLine();
            send(out, "EHLO outside.example");
            String l;
            do { l = in.readLine(); } while (l.startsWith("250-"));
            send(out, "MAIL FROM:<a@outside.example> SIZE=1234");
            in.readLine();
            for (String r : recipients) {
                send(out, "RCPT TO:<" + r + ">");
                replies.add(in.readLine());
            }
            send(out, "QUIT");
            return replies;
        }
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Test
    void actionsAttributesAndConnectionReuse() throws Exception {
        try (FakePolicyServer policy = new FakePolicyServer(); Server server = start("check_policy_service inet:127.0.0.1:" + policy.port())) {
            int port = server.listeners().get(0).port();
            List<String> r = rcpts(port, "user1@example.test", "user2@example.test", "user3@example.test");
            assertThat(r).containsExactly("250 2.1.5 Ok",
                    "554 5.7.1 <user2@example.test>: Recipient address rejected: no thanks",
                    "450 4.7.1 <user3@example.test>: Recipient address rejected: Greylisted, come back later");
            assertThat(policy.lastRequest).containsEntry("request", "smtpd_access_policy").containsEntry("protocol_state", "RCPT")
                    .containsEntry("client_address", "192.0.2.10").containsEntry("sender", "a@outside.example")
                    .containsEntry("recipient", "user3@example.test").containsEntry("size", "1234")
                    .containsEntry("helo_name", "outside.example").containsKey("instance");
            rcpts(port, "user1@example.test");
            assertThat(policy.connections.get()).as("one connection reused for all requests").isEqualTo(1);
        }
    }

    @Test
    void aSilentServerGivesTheDefaultAction() throws Exception {
        try (FakePolicyServer policy = new FakePolicyServer(); Server server = start("check_policy_service inet:127.0.0.1:" + policy.port())) {
            assertThat(rcpts(server.listeners().get(0).port(), "slow@example.test"))
                    .containsExactly("451 4.3.5 <slow@example.test>: Recipient address rejected: Server configuration problem");
        }
    }

    @Test
    void perServiceOptionsOverrideTheParameters() throws Exception {
        try (FakePolicyServer policy = new FakePolicyServer(); Server server = start("check_policy_service { inet:127.0.0.1:"
                + policy.port() + ", timeout=1s, default_action={450 4.7.1 policy down} }")) {
            assertThat(rcpts(server.listeners().get(0).port(), "slow@example.test", "user2@example.test"))
                    .containsExactly("450 4.7.1 <slow@example.test>: Recipient address rejected: policy down",
                            "554 5.7.1 <user2@example.test>: Recipient address rejected: no thanks");
        }
    }

    @Test
    void realPostgreyGreylistsANewTriplet() throws Exception {
        Path postgrey = Path.of("/usr/sbin/postgrey");
        if (!Files.isExecutable(postgrey)) {
            if (System.getenv("CI") != null && !System.getenv("CI").isBlank()) throw new AssertionError("postgrey is missing under CI");
            Assumptions.abort("postgrey is not installed (scripts/install-test-deps.sh installs it)");
        }
        int pgPort;
        try (ServerSocket free = new ServerSocket(0)) {
            pgPort = free.getLocalPort();
        }
        Path db = Files.createDirectories(dir.resolve("postgrey"));
        Process p = new ProcessBuilder(postgrey.toString(), "--inet=127.0.0.1:" + pgPort, "--dbdir=" + db, "--user=root", "--group=root",
                "--pidfile=" + db.resolve("pid"), "--delay=300", "--whitelist-clients=/dev/null", "--whitelist-recipients=/dev/null")
                .redirectErrorStream(true).redirectOutput(db.resolve("log").toFile()).start();
        try {
            for (int i = 0; i < 100; i++) {
                try (Socket s = new Socket("127.0.0.1", pgPort)) {
                    break;
                } catch (IOException e) {
                    Thread.sleep(100);
                }
            }
            try (Server server = start("check_policy_service inet:127.0.0.1:" + pgPort)) {
                List<String> r = rcpts(server.listeners().get(0).port(), "user1@example.test");
                // postgrey answers DEFER_IF_PERMIT with its own 4.2.0 code; the lists permit, so the defer is given
                assertThat(r.get(0)).startsWith("450 4.2.0 <user1@example.test>: Recipient address rejected: Greylisted, see http://postgrey");
            }
            assertThat(Files.readString(db.resolve("log"))).contains("action=greylist, reason=new");
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }
}
