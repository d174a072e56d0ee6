// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;

/**
 * Maps each restriction keyword of main.cf to a factory (Postfix's smtpd_check.c dispatch).
 * A factory knows whether the keyword takes a following "type:name" argument. A bare
 * "type:name" in a list is the stage's access table (check_client_access in the client list,
 * and so on); a name listed in smtpd_restriction_classes expands to that class's list; any
 * other word stops startup with the parameter and the word named.
 */
public final class RestrictionRegistry {
    /** Builds one restriction; {@code arg} is the following token for keywords that take one, else null. */
    @FunctionalInterface
    public interface Factory {
        Restriction create(CheckSettings settings, String arg);
    }

    /** A keyword, whether it takes an argument, a one-line description for docs/restrictions.md, and its factory. */
    public record Spec(String name, boolean takesArgument, String description, Factory factory) { }

    private final Map<String, Spec> specs = new LinkedHashMap<>();

    public RestrictionRegistry register(String name, boolean takesArgument, String description, Factory factory) {
        specs.put(name, new Spec(name, takesArgument, description, factory));
        return this;
    }

    public Map<String, Spec> specs() { return java.util.Collections.unmodifiableMap(specs); }

    public boolean knows(String name) { return specs.containsKey(name); }

    /** Parses one list; {@code parameter} names it in errors and tells the default access table. */
    public RestrictionList parse(String parameter, List<String> tokens, CheckSettings settings) {
        return parse(parameter, tokens, settings, new HashSet<>());
    }

    private RestrictionList parse(String parameter, List<String> tokens, CheckSettings settings, Set<String> classesInUse) {
        List<RestrictionList.Entry> out = new ArrayList<>();
        boolean warnNext = false;
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            String word = token.toLowerCase(java.util.Locale.ROOT);
            if (word.equals("warn_if_reject")) {
                warnNext = true;
                continue;
            }
            Restriction r;
            String label = token;
            Spec spec = specs.get(word);
            if (spec != null) {
                String arg = null;
                if (spec.takesArgument()) {
                    if (i + 1 >= tokens.size()) {
                        throw new ConfigException(parameter + ": restriction \"" + token + "\" needs an argument (a lookup table or name)");
                    }
                    arg = tokens.get(++i);
                    label = token + " " + arg;
                }
                r = spec.factory().create(settings, arg);
            } else if (settings.restrictionClasses().contains(token)) {
                if (!classesInUse.add(token)) {
                    throw new ConfigException(parameter + ": restriction class \"" + token + "\" refers to itself");
                }
                RestrictionList cls = parse(token, MainConfig.splitList(settings.config().get(token)), settings, classesInUse);
                classesInUse.remove(token);
                r = cls::evaluate;
            } else if (token.indexOf(':') > 0 && !token.startsWith("{")) {
                String implied = impliedAccess(parameter);
                if (implied == null) {
                    throw new ConfigException(parameter + ": a bare lookup table \"" + token + "\" is not allowed here; use check_client_access, check_helo_access, check_sender_access or check_recipient_access");
                }
                r = specs.get(implied).factory().create(settings, token);
                label = implied + " " + token;
            } else {
                throw new ConfigException(parameter + ": unknown restriction \"" + token + "\"");
            }
            out.add(new RestrictionList.Entry(label, r, warnNext));
            warnNext = false;
        }
        return new RestrictionList(parameter, out);
    }

    /** The access restriction a bare "type:name" means in a list (Postfix's smtpd_check.c). */
    private static String impliedAccess(String parameter) {
        return switch (parameter) {
            case "smtpd_client_restrictions" -> "check_client_access";
            case "smtpd_helo_restrictions" -> "check_helo_access";
            case "smtpd_sender_restrictions" -> "check_sender_access";
            case "smtpd_recipient_restrictions", "smtpd_relay_restrictions" -> "check_recipient_access";
            default -> null;
        };
    }
}
