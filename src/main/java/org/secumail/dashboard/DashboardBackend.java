// SPDX-License-Identifier: Apache-2.0
package org.secumail.dashboard;

import org.secumail.queue.QueueStore;
import org.secumail.trace.DryRun;
import org.secumail.trace.TraceStore;

/** What the dashboard works on: the running server's parts. */
public interface DashboardBackend {
    QueueStore store();

    /** Tells the queue manager to look at the queue now. */
    void wakeQueue();

    /** The decision traces, or null when tracing is off. */
    TraceStore traces();

    /** secumail explain with the configuration in force. */
    DryRun.Result explain(DryRun.Envelope envelope);
}
