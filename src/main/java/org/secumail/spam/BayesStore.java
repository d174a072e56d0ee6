// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.Collection;
import java.util.Map;

/**
 * Where Bayes keeps what it learned: per-token spam and ham counts, the number of messages
 * learned of each class, and which messages were learned (so a message learned twice counts
 * once, and --forget can undo it). {@link SqliteBayesStore} is the embedded one; a shared
 * (Redis) one comes with the several-nodes work.
 */
public interface BayesStore extends AutoCloseable {
    /** Spam and ham counts of one token. */
    record Counts(int spam, int ham) { }

    /** The learned state: message counts and the last learn. */
    record Totals(long spam, long ham, long tokens, long lastLearnEpoch, String lastLearnSource) { }

    /** Counts of those tokens that are known. */
    Map<Long, Counts> counts(Collection<Long> tokens);

    Totals totals();

    /**
     * Learns one message: adds (or with {@code sign} -1, removes) one to every token's count
     * of the class and to the class's message count. Returns false, changing nothing, when
     * the message was already learned as that class (or, to forget, was not learned); a
     * message learned as the other class is first forgotten from it.
     *
     * @param messageId a stable identity of the message (see {@link Bayes#messageKey})
     * @param source    where the message came from, for "bayes stats"
     */
    default boolean learn(String messageId, boolean spam, Collection<Long> tokens, String source) {
        return learn(messageId, spam, tokens, source, System.currentTimeMillis() / 1000);
    }

    /**
     * As {@link #learn(String, boolean, Collection, String)}, with the message's time (epoch
     * seconds) as the tokens' access time: expiry removes the tokens not seen in recent mail.
     */
    boolean learn(String messageId, boolean spam, Collection<Long> tokens, String source, long atime);

    /** Forgets a learned message; false when it was not learned. */
    boolean forget(String messageId, Collection<Long> tokens, String source);

    /** A named value kept with the learned state (the tokenizer version), or null. */
    String variable(String name);

    /** Sets a named value kept with the learned state. */
    void variable(String name, String value);

    /** The learned state without counting the tokens (what classifying needs, cheaply). */
    default Totals messageTotals() { return totals(); }

    /** The oldest and newest token access times, {0, 0} when empty. */
    long[] atimeRange();

    /** How many tokens were last seen before this time. */
    long countOlderThan(long atime);

    /** Removes the tokens last seen before this time; returns how many. */
    long deleteOlderThan(long atime);

    /** Every token with its counts, for "bayes dump". */
    void forEachToken(java.util.function.BiConsumer<Long, Counts> sink);

    /** Learns many messages in one transaction (a big speed-up on SQLite). */
    void batch(Runnable work);

    @Override void close();
}
