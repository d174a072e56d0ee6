// SPDX-License-Identifier: Apache-2.0
package org.secumail.arc;

import java.util.ArrayList;
import java.util.List;
import org.secumail.content.AuthResult;

/**
 * The outcome of validating a message's ARC chain (RFC 8617 section 5.2).
 *
 * @param result     none (no ARC sets), pass or fail
 * @param instances  the highest instance found (0 when none)
 * @param oldestPass the oldest instance whose AMS still verifies, 0 when all do (section 5.2 step 7)
 * @param reason     why it failed, or null
 * @param trace      the steps taken
 */
public record ArcValidation(ArcResult result, int instances, int oldestPass, String reason, List<String> trace) {
    public ArcValidation {
        trace = List.copyOf(trace);
    }

    /**
     * The resinfo as OpenARC and dkimpy write it: {@code arc=pass smtp.remote-ip=192.0.2.1
     * header.oldest-pass=0} (RFC 8617 section 10.1 registers both properties).
     *
     * @param remoteIp the SMTP client address, or null
     */
    public AuthResult toAuthResult(String remoteIp) {
        List<String> props = new ArrayList<>();
        if (remoteIp != null && !remoteIp.isEmpty()) props.add("smtp.remote-ip=" + remoteIp);
        if (result == ArcResult.PASS) props.add("header.oldest-pass=" + oldestPass);
        return new AuthResult("arc", result.keyword(), result == ArcResult.FAIL ? reason : null, props);
    }
}
