// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

/**
 * A restriction that can start its DNS lookups as soon as the client is known (at connect or
 * after XCLIENT), so that lookups of several lists run in parallel and the restriction itself,
 * evaluated later at RCPT time, finds its answers in the resolver's cache.
 */
public interface ClientPrefetch {
    void prefetch(CheckContext ctx);
}
