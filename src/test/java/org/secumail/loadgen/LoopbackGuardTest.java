// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoopbackGuardTest {
    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "[::1]", "localhost",
            "LOCALHOST", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"})
    void acceptsLoopback(String host) {
        assertThat(LoopbackGuard.require(host).isLoopbackAddress()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "192.168.1.1", "172.16.0.1", "8.8.8.8", "0.0.0.0", "::", "128.0.0.1",
            "fe80::1", "example.com", "localhost.example.com", "127.0.0.1.nip.io", "127.1", "", " "})
    void refusesEverythingElseWithoutResolvingNames(String host) {
        assertThatThrownBy(() -> LoopbackGuard.require(host))
                .isInstanceOf(LoopbackGuard.NotLoopbackException.class)
                .hasMessageContaining("127.0.0.0/8 or ::1");
    }
}
