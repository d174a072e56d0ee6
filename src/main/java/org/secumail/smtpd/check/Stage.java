// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

/** The SMTP stages that have a restriction list, with the main.cf parameter that holds it. */
public enum Stage {
    CLIENT("smtpd_client_restrictions"),
    HELO("smtpd_helo_restrictions"),
    SENDER("smtpd_sender_restrictions"),
    RELAY("smtpd_relay_restrictions"),
    RECIPIENT("smtpd_recipient_restrictions"),
    DATA("smtpd_data_restrictions"),
    END_OF_DATA("smtpd_end_of_data_restrictions");

    private final String parameter;

    Stage(String parameter) { this.parameter = parameter; }

    public String parameter() { return parameter; }

    /** True for the lists evaluated at RCPT time or later, where a recipient is known. */
    public boolean hasRecipient() { return this == RELAY || this == RECIPIENT; }
}
