// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Macro expansion against the examples of RFC 7208 section 7.4 and the rules of 7.1-7.3. */
class MacroExpanderTest {

    private static MacroExpander.Values values(String ip) throws Exception {
        InetAddress address = InetAddress.getByName(ip);
        return new MacroExpander.Values() {
            @Override public String sender() { return "strong-bad@email.example.com"; }
            @Override public String localPart() { return "strong-bad"; }
            @Override public String senderDomain() { return "email.example.com"; }
            @Override public String domain() { return "email.example.com"; }
            @Override public InetAddress ip() { return address; }
            @Override public String helo() { return "mx.example.org"; }
            @Override public String receiver() { return "mx.receiver.example"; }
            @Override public long timestamp() { return 1700000000L; }
            @Override public String validatedName() { return "mx.example.org"; }
        };
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "%{s}|strong-bad@email.example.com",
        "%{o}|email.example.com",
        "%{d}|email.example.com",
        "%{d4}|email.example.com",
        "%{d3}|email.example.com",
        "%{d2}|example.com",
        "%{d1}|com",
        "%{dr}|com.example.email",
        "%{d2r}|example.email",
        "%{l}|strong-bad",
        "%{l-}|strong.bad",
        "%{lr}|strong-bad",
        "%{lr-}|bad.strong",
        "%{l1r-}|strong",
        "%{ir}.%{v}._spf.%{d2}|3.2.0.192.in-addr._spf.example.com",
        "%{lr-}.lp._spf.%{d2}|bad.strong.lp._spf.example.com",
        "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}|bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
        "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}|3.2.0.192.in-addr.strong.lp._spf.example.com",
        "%{d2}.trusted-domains.example.net|example.com.trusted-domains.example.net",
        "%{h}.%{p}|mx.example.org.mx.example.org",
        "a%%b%_c%-d|a%b c%20d",
        "%{S}|strong-bad%40email.example.com",
    })
    void section74Examples(String macro, String expected) throws Exception {
        assertThat(MacroExpander.expand(macro, values("192.0.2.3"), false)).isEqualTo(expected);
    }

    @Test
    void ipv6Nibbles() throws Exception {
        assertThat(MacroExpander.expand("%{ir}.%{v}._spf.%{d2}", values("2001:db8::cb01"), false))
                .isEqualTo("1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com");
    }

    @Test
    void explanationOnlyMacros() throws Exception {
        assertThat(MacroExpander.expand("%{c} via %{r} at %{t}", values("2001:db8::cb01"), true))
                .isEqualTo("2001:db8::cb01 via mx.receiver.example at 1700000000");
        assertThatThrownBy(() -> MacroExpander.expand("%{c}.example.com", values("192.0.2.3"), false))
                .isInstanceOf(SpfException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"%", "a%b", "%{", "%{x}", "%{d0}", "%{d!}", "a b", "%{}"})
    void syntaxErrors(String macro) {
        assertThatThrownBy(() -> MacroExpander.validate(macro, false)).isInstanceOf(SpfException.class);
    }

    @ParameterizedTest
    @CsvSource({"::1,::1", "2001:db8:0:0:1:0:0:1,2001:db8::1:0:0:1", "2001:db8:0:1:1:1:1:1,2001:db8:0:1:1:1:1:1",
        "::ffff:0:0:1,::ffff:0:0:1", "fe80:0:0:0:0:0:0:0,fe80::"})
    void readableIpv6IsRfc5952(String ip, String expected) throws Exception {
        assertThat(MacroExpander.readableIp(InetAddress.getByName(ip))).isEqualTo(expected);
    }

    @Test
    void domainEndMayBeAMacro() {
        assertThat(MacroExpander.endsWithMacro("%{d}")).isTrue();
        assertThat(MacroExpander.endsWithMacro("foo.%{d}.com")).isFalse();
        assertThat(MacroExpander.endsWithMacro("foo%%")).isTrue();
        assertThat(MacroExpander.endsWithMacro("foo%%bar")).isFalse();
    }
}
