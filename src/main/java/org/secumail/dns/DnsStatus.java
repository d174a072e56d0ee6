// SPDX-License-Identifier: Apache-2.0
package org.secumail.dns;

/**
 * The outcome of one DNS query. Postfix and RFC 7208 both distinguish these: a name that
 * does not exist (NXDOMAIN) is a permanent answer; a name without records of the asked
 * type (NODATA) is also permanent; SERVFAIL and TIMEOUT are temporary and must never be
 * turned into a 5xx reply.
 */
public enum DnsStatus {
    OK, NXDOMAIN, NODATA, SERVFAIL, TIMEOUT;

    /** True for SERVFAIL and TIMEOUT: the caller should defer (4xx), not reject. */
    public boolean temporary() { return this == SERVFAIL || this == TIMEOUT; }

    /** True when the name does not resolve (NXDOMAIN or NODATA). */
    public boolean notFound() { return this == NXDOMAIN || this == NODATA; }
}
