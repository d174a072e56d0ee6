// SPDX-License-Identifier: Apache-2.0
package org.secumail.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.secumail.config.MainConfig;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;

/** What cleanup writes to the queue file, and what its checks decide, line by line. */
class MessageCleanupTest {
    private static final CheckLog LOG = new CheckLog("4ABC", () -> "client.example[192.0.2.1]; from=<a@example.test> to=<b@example.test>"
            + " proto=ESMTP helo=<client.example>");

    private static List<LookupTable> table(String rules) {
        return rules == null ? List.of() : List.of(Tables.open("regexp:{ " + rules + " }", Path.of(".")));
    }

    private static CleanupSettings settings(String header, String body, int headerLimit, int hops) {
        return new CleanupSettings(table(header), table(header), table(header), table(body), 51200, headerLimit, hops, 100, 2048);
    }

    /** Feeds whole lines (no CRLF) and returns what was written, with the cleanup's outcome. */
    private static String run(MessageCleanup c, ByteArrayOutputStream out, String... lines) throws Exception {
        for (String l : lines) c.line(l);
        c.finish();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void withoutTablesTheMessageIsCopiedAsItCame() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageCleanup c = new MessageCleanup(settings(null, null, 102400, 50), out, LOG);
        String written = run(c, out, "Received: from a", "\tby b", "Subject: x", "", "body", " indented", "", "--not-a-boundary");
        assertThat(written).isEqualTo("Received: from a\r\n\tby b\r\nSubject: x\r\n\r\nbody\r\n indented\r\n\r\n--not-a-boundary\r\n");
        assertThat(c.outcome().rejectReason).isNull();
        assertThat(c.outcome().hopsExceeded).isFalse();
    }

    @Test
    void aLongLineInPiecesIsKeptWhole() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageCleanup c = new MessageCleanup(settings(null, "{/^never/ REJECT}", 102400, 50), out, LOG);
        byte[] a = "Subject: aaaa".getBytes(StandardCharsets.US_ASCII);
        byte[] b = "bbbb".getBytes(StandardCharsets.US_ASCII);
        c.line(a, 0, a.length, true);
        c.line(b, 0, b.length, false);
        c.line("");
        c.line(a, 0, a.length, true);
        c.line(b, 0, b.length, false);
        c.finish();
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("Subject: aaaabbbb\r\n\r\nSubject: aaaabbbb\r\n");
    }

    @Test
    void aHeaderSectionEndingInANonHeaderLineGetsItsSeparator() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageCleanup c = new MessageCleanup(settings(null, null, 102400, 50), out, LOG);
        assertThat(run(c, out, "Received: from a", "Hello, this is the body", "Subject: not a header any more"))
                .isEqualTo("Received: from a\r\n\r\nHello, this is the body\r\nSubject: not a header any more\r\n");
    }

    @Test
    void headerSizeLimitCutsAtALineBreakNearTheLimitOrAtTheLimit() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageCleanup c = new MessageCleanup(settings(null, null, 100, 50), out, LOG);
        String first = "Subject: " + "x".repeat(85);         // 94 bytes: past 90 % of 100
        String written = run(c, out, first, "\t" + "y".repeat(50), "\tzzz", "To: b@example.test", "", "body");
        // the second line is kept while collecting (the buffer was under the limit), the third
        // dropped; on output the header is cut at its line break at 94
        assertThat(written).isEqualTo(first + "\r\nTo: b@example.test\r\n\r\nbody\r\n");

        out.reset();
        c = new MessageCleanup(settings(null, null, 100, 50), out, LOG);
        written = run(c, out, "Subject: " + "x".repeat(300), "", "body");
        assertThat(written).isEqualTo("Subject: " + "x".repeat(91) + "\r\n\r\nbody\r\n");
    }

    @Test
    void receivedHeadersAreCountedWhateverTheirCase() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageCleanup c = new MessageCleanup(settings(null, null, 102400, 3), out, LOG);
        run(c, out, "Received: 1", "received: 2", "Subject: x", "", "Received: 3 in the body does not count");
        assertThat(c.outcome().hopsExceeded).isFalse();
        out.reset();
        c = new MessageCleanup(settings(null, null, 102400, 3), out, LOG);
        run(c, out, "Received: 1", "RECEIVED: 2", "Received: 3", "", "x");
        assertThat(c.outcome().hopsExceeded).isTrue();
    }

    @Test
    void headerActionsChangeTheHeaders() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageCleanup c = new MessageCleanup(settings("{/^X-Drop:/ IGNORE}, {/^X-Strip:/ STRIP}, {/^Subject: old/ REPLACE Subject: new},"
                + " {/^To:/ PREPEND X-Before-To: 1}, {/^X-Bad-Prepend:/ PREPEND not a header}, {/^X-Warn:/ WARN watch it},"
                + " {/^X-Unknown:/ FROBNICATE}", null, 102400, 50), out, LOG);
        String written = run(c, out, "X-Drop: a", "\tfolded too", "X-Strip: b", "Subject: old text", "To: c@example.test",
                "X-Bad-Prepend: x", "X-Warn: y", "X-Unknown: z", "", "body");
        assertThat(written).isEqualTo("Subject: new\r\nX-Before-To: 1\r\nTo: c@example.test\r\nX-Bad-Prepend: x\r\nX-Warn: y\r\n"
                + "X-Unknown: z\r\n\r\nbody\r\n");
        assertThat(c.outcome().rejectReason).isNull();
    }

    @Test
    void bodyActionsChangeLinesButNotPartHeaders() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageCleanup c = new MessageCleanup(settings(null, "{/^secret/ REPLACE [removed]}, {/^drop me/ IGNORE}, {/^note/ PREPEND > note:}",
                102400, 50), out, LOG);
        String written = run(c, out, "Content-Type: multipart/mixed; boundary=b", "", "secret preamble", "--b", "X-Part: secret header",
                "", "drop me", "note this", "--b--", "secret epilogue");
        assertThat(written).isEqualTo("Content-Type: multipart/mixed; boundary=b\r\n\r\n[removed]\r\n--b\r\nX-Part: secret header\r\n\r\n"
                + "> note:\r\nnote this\r\n--b--\r\n[removed]\r\n");
    }

    @Test
    void envelopeActionsAreKeptForTheEndOfData() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageCleanup c = new MessageCleanup(settings("{/^X-Hold:/ HOLD look at it}, {/^X-Copy:/ BCC audit@example.test},"
                + " {/^X-Filter:/ FILTER smtp:[127.0.0.1]:10025}, {/^X-Bad-Copy:/ BCC nobody}", null, 102400, 50), out, LOG);
        run(c, out, "X-Hold: 1", "X-Hold: 2", "X-Copy: 1", "X-Filter: 1", "X-Bad-Copy: 1", "", "x");
        MessageCleanup.Outcome o = c.outcome();
        assertThat(o.hold).isEqualTo("header X-Hold: 1: look at it");
        assertThat(o.bcc).containsExactly("audit@example.test");
        assertThat(o.filter).isEqualTo("smtp:[127.0.0.1]:10025");
        assertThat(o.discard).isNull();
        assertThat(o.redirect).isNull();
    }

    @Test
    void afterARejectNothingMoreIsChecked() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageCleanup c = new MessageCleanup(settings("{/^X-Reject:/ REJECT 5.7.0 go away}, {/^X-Hold:/ HOLD}", "{/./ DISCARD}", 102400, 50),
                out, LOG);
        run(c, out, "X-Reject: 1", "X-Hold: 1", "", "x");
        assertThat(c.outcome().rejectReason).isEqualTo("5.7.0 go away");
        assertThat(c.outcome().hold).isNull();
        assertThat(c.outcome().discard).isNull();
    }

    @Test
    void rejectReasonsFollowCleanup() {
        assertThat(CheckAction.parse("REJECT").rejectReason()).isEqualTo("5.7.1 message content rejected");
        assertThat(CheckAction.parse("reject No thanks").rejectReason()).isEqualTo("5.7.1 No thanks");
        assertThat(CheckAction.parse("REJECT 4.7.1 later").rejectReason()).isEqualTo("4.7.1 later");
        assertThat(CheckAction.parse("REJECT 550 text").rejectReason()).isEqualTo("5.7.1 550 text");
        assertThat(CheckAction.parse("REJECT 2.0.0 fine").rejectReason()).isEqualTo("4.0.0 fine");
        assertThat(CheckAction.temporary("4.7.1 later")).isTrue();
        assertThat(CheckAction.parse("ok").kind()).isEqualTo(CheckAction.Kind.DUNNO);
    }

    @Test
    void aTableThatCannotAnswerDefersTheMessage() throws Exception {
        LookupTable broken = new LookupTable() {
            @Override public Optional<String> lookup(String key) throws LookupException { throw new LookupException("down"); }
            @Override public String spec() { return "broken:x"; }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CleanupSettings s = new CleanupSettings(List.of(broken), List.of(), List.of(), List.of(), 51200, 102400, 50, 100, 2048);
        MessageCleanup c = new MessageCleanup(s, out, LOG);
        run(c, out, "Subject: x", "", "y");
        assertThat(c.outcome().lookupFailed).isTrue();
    }

    @Test
    void foldedHeadersAreMatchedWithTheirLineBreaks() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageCleanup c = new MessageCleanup(settings("{/^Subject: a\\n\\tb$/ REJECT folded}", null, 102400, 50), out, LOG);
        run(c, out, "Subject: a", "\tb", "", "x");
        assertThat(c.outcome().rejectReason).isEqualTo("5.7.1 folded");
    }

    @Test
    void localMailGetsTheHeadersItLacksAfterItsOwn() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageCleanup c = new MessageCleanup(settings(null, null, 102400, 50), out, LOG);
        java.time.Instant at = java.time.Instant.parse("2026-12-07T23:45:01Z");
        c.addMissingHeaders(new MissingHeaders(false, false, "To: undisclosed-recipients:;", "mx.example.test", null), "a@example.test", at);
        String written = run(c, out, "Received: from a", "Subject: x", "", "body");
        assertThat(written).startsWith("Received: from a\r\nSubject: x\r\nMessage-Id: <20261207234501.4ABC@mx.example.test>\r\nDate: ")
                .contains("\r\nFrom: a@example.test\r\nTo: undisclosed-recipients:;\r\n\r\nbody\r\n");
        assertThat(c.outcome().messageId).isEqualTo("<20261207234501.4ABC@mx.example.test>");

        out.reset();
        c = new MessageCleanup(settings(null, null, 102400, 50), out, LOG);
        c.addMissingHeaders(new MissingHeaders(false, false, "", "mx.example.test", null), "", at);
        written = run(c, out, "Message-ID: <given@example.test>", "Date: Mon, 7 Dec 2026 10:00:00 +0000", "To: b@example.test");
        assertThat(written).isEqualTo("Message-ID: <given@example.test>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n"
                + "To: b@example.test\r\nFrom: MAILER-DAEMON\r\n");
        assertThat(c.outcome().messageId).isEqualTo("<given@example.test>");

        out.reset();
        c = new MessageCleanup(settings(null, null, 102400, 50), out, LOG);
        c.addMissingHeaders(new MissingHeaders(false, false, "", "mx.example.test", null), "a@example.test", at);
        written = run(c, out, "Message-Id: <m@example.test>", "Date: x", "From: a@example.test", "Resent-From: b@example.test", "", "y");
        assertThat(written).contains("Resent-From: b@example.test\r\nResent-Message-Id: <20261207234501.4ABC@mx.example.test>\r\nResent-Date: ")
                .doesNotContain("\r\nFrom: a@example.test\r\nFrom:");
    }

    @Test
    void remoteMailIsLeftAsItCame() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageCleanup c = new MessageCleanup(settings(null, null, 102400, 50), out, LOG);
        assertThat(run(c, out, "Subject: x", "", "body")).isEqualTo("Subject: x\r\n\r\nbody\r\n");
        assertThat(c.outcome().messageId).isNull();
    }

    /**
     * Address headers of local mail rewritten byte for byte: an 8-bit display name that is not
     * UTF-8 (Latin-1 here) comes out as it came in, only the address changes; dropped headers go.
     */
    @Test
    void addressRewritingKeepsOtherBytesAndDropsHeaders() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageCleanup c = new MessageCleanup(settings(null, null, 102400, 50), out, LOG);
        MainConfig cfg = MainConfig.fromText("myhostname = mx.example.test\nmydestination = example.test\n"
                + "sender_canonical_maps = inline:{ {old@example.test=new@example.test} }\n", "main.cf", java.nio.file.Path.of("."));
        c.rewriteHeaderAddresses(AddressMapping.of(cfg), "mx.example.test");
        c.dropHeaders(java.util.Set.of("return-path"));
        byte[] from = "From: J\u00fcrgen <old@example.test>".getBytes(StandardCharsets.ISO_8859_1);
        c.line(from, 0, from.length, false);
        c.line("Return-Path: <forged@example.test>");
        c.line("");
        c.line("body");
        c.finish();
        byte[] expected = "From: J\u00fcrgen <new@example.test>\r\n\r\nbody\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(out.toByteArray()).isEqualTo(expected);
    }
}
