// SPDX-License-Identifier: Apache-2.0
package org.secumail.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A headless Debian Chromium driven over the Chrome DevTools protocol (a WebSocket, the JDK's
 * client), enough for the dashboard test: navigate, evaluate, click with real mouse events,
 * and collect console errors and uncaught exceptions. Started on loopback with the flags that
 * keep it off the network (no background networking, updates or sync).
 */
final class Chromium implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final WebSocket ws;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    /** Console errors, uncaught exceptions and failed loads seen on the page. */
    final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());

    Chromium(Path profile) throws Exception {
        process = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank")
                .redirectErrorStream(true).redirectOutput(profile.resolveSibling("chromium.log").toFile()).start();
        // Chromium writes the port it chose into the profile directory
        Path portFile = profile.resolve("DevToolsActivePort");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(portFile) || Files.readString(portFile).isBlank()) {
            if (System.nanoTime() > end || !process.isAlive()) throw new IOException("Chromium did not start: see chromium.log");
            Thread.sleep(50);
        }
        int port = Integer.parseInt(Files.readString(portFile).lines().findFirst().orElseThrow().strip());
        HttpClient http = HttpClient.newHttpClient();
        String wsUrl = null;
        while (wsUrl == null) {
            JsonNode list = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            for (JsonNode t : list) if (t.get("type").asText().equals("page")) wsUrl = t.get("webSocketDebuggerUrl").asText();
            if (wsUrl == null) {
                if (System.nanoTime() > end) throw new IOException("Chromium has no page target");
                Thread.sleep(50);
            }
        }
        ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(URI.create(wsUrl), new Listener())
                .get(30, TimeUnit.SECONDS);
        send("Runtime.enable", Map.of());
        send("Log.enable", Map.of());
        send("Page.enable", Map.of());
    }

    /** A command and its result (30 s at most). */
    JsonNode send(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ObjectNode msg = JSON.createObjectNode();
        msg.put("id", id);
        msg.put("method", method);
        msg.set("params", JSON.valueToTree(params));
        ws.sendText(JSON.writeValueAsString(msg), true).get(10, TimeUnit.SECONDS);
        JsonNode r = f.get(30, TimeUnit.SECONDS);
        if (r.has("error")) throw new IOException(method + ": " + r.get("error"));
        return r.get("result");
    }

    void navigate(String url) throws Exception {
        send("Page.navigate", Map.of("url", url));
    }

    /** The value of a JavaScript expression in the page (JSON-serialisable values). */
    JsonNode eval(String expression) throws Exception {
        JsonNode r = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (r.has("exceptionDetails")) throw new IOException("page threw: " + r.get("exceptionDetails"));
        return r.get("result").path("value");
    }

    /** Waits until the expression is true (bounded); false when time ran out. */
    boolean waitFor(String expression, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (eval("Boolean(" + expression + ")").asBoolean()) return true;
            Thread.sleep(100);
        }
        return false;
    }

    /** Clicks the element a CSS selector finds with real mouse events at its centre. */
    void click(String selector) throws Exception {
        String sel = JSON.writeValueAsString(selector);
        JsonNode box = eval("(() => { const e = document.querySelector(" + sel + "); if (!e) return null; e.scrollIntoView({block: 'center'});"
                + " const r = e.getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()");
        if (box.isNull() || box.isMissingNode()) throw new IOException("nothing to click: " + selector);
        double x = box.get("x").asDouble();
        double y = box.get("y").asDouble();
        send("Input.dispatchMouseEvent", Map.of("type", "mouseMoved", "x", x, "y", y));
        send("Input.dispatchMouseEvent", Map.of("type", "mousePressed", "x", x, "y", y, "button", "left", "clickCount", 1));
        send("Input.dispatchMouseEvent", Map.of("type", "mouseReleased", "x", x, "y", y, "button", "left", "clickCount", 1));
    }

    private void event(JsonNode msg) {
        String method = msg.path("method").asText();
        JsonNode p = msg.path("params");
        switch (method) {
            case "Runtime.exceptionThrown" -> errors.add("exception: " + p.path("exceptionDetails"));
            case "Runtime.consoleAPICalled" -> {
                if (p.path("type").asText().equals("error") || p.path("type").asText().equals("assert")) errors.add("console: " + p.path("args"));
            }
            case "Log.entryAdded" -> {
                if (p.path("entry").path("level").asText().equals("error")) errors.add("log: " + p.path("entry"));
            }
            default -> { }
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    JsonNode msg = JSON.readTree(text.toString());
                    if (msg.has("id")) {
                        CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
                        if (f != null) f.complete(msg);
                    } else {
                        event(msg);
                    }
                } catch (IOException e) {
                    errors.add("protocol: " + e.getMessage());
                }
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }

    @Override
    public void close() {
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing anyway
        }
        List<ProcessHandle> children = process.descendants().toList();   // renderers, GPU and zygote processes
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }
}
