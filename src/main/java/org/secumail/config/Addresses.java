// SPDX-License-Identifier: Apache-2.0
package org.secumail.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Small helpers for IP networks. */
public final class Addresses {
    private Addresses() { }

    /** The network address of {@code a} with a prefix of {@code bits}, in textual form. */
    public static String networkOf(InetAddress a, int bits) {
        byte[] b = a.getAddress().clone();
        for (int i = 0; i < b.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - 8 * i));
            b[i] = (byte) (b[i] & (0xff << (8 - keep)));
        }
        try {
            return InetAddress.getByAddress(b).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
