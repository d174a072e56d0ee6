// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

/**
 * One restriction of a restriction list, e.g. {@code reject_unauth_destination}. A restriction
 * that cannot decide because a lookup failed temporarily returns a 4xx {@link Verdict.Reject}
 * (or a {@link Verdict.DeferIfPermit}), never a 5xx.
 */
@FunctionalInterface
public interface Restriction {
    Verdict check(CheckContext ctx);
}
