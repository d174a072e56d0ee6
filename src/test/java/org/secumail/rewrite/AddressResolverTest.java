// SPDX-License-Identifier: Apache-2.0
package org.secumail.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.secumail.config.MainConfig;

class AddressResolverTest {
    private final AddressResolver r = new AddressResolver(MainConfig.fromText("""
            myhostname = mx.example.test
            myorigin = example.test
            mydestination = example.test, localhost
            relay_domains = relay.test
            virtual_mailbox_domains = virtual.test
            """, "main.cf", Path.of(".")));

    @Test
    void classesAndNormalisation() throws Exception {
        assertThat(r.resolve("u@Example.Test.").cls()).isEqualTo(AddressClass.LOCAL);
        assertThat(r.resolve("u@example.test.").address()).isEqualTo("u@example.test");
        assertThat(r.resolve("u@sub.relay.test").cls()).isEqualTo(AddressClass.RELAY);
        assertThat(r.resolve("u@virtual.test").cls()).isEqualTo(AddressClass.VIRTUAL_MAILBOX);
        assertThat(r.resolve("u@elsewhere.test").cls()).isEqualTo(AddressClass.DEFAULT);
        assertThat(r.resolve("postmaster").address()).isEqualTo("postmaster@example.test");
        assertThat(r.resolve("u@[127.0.0.1]").cls()).isEqualTo(AddressClass.LOCAL);
        assertThat(r.resolve("u@[192.0.2.1]").cls()).isEqualTo(AddressClass.DEFAULT);
    }

    @Test
    void myoriginFromAFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("mailname"), "\nmail.example.test\n");
        AddressResolver fromFile = new AddressResolver(MainConfig.fromText("myorigin = " + dir.resolve("mailname")
                + "\nmydestination = mail.example.test\n", "main.cf", dir));
        assertThat(fromFile.resolve("root").address()).isEqualTo("root@mail.example.test");
        assertThat(fromFile.resolve("root").cls()).isEqualTo(AddressClass.LOCAL);
    }

    @Test
    void relayTricksResolveToTheRemoteDomain() throws Exception {
        for (String trick : new String[] {"user%remote.test@example.test", "remote.test!user@example.test",
                "\"user@remote.test\"@example.test", "@example.test:user@remote.test", "user%remote.test@EXAMPLE.TEST."}) {
            ResolvedAddress a = r.resolve(trick);
            assertThat(a.cls()).as(trick).isEqualTo(AddressClass.DEFAULT);
            assertThat(a.domain()).as(trick).isEqualTo("remote.test");
        }
        // routing operators left in a local part for a relay domain mark the address as routed
        assertThat(r.resolve("user%other.test@relay.test").routed()).isTrue();
    }
}
