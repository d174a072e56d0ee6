// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * Postfix's delay=/delays= number format: two significant digits, at most
 * delay_logging_resolution_limit (default 2) digits after the decimal point, trailing
 * zeros dropped, and whole seconds from 10 seconds up: 0.01, 0.12, 1.2, 13, 4000.
 * A value below the resolution is "0".
 */
final class DelayFormat {
    static final int RESOLUTION_LIMIT = 2;
    private static final int SIGNIFICANT = 2;

    private DelayFormat() {}

    static String format(Duration d) {
        if (d.isNegative()) d = Duration.ZERO;
        BigDecimal secs = new BigDecimal(d.toNanos()).movePointLeft(9);
        int scale;
        if (secs.compareTo(BigDecimal.TEN) >= 0) {
            scale = 0;
        } else if (secs.compareTo(BigDecimal.ONE) >= 0) {
            scale = SIGNIFICANT - 1;
        } else if (secs.signum() == 0) {
            return "0";
        } else {
            // digits after the point for two significant digits of a fraction: 0.012 -> 3
            scale = SIGNIFICANT - 1 - (secs.precision() - secs.scale() - 1);
            scale = Math.min(scale, RESOLUTION_LIMIT);
        }
        BigDecimal r = secs.setScale(scale, RoundingMode.HALF_UP).stripTrailingZeros();
        if (r.signum() == 0) return "0";
        return r.scale() < 0 ? r.setScale(0).toPlainString() : r.toPlainString();
    }
}
