// SPDX-License-Identifier: Apache-2.0
package org.secumail.deliver;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.secumail.config.MainConfig;
import org.secumail.queue.DeliveryResult;
import org.secumail.queue.QueuedMessage;
import org.secumail.queue.Transport;
import org.secumail.rewrite.AddressClass;
import org.secumail.rewrite.AddressResolver;
import org.secumail.rewrite.RecipientMaps;
import org.secumail.rewrite.ResolvedAddress;
import org.secumail.table.LookupException;

/**
 * Final delivery for our own domains, like Postfix's local(8) and virtual(8):
 * <ul>
 * <li>mydestination: the local part (address extension removed) is looked up in alias_maps
 *     and expanded (recursively, at most {@value #MAX_DEPTH} levels); each resulting local user
 *     gets mail in home_mailbox under the user's home directory when home_mailbox is set, else
 *     in mail_spool_directory/USER. A path ending in '/' is a Maildir, else an mbox file.</li>
 * <li>virtual_mailbox_domains: virtual_mailbox_maps gives the mailbox path below
 *     virtual_mailbox_base, with the same '/' rule.</li>
 * <li>virtual_alias_maps rewrite an address before delivery.</li>
 * </ul>
 * Remote domains never reach this agent: {@link org.secumail.route.Router} sends them to smtp.
 * Aliases that point to addresses in other domains are forwarded as local(8) does: a new
 * queue file with the same sender and content plus "Delivered-To: recipient"
 * ({@link Forwarder}); a message that already has that Delivered-To line bounces as a
 * forwarding loop (5.4.6).
 * Alias targets that are files, commands or :include: lists are bounced as unsupported.
 */
public final class LocalTransport implements Transport {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("secumail.local");
    static final int MAX_DEPTH = 10;

    private final AddressResolver resolver;
    private final RecipientMaps maps;
    private final Path spool;
    private final boolean spoolIsMaildir;
    private final String homeMailbox;
    private final Path virtualBase;
    private final MaildirWriter maildirWriter;
    private final MboxWriter mboxWriter;
    private final Forwarder forwarder;
    private final MailboxDelegation delegation;
    private final long mailboxLimit;
    private final long virtualLimit;
    private final String myorigin;
    /** Set once the router exists (mailbox_transport, fallback_transport need its agents). */
    private volatile MailboxDelegation.Passer passer;

    /** Local delivery without forwarding: aliases to remote addresses are deferred. */
    public LocalTransport(MainConfig cfg, AddressResolver resolver, RecipientMaps maps) {
        this(cfg, resolver, maps, null);
    }

    /** Local delivery that forwards alias targets in other domains through {@code forwarder}. */
    public LocalTransport(MainConfig cfg, AddressResolver resolver, RecipientMaps maps, Forwarder forwarder) {
        this.forwarder = forwarder;
        this.resolver = resolver;
        this.maps = maps;
        String spoolDir = cfg.get("mail_spool_directory");
        this.spool = Path.of(spoolDir);
        this.spoolIsMaildir = spoolDir.endsWith("/");
        this.homeMailbox = cfg.get("home_mailbox");
        this.virtualBase = Path.of(cfg.get("virtual_mailbox_base").isEmpty() ? "." : cfg.get("virtual_mailbox_base"));
        this.maildirWriter = new MaildirWriter(java.time.Clock.systemUTC(), cfg.get("myhostname"));
        this.mboxWriter = new MboxWriter(java.time.Clock.systemUTC());
        this.delegation = new MailboxDelegation(cfg);
        this.mailboxLimit = cfg.longValue("mailbox_size_limit");
        this.virtualLimit = cfg.longValue("virtual_mailbox_limit");
        long messageLimit = cfg.longValue("message_size_limit");
        // local.c and virtual.c stop (and defer all local mail) when a mailbox limit is under the
        // message size limit or the message size is unlimited; here it is said once, and the
        // limit still applies per delivery
        for (String[] p : new String[][] {{"mailbox_size_limit", Long.toString(mailboxLimit)}, {"virtual_mailbox_limit", Long.toString(virtualLimit)}}) {
            long limit = Long.parseLong(p[1]);
            if (limit > 0 && messageLimit <= 0) {
                LOG.warn("warning: configuration error: {} is limited but message_size_limit is unlimited", p[0]);
            } else if (limit > 0 && limit < messageLimit) {
                LOG.warn("warning: configuration error: {} is smaller than message_size_limit", p[0]);
            }
        }
        this.myorigin = cfg.get("myorigin");
    }

    /** Where mailbox_transport and fallback_transport deliveries go: the router's agents. */
    public void passThrough(MailboxDelegation.Passer p) { this.passer = p; }

    @Override
    public String name() { return "local"; }

    @Override
    public List<DeliveryResult> deliverBatch(QueuedMessage msg, List<QueuedMessage.Recipient> recipients, Content content) {
        List<DeliveryResult> results = new ArrayList<>(recipients.size());
        for (QueuedMessage.Recipient r : recipients) {
            DeliveryResult res;
            try {
                res = deliver(msg, r, content);
            } catch (IOException | RuntimeException e) {
                String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
                res = DeliveryResult.deferred("4.3.0", "none", "delivery temporarily suspended: " + why);
            }
            results.add(res);
        }
        return results;
    }

    @Override
    public DeliveryResult deliver(QueuedMessage msg, String recipient, Content content) throws IOException {
        int index = 0;
        for (QueuedMessage.Recipient r : msg.pending()) if (r.address().equals(recipient)) { index = r.index(); break; }
        return deliver(msg, new QueuedMessage.Recipient(index, recipient), content);
    }

    private DeliveryResult deliver(QueuedMessage msg, QueuedMessage.Recipient rcpt, Content content) throws IOException {
        String recipient = rcpt.address();
        List<Mailbox> mailboxes = new ArrayList<>();
        DeliveryResult problem;
        try {
            problem = expand(recipient, 0, mailboxes, new java.util.HashSet<>());
        } catch (LookupException e) {
            return DeliveryResult.deferred("4.3.0", "local", "table lookup failed: " + e.getMessage());
        }
        if (problem != null) return problem;
        if (org.secumail.verify.AddressVerifier.isProbe(msg)) return probeResult(msg, rcpt, mailboxes, content);
        String sender = msg.envelope().sender();
        List<String> where = new ArrayList<>();
        List<String> remote = mailboxes.stream().filter(b -> b.remote() != null).map(Mailbox::remote).distinct().toList();
        if (!remote.isEmpty()) {
            try (InputStream in = content.open()) {
                if (Forwarder.hasDeliveredTo(in, recipient)) {
                    return DeliveryResult.bounced("5.4.6", "local", "mail forwarding loop for " + recipient);
                }
            }
        }
        String folder = quarantineFolder(msg);
        DeliveryResult tooBig = sizeLimits(msg, mailboxes);
        if (tooBig != null) return tooBig;
        for (Mailbox box : mailboxes) {
            if (box.remote() != null || box.via() != null) continue;
            try (InputStream in = content.open()) {
                if (box.maildir() && folder != null) {
                    // a content check's quarantine into a Maildir++ folder (e.g. ".Junk"), which
                    // IMAP servers such as Dovecot show as a folder of the mailbox
                    Path sub = box.path().resolve(folder);
                    java.nio.file.Files.createDirectories(sub);
                    Path marker = sub.resolve("maildirfolder");
                    if (!java.nio.file.Files.exists(marker)) java.nio.file.Files.createFile(marker);
                    maildirWriter.deliver(sub, in, recipient, sender);
                    where.add("maildir folder " + folder);
                } else if (box.maildir()) {
                    maildirWriter.deliver(box.path(), in, recipient, sender);
                    where.add("maildir");
                } else {
                    java.nio.file.Path parent = box.path().toAbsolutePath().getParent();
                    if (parent != null) java.nio.file.Files.createDirectories(parent);
                    mboxWriter.deliver(box.path(), in, recipient, sender);
                    where.add("mailbox");
                }
            }
        }
        DeliveryResult passed = passAll(msg, rcpt, mailboxes, content, where);
        if (passed != null) return passed;
        if (!remote.isEmpty()) {
            // after the local copies: a failure here defers, and the retry repeats the local
            // copies rather than losing the forwarded one
            where.add("forwarded as " + forwarder.forward(msg, recipient, remote, content));
        }
        return DeliveryResult.sent("2.0.0", "local", where.size() == 1 && where.get(0).startsWith("forwarded")
                ? where.get(0) : "delivered to " + String.join(", ", where.stream().distinct().toList()));
    }

    /**
     * The Maildir++ folder a content check filed the message into (envelope attribute
     * "folder": a check's quarantine target such as secumail_dmarc_quarantine_target), or null. Only a plain ".Name" is taken: the
     * value came from main.cf, but a queue file must never make delivery write elsewhere.
     */
    static String quarantineFolder(QueuedMessage msg) {
        String f = msg.envelope().attributes().get("folder");
        if (f == null || !f.matches("\\.[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}") || f.contains("..")) return null;
        return f;
    }

    /**
     * The mailbox deliveries handed to mailbox_transport or fallback_transport, after the
     * mailboxes written here: the first that is not sent decides (a deferral retries the
     * recipient as a whole, as in Postfix). With one such delivery and nothing else, its
     * result is the recipient's, the agent's reply and relay included.
     */
    private DeliveryResult passAll(QueuedMessage msg, QueuedMessage.Recipient rcpt, List<Mailbox> mailboxes, Content content, List<String> where) {
        List<Mailbox> vias = mailboxes.stream().filter(b -> b.via() != null).distinct().toList();   // mailbox.c: once per user
        if (vias.isEmpty()) return null;
        MailboxDelegation.Passer p = passer;
        DeliveryResult last = null;
        for (Mailbox box : vias) {
            DeliveryResult r = p == null ? DeliveryResult.deferred("4.3.0", "none", "mail transport unavailable")
                    : p.pass(box.via(), msg, new QueuedMessage.Recipient(rcpt.index(), box.address()), content);
            if (r.status() != DeliveryResult.Status.SENT) return r;
            last = r;
            where.add(r.relay() + " (" + r.text() + ")");
        }
        return mailboxes.size() == 1 ? last : null;
    }

    /**
     * mailbox_size_limit (local) and virtual_mailbox_limit (virtual): a mailbox file that the
     * message would take past the limit, or a Maildir message file over it, is not written and
     * the recipient bounces with 5.2.2, as Postfix's file size limit (EFBIG) makes it bounce.
     * Checked for all mailboxes first, so no copy is written when one of them would fail.
     */
    private DeliveryResult sizeLimits(QueuedMessage msg, List<Mailbox> mailboxes) throws IOException {
        for (Mailbox box : mailboxes) {
            if (box.remote() != null || box.via() != null) continue;
            boolean virtual = box.path().startsWith(virtualBase) && !virtualBase.equals(Path.of("."));
            long limit = virtual ? virtualLimit : mailboxLimit;
            if (limit <= 0) continue;
            long need = msg.size();
            if (!box.maildir() && java.nio.file.Files.exists(box.path())) need += java.nio.file.Files.size(box.path());
            if (need > limit) {
                return DeliveryResult.bounced("5.2.2", virtual ? "virtual" : "local", box.maildir()
                        ? "maildir delivery failed: error writing message: File too large"
                        : "cannot update mailbox " + box.path() + " for user " + box.path().getFileName() + ". error writing message: File too large");
            }
        }
        return null;
    }

    /**
     * An address verification probe: the expansion succeeded, so the address is deliverable
     * here, unless a mailbox is another transport's (mailbox_transport), which is asked in
     * turn (a probe again: Dovecot's LMTP answers RCPT TO). Nothing is written or forwarded.
     */
    private DeliveryResult probeResult(QueuedMessage msg, QueuedMessage.Recipient rcpt, List<Mailbox> mailboxes, Content content) {
        DeliveryResult passed = passAll(msg, rcpt, mailboxes, content, new ArrayList<>());
        if (passed != null && passed.status() != DeliveryResult.Status.SENT) return passed;
        boolean forwarded = mailboxes.stream().anyMatch(b -> b.remote() != null);
        return passed != null ? passed : DeliveryResult.sent("2.0.0", "local", forwarded ? "aliased to remote addresses" : "delivers to mailbox");
    }

    /** A mailbox: a Maildir directory or an mbox file; or a remote address; or another transport's delivery. */
    private record Mailbox(Path path, boolean maildir, String remote, String via, String address) {
        Mailbox(Path path, boolean maildir) { this(path, maildir, null, null, null); }

        static Mailbox remote(String address) { return new Mailbox(null, false, address, null, null); }

        static Mailbox via(String transport, String address) { return new Mailbox(null, false, null, transport, address); }
    }

    /** Adds the mailboxes of {@code address} to {@code out}; returns a final result for failures. */
    private DeliveryResult expand(String address, int depth, List<Mailbox> out, java.util.Set<String> seen) throws LookupException {
        if (depth > MAX_DEPTH) return DeliveryResult.bounced("5.4.6", "local", "mail forwarding loop for " + address);
        ResolvedAddress r = resolver.resolve(address);
        Optional<String> valias = r.cls() == AddressClass.LOCAL || r.cls() == AddressClass.VIRTUAL_ALIAS
                || r.cls() == AddressClass.VIRTUAL_MAILBOX ? maps.virtualAlias(r) : Optional.empty();
        if (valias.isPresent() && seen.add(r.address())) return expandList(valias.get(), depth, out, seen);
        switch (r.cls()) {
            case LOCAL -> {
                return expandLocal(maps.stripExtension(r.localPart().toLowerCase(Locale.ROOT)), address, depth, out, seen);
            }
            case VIRTUAL_MAILBOX -> {
                Optional<String> box = maps.virtualMailbox(r);
                if (box.isEmpty()) return DeliveryResult.bounced("5.1.1", "virtual", "unknown user: \"" + r.address() + "\"");
                String rel = box.get().strip();
                if (rel.startsWith("/") || rel.contains("..")) {
                    return DeliveryResult.bounced("5.3.5", "virtual", "bad mailbox path \"" + rel + "\" in virtual_mailbox_maps");
                }
                out.add(new Mailbox(virtualBase.resolve(rel), rel.endsWith("/")));
                return null;
            }
            case VIRTUAL_ALIAS -> {
                return DeliveryResult.bounced("5.1.1", "local", "unknown user: \"" + r.address() + "\"");
            }
            default -> {
                if (forwarder == null) {
                    return DeliveryResult.deferred("4.3.0", "none", "alias expansion to remote address " + r.address()
                            + " needs forwarding, which is not configured");
                }
                out.add(Mailbox.remote(address));   // local(8) forwards: a new queue file (Forwarder)
                return null;
            }
        }
    }

    /** A local user: its alias if it has one (an alias naming itself delivers to the user's own mailbox), else its mailbox. */
    private DeliveryResult expandLocal(String user, String address, int depth, List<Mailbox> out, java.util.Set<String> seen) throws LookupException {
        if (depth > MAX_DEPTH) return DeliveryResult.bounced("5.4.6", "local", "mail forwarding loop for " + user);
        Optional<String> alias = maps.alias(user);
        if (alias.isPresent() && seen.add(user)) return expandList(alias.get(), depth, out, seen);
        return localMailbox(user, address, depth, out, seen);
    }

    private DeliveryResult expandList(String targets, int depth, List<Mailbox> out, java.util.Set<String> seen) throws LookupException {
        for (String t : MainConfig.splitList(targets.replace('\n', ','))) {
            if (t.startsWith("|") || t.startsWith("/") || t.regionMatches(true, 0, ":include:", 0, 9)) {
                return DeliveryResult.bounced("5.3.0", "local", "alias target \"" + t + "\" (file, command or :include:) is not supported");
            }
            // local(8): a name without @domain in an alias is a local user, whatever myorigin is
            DeliveryResult r;
            if (t.indexOf('@') < 0) {
                String user = AddressResolver.unquote(t).toLowerCase(Locale.ROOT);
                r = expandLocal(user, t + "@" + myorigin, depth + 1, out, seen);
            } else {
                r = expand(t, depth + 1, out, seen);
            }
            if (r != null) return r;
        }
        return null;
    }

    /**
     * A local user's mailbox, as local(8)'s deliver_mailbox: mailbox_transport(_maps) first,
     * whether or not passwd knows the user; then home_mailbox (the user must be in passwd) or
     * mail_spool_directory (passwd asked only when unknown users have somewhere to go:
     * SecuMail's spool takes any user that local_recipient_maps let in).
     */
    private DeliveryResult localMailbox(String user, String address, int depth, List<Mailbox> out, java.util.Set<String> seen) throws LookupException {
        if (user.isEmpty() || user.startsWith(".") || user.contains("/") || user.chars().anyMatch(c -> c < 33 || c == 127)) {
            return DeliveryResult.bounced("5.1.3", "local", "bad local user name \"" + user + "\"");
        }
        Optional<String> via = delegation.mailboxTransport(user);
        if (via.isPresent()) {
            out.add(Mailbox.via(via.get(), address));
            return null;
        }
        Path p;
        boolean maildir;
        if (!homeMailbox.isEmpty()) {
            Optional<Path> home = UnixUsers.home(user);
            if (home.isEmpty()) return unknownUser(user, address, depth, out, seen);
            p = home.get().resolve(homeMailbox);
            maildir = homeMailbox.endsWith("/");
        } else {
            if (delegation.handlesUnknown() && UnixUsers.home(user).isEmpty()) return unknownUser(user, address, depth, out, seen);
            p = spool.resolve(user);
            maildir = spoolIsMaildir;
        }
        out.add(new Mailbox(p, maildir));
        return null;
    }

    /** local(8)'s deliver_unknown: fallback_transport(_maps), then luser_relay, else a bounce. */
    private DeliveryResult unknownUser(String user, String address, int depth, List<Mailbox> out, java.util.Set<String> seen) throws LookupException {
        Optional<String> via = delegation.fallbackTransport(user);
        if (via.isPresent()) {
            out.add(Mailbox.via(via.get(), address));
            return null;
        }
        Optional<String> relay = delegation.luserRelay(user, address);
        if (relay.isPresent() && !relay.get().isEmpty() && seen.add("luser_relay " + user)) {
            String to = relay.get().indexOf('@') < 0 ? relay.get() + "@" + myorigin : relay.get();
            if (!to.equalsIgnoreCase(address)) return expand(to, depth + 1, out, seen);
        }
        return DeliveryResult.bounced("5.1.1", "local", "unknown user: \"" + user + "\"");
    }
}
