// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

/**
 * A signature or key record that cannot be used, with the result it gives (permerror,
 * temperror, fail) and a short reason for Authentication-Results and the log. Internal to
 * verification: {@link DkimVerifier} turns it into a {@link DkimVerification}, never lets it out.
 */
public final class DkimException extends Exception {
    private final DkimResult result;

    public DkimException(DkimResult result, String reason) {
        super(reason, null, false, false);
        this.result = result;
    }

    public static DkimException perm(String reason) { return new DkimException(DkimResult.PERMERROR, reason); }

    public DkimResult result() { return result; }
}
