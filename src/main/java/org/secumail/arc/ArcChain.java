// SPDX-License-Identifier: Apache-2.0
package org.secumail.arc;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.secumail.content.HeaderField;
import org.secumail.dkim.DkimException;
import org.secumail.dkim.DkimSignature;
import org.secumail.dkim.TagList;

/**
 * The ARC sets of a message grouped by instance (RFC 8617 sections 4.1, 4.2): for each i from
 * 1 to N exactly one ARC-Authentication-Results, ARC-Message-Signature and ARC-Seal, N at
 * most 50. {@link #parse} throws a permerror-style {@link DkimException} for any structural
 * fault: a field without a usable i=, a duplicate, a gap, a missing member.
 */
public final class ArcChain {
    public static final int MAX_INSTANCES = 50;
    public static final String AAR = "ARC-Authentication-Results";
    public static final String AMS = "ARC-Message-Signature";
    public static final String AS = "ARC-Seal";
    /** AAR: "i=" instance ";" at the start of the value (section 4.1.1). */
    private static final Pattern AAR_I = Pattern.compile("^[ \\t\\r\\n]*i[ \\t\\r\\n]*=[ \\t\\r\\n]*([0-9]+)[ \\t\\r\\n]*;");

    /** One complete set. */
    public record ArcSet(int instance, HeaderField aar, HeaderField ams, HeaderField seal) { }

    private final List<ArcSet> sets;

    private ArcChain(List<ArcSet> sets) { this.sets = List.copyOf(sets); }

    public List<ArcSet> sets() { return sets; }

    public int size() { return sets.size(); }

    public ArcSet get(int instance) { return sets.get(instance - 1); }

    /** Whether the message has any ARC header field at all. */
    public static boolean present(List<HeaderField> headers) {
        for (HeaderField f : headers) if (isArc(f)) return true;
        return false;
    }

    static boolean isArc(HeaderField f) { return f.is(AAR) || f.is(AMS) || f.is(AS); }

    /** The sets of the message; an empty chain when there are no ARC fields. */
    public static ArcChain parse(List<HeaderField> headers) throws DkimException {
        HeaderField[][] slots = new HeaderField[MAX_INSTANCES + 1][3];
        int max = 0;
        for (HeaderField f : headers) {
            if (!isArc(f)) continue;
            int kind = f.is(AAR) ? 0 : f.is(AMS) ? 1 : 2;
            int i = instanceOf(f, kind);
            if (i < 0) throw DkimException.perm(f.name() + " without a valid i= instance");
            if (slots[i][kind] != null) throw DkimException.perm("duplicate " + f.name() + " for i=" + i);
            slots[i][kind] = f;
            max = Math.max(max, i);
        }
        List<ArcSet> sets = new ArrayList<>();
        for (int i = 1; i <= max; i++) {
            HeaderField[] s = slots[i];
            if (s[0] == null || s[1] == null || s[2] == null) {
                throw DkimException.perm("incomplete ARC set i=" + i + " (missing " + (s[0] == null ? AAR : s[1] == null ? AMS : AS) + ")");
            }
            sets.add(new ArcSet(i, s[0], s[1], s[2]));
        }
        return new ArcChain(sets);
    }

    /** The instance of a field, or -1. A value over 50 counts as invalid (section 4.2.1). */
    static int instanceOf(HeaderField f, int kind) {
        String v = f.value();
        if (kind == 0) {
            Matcher m = AAR_I.matcher(v);
            return m.find() ? DkimSignature.instance(m.group(1)) : -1;
        }
        try {
            return DkimSignature.instance(TagList.parse(v).get("i"));
        } catch (DkimException e) {
            return -1;
        }
    }

    /** The highest instance, 0 for none. */
    public int max() { return sets.size(); }

    /** cv= of the seal of instance i as written (values are case-sensitive), or null if absent. */
    public String cv(int instance) throws DkimException {
        String cv = TagList.parse(get(instance).seal().value()).get("cv");
        return cv;
    }
}
