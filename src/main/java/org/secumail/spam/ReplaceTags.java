// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SpamAssassin's ReplaceTags plugin: in the patterns of rules named by {@code replace_rules},
 * {@code <A>} is replaced by the value of {@code replace_tag A}; the markers
 * {@code <pre NAME>}, {@code <post NAME>} and {@code <inter NAME>} (themselves removed) put
 * the value of replace_pre/replace_post before/after every replaced tag and replace_inter
 * between two adjacent ones ({@code <V><I>} with {@code <inter W2>} gives
 * "V-value\W{0,2}I-value"). An unknown tag is left as it is.
 */
final class ReplaceTags {
    private ReplaceTags() { }

    private static final Pattern MARKER = Pattern.compile("<(pre|inter|post)\\s+([^>\\s]+)>");
    private static final Pattern TAG = Pattern.compile("<([^<>\\s]+)>");

    /** A tag's value with the tags inside it replaced in turn (FF_ALL is made of FF_F1 ... which use NUMBER). */
    private static String expand(String tag, RuleSet.Builder conf, int depth) {
        String value = conf.replaceTags.get(tag);
        if (value == null || depth > 8 || value.indexOf('<') < 0) return value;
        Matcher t = TAG.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (t.find()) {
            String inner = expand(t.group(1), conf, depth + 1);
            t.appendReplacement(sb, Matcher.quoteReplacement(inner == null ? t.group() : inner));
        }
        t.appendTail(sb);
        return sb.toString();
    }

    static String apply(String re, RuleSet.Builder conf) {
        String pre = "";
        String inter = "";
        String post = "";
        Matcher m = MARKER.matcher(re);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v;
            switch (m.group(1)) {
                case "pre" -> pre = (v = conf.replacePre.get(m.group(2))) == null ? "" : v;
                case "inter" -> inter = (v = conf.replaceInter.get(m.group(2))) == null ? "" : v;
                default -> post = (v = conf.replacePost.get(m.group(2))) == null ? "" : v;
            }
            m.appendReplacement(sb, "");
        }
        m.appendTail(sb);
        String s = sb.toString();
        Matcher t = TAG.matcher(s);
        StringBuilder o = new StringBuilder();
        int last = 0;
        int prevEnd = -1;
        while (t.find()) {
            String value = expand(t.group(1), conf, 0);
            if (value == null) continue;
            o.append(s, last, t.start());
            if (prevEnd == t.start()) o.append(inter);
            o.append(pre).append(value).append(post);
            last = t.end();
            prevEnd = t.end();
        }
        o.append(s.substring(last));
        return o.toString();
    }
}
