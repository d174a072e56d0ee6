// SPDX-License-Identifier: Apache-2.0
package org.secumail.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.queue.QueueAdmin;
import org.secumail.queue.QueueStore;
import org.secumail.queue.QueuedMessage;
import org.secumail.smtpd.LineClient;

/**
 * A SecuMail for the dashboard tests: local mail for user1@example.test, relaying from
 * 127.0.0.0/8 through a relayhost that refuses connections (so relayed mail waits in the
 * deferred queue), traces on, the dashboard on an ephemeral loopback port.
 */
final class DashboardServer implements AutoCloseable {
    final Path dir;
    final Server server;

    DashboardServer(Path dir, String... extra) throws IOException {
        this.dir = dir;
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();   // nothing listens here once closed: connections are refused
        }
        List<String> lines = new ArrayList<>(List.of("compatibility_level = 3.6", "myhostname = mx.example.test",
                "mydestination = example.test", "mynetworks = 127.0.0.0/8", "local_recipient_maps = inline:{ user1=ok }",
                "alias_maps =", "queue_directory = " + dir.resolve("queue"), "data_directory = " + dir.resolve("data"),
                "mail_spool_directory = " + dir.resolve("mail") + "/", "smtpd_peername_lookup = no",
                "relayhost = [127.0.0.1]:" + closed, "smtp_connect_timeout = 2s", "minimal_backoff_time = 1h",
                "maximal_backoff_time = 2h", "secumail_metrics_listen = 127.0.0.1:0"));
        lines.addAll(List.of(extra));
        MainConfig cfg = MainConfig.fromText(String.join("\n", lines) + "\n", "main.cf", dir);
        server = Server.start(cfg, MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
    }

    int httpPort() { return server.metrics().port(); }

    int smtpPort() { return server.listeners().get(0).port(); }

    /** A transaction from 127.0.0.1 with one refused recipient (nobody@example.test, 550) and nothing accepted. */
    void sendRefused(String sender) throws IOException {
        try (LineClient c = new LineClient(smtpPort())) {
            c.reply();
            c.cmd("EHLO client.example");
            c.cmd("MAIL FROM:<" + sender + ">");
            assertThat(c.cmd("RCPT TO:<nobody@example.test>")).startsWith("550");
            c.cmd("QUIT");
        }
    }

    /** Relays one message to a remote address; it waits in deferred/ (the relayhost refuses). Returns its queue ID. */
    String sendDeferred(String rcpt) throws Exception {
        try (LineClient c = new LineClient(smtpPort())) {
            c.reply();
            c.cmd("EHLO client.example");
            c.cmd("MAIL FROM:<sender@client.example>");
            assertThat(c.cmd("RCPT TO:<" + rcpt + ">")).startsWith("250");
            c.cmd("DATA");
            String reply = c.cmd("Subject: waiting\r\n\r\nfor the relayhost\r\n.");
            assertThat(reply).startsWith("250");
            c.cmd("QUIT");
            String qid = reply.substring(reply.lastIndexOf(' ') + 1).strip();
            long end = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < end) {
                if (queueOf(qid).equals(QueueStore.DEFERRED)) return qid;
                Thread.sleep(50);
            }
            throw new AssertionError(qid + " did not reach the deferred queue; it is in " + queueOf(qid));
        }
    }

    /** The queue a message is in, or "gone". */
    String queueOf(String qid) throws IOException {
        QueuedMessage m = QueueAdmin.find(new QueueStore(dir.resolve("queue")), qid);
        return m == null ? "gone" : m.queue();
    }

    @Override
    public void close() {
        server.close();
    }

    static boolean exists(String file) {
        return Files.isExecutable(Path.of(file));
    }
}
