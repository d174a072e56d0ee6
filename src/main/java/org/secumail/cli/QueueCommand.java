// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.queue.DeliveryResult;
import org.secumail.queue.QueueId;
import org.secumail.queue.QueueAdmin;
import org.secumail.queue.QueueStore;
import org.secumail.queue.QueueTrigger;
import org.secumail.queue.QueuedMessage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * "secumail queue list|show QID|delete QID|ALL|hold QID|release QID|flush|requeue QID|ALL":
 * the queue like mailq, postcat, postsuper and postqueue. list prints mailq's layout ('*'
 * after the ID: being delivered, '!': on hold) with each deferred recipient's last reason in
 * parentheses. release moves a held message to deferred/ and makes it due now, as postsuper
 * -H does. flush (postqueue -f) makes every deferred message due now; requeue (postsuper -r)
 * moves messages back to incoming/ to be routed afresh. Both then tell the running server's
 * queue manager through queue_directory/public/qmgr (see QueueTrigger); without a running
 * server the change waits for its next start.
 */
@Command(name = "queue", mixinStandardHelpOptions = true,
        description = "Show and manage the mail queue: list (like mailq), show QID (like postcat), delete QID|ALL, hold QID, "
                + "release QID, flush (like postqueue -f), requeue QID|ALL (like postsuper -r).")
public final class QueueCommand implements Callable<Integer> {
    private static final DateTimeFormatter ARRIVAL = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss", Locale.ROOT);
    private static final List<String> QUEUES = QueueAdmin.QUEUES;

    @Parameters(index = "0", paramLabel = "ACTION", description = "list | show | delete | hold | release | flush | requeue")
    String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "QID", description = "queue ID (delete and requeue also take ALL)")
    String qid;

    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf (for queue_directory)")
    Path configDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean noId = action.equals("list") || action.equals("flush");
        if (noId != (qid == null)) {
            err.println("secumail queue: " + action + (qid == null ? " needs a queue ID" : " takes no queue ID"));
            return 64;
        }
        MainConfig cfg;
        try {
            cfg = ConfigSource.main(configDir);
        } catch (ConfigException e) {
            err.println("secumail queue: fatal: " + e.getMessage());
            return 1;
        }
        QueueStore store = new QueueStore(cfg.path("queue_directory"));
        if (action.equals("list")) {
            list(store, out);
            out.flush();
            return 0;
        }
        if (action.equals("flush")) {
            int n = QueueAdmin.flush(store);
            err.println("secumail queue: flush: " + n + " deferred message(s) due now; " + notifyServer(store, QueueTrigger.FLUSH));
            err.flush();
            return 0;
        }
        if (action.equals("requeue") && qid.equals("ALL")) {
            int n = 0;
            // List first, then move: a message moved to incoming/ must not be counted twice.
            List<Path> all = new ArrayList<>();
            for (String q : List.of(QueueStore.HOLD, QueueStore.INCOMING, QueueStore.DEFERRED)) all.addAll(store.list(q));
            for (Path env : all) {
                try {
                    if (requeue(store, store.load(env), err)) n++;
                } catch (java.nio.file.NoSuchFileException e) {
                    // delivered or moved by the queue manager since the listing
                }
            }
            err.println("secumail queue: Requeued: " + n + " message" + (n == 1 ? "" : "s") + "; " + notifyServer(store, QueueTrigger.WAKE));
            err.flush();
            return 0;
        }
        if (action.equals("delete") && qid.equals("ALL")) {
            int n = 0;
            for (String q : QUEUES) {
                for (Path env : store.list(q)) {
                    store.remove(store.load(env));
                    n++;
                }
            }
            err.println("secumail queue: Deleted: " + n + " messages");
            err.flush();
            return 0;
        }
        if (!QueueId.isValid(qid)) {
            err.println("secumail queue: bad queue ID: " + qid);
            return 64;
        }
        QueuedMessage msg = find(store, qid);
        if (msg == null) {
            err.println("secumail queue: " + qid + ": no such message in the queue");
            return 1;
        }
        switch (action) {
            case "show" -> {
                Envelope.print(msg, out);
                try (InputStream in = msg.openContent()) {
                    out.print(new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n"));
                }
            }
            case "delete", "hold", "release" -> {
                QueueAdmin.Outcome o = switch (action) {
                    case "delete" -> QueueAdmin.delete(store, msg);
                    case "hold" -> QueueAdmin.hold(store, msg);
                    default -> QueueAdmin.release(store, msg);
                };
                err.println("secumail queue: " + o.message());
                if (!o.ok()) return 1;
            }
            case "requeue" -> {
                if (!requeue(store, msg, err)) return 1;
                err.println("secumail queue: " + qid + ": requeued; " + notifyServer(store, QueueTrigger.WAKE));
            }
            default -> {
                err.println("secumail queue: unknown action \"" + action + "\"");
                return 64;
            }
        }
        out.flush();
        err.flush();
        return 0;
    }

    /**
     * postsuper -r: back to incoming/, where the queue manager routes it afresh at once. The
     * done records stay: recipients already delivered are not delivered again.
     */
    private static boolean requeue(QueueStore store, QueuedMessage msg, PrintWriter err) throws IOException {
        if (msg.queue().equals(QueueStore.ACTIVE)) {
            err.println("secumail queue: " + msg.id() + ": being delivered now; try again later");
            return false;
        }
        if (msg.queue().equals(QueueStore.INCOMING)) return true;
        try {
            store.moveTo(msg, QueueStore.INCOMING);
        } catch (java.nio.file.NoSuchFileException e) {
            // The envelope moves first: whoever moved it (the queue manager) owns the message.
            err.println("secumail queue: " + msg.id() + ": taken by the queue manager meanwhile");
            return false;
        }
        return true;
    }

    /** Tells the running queue manager to look now; says what happened for the command's output. */
    private static String notifyServer(QueueStore store, byte request) {
        return QueueTrigger.send(store.directory(), request) ? "queue manager notified"
                : "no running queue manager (the change takes effect at its next start)";
    }

    private static QueuedMessage find(QueueStore store, String qid) throws IOException {
        return QueueAdmin.find(store, qid);
    }

    /** mailq's layout. */
    private static void list(QueueStore store, PrintWriter out) throws IOException {
        List<QueuedMessage> all = QueueAdmin.all(store);
        if (all.isEmpty()) {
            out.println("Mail queue is empty");
            return;
        }
        out.println("-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------");
        long bytes = 0;
        for (QueuedMessage m : all) {
            String mark = m.queue().equals(QueueStore.ACTIVE) ? "*" : m.queue().equals(QueueStore.HOLD) ? "!" : " ";
            String sender = m.envelope().sender().isEmpty() ? "MAILER-DAEMON" : m.envelope().sender();
            out.printf("%-13s%9d %s  %s%n", m.id() + mark, m.size(), ARRIVAL.format(m.envelope().arrival().atZone(ZoneId.systemDefault())), sender);
            // As mailq: a deferred recipient's reason in parentheses, then the recipients it applies to.
            String lastReason = null;
            for (QueuedMessage.Recipient r : m.pending()) {
                DeliveryResult why = m.lastDeferral(r.index());
                String reason = why == null ? null : why.text();
                if (reason != null && !reason.equals(lastReason)) out.println("(" + printable(reason) + ")");
                lastReason = reason;
                out.printf("%44s%s%n", "", r.address());
            }
            out.println();
            bytes += m.size();
        }
        out.printf("-- %d Kbytes in %d Request%s.%n", (bytes + 1023) / 1024, all.size(), all.size() == 1 ? "" : "s");
    }

    private static String printable(String s) {
        return org.secumail.queue.Printable.of(s);
    }

    /** The envelope part of "show", like postcat's. */
    private static final class Envelope {
        static void print(QueuedMessage m, PrintWriter out) {
            out.println("*** ENVELOPE RECORDS " + m.id() + " (queue " + m.queue() + ") ***");
            out.println("arrival_time: " + m.envelope().arrival());
            out.println("sender: " + m.envelope().sender());
            for (var a : m.envelope().attributes().entrySet()) out.println(a.getKey() + ": " + a.getValue());
            List<String> rcpts = m.envelope().recipients();
            for (int i = 0; i < rcpts.size(); i++) {
                out.println("recipient: " + rcpts.get(i));
                if (m.done().containsKey(i)) out.println("done: " + m.done().get(i));
                DeliveryResult why = m.lastDeferral(i);
                if (why != null) out.println("last deferral: dsn=" + why.dsn() + ", relay=" + why.relay() + " (" + printable(why.text()) + ")");
            }
            if (m.delayWarned()) out.println("delay warning: sent");
            out.println("*** MESSAGE CONTENTS " + m.id() + " ***");
        }
    }
}
