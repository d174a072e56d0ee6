// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.secumail.config.MainConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue manager, after Postfix's qmgr(8): takes committed messages from incoming/
 * (at once, when {@link #wake} is called after a commit) and due messages from deferred/
 * (every queue_run_delay), moves each to active/, hands every pending recipient to the
 * {@link Transport}, records each final result with a done record, then removes the
 * message or moves it to deferred/ with its next attempt time.
 *
 * <p>Backoff is Postfix's: the time to the next attempt is the message's age in the queue,
 * clamped to [minimal_backoff_time, maximal_backoff_time], so the interval doubles with
 * every attempt until it reaches the maximum.
 *
 * <p>Each message is handled on its own virtual thread; a semaphore of {@code concurrency}
 * permits is taken before a message is moved to active/, which bounds both the active
 * queue and the number of deliveries running at once.
 *
 * <p>Scheduling per destination, as qmgr(8) does it: a message whose every remote destination
 * ("smtp:example.com") already has {@code destinationLimit} messages in flight waits in its
 * queue (it is taken up when one of them finishes), so a slow but live destination holds at
 * most its own share of the slots and mail to other destinations goes on.
 */
public final class QueueManager implements AutoCloseable {
    private static final Logger QMGR = LoggerFactory.getLogger("secumail.qmgr");

    private final QueueStore store;
    private final Transport transport;
    private final Logger agentLog;
    private final Clock clock;
    private final Semaphore slots;
    private final Duration minimalBackoff;
    private final Duration maximalBackoff;
    private final Duration queueRunDelay;
    private final Bouncer bouncer;
    private final AttemptAccounting accounting;
    private volatile boolean flushRequested;
    /** Test seam: runs after the notifications are committed and before any done record (a crash there repeats them). */
    volatile Runnable afterNotifications = () -> { };
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<QueueId> inFlight = ConcurrentHashMap.newKeySet();
    /** default_destination_concurrency_limit: messages in flight per remote destination. */
    private volatile int destinationLimit = 20;
    /** Messages in flight per destination. */
    private final ConcurrentHashMap<String, Integer> destinationLoad = new ConcurrentHashMap<>();
    /** Each waiting message's destinations, read once from its envelope. */
    private final ConcurrentHashMap<QueueId, Set<String>> destinationsOf = new ConcurrentHashMap<>();
    /** Envelopes admit() has just read, taken by submit() for the delivery it starts. */
    private final ConcurrentHashMap<QueueId, QueuedMessage> loaded = new ConcurrentHashMap<>();
    /** A message waited for a busy destination: look again when a delivery finishes. */
    private volatile boolean skippedBusy;
    private final Object dispatchLock = new Object();
    private final Object signal = new Object();
    private boolean woken;
    private volatile boolean closed;
    private Thread loop;

    public QueueManager(QueueStore store, Transport transport, Clock clock, int concurrency,
                        Duration minimalBackoff, Duration maximalBackoff, Duration queueRunDelay) {
        this(store, transport, clock, concurrency, minimalBackoff, maximalBackoff, queueRunDelay,
                new Bouncer(store, BounceSettings.defaults("localhost")));
    }

    /** A queue manager whose lifetimes, delay warnings and notifications follow {@code bouncer}'s settings. */
    public QueueManager(QueueStore store, Transport transport, Clock clock, int concurrency,
                        Duration minimalBackoff, Duration maximalBackoff, Duration queueRunDelay, Bouncer bouncer) {
        this.bouncer = Objects.requireNonNull(bouncer);
        this.accounting = new AttemptAccounting(store, bouncer, clock, this::backoff, this::wake, () -> afterNotifications.run());
        this.store = Objects.requireNonNull(store);
        this.transport = Objects.requireNonNull(transport);
        this.agentLog = LoggerFactory.getLogger("secumail." + transport.name());
        this.clock = Objects.requireNonNull(clock);
        if (concurrency < 1) throw new IllegalArgumentException("concurrency must be at least 1");
        this.slots = new Semaphore(concurrency);
        if (minimalBackoff.isNegative() || minimalBackoff.isZero() || queueRunDelay.isNegative() || queueRunDelay.isZero()) {
            throw new IllegalArgumentException("backoff and queue run delay must be positive");
        }
        if (maximalBackoff.compareTo(minimalBackoff) < 0) {
            QMGR.warn("maximal_backoff_time is smaller than minimal_backoff_time; using {}s", minimalBackoff.toSeconds());
            maximalBackoff = minimalBackoff;
        }
        this.minimalBackoff = minimalBackoff;
        this.maximalBackoff = maximalBackoff;
        this.queueRunDelay = queueRunDelay;
    }

    /** A queue manager with minimal_backoff_time, maximal_backoff_time and queue_run_delay from main.cf. */
    public static QueueManager fromConfig(MainConfig cfg, QueueStore store, Transport transport, Clock clock, int concurrency) {
        QueueManager q = new QueueManager(store, transport, clock, concurrency, cfg.duration("minimal_backoff_time"),
                cfg.duration("maximal_backoff_time"), cfg.duration("queue_run_delay"), new Bouncer(store, BounceSettings.fromConfig(cfg)));
        q.destinationLimit(cfg.integer("default_destination_concurrency_limit"));
        return q;
    }

    /** Messages in flight per remote destination (default_destination_concurrency_limit); at least 1. */
    public void destinationLimit(int limit) { this.destinationLimit = Math.max(1, limit); }

    /**
     * The destinations of a message not yet in flight (read once), or null when it must wait
     * because every one of them is at its limit.
     */
    private Set<String> admit(Path env, QueueId id) {
        Set<String> dests = destinationsOf.get(id);
        if (dests == null) {
            try {
                QueuedMessage m = Files.exists(env) ? store.load(env) : null;
                dests = m == null ? Set.of() : transport.destinations(m);
                if (m != null) loaded.put(id, m);
            } catch (IOException | RuntimeException e) {
                dests = Set.of();   // handle() reports what is wrong with the file
            }
            destinationsOf.put(id, dests);
        }
        if (dests.isEmpty() || anyRoom(dests)) return dests;
        // Flag first, then look again: a delivery that finishes in between either sees the
        // flag (and wakes the dispatcher) or has already made room that this second look sees.
        skippedBusy = true;
        return anyRoom(dests) ? dests : null;
    }

    private boolean anyRoom(Set<String> dests) {
        for (String d : dests) {
            if (destinationLoad.getOrDefault(d, 0) < destinationLimit) return true;
        }
        return false;
    }

    /** Starts the background scan loop; the first pass looks at incoming/ and deferred/. */
    public synchronized void start() {
        if (loop != null || closed) throw new IllegalStateException("queue manager already started or closed");
        loop = Thread.ofVirtual().name("secumail-qmgr").start(this::runLoop);
    }

    /** Tells the loop that incoming/ has a new message (call after each commit). */
    public void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    /**
     * As postqueue -f: scan deferred/ now instead of at the next queue_run_delay (the caller
     * has made the messages due by their modification time) and incoming/ too.
     */
    public void flush() {
        flushRequested = true;
        wake();
    }

    /**
     * One synchronous pass: handles every message in incoming/ and every deferred message
     * whose next attempt time (by the Clock) has come, and waits until they are done.
     * Returns how many messages were handled.
     */
    public int runDue() throws IOException, InterruptedException {
        List<Future<?>> tasks = dispatch(true);
        for (Future<?> f : tasks) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("queue manager task failed", e.getCause());
            }
        }
        return tasks.size();
    }

    /** Stops scanning and waits for deliveries under way; unfinished messages stay queued. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = loop;
        }
        wake();
        executor.shutdown();
        try {
            if (t != null) t.join();
            if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
                // Interrupted deliveries leave their message in active/; recovery requeues it.
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void runLoop() {
        long lastDeferredScan = 0;
        boolean first = true;
        long delayNanos = queueRunDelay.toNanos();
        while (!closed) {
            boolean flush = flushRequested;
            flushRequested = false;
            boolean scanDeferred = first || flush || System.nanoTime() - lastDeferredScan >= delayNanos;
            try {
                dispatch(scanDeferred);
            } catch (IOException e) {
                QMGR.warn("queue scan failed: {}", e.getMessage());
            } catch (InterruptedException e) {
                return;
            }
            if (scanDeferred) {
                lastDeferredScan = System.nanoTime();
                first = false;
            }
            long waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos - (System.nanoTime() - lastDeferredScan)));
            synchronized (signal) {
                try {
                    if (!woken && !closed) signal.wait(waitMillis);
                } catch (InterruptedException e) {
                    return;
                }
                woken = false;
            }
        }
    }

    /** Starts a task for each message due now; blocks while all concurrency slots are taken. */
    private List<Future<?>> dispatch(boolean includeDeferred) throws IOException, InterruptedException {
        List<Future<?>> tasks = new ArrayList<>();
        synchronized (dispatchLock) {
            skippedBusy = false;
            for (Path env : store.list(QueueStore.INCOMING)) submit(env, tasks);
            if (includeDeferred) {
                Instant now = clock.instant();
                for (Path env : store.list(QueueStore.DEFERRED)) {
                    try {
                        if (!store.nextAttempt(env).isAfter(now)) submit(env, tasks);
                    } catch (NoSuchFileException e) {
                        // moved or removed since the listing
                    }
                }
            }
        }
        return tasks;
    }

    private void submit(Path env, List<Future<?>> tasks) throws InterruptedException {
        if (closed) return;
        QueueId id = QueueStore.idOf(env, QueueStore.ENVELOPE_SUFFIX);
        if (inFlight.contains(id)) return;
        Set<String> dests = admit(env, id);
        QueuedMessage read = loaded.remove(id);   // the envelope admit() read, if it read it now
        if (dests == null) return;   // its destinations are busy: it waits in its queue
        if (!inFlight.add(id)) return;
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            inFlight.remove(id);
            throw e;
        }
        for (String d : dests) destinationLoad.merge(d, 1, Integer::sum);
        try {
            tasks.add(executor.submit(() -> {
                try {
                    handle(env, read);
                } finally {
                    finished(id, dests);
                }
            }));
        } catch (RejectedExecutionException e) {
            finished(id, dests);
        }
    }

    private void finished(QueueId id, Set<String> dests) {
        for (String d : dests) destinationLoad.computeIfPresent(d, (k, n) -> n <= 1 ? null : n - 1);
        destinationsOf.remove(id);
        inFlight.remove(id);
        slots.release();
        if (skippedBusy && !dests.isEmpty()) wake();   // a message waiting for this destination may go now
    }

    /**
     * @param read the message as admit() read it a moment ago, or null: the queue file is read
     *             again only without it (reading it twice cost a tenth of the queue's system calls)
     */
    private void handle(Path env, QueuedMessage read) {
        QueueId id = QueueStore.idOf(env, QueueStore.ENVELOPE_SUFFIX);
        QueuedMessage msg;
        try {
            if (!Files.exists(env)) return;   // stale listing: already handled
            msg = read != null ? read : store.load(env);
        } catch (CorruptQueueFileException e) {
            quarantine(env, "corrupt envelope: " + e.getMessage());
            return;
        } catch (NoSuchFileException e) {
            // The envelope was there, so the content is missing: nothing can be delivered.
            if (Files.exists(env)) quarantine(env, "missing content file");
            return;
        } catch (IOException e) {
            QMGR.warn("{}: cannot read queue file: {}", id, e.getMessage());
            return;
        }
        String hold = msg.envelope().attributes().get("hold");
        if (hold != null && msg.queue().equals(QueueStore.INCOMING)) {
            // An access(5) HOLD action: the message waits in hold/ until an administrator releases it.
            try {
                store.moveTo(msg, QueueStore.HOLD);
                QMGR.info("{}: hold: {}", id, hold);
            } catch (IOException e) {
                QMGR.warn("{}: cannot move to queue hold: {}", id, e.getMessage());
            }
            return;
        }
        try {
            msg = store.moveTo(msg, QueueStore.ACTIVE);
        } catch (NoSuchFileException e) {
            return;   // another pass took it
        } catch (IOException e) {
            QMGR.warn("{}: cannot move to queue active: {}", id, e.getMessage());
            return;
        }
        try {
            deliverAll(msg);
        } catch (IOException | RuntimeException e) {
            // The message stays in active/ and is requeued by recovery at the next start.
            QMGR.error("{}: queue file update failed, left in queue active: {}", id, e.toString());
        }
    }

    private void deliverAll(QueuedMessage msg) throws IOException {
        Instant activeAt = clock.instant();
        Envelope envl = msg.envelope();
        QMGR.info("{}: from=<{}>, size={}, nrcpt={} (queue active)", msg.id(), printable(envl.sender()), msg.size(),
                envl.recipients().size());
        List<QueuedMessage.Recipient> todo = msg.pending();
        Instant start = clock.instant();
        List<DeliveryResult> results = attempt(msg, todo);
        Instant end = clock.instant();
        List<Bouncer.Outcome> delivered = new ArrayList<>();
        List<Bouncer.Outcome> failed = new ArrayList<>();
        List<Bouncer.Outcome> deferred = new ArrayList<>();
        for (int i = 0; i < todo.size(); i++) {
            QueuedMessage.Recipient r = todo.get(i);
            DeliveryResult res = results.get(i);
            logDelivery(msg, r.address(), res, activeAt, start, end);
            switch (res.status()) {
                case SENT -> delivered.add(new Bouncer.Outcome(r, res, successAction(res)));
                case BOUNCED -> failed.add(new Bouncer.Outcome(r, res, "failed"));
                case DEFERRED -> deferred.add(new Bouncer.Outcome(r, res, "delayed"));
            }
        }
        accounting.record(msg, delivered, failed, deferred);
    }

    /** RFC 3464 section 2.3.3: "delivered" into a mailbox here, "relayed" to a next hop that may not send DSNs. */
    private static String successAction(DeliveryResult res) {
        String relay = res.relay();
        return relay.equals("local") || relay.equals("virtual") ? "delivered" : "relayed";
    }

    /** Postfix's rule: wait as long as the message has been queued, within the backoff limits. */
    Duration backoff(Duration age) {
        if (age.compareTo(minimalBackoff) < 0) return minimalBackoff;
        if (age.compareTo(maximalBackoff) > 0) return maximalBackoff;
        return age;
    }

    /** All pending recipients in one call to the transport; one result per recipient, never null. */
    private java.util.List<DeliveryResult> attempt(QueuedMessage msg, java.util.List<QueuedMessage.Recipient> todo) {
        java.util.List<DeliveryResult> res;
        try {
            res = transport.deliverBatch(msg, todo, msg::openContent);
        } catch (RuntimeException e) {
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            res = java.util.Collections.nCopies(todo.size(), DeliveryResult.deferred("4.3.0", "none", "delivery temporarily suspended: " + why));
        }
        if (res == null || res.size() != todo.size()) {
            return java.util.Collections.nCopies(todo.size(), DeliveryResult.deferred("4.3.0", "none", "delivery agent returned no result"));
        }
        java.util.List<DeliveryResult> out = new ArrayList<>(res.size());
        for (DeliveryResult r : res) out.add(r != null ? r : DeliveryResult.deferred("4.3.0", "none", "delivery agent returned no result"));
        return out;
    }

    private void logDelivery(QueuedMessage msg, String rcpt, DeliveryResult res, Instant activeAt, Instant start, Instant end) {
        Instant arrival = msg.envelope().arrival();
        String delays = DelayFormat.format(Duration.between(arrival, activeAt)) + "/"
                + DelayFormat.format(Duration.between(activeAt, start)) + "/0/"
                + DelayFormat.format(Duration.between(start, end));
        String line = msg.id() + ": to=<" + printable(rcpt) + ">, relay=" + printable(res.relay())
                + ", delay=" + DelayFormat.format(Duration.between(arrival, end))
                + ", delays=" + delays + ", dsn=" + res.dsn() + ", status=" + res.status().logName() + " (" + printable(res.text()) + ")";
        org.secumail.metrics.Metrics.count("secumail.deliveries", "status", res.status().logName());
        if (res.status() == DeliveryResult.Status.SENT) org.secumail.metrics.Metrics.time("secumail.delivery.delay", Duration.between(arrival, end));
        String agent = agentName(msg, rcpt);
        (agent.equals(transport.name()) ? agentLog : LoggerFactory.getLogger("secumail." + agent)).info(line);
    }

    private String agentName(QueuedMessage msg, String rcpt) {
        try {
            String a = transport.agentName(msg, rcpt);
            return a == null || a.isBlank() ? transport.name() : a;
        } catch (RuntimeException e) {
            return transport.name();
        }
    }
    /** As Postfix's printable(): see {@link Printable}. */
    static String printable(String s) {
        return Printable.of(s);
    }

    private void quarantine(Path env, String reason) {
        try {
            store.quarantine(env, reason);
        } catch (IOException e) {
            QMGR.warn("{}: cannot move to queue corrupt: {}", env.getFileName(), e.getMessage());
        }
    }
}
