// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Received: lines of many MTAs, read as SpamAssassin reads them: the expected relays are
 * SpamAssassin 4.0.1's own (X-Spam-Relays-Untrusted) for the same lines.
 */
class ReceivedLineTest {
    private static String relay(String line) {
        ReceivedLine.Parsed p = ReceivedLine.parse(line);
        return p.kind() == ReceivedLine.Kind.RELAY ? p.relay().text(false) : p.kind().name();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        # Postfix
        from mail.example.com (mail.example.com [192.0.2.10]) by mx.example.org (Postfix) with ESMTPS id 4ABC123; Mon, 2 Sep 2024 10:00:00 +0200 (CEST) | [ ip=192.0.2.10 rdns=mail.example.com helo=mail.example.com by=mx.example.org ident= envfrom= intl=0 id=4ABC123 auth= msa=0 ]
        from helo.example (unknown [192.0.2.11]) by mx.example.org (Postfix) with SMTP id 9F8E7; Mon, 2 Sep 2024 10:00:00 +0200 | [ ip=192.0.2.11 rdns= helo=helo.example by=mx.example.org ident= envfrom= intl=0 id=9F8E7 auth= msa=0 ]
        # sendmail, with an IDENT answer
        from lugh (root@localhost [127.0.0.1]) by lugh.tuatha.org (8.9.3/8.9.3) with ESMTP id QAA11877; Fri, 19 Jul 2002 16:11:48 +0100 | [ ip=127.0.0.1 rdns=localhost helo=lugh by=lugh.tuatha.org ident=root envfrom= intl=0 id=QAA11877 auth= msa=0 ]
        # qmail: no HELO noted when it equals the reverse DNS
        from mail.axess.com (216.162.64.150) by newmail.axess.com with SMTP; 23 Aug 2002 11:18:31 -0000 | [ ip=216.162.64.150 rdns=mail.axess.com helo=mail.axess.com by=newmail.axess.com ident= envfrom= intl=0 id= auth= msa=0 ]
        from unknown (HELO feynman) (192.0.2.25) by mail.example.org with SMTP; 14 Mar 2003 07:24:34 -0000 | [ ip=192.0.2.25 rdns= helo=feynman by=mail.example.org ident= envfrom= intl=0 id= auth= msa=0 ]
        # Exim
        from mail2.example.gov.uk ([51.64.35.18] helo=ahvfw.example.gov.uk) by mail4.example.gov.uk with smtp (Exim 4.10) id 190K1R-0000me-00; Tue, 01 Apr 2003 12:33:46 +0100 | [ ip=51.64.35.18 rdns=mail2.example.gov.uk helo=ahvfw.example.gov.uk by=mail4.example.gov.uk ident= envfrom= intl=0 id=190K1R-0000me-00 auth= msa=0 ]
        # Microsoft Exchange
        from EXC-DAG-02.example.net (10.45.252.152) by EXC-DAG-01.example.net (10.45.252.151) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) id 15.1.1261.35; Mon, 29 Oct 2018 11:17:19 +0100 | [ ip=10.45.252.152 rdns=EXC-DAG-02.example.net helo=EXC-DAG-02.example.net by=EXC-DAG-01.example.net ident= envfrom= intl=0 id=15.1.1261.35 auth= msa=0 ]
        # authenticated submission (RFC 3848)
        from [192.0.2.50] (dsl.example.net [198.51.100.7]) by smtp.example.org (Postfix) with ESMTPSA id 77AA; Mon, 2 Sep 2024 10:00:00 +0200 | [ ip=198.51.100.7 rdns=dsl.example.net helo=!192.0.2.50! by=smtp.example.org ident= envfrom= intl=0 id=77AA auth=ESMTPSA msa=0 ]
        # Gmail
        from mail-wr1-f41.google.com (mail-wr1-f41.google.com. [209.85.221.41]) by mx.example.org with ESMTPS id x3si1.2024.09.02.01.00.00 for <a@example.org> (version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256 bits=128/128); Mon, 02 Sep 2024 01:00:00 -0700 (PDT) | [ ip=209.85.221.41 rdns=mail-wr1-f41.google.com helo=mail-wr1-f41.google.com by=mx.example.org ident= envfrom= intl=0 id=x3si1.2024.09.02.01.00.00 auth= msa=0 ]
        # the relay made of an X-Originating-IP field
        from X-Originating-IP: 20.138.254.2 | [ ip=20.138.254.2 rdns= helo= by= ident= envfrom= intl=0 id= auth= msa=0 ]
        """)
    void readsTheLayoutsOfCommonMtas(String line, String expected) {
        assertThat(relay(line)).isEqualTo(expected);
    }

    @Test
    void localHandoversAreIgnoredAndAddresslessOnesUnparseable() {
        assertThat(relay("(qmail 8509 invoked by uid 0); 23 Aug 2002 11:18:31 -0000")).isEqualTo("IGNORED");
        assertThat(relay("by oak.example.cz (Postfix, from userid 1002) id DABBD1BED3; Thu, 13 Feb 2003 14:02:21 +0100 (CET)")).isEqualTo("IGNORED");
        assertThat(relay("from www-data by www.example.de (Exim 4.50) with local for <a@example.org> id 1GFbZc-0006QV-L8")).isEqualTo("IGNORED");
        assertThat(relay("from localhost by host.example.org with IMAP (fetchmail-5.9.0) for a@localhost (single-drop)")).isEqualTo("FETCHED");
        assertThat(relay("from somewhere (somehost) by mx.example.org; Mon, 2 Sep 2024 10:00:00 +0200")).isEqualTo("UNPARSEABLE");
    }

    @Test
    void trustIsInferredFromPrivateAddressesAndAuthentication() throws Exception {
        MessageView v = TestScoring.view("""
                Received: from mx.example.org (mx.example.org [10.0.0.2]) by store.example.org (Postfix) with ESMTP id 1; Mon, 2 Sep 2024 10:00:02 +0200
                Received: from [192.0.2.50] (dsl.example.net [198.51.100.7]) by mx.example.org (Postfix) with ESMTPSA id 2; Mon, 2 Sep 2024 10:00:01 +0200
                Received: from outside.example (outside.example [203.0.113.9]) by dsl.example.net (Postfix) with ESMTP id 3; Mon, 2 Sep 2024 10:00:00 +0200
                X-Originating-IP: [198.18.0.1]
                Subject: x

                body
                """);
        assertThat(v.relays.trusted).extracting(Relays.Relay::ip).containsExactly("10.0.0.2", "198.51.100.7");
        assertThat(v.relays.untrusted).extracting(Relays.Relay::ip).containsExactly("203.0.113.9", "198.18.0.1");
        assertThat(List.of(v.relays.unparseable)).containsExactly(0);
    }

    @Test
    void onlyTheStartOfAnOverlongFieldIsRead() throws Exception {
        // a crafted field of megabytes would make every layout's pattern read all of it
        String padding = "x".repeat(Relays.MAX_RECEIVED_LENGTH);
        MessageView v = TestScoring.view("Received: from a.example (" + padding + " [192.0.2.7]) by b.example (Postfix) with ESMTP id 1\n"
                + "Subject: x\n\nbody\n");
        assertThat(v.relays.untrusted).isEmpty();
        assertThat(v.relays.unparseable).isEqualTo(1);
    }
}
