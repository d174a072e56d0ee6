// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

/**
 * Text handed to a rule's regular expression with a step budget: every character the
 * matcher reads costs one step, and when the budget is spent the match stops with
 * {@link BudgetExceeded}. A pattern that backtracks catastrophically on crafted input
 * (nested quantifiers over a long run of the same character) thus costs a bounded amount
 * of CPU; the rule counts as not hit and the skip is logged by the scorer.
 *
 * <p>Not thread-safe: one instance per rule evaluation.
 */
final class BudgetedText implements CharSequence {
    /** Thrown when a match read more characters than its budget allowed. */
    static final class BudgetExceeded extends RuntimeException {
        BudgetExceeded() { super("regular expression step budget exceeded", null, false, false); }
    }

    private final CharSequence text;
    private final int offset;
    private final int length;
    private final long[] remaining;

    BudgetedText(CharSequence text, long budget) {
        this(text, 0, text.length(), new long[] {budget});
    }

    private BudgetedText(CharSequence text, int offset, int length, long[] remaining) {
        this.text = text;
        this.offset = offset;
        this.length = length;
        this.remaining = remaining;
    }

    @Override
    public char charAt(int index) {
        if (--remaining[0] < 0) throw new BudgetExceeded();
        return text.charAt(offset + index);
    }

    @Override public int length() { return length; }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new BudgetedText(text, offset + start, end - start, remaining);
    }

    @Override
    public String toString() {
        return text.subSequence(offset, offset + length).toString();
    }
}
