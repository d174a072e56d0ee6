// SPDX-License-Identifier: Apache-2.0
package org.secumail;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.secumail.config.MainConfig;
import org.secumail.dashboard.DashboardBackend;
import org.secumail.dashboard.DashboardSettings;
import org.secumail.dns.Resolver;
import org.secumail.metrics.MetricsHttpServer;
import org.secumail.queue.QueueAdmin;
import org.secumail.queue.QueueManager;
import org.secumail.queue.QueueStore;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.RestrictionRegistry;
import org.secumail.trace.DryRun;
import org.secumail.trace.TraceStore;

/** Connects the dashboard to the running server: its queue, queue manager, traces and the main.cf in force. */
final class DashboardSetup {
    private DashboardSetup() { }

    static DashboardSettings settings(MainConfig cfg, String listen, QueueStore store) {
        boolean loopback = MetricsHttpServer.address(listen).getAddress().isLoopbackAddress();
        return DashboardSettings.fromConfig(cfg, loopback, () -> {
            Map<String, Path> queues = new LinkedHashMap<>();
            for (String q : QueueAdmin.QUEUES) queues.put(q, store.queue(q));
            return DashboardSettings.sizes(queues);
        });
    }

    static DashboardBackend backend(Server server, QueueStore store, QueueManager qmgr, RestrictionRegistry registry, Resolver dns) {
        return new DashboardBackend() {
            @Override
            public QueueStore store() { return store; }

            @Override
            public void wakeQueue() { qmgr.wake(); }

            @Override
            public TraceStore traces() { return server.traces(); }

            @Override
            public DryRun.Result explain(DryRun.Envelope envelope) {
                MainConfig cfg = server.config();   // the configuration in force, reloads included
                return DryRun.run(cfg, new CheckSettings(cfg, registry, dns), envelope);
            }
        };
    }
}
