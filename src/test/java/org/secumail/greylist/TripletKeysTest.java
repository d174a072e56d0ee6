// SPDX-License-Identifier: Apache-2.0
package org.secumail.greylist;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class TripletKeysTest {
    @Test
    void verpNumbersBecomeHashes() {
        assertThat(TripletKeys.sender("bounce-123-456@x.example")).isEqualTo("bounce-#-#@x.example");
        assertThat(TripletKeys.sender("list-bounces+user=dest.example@lists.example")).isEqualTo("list-bounces@lists.example");
        // digits inside a word stay: only numbers standing alone are replaced (Perl's \b\d+\b)
        assertThat(TripletKeys.sender("user42@example.org")).isEqualTo("user42@example.org");
        assertThat(TripletKeys.sender("")).isEmpty();
    }

    @Test
    void batvTagIsRemovedInEitherOrder() {
        assertThat(TripletKeys.sender("prvs=0123456789=alice@example.org")).isEqualTo("alice@example.org");
        assertThat(TripletKeys.sender("prvs=alice=0123abcdef@example.org")).isEqualTo("alice@example.org");
    }

    @Test
    void keyIsLowerCaseWithClientNetwork() throws Exception {
        String v4 = TripletKeys.clientNetwork(InetAddress.getByName("192.0.2.77"), 24, 64);
        assertThat(v4).isEqualTo("192.0.2.0");
        assertThat(TripletKeys.clientNetwork(InetAddress.getByName("192.0.2.77"), 32, 64)).isEqualTo("192.0.2.77");
        assertThat(TripletKeys.clientNetwork(InetAddress.getByName("2001:db8:1:2:3:4:5:6"), 24, 64)).isEqualTo("2001:db8:1:2::");
        assertThat(TripletKeys.triplet(v4, "Bounce-1@X.Example", "User@Example.COM"))
                .isEqualTo("192.0.2.0/bounce-#@x.example/user@example.com");
    }
}
