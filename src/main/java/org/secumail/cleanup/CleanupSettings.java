// SPDX-License-Identifier: Apache-2.0
package org.secumail.cleanup;

import java.util.List;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;

/**
 * The cleanup(8) parameters of one smtpd service: the four header_checks(5) table lists and
 * the limits on what a message's header section and MIME structure may hold.
 *
 * @param headerChecks header_checks: the primary header section's non-MIME headers
 * @param mimeHeaderChecks mime_header_checks ($header_checks): MIME headers anywhere, and
 *        every header of a multipart body part
 * @param nestedHeaderChecks nested_header_checks ($header_checks): the non-MIME headers of an
 *        attached message/rfc822 message
 * @param bodyChecks body_checks: every body line, MIME boundaries included, not part headers
 * @param bodyChecksSizeLimit body_checks_size_limit (51200): bytes of each body part checked
 * @param headerSizeLimit header_size_limit (102400): bytes kept of one logical header
 * @param hopcountLimit hopcount_limit (50): Received: headers at which the message is a loop
 * @param nestingLimit mime_nesting_limit (100): multipart and attached-message depth
 * @param boundaryLengthLimit mime_boundary_length_limit (2048): bytes of a boundary compared
 */
public record CleanupSettings(List<LookupTable> headerChecks, List<LookupTable> mimeHeaderChecks, List<LookupTable> nestedHeaderChecks,
                              List<LookupTable> bodyChecks, int bodyChecksSizeLimit, int headerSizeLimit, int hopcountLimit,
                              int nestingLimit, int boundaryLengthLimit) {

    /** Reads the parameters; the tables are opened now, so a missing file stops the start. */
    public static CleanupSettings of(MainConfig cfg) {
        CleanupSettings s = new CleanupSettings(tables(cfg, "header_checks"), tables(cfg, "mime_header_checks"),
                tables(cfg, "nested_header_checks"), tables(cfg, "body_checks"), cfg.integer("body_checks_size_limit"),
                cfg.integer("header_size_limit"), cfg.integer("hopcount_limit"), cfg.integer("mime_nesting_limit"),
                cfg.integer("mime_boundary_length_limit"));
        if (s.headerSizeLimit < 1 || s.hopcountLimit < 1 || s.nestingLimit < 1 || s.boundaryLengthLimit < 1 || s.bodyChecksSizeLimit < 0) {
            throw new ConfigException("header_size_limit, hopcount_limit, mime_nesting_limit and mime_boundary_length_limit must be"
                    + " at least 1, body_checks_size_limit at least 0");
        }
        return s;
    }

    private static List<LookupTable> tables(MainConfig cfg, String name) {
        return List.copyOf(Tables.openAll(cfg.list(name), cfg.configDir(), false));
    }

    /** True when some table is configured: only then is the MIME structure followed. */
    public boolean anyChecks() {
        return !headerChecks.isEmpty() || !mimeHeaderChecks.isEmpty() || !nestedHeaderChecks.isEmpty() || !bodyChecks.isEmpty();
    }

    /** Limits only, no tables: what receive_override_options = no_header_body_checks leaves. */
    public CleanupSettings withoutChecks() {
        return new CleanupSettings(List.of(), List.of(), List.of(), List.of(), bodyChecksSizeLimit, headerSizeLimit, hopcountLimit,
                nestingLimit, boundaryLengthLimit);
    }
}
