// SPDX-License-Identifier: Apache-2.0
package org.secumail.rewrite;

/** Postfix's address classes (ADDRESS_CLASS_README): which domain list a destination is in. */
public enum AddressClass {
    /** mydestination, or a literal of one of our own addresses: delivered by local(8). */
    LOCAL,
    /** virtual_alias_domains: every address must be an alias. */
    VIRTUAL_ALIAS,
    /** virtual_mailbox_domains: delivered to virtual mailboxes. */
    VIRTUAL_MAILBOX,
    /** relay_domains: we relay to these. */
    RELAY,
    /** Anything else: only authorized clients may send here. */
    DEFAULT;

    /** True for the classes we deliver ourselves (Postfix's RESOLVE_CLASS_FINAL). */
    public boolean isFinal() { return this == LOCAL || this == VIRTUAL_ALIAS || this == VIRTUAL_MAILBOX; }
}
