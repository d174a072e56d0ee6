// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.secumail.config.MainConfig;

/**
 * The Sendmail macros sent before each milter event (SMFIC_MACRO), as Postfix's
 * smtpd_milter.c defines them: {@code j}, {@code _}, {@code {daemon_name}},
 * {@code {daemon_addr}}, {@code v}, {@code {client_addr}}, {@code {client_name}},
 * {@code {tls_version}}, {@code i} (the queue ID), {@code {auth_authen}}, {@code {mail_addr}},
 * {@code {rcpt_addr}} and the rest. Which names go with which event is configured by the
 * milter_*_macros parameters (Postfix's defaults) or overridden by the milter itself
 * (SMFIR_SETSYMLIST in its negotiation reply). A macro without a value is not sent, unless
 * milter_macro_defaults gives one.
 */
public final class MilterMacros {
    private MilterMacros() { }

    /** The macro names of each stage, by SMFIM_* index (connect, helo, mail, rcpt, data, eom, eoh) plus unknown. */
    public record Lists(List<String> connect, List<String> helo, List<String> mail, List<String> rcpt, List<String> data,
                        List<String> eod, List<String> eoh, List<String> unknown, Map<String, String> defaults) {
        public static Lists fromConfig(MainConfig cfg) {
            Map<String, String> defaults = new LinkedHashMap<>();
            for (String d : cfg.list("milter_macro_defaults")) {
                int eq = d.indexOf('=');
                if (eq > 0) defaults.put(d.substring(0, eq).strip(), d.substring(eq + 1).strip());
            }
            return new Lists(cfg.list("milter_connect_macros"), cfg.list("milter_helo_macros"), cfg.list("milter_mail_macros"),
                    cfg.list("milter_rcpt_macros"), cfg.list("milter_data_macros"), cfg.list("milter_end_of_data_macros"),
                    cfg.list("milter_end_of_header_macros"), cfg.list("milter_unknown_command_macros"), Map.copyOf(defaults));
        }

        /** The list for one SMFIM_* stage. */
        List<String> stage(int smfim) {
            return switch (smfim) {
                case MilterProtocol.SMFIM_CONNECT -> connect;
                case MilterProtocol.SMFIM_HELO -> helo;
                case MilterProtocol.SMFIM_ENVFROM -> mail;
                case MilterProtocol.SMFIM_ENVRCPT -> rcpt;
                case MilterProtocol.SMFIM_DATA -> data;
                case MilterProtocol.SMFIM_EOM -> eod;
                case MilterProtocol.SMFIM_EOH -> eoh;
                default -> unknown;
            };
        }

        /** A copy with one stage's list replaced (the milter's SMFIR_SETSYMLIST). */
        Lists with(int smfim, List<String> names) {
            return new Lists(smfim == 0 ? names : connect, smfim == 1 ? names : helo, smfim == 2 ? names : mail,
                    smfim == 3 ? names : rcpt, smfim == 4 ? names : data, smfim == 5 ? names : eod,
                    smfim == 6 ? names : eoh, unknown, defaults);
        }
    }

    /** The unknown-command stage (not an SMFIM_* value; milter_unknown_command_macros). */
    static final int UNKNOWN_STAGE = 99;

    /**
     * The SMFIC_MACRO data for one event: the event's command octet, then name and value
     * pairs for the names that have a value. Names are sent as configured, braces included
     * ("{client_addr}"), as Postfix does.
     *
     * @return the data, or null when no macro has a value (Postfix still sends an empty
     *         list, which costs nothing; we send it too so a milter sees the same packets)
     */
    static byte[] data(byte event, List<String> names, Function<String, String> values, Map<String, String> defaults) {
        MilterProtocol.Data d = new MilterProtocol.Data().octet(event);
        for (String n : names) {
            String v = values.apply(n);
            if (v == null) v = defaults.get(n);
            if (v == null) continue;
            d.str(n).str(v);
        }
        return d.build();
    }
}
