// SPDX-License-Identifier: Apache-2.0
package org.secumail.route;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.secumail.config.MainConfig;
import org.secumail.queue.DeliveryResult;
import org.secumail.queue.QueuedMessage;
import org.secumail.queue.Transport;
import org.secumail.rewrite.AddressResolver;
import org.secumail.rewrite.ResolvedAddress;
import org.secumail.table.LookupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport the queue manager sees: resolves each pending recipient to a {@link NextHop}
 * as trivial-rewrite(8) does, groups the recipients by (transport, nexthop) and hands each
 * group to its {@link DeliveryAgent} in one call (groups of one message run in parallel).
 *
 * <p>Resolution: the address class gives the default (mydestination: local_transport,
 * virtual domains: virtual_transport, relay_domains: relay_transport, anything else:
 * default_transport; the last two with relayhost, else the recipient domain, as next hop),
 * then transport_maps may override the transport, the next hop or both.
 */
public final class Router implements Transport, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.trivial-rewrite");

    private final AddressResolver resolver;
    private final TransportMaps maps;
    private final Map<String, DeliveryAgent> agents;
    private final String localTransport;
    private final String virtualTransport;
    private final String relayTransport;
    private final String defaultTransport;
    private final String relayhost;
    private final SenderRoutes senderRoutes;
    private final String name;

    /**
     * @param agents delivery agents by transport name (local, smtp, lmtp...); discard, error
     *               and retry are built in unless given
     */
    public Router(MainConfig cfg, AddressResolver resolver, TransportMaps maps, Map<String, DeliveryAgent> agents) {
        this.resolver = resolver;
        this.maps = maps;
        Map<String, DeliveryAgent> all = new LinkedHashMap<>(BuiltinAgents.all());
        all.putAll(agents);
        this.agents = Map.copyOf(all);
        this.localTransport = cfg.get("local_transport");
        this.virtualTransport = cfg.get("virtual_transport");
        this.relayTransport = cfg.get("relay_transport");
        this.defaultTransport = cfg.get("default_transport");
        this.relayhost = cfg.get("relayhost").strip();
        this.senderRoutes = SenderRoutes.fromConfig(cfg, resolver);
        this.name = "delivery";
    }

    @Override
    public String name() { return name; }

    @Override
    public DeliveryResult deliver(QueuedMessage msg, String recipient, Content content) {
        return deliverBatch(msg, List.of(new QueuedMessage.Recipient(0, recipient)), content).get(0);
    }

    @Override
    public String agentName(String recipient) {
        try {
            return route(recipient).transport();
        } catch (LookupException | RuntimeException e) {
            return name();
        }
    }

    /** The smtp/lmtp-style destinations of the message's pending recipients (local ones are not limited). */
    @Override
    public java.util.Set<String> destinations(QueuedMessage msg) {
        String filter = msg.envelope().attributes().get(CONTENT_FILTER);
        java.util.Set<String> out = new java.util.HashSet<>();
        for (QueuedMessage.Recipient r : msg.pending()) {
            try {
                NextHop hop = filter == null || filter.isBlank() ? route(r.address(), msg.envelope().sender()) : NextHop.parse(filter, new NextHop("smtp", domainOf(r.address())));
                if (hop.transport().equals("local") || hop.transport().equals("virtual")) continue;
                out.add(hop.toString());
            } catch (LookupException | RuntimeException e) {
                // a recipient that cannot be routed now is not scheduled by destination
            }
        }
        return out;
    }

    @Override
    public String agentName(QueuedMessage msg, String recipient) {
        String filter = msg.envelope().attributes().get(CONTENT_FILTER);
        if (filter == null || filter.isBlank()) return agentName(recipient);
        return NextHop.parse(filter, new NextHop("smtp", "")).transport();
    }

    /** The envelope attribute that holds a message's content filter ("scan:[127.0.0.1]:10025"). */
    public static final String CONTENT_FILTER = "content_filter";

    private static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1);
    }

    /** The next hop for one recipient address, whatever the sender. */
    public NextHop route(String address) throws LookupException {
        return route(address, null);
    }

    /**
     * The next hop for one recipient address of mail from {@code sender} (null: not known):
     * sender_dependent_relayhost_maps overrides relayhost, and
     * sender_dependent_default_transport_maps default_transport, as in trivial-rewrite(8).
     */
    public NextHop route(String address, String sender) throws LookupException {
        ResolvedAddress r = resolver.resolve(address);
        String relay = relayhost;
        String dflt = defaultTransport;
        if (sender != null && (senderRoutes.relayhosts() || senderRoutes.transports())
                && (r.cls() == org.secumail.rewrite.AddressClass.RELAY || r.cls() == org.secumail.rewrite.AddressClass.DEFAULT)) {
            Optional<String> sr = senderRoutes.relayhost(sender);
            if (sr.isPresent()) relay = sr.get();
            Optional<String> st = senderRoutes.defaultTransport(sender);
            if (st.isPresent()) dflt = st.get();
        }
        String nexthopDefault = relay.isEmpty() ? r.domain() : relay;
        NextHop base = switch (r.cls()) {
            case LOCAL -> NextHop.parse(localTransport, new NextHop("local", ""));
            case VIRTUAL_ALIAS, VIRTUAL_MAILBOX -> NextHop.parse(virtualTransport, new NextHop("virtual", ""));
            case RELAY -> NextHop.parse(relayTransport, new NextHop("relay", nexthopDefault));
            case DEFAULT -> NextHop.parse(dflt, new NextHop("smtp", nexthopDefault));
        };
        // local(8) and virtual(8) ignore the next hop of their class default ("local:$myhostname");
        // for relay and default the class default is "transport" alone, so the domain or relayhost stays.
        Optional<String> v = maps.find(r);
        return v.isPresent() && !v.get().isBlank() ? NextHop.parse(v.get(), base) : base;
    }

    @Override
    public List<DeliveryResult> deliverBatch(QueuedMessage msg, List<QueuedMessage.Recipient> recipients, Content content) {
        DeliveryResult[] results = new DeliveryResult[recipients.size()];
        Map<NextHop, List<Integer>> groups = new LinkedHashMap<>();
        // FILTER_README: a message received with content_filter (or a FILTER action) goes, all
        // recipients at once, to that transport and next hop instead of its normal routes.
        String filter = msg.envelope().attributes().get(CONTENT_FILTER);
        for (int i = 0; i < recipients.size(); i++) {
            String rcpt = recipients.get(i).address();
            try {
                NextHop hop = filter == null || filter.isBlank() ? route(rcpt, msg.envelope().sender()) : NextHop.parse(filter, new NextHop("smtp", domainOf(rcpt)));
                groups.computeIfAbsent(hop, k -> new ArrayList<>()).add(i);
            } catch (LookupException | RuntimeException e) {
                LOG.warn("{}: transport_maps lookup for <{}> failed: {}", msg.id(), rcpt, e.getMessage());
                results[i] = DeliveryResult.deferred("4.3.0", "none", "address resolver failure: " + e.getMessage());
            }
        }
        if (groups.size() == 1) {
            var e = groups.entrySet().iterator().next();
            run(msg, e.getKey(), e.getValue(), recipients, content, results);
        } else if (!groups.isEmpty()) {
            List<Future<?>> tasks = new ArrayList<>();
            try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (var e : groups.entrySet()) {
                    tasks.add(exec.submit(() -> run(msg, e.getKey(), e.getValue(), recipients, content, results)));
                }
                for (Future<?> f : tasks) {
                    try {
                        f.get();
                    } catch (ExecutionException | InterruptedException ex) {
                        if (ex instanceof InterruptedException) Thread.currentThread().interrupt();
                    }
                }
            }
        }
        for (int i = 0; i < results.length; i++) {
            if (results[i] == null) results[i] = DeliveryResult.deferred("4.3.0", "none", "delivery agent returned no result");
        }
        return Arrays.asList(results);
    }

    private void run(QueuedMessage msg, NextHop hop, List<Integer> idx, List<QueuedMessage.Recipient> all,
                     Content content, DeliveryResult[] results) {
        List<QueuedMessage.Recipient> group = idx.stream().map(all::get).toList();
        DeliveryAgent agent = agents.get(hop.transport());
        LOG.debug("{}: {} recipient(s) to {}", msg.id(), group.size(), hop);
        List<DeliveryResult> res;
        if (agent == null) {
            LOG.warn("{}: transport \"{}\" is not available (known: {})", msg.id(), hop.transport(), agents.keySet());
            res = java.util.Collections.nCopies(group.size(), DeliveryResult.deferred("4.3.0", "none", "mail transport unavailable"));
        } else {
            try {
                res = agent.deliver(msg, hop.nexthop(), group, content);
            } catch (RuntimeException e) {
                LOG.warn("{}: transport {} failed: {}", msg.id(), hop.transport(), e.toString());
                String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
                res = java.util.Collections.nCopies(group.size(), DeliveryResult.deferred("4.3.0", "none", "delivery temporarily suspended: " + why));
            }
        }
        for (int k = 0; k < idx.size(); k++) {
            results[idx.get(k)] = res != null && k < res.size() ? res.get(k) : null;
        }
    }

    /**
     * One recipient handed over by local delivery (mailbox_transport, fallback_transport and
     * their maps: "transport:nexthop", the next hop defaulting to the recipient's domain), as
     * local(8)'s deliver_pass gives it to another agent. The local and virtual agents are
     * refused: that would deliver in a circle.
     */
    public DeliveryResult pass(String spec, QueuedMessage msg, QueuedMessage.Recipient rcpt, Content content) {
        NextHop hop;
        try {
            hop = NextHop.parse(spec, new NextHop("local", domainOf(rcpt.address())));
        } catch (IllegalArgumentException e) {
            LOG.warn("{}: bad transport \"{}\" for <{}>: {}", msg.id(), spec, rcpt.address(), e.getMessage());
            return DeliveryResult.deferred("4.3.5", "none", "mail system configuration error");
        }
        if (hop.transport().equals("local") || hop.transport().equals("virtual") || agents.get(hop.transport()) == agents.get("local")) {
            LOG.warn("{}: transport \"{}\" for <{}> is local delivery itself: mail would loop", msg.id(), spec, rcpt.address());
            return DeliveryResult.deferred("4.3.5", "none", "mail system configuration error");
        }
        DeliveryResult[] out = new DeliveryResult[1];
        run(msg, hop, List.of(0), List.of(rcpt), content, out);
        return out[0] != null ? out[0] : DeliveryResult.deferred("4.3.0", "none", "delivery agent returned no result");
    }

    /** Closes the agents that hold resources (the SMTP and LMTP session caches). */
    @Override
    public void close() {
        for (DeliveryAgent a : new java.util.LinkedHashSet<>(agents.values())) {
            if (a instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.warn("closing a delivery agent: {}", e.toString());
                }
            }
        }
    }

    /**
     * The router SecuMail runs: local and virtual through {@code local}, smtp and relay
     * through one smtp(8) agent, lmtp through the lmtp(8) agent.
     */
    public static Router standard(MainConfig cfg, AddressResolver resolver, Transport local, org.secumail.dns.Resolver dns) {
        return standard(cfg, resolver, local, dns, List.of());
    }

    /**
     * The same, plus master.cf's own smtp and lmtp transports ("scan unix - - n - 10 smtp
     * -o ..."), each an agent of its own with its -o overrides of main.cf.
     */
    public static Router standard(MainConfig cfg, AddressResolver resolver, Transport local, org.secumail.dns.Resolver dns,
                                  List<org.secumail.config.MasterConfig.Transport> extra) {
        org.secumail.smtp.SmtpAgent smtp = org.secumail.smtp.SmtpAgent.smtp(cfg, dns);
        org.secumail.smtp.SmtpAgent lmtp = org.secumail.smtp.SmtpAgent.lmtp(cfg, dns);
        DeliveryAgent localAgent = (msg, hop, rcpts, content) -> local.deliverBatch(msg, rcpts, content);
        Map<String, DeliveryAgent> agents = new LinkedHashMap<>(Map.of("local", localAgent, "virtual", localAgent, "smtp", smtp,
                "relay", smtp, "lmtp", lmtp));
        for (var t : extra) {
            if (t.overrides().isEmpty() && agents.containsKey(t.name()) && !t.name().equals("local") && !t.name().equals("virtual")) {
                if (t.command().equals("lmtp") != (agents.get(t.name()) == lmtp)) {
                    agents.put(t.name(), t.command().equals("lmtp") ? lmtp : smtp);
                }
                continue;
            }
            MainConfig tc = cfg.withOverrides(t.overrides());
            agents.put(t.name(), t.command().equals("lmtp") ? org.secumail.smtp.SmtpAgent.lmtp(tc, dns) : org.secumail.smtp.SmtpAgent.smtp(tc, dns));
        }
        return new Router(cfg, resolver, TransportMaps.fromConfig(cfg), agents);
    }
}
