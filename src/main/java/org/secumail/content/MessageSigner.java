// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

import java.util.List;

/**
 * The last step at end of DATA: signatures over the final header section (RFC 6376 section
 * 5: a signer signs what leaves; DKIM signing after every other change, ARC sealing after
 * Authentication-Results are known). Returns the fields to put on top, in order.
 */
public interface MessageSigner {
    String name();

    default boolean appliesTo(ContentContext ctx) { return true; }

    List<HeaderField> sign(ContentContext ctx, RawMessage finalMessage) throws Exception;
}
