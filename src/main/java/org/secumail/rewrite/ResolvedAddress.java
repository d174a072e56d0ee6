// SPDX-License-Identifier: Apache-2.0
package org.secumail.rewrite;

/**
 * An address after trivial-rewrite's resolve step.
 *
 * @param address   the address as it will be delivered (source route dropped, quotes removed,
 *                  percent and bang paths rewritten for our own domains), domain in lower case
 * @param localPart the local part of {@code address}
 * @param domain    the domain of {@code address}, lower case, without a trailing dot
 * @param cls       the address class of {@code domain}
 * @param routed    true when the local part still holds routing operators (@, %, !) after
 *                  resolving: such an address is never an authorized destination (Postfix's
 *                  RESOLVE_FLAG_ROUTED, the defence against relay tricks)
 */
public record ResolvedAddress(String address, String localPart, String domain, AddressClass cls, boolean routed) { }
