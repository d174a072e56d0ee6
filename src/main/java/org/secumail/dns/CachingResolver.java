// SPDX-License-Identifier: Apache-2.0
package org.secumail.dns;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A {@link Resolver} decorator that remembers answers for their TTL, per name and type.
 *
 * <ul>
 * <li>OK answers are kept for their TTL, capped by a maximum (one day by default), as a
 *     caching resolver may shorten but never lengthen a TTL (RFC 1035 section 3.2.1).</li>
 * <li>NXDOMAIN and NODATA are kept for their negative TTL (RFC 2308 section 5).</li>
 * <li>SERVFAIL and TIMEOUT are never kept: they are temporary, and the next query should
 *     ask again rather than repeat a failure that may already be over.</li>
 * <li>A TTL of 0 means "use once" and is not kept either.</li>
 * </ul>
 *
 * <p>Answers returned from the cache carry the remaining TTL. The cache holds at most
 * {@code maxEntries}; beyond that the least recently used entry goes. Two threads that
 * miss on the same key at the same moment both ask the delegate; the later answer wins.
 * Safe for concurrent use (a {@link ReentrantLock}, which does not pin virtual threads,
 * guards the map; the delegate is called outside the lock).
 */
public final class CachingResolver implements Resolver {
    public static final int DEFAULT_MAX_ENTRIES = 10_000;
    public static final Duration DEFAULT_MAX_TTL = Duration.ofDays(1);

    private record Key(String type, String name) { }

    private record Entry(DnsAnswer<?> answer, long expiresAtMillis) { }

    private final Resolver delegate;
    private final int maxEntries;
    private final long maxTtlSeconds;
    private final LongSupplier clockMillis;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<Key, Entry> entries;

    /** A cache of {@value #DEFAULT_MAX_ENTRIES} entries, TTLs capped at one day, on a monotonic clock. */
    public CachingResolver(Resolver delegate) {
        this(delegate, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_TTL, CachingResolver::monotonicMillis);
    }

    /**
     * @param delegate    the resolver asked on a miss
     * @param maxEntries  entries kept before the least recently used is evicted (at least 1)
     * @param maxTtl      longest time any answer is kept (whole seconds are used)
     * @param clockMillis current time in milliseconds; only differences are used, so a
     *                    monotonic source is right, and tests can pass a counter they advance
     */
    public CachingResolver(Resolver delegate, int maxEntries, Duration maxTtl, LongSupplier clockMillis) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        if (maxEntries < 1) throw new IllegalArgumentException("maxEntries must be at least 1: " + maxEntries);
        if (maxTtl.isNegative()) throw new IllegalArgumentException("negative maxTtl: " + maxTtl);
        this.maxEntries = maxEntries;
        // RFC 2181 section 8: a TTL is at most 2^31 - 1 seconds; the cap also keeps millis in range.
        this.maxTtlSeconds = Math.min(maxTtl.toSeconds(), Integer.MAX_VALUE);
        this.clockMillis = Objects.requireNonNull(clockMillis, "clockMillis");
        // Access order: get() moves an entry to the end, so the eldest is the least recently used.
        this.entries = new LinkedHashMap<>(16, 0.75f, true);
    }

    private static long monotonicMillis() { return System.nanoTime() / 1_000_000; }

    @Override
    public DnsAnswer<InetAddress> a(String name) {
        return cached(new Key("A", normalize(name)), () -> delegate.a(name));
    }

    @Override
    public DnsAnswer<InetAddress> aaaa(String name) {
        return cached(new Key("AAAA", normalize(name)), () -> delegate.aaaa(name));
    }

    @Override
    public DnsAnswer<MxRecord> mx(String name) {
        return cached(new Key("MX", normalize(name)), () -> delegate.mx(name));
    }

    @Override
    public DnsAnswer<String> txt(String name) {
        return cached(new Key("TXT", normalize(name)), () -> delegate.txt(name));
    }

    @Override
    public DnsAnswer<String> ns(String name) {
        return cached(new Key("NS", normalize(name)), () -> delegate.ns(name));
    }

    @Override
    public DnsAnswer<String> ptr(InetAddress address) {
        return cached(new Key("PTR", address.getHostAddress()), () -> delegate.ptr(address));
    }

    /** Number of entries now held, expired ones included until they are next touched. */
    public int size() {
        lock.lock();
        try {
            return entries.size();
        } finally {
            lock.unlock();
        }
    }

    /** Drops every entry. */
    public void clear() {
        lock.lock();
        try {
            entries.clear();
        } finally {
            lock.unlock();
        }
    }

    /** DNS names are case-insensitive (RFC 4343) and "example.com." is "example.com". */
    private static String normalize(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") && n.length() > 1 ? n.substring(0, n.length() - 1) : n;
    }

    // The key's type fixes T: an entry stored under ("MX", name) always holds a DnsAnswer<MxRecord>.
    @SuppressWarnings("unchecked")
    private <T> DnsAnswer<T> cached(Key key, Supplier<DnsAnswer<T>> lookup) {
        long now = clockMillis.getAsLong();
        lock.lock();
        try {
            Entry e = entries.get(key);
            if (e != null) {
                if (now < e.expiresAtMillis()) {
                    DnsAnswer<T> a = (DnsAnswer<T>) e.answer();
                    long remaining = (e.expiresAtMillis() - now + 999) / 1000;
                    return new DnsAnswer<>(a.status(), a.records(), remaining);
                }
                entries.remove(key);
            }
        } finally {
            lock.unlock();
        }

        DnsAnswer<T> answer = lookup.get();
        long ttl = Math.min(answer.ttl(), maxTtlSeconds);
        if (answer.status().temporary() || ttl <= 0) return answer;
        long stored = clockMillis.getAsLong();
        lock.lock();
        try {
            entries.put(key, new Entry(answer, stored + ttl * 1000));
            evictOverflow();
        } finally {
            lock.unlock();
        }
        return answer.ttl() == ttl ? answer : new DnsAnswer<>(answer.status(), answer.records(), ttl);
    }

    /**
     * Drops least recently used entries beyond maxEntries (expired entries are dropped when
     * next looked up; a scan for them on every insert would cost O(n)). Lock held.
     */
    private void evictOverflow() {
        Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator();
        while (entries.size() > maxEntries && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    @Override
    public String toString() {
        return "CachingResolver(" + delegate + ", max " + maxEntries + " entries)";
    }
}
