// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PathParserTest {
    @Test
    void pathsAndParameters() throws Exception {
        var p = PathParser.parse("<a@b.test> SIZE=100 BODY=8BITMIME", true);
        assertThat(p.address()).isEqualTo("a@b.test");
        assertThat(p.parameters()).containsEntry("SIZE", "100").containsEntry("BODY", "8BITMIME");
        assertThat(PathParser.parse("<>", true).address()).isEmpty();
        assertThat(PathParser.parse(" <@r1,@r2:u@d.test>", true).address()).isEqualTo("u@d.test");
        assertThat(PathParser.parse("<\"a b>c\"@d.test>", true).address()).isEqualTo("\"a b>c\"@d.test");
        assertThat(PathParser.parse("u@d.test", false).address()).isEqualTo("u@d.test");
    }

    @Test
    void badSyntax() {
        assertThatThrownBy(() -> PathParser.parse("u@d.test", true)).isInstanceOf(PathParser.SyntaxException.class);
        assertThatThrownBy(() -> PathParser.parse("<u@d.test", true)).isInstanceOf(PathParser.SyntaxException.class);
        assertThatThrownBy(() -> PathParser.parse("<u@d.test>x", true)).isInstanceOf(PathParser.SyntaxException.class);
        assertThatThrownBy(() -> PathParser.parse("<u v@d.test>", true)).isInstanceOf(PathParser.SyntaxException.class);
        assertThatThrownBy(() -> PathParser.parse("<u@d.test> SI%ZE=1", true)).isInstanceOf(PathParser.SyntaxException.class);
    }
}
