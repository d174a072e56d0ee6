// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GlobAndModeTest {
    @Test
    void globMatchesWholeLineWithStarAndQuestionMark() {
        assertThat(Glob.matches("220 *", "220 mx.example.test ESMTP")).isTrue();
        assertThat(Glob.matches("220 *", "220 ")).isTrue();
        assertThat(Glob.matches("220 *", "220")).isFalse();
        assertThat(Glob.matches("2?0 Ok", "250 Ok")).isTrue();
        assertThat(Glob.matches("250 Ok", "250 Ok then")).isFalse();
        assertThat(Glob.matches("*Relay access denied", "554 5.7.1 <a@b>: Relay access denied")).isTrue();
        assertThat(Glob.matches("a*b*c", "aXXbYYbZc")).isTrue();
        assertThat(Glob.matches("a*b*c", "aXXbYYbZ")).isFalse();
        assertThat(Glob.matches("*", "")).isTrue();
        assertThat(Glob.matches("[x]", "[x]")).isTrue();
    }

    @Test
    void strictComparesTheWholeLine() {
        assertThat(Mode.STRICT.matches("250 2.1.0 Ok", "250 2.1.0 Ok")).isTrue();
        assertThat(Mode.STRICT.matches("250 2.1.0 Ok", "250 2.1.0 Sender ok")).isFalse();
    }

    @Test
    void codesComparesReplyCodeAndEnhancedCodeOnly() {
        assertThat(Mode.CODES.matches("250 2.1.0 Ok", "250 2.1.0 Sender ok")).isTrue();
        assertThat(Mode.CODES.matches("250 2.1.0 Ok", "250 2.1.5 Ok")).isFalse();
        assertThat(Mode.CODES.matches("250 2.1.0 Ok", "251 2.1.0 Ok")).isFalse();
        assertThat(Mode.CODES.matches("250 2.1.0 Ok", "250 Ok")).isFalse();
        // no enhanced code in the pattern: only the reply code counts
        assertThat(Mode.CODES.matches("220 mx.example.test ESMTP SecuMail", "220 mx.example.test ESMTP Postfix")).isTrue();
        assertThat(Mode.CODES.matches("5?? *", "554 5.7.1 denied")).isTrue();
        assertThat(Mode.CODES.matches("221 2.0.0 Bye", "221 2.0.0")).isTrue();
        // a pattern without a reply code is a plain glob
        assertThat(Mode.CODES.matches("*", "whatever")).isTrue();
        assertThat(Mode.CODES.matches("hello*", "250 hello")).isFalse();
    }

    @Test
    void describeSaysWhatIsCompared() {
        assertThat(Mode.CODES.describe("554 5.7.1 <x>: Relay access denied")).isEqualTo("reply code 554, enhanced status 5.7.1");
        assertThat(Mode.CODES.describe("220 *")).isEqualTo("reply code 220");
        assertThat(Mode.STRICT.describe("220 *")).isEqualTo("whole line");
    }
}
