// SPDX-License-Identifier: Apache-2.0
package org.secumail.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.queue.QueueStore;

/**
 * The dashboard in a real headless Chromium (Debian's chromium, installed by
 * scripts/install-test-deps.sh): it loads without console errors, shows a message that was just
 * refused with its trace, and holds and releases a queued message with mouse clicks.
 */
class DashboardBrowserTest {
    @TempDir
    Path dir;

    @Test
    void showsARejectionWithItsTraceAndHoldsAndReleasesAMessage() throws Exception {
        boolean ci = "true".equals(System.getenv("CI"));
        if (!ci) Assumptions.assumeTrue(DashboardServer.exists(Chromium.BINARY.toString()), "Debian's chromium is not installed");
        java.nio.file.Files.createDirectories(dir.resolve("server"));
        java.nio.file.Files.createDirectories(dir.resolve("profile"));
        try (DashboardServer s = new DashboardServer(dir.resolve("server"));
             Chromium browser = new Chromium(dir.resolve("profile"))) {
            String qid = s.sendDeferred("waiting@remote.example");
            s.sendRefused("refused-sender@client.example");

            browser.navigate("http://127.0.0.1:" + s.httpPort() + "/");
            assertThat(browser.waitFor("document.readyState === 'complete' && !document.getElementById('app').hidden", Duration.ofSeconds(30)))
                    .as("the dashboard shows its main part").isTrue();

            // the rejection just made, with its trace
            assertThat(browser.waitFor("document.getElementById('rejections-list').textContent.includes('refused-sender@client.example')",
                    Duration.ofSeconds(20))).as("the refused transaction is listed").isTrue();
            browser.click("#rejections-list details summary");
            assertThat(browser.waitFor("document.querySelector('#rejections-list details').open", Duration.ofSeconds(5))).isTrue();
            String trace = browser.eval("document.querySelector('#rejections-list details pre').textContent").asText();
            assertThat(trace).contains("RCPT TO:<nobody@example.test>").contains("550");

            // hold, then release, with the buttons of the message's row
            String row = "#queue-table tr[data-id='" + qid + "']";
            assertThat(browser.waitFor("document.querySelector(\"" + row + "\")", Duration.ofSeconds(10))).as("queued message listed").isTrue();
            browser.click(row + " button[data-action='hold']");
            assertThat(browser.waitFor("document.querySelector(\"" + row + " .queue-name\")?.textContent === 'hold'", Duration.ofSeconds(10)))
                    .as("the row shows the message on hold").isTrue();
            assertThat(s.queueOf(qid)).isEqualTo(QueueStore.HOLD);
            assertThat(browser.eval("document.getElementById('queue-status').textContent").asText()).contains("placed on hold");

            browser.click(row + " button[data-action='release']");
            assertThat(browser.waitFor("document.querySelector(\"" + row + " .queue-name\")?.textContent !== 'hold'", Duration.ofSeconds(10)))
                    .as("the row shows the message released").isTrue();
            assertThat(s.queueOf(qid)).isIn(QueueStore.DEFERRED, QueueStore.ACTIVE);

            // the overview has its figures
            assertThat(browser.eval("document.querySelectorAll('#tiles .tile').length").asInt()).isGreaterThanOrEqualTo(6);
            assertThat(browser.errors).as("console errors and exceptions").isEmpty();
        }
    }
}
