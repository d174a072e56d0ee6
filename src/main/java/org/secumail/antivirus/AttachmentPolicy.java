// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;

/**
 * Banned attachments, as amavis's banned_filename rules do it: by file name pattern, by double
 * extension ({@code invoice.pdf.exe}), by real type from magic bytes whatever the name says, and
 * Office documents carrying VBA macros; applied to every MIME part and every archive member.
 *
 * <p>The policy file has one rule a line; the first rule that matches decides; '#' starts a
 * comment:
 * <pre>
 * allow name GLOB...               # exempt these names from the rules below
 * ban   name GLOB...               # *.exe, *.scr ... (case-insensitive, on the last path component)
 * ban   double-extension EXT...    # a name ending in .something.EXT (amavis's default rule)
 * ban   type TYPE...               # pe, elf, macho, script, ole2, pdf, zip ... (FileType names)
 * ban   macro                      # OLE2 with a VBA project, or an OOXML vbaProject.bin
 * </pre>
 * A match is reported as a signature named {@code Banned.Name.exe}, {@code Banned.DoubleExtension},
 * {@code Banned.Type.PE} or {@code Banned.Macro}.
 */
public final class AttachmentPolicy {
    /** amavis's default executable extensions, as used by its double-extension rule and banned names. */
    public static final String DEFAULT = String.join("\n",
            "# SecuMail default attachment policy (secumail_attachment_policy_file empty)",
            "ban double-extension exe vbs pif scr bat cmd com cpl dll js jse wsf hta msi lnk ps1",
            "ban name *.exe *.com *.scr *.pif *.bat *.cmd *.cpl *.vbs *.vbe *.js *.jse *.wsf *.wsh *.hta *.msi *.msp *.reg *.lnk *.jar *.ps1 *.dll",
            "ban type pe elf macho",
            "ban macro", "");

    private record Rule(boolean ban, String kind, List<Pattern> patterns, List<String> words) { }

    private final List<Rule> rules;

    private AttachmentPolicy(List<Rule> rules) { this.rules = List.copyOf(rules); }

    public static AttachmentPolicy parse(String text, String source) {
        List<Rule> rules = new ArrayList<>();
        int n = 0;
        for (String line : text.split("\r?\n")) {
            n++;
            String l = line.replaceFirst("#.*", "").strip();
            if (l.isEmpty()) continue;
            String[] w = l.split("\\s+");
            String where = source + ", line " + n + ": ";
            if (!w[0].equals("ban") && !w[0].equals("allow")) throw new ConfigException(where + "want ban or allow, not " + w[0]);
            if (w.length < 2) throw new ConfigException(where + "missing rule kind");
            String kind = w[1].toLowerCase(Locale.ROOT);
            List<String> args = List.of(w).subList(2, w.length);
            List<Pattern> pats = new ArrayList<>();
            List<String> words = new ArrayList<>();
            switch (kind) {
                case "name" -> args.forEach(a -> pats.add(glob(a)));
                case "double-extension" -> pats.add(Pattern.compile("\\.[^./\\\\]*[A-Za-z][^./\\\\]*\\.\\s*(" + String.join("|", args.stream().map(Pattern::quote).toList()) + ")[.\\s]*$", Pattern.CASE_INSENSITIVE));
                case "type" -> {
                    for (String a : args) {
                        try {
                            words.add(FileType.valueOf(a.toUpperCase(Locale.ROOT)).name());
                        } catch (IllegalArgumentException e) {
                            throw new ConfigException(where + "unknown file type " + a);
                        }
                    }
                }
                case "macro" -> { }
                default -> throw new ConfigException(where + "unknown rule kind " + kind + " (want name, double-extension, type or macro)");
            }
            if (!kind.equals("macro") && args.isEmpty()) throw new ConfigException(where + kind + " needs at least one argument");
            if (!w[0].equals("ban") && !kind.equals("name")) throw new ConfigException(where + "allow takes name patterns only");
            rules.add(new Rule(w[0].equals("ban"), kind, pats, words));
        }
        return new AttachmentPolicy(rules);
    }

    /** Null when secumail_attachment_policy = no; else the file, or {@link #DEFAULT} when it is empty. */
    public static AttachmentPolicy fromConfig(MainConfig c) {
        if (!c.bool("secumail_attachment_policy")) return null;
        String file = c.get("secumail_attachment_policy_file").strip();
        if (file.isEmpty()) return parse(DEFAULT, "default attachment policy");
        try {
            return parse(Files.readString(Path.of(file), StandardCharsets.UTF_8), file);
        } catch (IOException e) {
            throw new ConfigException("cannot read secumail_attachment_policy_file " + file + ": " + e.getMessage());
        }
    }

    private static Pattern glob(String g) {
        StringBuilder re = new StringBuilder();
        for (char c : g.toCharArray()) {
            if (c == '*') re.append(".*");
            else if (c == '?') re.append('.');
            else re.append(Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    }

    private static final byte[] VBA_UTF16 = "_VBA_PROJECT".getBytes(StandardCharsets.UTF_16LE);

    /** The Banned.* name of the first rule that bans this object, or null (allowed or no rule). */
    public String check(String name, FileType type, ByteBuffer data) {
        String base = Names.base(name == null ? "" : name).strip();
        for (Rule r : rules) {
            boolean hit = switch (r.kind()) {
                case "name", "double-extension" -> !base.isEmpty() && r.patterns().stream().anyMatch(p -> r.kind().equals("name") ? p.matcher(base).matches() : p.matcher(base).find());
                case "type" -> r.words().contains(type.name());
                default -> base.equalsIgnoreCase("vbaProject.bin") || (type == FileType.OLE2 && contains(data, VBA_UTF16));
            };
            if (!hit) continue;
            if (!r.ban()) return null;
            return switch (r.kind()) {
                case "name" -> "Banned.Name." + extension(base);
                case "double-extension" -> "Banned.DoubleExtension";
                case "type" -> "Banned.Type." + type.name();
                default -> "Banned.Macro";
            };
        }
        return null;
    }

    private static String extension(String base) {
        int dot = base.lastIndexOf('.');
        String e = dot < 0 ? base : base.substring(dot + 1);
        return Names.safe(e.replaceAll("[^A-Za-z0-9]", ""));
    }

    private static boolean contains(ByteBuffer b, byte[] needle) {
        int n = b.limit() - needle.length;
        outer:
        for (int i = 0; i <= n; i++) {
            for (int k = 0; k < needle.length; k++) if (b.get(i + k) != needle[k]) continue outer;
            return true;
        }
        return false;
    }
}
