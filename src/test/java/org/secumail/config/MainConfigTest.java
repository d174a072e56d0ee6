// SPDX-License-Identifier: Apache-2.0
package org.secumail.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MainConfigTest {
    private static MainConfig cfg(String text) { return MainConfig.fromText(text, "main.cf", Path.of("/etc/x")); }

    @Test
    void continuationLinesCommentsAndLastDefinitionWins() {
        MainConfig c = cfg("""
                # comment
                smtpd_recipient_restrictions =
                        permit_mynetworks,
                # a comment inside
                        reject_unauth_destination,
                        permit
                myhostname = a.example
                myhostname = mx.example.test
                """);
        assertThat(c.list("smtpd_recipient_restrictions"))
                .containsExactly("permit_mynetworks", "reject_unauth_destination", "permit");
        assertThat(c.get("myhostname")).isEqualTo("mx.example.test");
    }

    @Test
    void expansionFormsAndDefaults() {
        MainConfig c = cfg("""
                myhostname = mx.example.test
                mydomain = example.test
                foo = ${myhostname?yes}/${nothing:empty}/$(mydomain)/$$x
                """);
        assertThat(c.list("mydestination")).containsExactly("mx.example.test", "localhost.example.test", "localhost");
        assertThat(c.get("foo")).isEqualTo("yes/empty/example.test/$x");
        assertThat(c.get("smtpd_banner")).isEqualTo("mx.example.test ESMTP SecuMail");
        assertThat(c.duration("smtpd_timeout")).isEqualTo(Duration.ofSeconds(300));
        assertThat(c.integer("message_size_limit")).isEqualTo(10240000);
    }

    @Test
    void inlineTablesStayWholeInLists() {
        assertThat(MainConfig.splitList("check_client_access inline:{1.2.3.4=REJECT, {5.6.7.8 = OK}}, permit"))
                .containsExactly("check_client_access", "inline:{1.2.3.4=REJECT, {5.6.7.8 = OK}}", "permit");
    }

    @Test
    void unknownParametersAreReportedUnlessReferenced() {
        MainConfig c = cfg("""
                smtpd_recipient_restrictons = permit
                my_list = 1.2.3.4
                mynetworks = $my_list
                smtpd_restriction_classes = strict
                strict = reject
                """);
        assertThat(c.unknownParameters()).containsExactly("smtpd_recipient_restrictons");
        assertThat(Parameters.isPostfixParameter("smtpd_recipient_restrictons")).isFalse();
        assertThat(Parameters.isPostfixParameter("biff")).isTrue();
    }

    @Test
    void syntaxErrorsNameTheLine() {
        assertThatThrownBy(() -> cfg("  leading = space\n")).hasMessageContaining("line 1");
        assertThatThrownBy(() -> cfg("novalue\n")).hasMessageContaining("missing '='");
        assertThatThrownBy(() -> cfg("a = $a\n").get("a")).hasMessageContaining("too deep");
        assertThatThrownBy(() -> cfg("a = /x$/\n").get("a")).hasMessageContaining("empty macro name");
        assertThatThrownBy(() -> cfg("a = $ b\n").get("a")).hasMessageContaining("empty macro name");
        org.assertj.core.api.Assertions.assertThat(cfg("a = /x$$/ ${b:c}\n").get("a")).isEqualTo("/x$/ c");
    }
}
