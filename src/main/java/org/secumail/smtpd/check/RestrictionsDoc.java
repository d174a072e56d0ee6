// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

/**
 * Writes docs/restrictions.md from the registry, so the list of supported restrictions cannot
 * drift from the code: a test compares the file with {@link #markdown()}. Regenerate with
 * {@code java -cp target/secumail.jar org.secumail.smtpd.check.RestrictionsDoc > docs/restrictions.md}.
 */
public final class RestrictionsDoc {
    private RestrictionsDoc() { }

    public static String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Restrictions\n\n")
                .append("Generated from the restriction registry (`RestrictionsDoc`); do not edit by hand.\n\n")
                .append("Every keyword may stand in any of smtpd_client_restrictions, smtpd_helo_restrictions,\n")
                .append("smtpd_sender_restrictions, smtpd_relay_restrictions, smtpd_recipient_restrictions,\n")
                .append("smtpd_data_restrictions and smtpd_end_of_data_restrictions; one that needs a HELO name,\n")
                .append("sender or recipient does nothing where there is none yet (with smtpd_delay_reject = yes,\n")
                .append("the default, the client, HELO and sender lists run at RCPT time, so all are known).\n")
                .append("Also: `warn_if_reject` (the next restriction only logs its reject), a bare `type:name`\n")
                .append("(the stage's check_*_access table) and the names in smtpd_restriction_classes.\n\n")
                .append("| restriction | argument | what it does |\n|---|---|---|\n");
        for (RestrictionRegistry.Spec s : Restrictions.builtin().specs().values()) {
            sb.append("| `").append(s.name()).append("` | ").append(s.takesArgument() ? argument(s.name()) : "")
                    .append(" | ").append(s.description()).append(" |\n");
        }
        return sb.toString();
    }

    /** What the restriction's argument is: a lookup table for most, else what it names. */
    private static String argument(String name) {
        if (name.equals("sleep")) return "seconds";
        if (name.equals("check_policy_service")) return "inet:host:port or unix:path";
        if (name.startsWith("reject_rbl") || name.startsWith("reject_rhsbl") || name.startsWith("permit_dnswl") || name.startsWith("permit_rhswl")) {
            return "domain[=d.d.d.d]";
        }
        return "type:name";
    }

    public static void main(String[] args) {
        System.out.print(markdown());
    }
}
