// SPDX-License-Identifier: Apache-2.0
package org.secumail.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.cleanup.AddressMapping.Kind;
import org.secumail.config.MainConfig;
import org.secumail.table.LookupException;

/** canonical(5) maps, their classes, extension propagation, masquerading, and where header addresses are. */
class AddressMappingTest {
    @TempDir
    Path dir;

    private AddressMapping mapping(String... lines) {
        String main = "myhostname = mx.example.test\nmydestination = example.test\nrecipient_delimiter = +\n" + String.join("\n", lines) + "\n";
        return AddressMapping.of(MainConfig.fromText(main, "main.cf", dir));
    }

    /** Every address found, by rewriting each to upper case. */
    private static String upper(String header) {
        return HeaderAddresses.rewrite(header, a -> a.toUpperCase(java.util.Locale.ROOT));
    }

    @Test
    void headerAddressesAreFoundAndWrittenAsPostfixWritesThem() {
        assertThat(upper("To: a@x.test")).isEqualTo("To: A@X.TEST");
        assertThat(upper("To: \"Last, First\" <a@x.test>, b@y.test (Bee), root"))
                .isEqualTo("To: \"Last, First\" <A@X.TEST>, B@Y.TEST (Bee), ROOT");
        assertThat(upper("To: team: a@x.test, B <b@y.test>;, c@z.test")).isEqualTo("To: team: A@X.TEST, B <B@Y.TEST>;, C@Z.TEST");
        assertThat(upper("Cc: undisclosed-recipients:;")).isNull();
        assertThat(upper("From: <>")).isNull();
        assertThat(upper("From: John Smith")).isNull();
        assertThat(upper("To: <@relay.test,@hop.test:a@x.test>, \"quoted local\"@x.test"))
                .isEqualTo("To: <@relay.test,@hop.test:A@X.TEST>, \"QUOTED LOCAL\"@X.TEST");
        assertThat(upper("To: A\n\t<a@x.test>,\n b@y.test")).isEqualTo("To: A <A@X.TEST>, B@Y.TEST");
        // tok822's spacing: none between '>' and a comment
        assertThat(upper("Cc: \"Some, One\" <x@y.test> (note)")).isEqualTo("Cc: \"Some, One\" <X@Y.TEST>(note)");
        // one address per line, joined while the line stays under 70 characters
        String many = "To: " + String.join(", ", java.util.Collections.nCopies(6, "someone.with.a.long.name@example.test"));
        assertThat(upper(many)).isEqualTo("To: SOMEONE.WITH.A.LONG.NAME@EXAMPLE.TEST,\n\t"
                + String.join(",\n\t", java.util.Collections.nCopies(5, "SOMEONE.WITH.A.LONG.NAME@EXAMPLE.TEST")));
    }

    @Test
    void canonicalMapsFollowTheirClassesAndRecurse() throws LookupException {
        AddressMapping m = mapping("sender_canonical_maps = inline:{ {old@example.test=new@example.test}, {@legacy.test=@example.test} }",
                "recipient_canonical_maps = inline:{ {team@example.test=user2@example.test} }",
                "canonical_maps = inline:{ {new@example.test=newest@example.test}, {loop1@example.test=loop2@example.test},"
                        + " {loop2@example.test=loop1@example.test} }",
                "sender_canonical_classes = envelope_sender");
        assertThat(m.map("old@example.test", Kind.ENVELOPE_SENDER)).isEqualTo("newest@example.test");   // then canonical_maps
        assertThat(m.map("old@example.test", Kind.HEADER_SENDER)).isEqualTo("old@example.test");        // not in its classes
        assertThat(m.map("team@example.test", Kind.ENVELOPE_RECIPIENT)).isEqualTo("user2@example.test");
        assertThat(m.map("team@example.test", Kind.ENVELOPE_SENDER)).isEqualTo("team@example.test");
        assertThat(m.map("", Kind.ENVELOPE_SENDER)).isEmpty();
        assertThatThrownBy(() -> m.map("loop1@example.test", Kind.ENVELOPE_RECIPIENT)).isInstanceOf(LookupException.class);
    }

    @Test
    void unmatchedExtensionsArePropagated() throws LookupException {
        AddressMapping m = mapping("canonical_maps = inline:{ {joe@example.test=joseph@example.test} }");
        assertThat(m.map("joe+lists@example.test", Kind.ENVELOPE_RECIPIENT)).isEqualTo("joseph+lists@example.test");
        AddressMapping off = mapping("canonical_maps = inline:{ {joe@example.test=joseph@example.test} }", "propagate_unmatched_extensions =");
        assertThat(off.map("joe+lists@example.test", Kind.ENVELOPE_RECIPIENT)).isEqualTo("joseph@example.test");
        // "@domain" results keep the user, and the extension too
        AddressMapping domains = mapping("canonical_maps = inline:{ {@legacy.test=@example.test} }");
        assertThat(domains.map("ann@legacy.test", Kind.ENVELOPE_SENDER)).isEqualTo("ann@example.test");
        assertThat(domains.map("ann+x@legacy.test", Kind.ENVELOPE_SENDER)).isEqualTo("ann+x@example.test");
    }

    @Test
    void masqueradingStripsSubdomainsWithExceptions() throws LookupException {
        AddressMapping m = mapping("masquerade_domains = !keep.example.test, example.test", "masquerade_exceptions = root");
        assertThat(m.map("a@host.example.test", Kind.ENVELOPE_SENDER)).isEqualTo("a@example.test");
        assertThat(m.map("a@deep.host.example.test", Kind.HEADER_RECIPIENT)).isEqualTo("a@example.test");
        assertThat(m.map("a@example.test", Kind.ENVELOPE_SENDER)).isEqualTo("a@example.test");
        assertThat(m.map("a@x.keep.example.test", Kind.ENVELOPE_SENDER)).isEqualTo("a@x.keep.example.test");
        assertThat(m.map("root@host.example.test", Kind.ENVELOPE_SENDER)).isEqualTo("root@host.example.test");
        // masquerade_classes leaves envelope recipients alone by default
        assertThat(m.map("a@host.example.test", Kind.ENVELOPE_RECIPIENT)).isEqualTo("a@host.example.test");
    }

    @Test
    void headersAreWrittenAgainOnlyWhenAnAddressChanges() throws LookupException {
        AddressMapping m = mapping("sender_canonical_maps = inline:{ {old@example.test=new@example.test} }");
        assertThat(m.rewriteHeader("From: \"Old, User\" <old@example.test> (note)", Kind.HEADER_SENDER, "example.test"))
                .isEqualTo("From: \"Old, User\" <new@example.test>(note)");
        assertThat(m.rewriteHeader("To: root, a@example.test", Kind.HEADER_RECIPIENT, "mx.example.test"))
                .isEqualTo("To: root@mx.example.test, a@example.test");
        assertThat(m.rewriteHeader("To: a@example.test", Kind.HEADER_RECIPIENT, "mx.example.test")).isNull();
    }
}
