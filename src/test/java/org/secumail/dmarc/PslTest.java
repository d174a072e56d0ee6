// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The organizational domain (RFC 7489 section 3.2) and the reload of a replaced list file. */
class PslTest {
    @TempDir Path dir;

    @Test
    void organizationalDomainFallsBackToTheNameForAPublicSuffix() {
        PublicSuffixList psl = PublicSuffixList.of("com\nco.uk\n*.ck\n!www.ck\n");
        assertThat(psl.organizationalDomain("mail.example.co.uk")).isEqualTo("example.co.uk");
        assertThat(psl.organizationalDomain("Example.COM.")).isEqualTo("example.com");
        assertThat(psl.organizationalDomain("co.uk")).isEqualTo("co.uk");
        assertThat(psl.organizationalDomain("a.b.test.ck")).isEqualTo("b.test.ck");
        assertThat(psl.organizationalDomain("x.www.ck")).isEqualTo("www.ck");
        assertThat(psl.registrableDomain("co.uk")).isNull();
        assertThat(psl.registrableDomain("a..b.com")).isNull();
        assertThat(psl.organizationalDomain("")).isEmpty();
    }

    @Test
    void idnRulesMatchBothForms() {
        PublicSuffixList psl = PublicSuffixList.of("// comment\n公司.cn\ncn\n");
        assertThat(psl.registrableDomain("www.食狮.公司.cn")).isEqualTo("食狮.公司.cn");
        assertThat(psl.registrableDomain("www.xn--85x722f.xn--55qx5d.cn")).isEqualTo("xn--85x722f.xn--55qx5d.cn");
        assertThat(psl.registrableDomain("xn--55qx5d.cn")).isNull();
    }

    @Test
    void aReplacedFileIsReadAgainWithoutARestart() throws Exception {
        Path f = dir.resolve("psl.dat");
        Files.writeString(f, "com\n");
        PublicSuffixList psl = PublicSuffixList.fromFile(f, Duration.ZERO);
        assertThat(psl.organizationalDomain("a.b.example.com")).isEqualTo("example.com");
        Files.writeString(f, "com\nexample.com\n");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(psl.organizationalDomain("a.b.example.com")).isEqualTo("b.example.com");
        assertThat(psl.size()).isEqualTo(2);
        // an unreadable replacement keeps the previous list
        Files.delete(f);
        assertThat(psl.organizationalDomain("a.b.example.com")).isEqualTo("b.example.com");
    }

    @Test
    void emptySettingMeansTheBundledList() {
        PublicSuffixList psl = PublicSuffixList.fromSetting("");
        assertThat(psl.source()).isEqualTo("bundled");
        assertThat(psl.organizationalDomain("www.bbc.co.uk")).isEqualTo("bbc.co.uk");
    }
}
