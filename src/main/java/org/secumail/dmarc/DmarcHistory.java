// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

/**
 * Where {@link DmarcCheck} records each evaluation for the aggregate reports
 * ({@link SqliteDmarcStore}). Implementations must not throw on a storage failure: a lost
 * report row never costs a message.
 */
@FunctionalInterface
public interface DmarcHistory {
    DmarcHistory NONE = e -> { };

    void record(DmarcEvaluation evaluation);
}
