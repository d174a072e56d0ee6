// SPDX-License-Identifier: Apache-2.0
package org.secumail.greylist;

import java.io.Closeable;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The greylisting state, as two small keyed maps, so that a shared store (Redis, SQL server)
 * can replace the embedded one: triplets (client network / sender / recipient, as postgrey's
 * "client_net/sender/recipient" key) and the clients auto-whitelist (client address ->
 * successful deliveries). Implementations are safe for concurrent use by many sessions.
 * Failures are reported as {@link GreylistStoreException}; the caller decides whether to
 * defer or let mail through.
 */
public interface GreylistStore extends Closeable {

    /**
     * One triplet: when it was first seen (restarted when a retry comes after the retry
     * window), last seen, and how many attempts were let through after the delay.
     */
    record Triplet(Instant firstSeen, Instant lastSeen, long passes) { }

    /** One client of the auto-whitelist: successful deliveries counted and when last counted. */
    record Client(long count, Instant lastSeen) { }

    /** A triplet with its key, for listings. */
    record TripletEntry(String key, Triplet triplet) { }

    /** A client with its key, for listings. */
    record ClientEntry(String key, Client client) { }

    /** What an expiry run removed. */
    record Expired(long triplets, long clients) { }

    /**
     * Counts: all triplets, those that passed at least once, all clients, and clients whose
     * count reached the auto-whitelist threshold given to {@link #stats(long)}.
     */
    record Stats(long triplets, long passedTriplets, long clients, long whitelistedClients) { }

    Optional<Triplet> triplet(String key);

    void putTriplet(String key, Triplet triplet);

    /** @return true if the key existed */
    boolean deleteTriplet(String key);

    Optional<Client> client(String key);

    void putClient(String key, Client client);

    /** @return true if the key existed */
    boolean deleteClient(String key);

    /** Triplets in key order, at most {@code limit}. */
    List<TripletEntry> triplets(int limit);

    /** Auto-whitelist clients in key order, at most {@code limit}. */
    List<ClientEntry> clients(int limit);

    /**
     * Removes what postgrey's nightly maintenance removes: triplets and clients last seen
     * before {@code maxAgeCutoff}, and triplets that never passed and were last seen before
     * {@code retryCutoff}.
     */
    Expired expire(Instant maxAgeCutoff, Instant retryCutoff);

    Stats stats(long autoWhitelistThreshold);

    @Override
    void close();
}
