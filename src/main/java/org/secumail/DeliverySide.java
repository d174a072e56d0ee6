// SPDX-License-Identifier: Apache-2.0
package org.secumail;

import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.deliver.Forwarder;
import org.secumail.deliver.LocalTransport;
import org.secumail.dns.Resolver;
import org.secumail.queue.QueueStore;
import org.secumail.rewrite.AddressResolver;
import org.secumail.rewrite.RecipientMaps;
import org.secumail.route.Router;

/**
 * The delivery side's parts that outlive a reload (the forwarder that queues .forward and alias
 * copies, the ARC sealer of forwarded mail) and the router built from each configuration:
 * address rewriting, aliases, local delivery, transport_maps and master.cf's transports.
 */
record DeliverySide(Resolver dns, Forwarder forwarder) {
    static DeliverySide open(MainConfig cfg, Resolver dns, QueueStore store, Runnable wake) {
        org.secumail.arc.ArcForwardSealer arcSealer = org.secumail.arc.ArcForwardSealer.fromConfig(cfg, dns, java.time.Clock.systemUTC());
        Forwarder forwarder = new Forwarder(store, wake, java.time.Clock.systemUTC(), arcSealer == null ? null : arcSealer::seal);
        return new DeliverySide(dns, forwarder);
    }

    /** The router of one configuration. */
    Router router(MainConfig cfg, MasterConfig master) {
        AddressResolver addresses = new AddressResolver(cfg);
        LocalTransport local = new LocalTransport(cfg, addresses, new RecipientMaps(cfg), forwarder);
        Router router = Router.standard(cfg, addresses, local, dns, master.transports());
        local.passThrough(router::pass);
        return router;
    }
}
