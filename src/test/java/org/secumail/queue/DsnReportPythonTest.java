// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our bounce, read by an independent MIME parser: Python's standard email package (python3 is
 * one of the test dependencies). It must see a multipart/report with report-type
 * delivery-status, the three parts, the delivery-status field groups and the returned message,
 * without any parse defect.
 */
class DsnReportPythonTest {
    private static final String SCRIPT = """
            import sys, email
            m = email.message_from_binary_file(sys.stdin.buffer)
            print("type=" + m.get_content_type())
            print("report-type=" + str(m.get_param("report-type")))
            parts = m.get_payload()
            print("parts=" + ",".join(p.get_content_type() for p in parts))
            for block in parts[1].get_payload():
                print("status=" + ";".join(k.lower() + ":" + v for k, v in block.items()))
            orig = parts[2].get_payload()
            print("returned-subject=" + str(orig[0]["Subject"]))
            print("defects=" + str(sum(len(p.defects) for p in m.walk())))
            """;

    @TempDir Path dir;

    @Test
    void pythonsEmailPackageReadsTheBounce() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(python)) {
            if (System.getenv("CI") != null && !System.getenv("CI").isBlank()) throw new AssertionError("python3 is missing under CI");
            Assumptions.abort("python3 is not installed (scripts/install-test-deps.sh installs it)");
        }
        QueueStore store = new QueueStore(dir);
        QueueStore.Writer w = store.create();
        try (OutputStream out = w.content()) {
            out.write("From: a@example.org\r\nSubject: the original\r\n\r\nbody\r\n--not-a-boundary\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        Instant t0 = Instant.parse("2024-11-23T10:00:00Z");
        w.commit(new Envelope("a@example.org", List.of("x@example.net", "y@example.net"), t0,
                Map.of(DsnAttributes.orcpt(1), "rfc822;Y@example.net")));
        QueuedMessage msg = store.load(store.queue(QueueStore.INCOMING).resolve(w.id() + ".env"));
        Bouncer b = new Bouncer(store, new BounceSettings("mx.example.test", "mx.example.test", Duration.ofDays(5), Duration.ofDays(5),
                Duration.ZERO, 50000, "double-bounce", "postmaster", "postmaster", Set.of()));
        List<QueueId> ids = b.notify(msg, Bouncer.Kind.FAILURE, List.of(
                new Bouncer.Outcome(msg.pending().get(0), DeliveryResult.bounced("5.1.1", "mx.example.net[192.0.2.1]:25",
                        "host mx.example.net[192.0.2.1] said: 550 5.1.1 no such user (in reply to RCPT TO command)"), "failed"),
                new Bouncer.Outcome(msg.pending().get(1), DeliveryResult.deferred("4.4.1", "none", "connect refused"), "failed")),
                t0.plusSeconds(60));
        assertThat(ids).hasSize(1);
        byte[] bounce;
        try (InputStream in = store.load(store.queue(QueueStore.INCOMING).resolve(ids.get(0) + ".env")).openContent()) {
            bounce = in.readAllBytes();
        }
        Process p = new ProcessBuilder(python.toString(), "-c", SCRIPT).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(bounce);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out.lines()).containsExactly(
                "type=multipart/report",
                "report-type=delivery-status",
                "parts=text/plain,message/delivery-status,message/rfc822",
                "status=reporting-mta:dns; mx.example.test;x-postfix-queue-id:" + msg.id()
                        + ";x-postfix-sender:rfc822; a@example.org;arrival-date:" + DsnReport.date(t0),
                "status=final-recipient:rfc822; x@example.net;action:failed;status:5.1.1;remote-mta:dns; mx.example.net;"
                        + "diagnostic-code:smtp; 550 5.1.1 no such user",
                "status=final-recipient:rfc822; y@example.net;original-recipient:rfc822;Y@example.net;action:failed;status:4.4.1;"
                        + "diagnostic-code:X-Postfix; connect refused",
                "returned-subject=the original",
                "defects=0");
    }

}
