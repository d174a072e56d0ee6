// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

/**
 * Ends an SPF evaluation early with temperror or permerror. Thrown from anywhere inside the
 * evaluation (parser, macro expansion, lookup limits) and turned into a result at the top.
 */
final class SpfException extends Exception {
    private final SpfResultCode code;

    SpfException(SpfResultCode code, String reason) {
        super(reason, null, false, false);
        this.code = code;
    }

    static SpfException perm(String reason) { return new SpfException(SpfResultCode.PERMERROR, reason); }

    static SpfException temp(String reason) { return new SpfException(SpfResultCode.TEMPERROR, reason); }

    SpfResultCode code() { return code; }
}
