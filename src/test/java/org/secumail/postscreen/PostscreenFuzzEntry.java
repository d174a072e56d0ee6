// SPDX-License-Identifier: Apache-2.0
package org.secumail.postscreen;

/** Fuzzing bridge: postscreen's dummy SMTP engine's address extraction (package-private). */
public final class PostscreenFuzzEntry {
    private PostscreenFuzzEntry() { }

    public static String address(String s) { return DummySmtp.address(s); }
}
