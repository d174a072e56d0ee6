// SPDX-License-Identifier: Apache-2.0
package org.secumail.deliver;

import java.nio.charset.StandardCharsets;

/** The header lines local(8) prepends to a delivered message (LF line ends). */
final class HeaderLines {
    private HeaderLines() {}

    /**
     * {@code Return-Path: <sender>} and {@code Delivered-To: rcpt}; the latter is also
     * what Postfix uses to detect mail loops. An address with a control character would
     * forge header lines, so it is refused.
     */
    static byte[] returnPathAndDeliveredTo(String returnPath, String deliveredTo) {
        check(returnPath);
        check(deliveredTo);
        return ("Return-Path: <" + returnPath + ">\nDelivered-To: " + deliveredTo + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static void check(String address) {
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c < 0x20 || c == 0x7f) throw new IllegalArgumentException("control character in address: " + address.replaceAll("\\p{Cntrl}", "?"));
        }
    }
}
