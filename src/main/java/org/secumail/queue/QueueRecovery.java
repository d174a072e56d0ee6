// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Startup repair of the queue directory, what "postfix start" has postsuper(1) do. The
 * rules follow from the write order: the envelope is renamed into a queue last on commit,
 * moves first between queues and is deleted first on removal. So a content file whose
 * envelope is nowhere belongs to a message that was never acknowledged (or already
 * removed) and is deleted, while an envelope whose content sits in another queue was
 * interrupted while moving and gets its content back.
 */
final class QueueRecovery {
    private final QueueStore store;

    QueueRecovery(QueueStore store) { this.store = store; }

    List<QueuedMessage> run() throws IOException {
        cleanTmp();
        Map<QueueId, String> envelopes = new TreeMap<>();
        Map<QueueId, String> contents = new TreeMap<>();
        for (String q : QueueStore.QUEUES) scan(q, envelopes, contents);

        for (Map.Entry<QueueId, String> e : contents.entrySet()) {
            QueueId id = e.getKey();
            if (!envelopes.containsKey(id)) {
                QueueStore.LOG.info("{}: removed content file without envelope from queue {} (interrupted commit or removal)",
                        id, e.getValue());
                Files.deleteIfExists(contentIn(e.getValue(), id));
            }
        }

        List<QueuedMessage> incoming = new ArrayList<>();
        List<QueuedMessage> deferred = new ArrayList<>();
        for (Map.Entry<QueueId, String> e : envelopes.entrySet()) {
            QueueId id = e.getKey();
            String queue = e.getValue();
            if (queue.equals(QueueStore.ACTIVE)) {
                // Delivery was under way when we stopped: done records say which recipients
                // are finished, the others are delivered again from incoming/.
                move(QueueStore.ACTIVE, QueueStore.INCOMING, id + QueueStore.ENVELOPE_SUFFIX);
                queue = QueueStore.INCOMING;
                QueueStore.LOG.info("{}: requeued from active to incoming", id);
            }
            String contentQueue = contents.get(id);
            if (contentQueue != null && !contentQueue.equals(queue) && !Files.exists(contentIn(queue, id))) {
                move(contentQueue, queue, id + QueueStore.CONTENT_SUFFIX);
                QueueStore.LOG.info("{}: moved content file from {} to {} beside its envelope", id, contentQueue, queue);
            }
            Path env = store.queue(queue).resolve(id + QueueStore.ENVELOPE_SUFFIX);
            if (contentQueue == null) {
                store.quarantine(env, "missing content file");
                continue;
            }
            QueuedMessage msg;
            try {
                msg = store.load(env);
            } catch (CorruptQueueFileException ex) {
                store.quarantine(env, "corrupt envelope: " + ex.getMessage());
                continue;
            }
            if (queue.equals(QueueStore.INCOMING)) incoming.add(msg);
            else if (queue.equals(QueueStore.DEFERRED)) deferred.add(msg);
        }
        List<QueuedMessage> out = new ArrayList<>(incoming);
        out.addAll(deferred);
        return out;
    }

    /** Everything in tmp/ was never acknowledged to a client: the client will send it again. */
    private void cleanTmp() throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(store.queue(QueueStore.TMP))) {
            for (Path p : ds) {
                if (Files.isRegularFile(p) && Files.deleteIfExists(p)) removed++;
            }
        }
        if (removed > 0) QueueStore.LOG.info("removed {} uncommitted file(s) from queue tmp", removed);
    }

    private void scan(String queue, Map<QueueId, String> envelopes, Map<QueueId, String> contents) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(store.queue(queue))) {
            for (Path p : ds) {
                if (QueueStore.isQueueFile(p, QueueStore.ENVELOPE_SUFFIX)) {
                    record(envelopes, QueueStore.idOf(p, QueueStore.ENVELOPE_SUFFIX), queue, p);
                } else if (QueueStore.isQueueFile(p, QueueStore.CONTENT_SUFFIX)) {
                    record(contents, QueueStore.idOf(p, QueueStore.CONTENT_SUFFIX), queue, p);
                } else {
                    QueueStore.LOG.warn("ignoring unexpected file {} in queue {}", p.getFileName(), queue);
                }
            }
        }
    }

    /**
     * Renames are atomic, so one ID should appear in one queue only; if an administrator
     * copied files around, the first queue in {@link QueueStore#QUEUES} order wins and the
     * duplicate is left in place with a warning rather than deleted.
     */
    private static void record(Map<QueueId, String> where, QueueId id, String queue, Path p) {
        String before = where.putIfAbsent(id, queue);
        if (before != null) {
            QueueStore.LOG.warn("{}: duplicate queue file {} in queue {} (also in {}); left alone", id, p.getFileName(), queue, before);
        }
    }

    private Path contentIn(String queue, QueueId id) { return store.queue(queue).resolve(id + QueueStore.CONTENT_SUFFIX); }

    private void move(String from, String to, String name) throws IOException {
        try {
            Files.move(store.queue(from).resolve(name), store.queue(to).resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            throw new IOException("queue file " + name + " vanished from " + from + " during recovery", e);
        }
    }
}
