// SPDX-License-Identifier: Apache-2.0
package org.secumail.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.MainConfig;
import org.secumail.queue.DeliveryResult;
import org.secumail.queue.Envelope;
import org.secumail.queue.QueueId;
import org.secumail.queue.QueuedMessage;
import org.secumail.rewrite.AddressResolver;

/** trivial-rewrite's routing: address classes, relayhost, transport_maps, grouping per next hop. */
class RouterTest {
    @TempDir
    Path dir;

    record Call(String transport, String nexthop, List<String> rcpts) { }

    final List<Call> calls = new CopyOnWriteArrayList<>();

    private DeliveryAgent recorder(String name) {
        return (msg, hop, rcpts, content) -> {
            calls.add(new Call(name, hop, rcpts.stream().map(QueuedMessage.Recipient::address).toList()));
            return rcpts.stream().map(r -> DeliveryResult.sent("2.0.0", name, "ok")).toList();
        };
    }

    private Router router(String... lines) throws Exception {
        Files.writeString(dir.resolve("transport"), """
                user@special.test     lmtp:unix:/run/dovecot/lmtp
                special.test          smtp:[10.0.0.1]:2525
                .sub.test             relay:[gw.sub.test]
                nohop.test            smtp:
                keep.test             :[override.test]
                gone.test             discard:silently dropped
                bad.test              error:5.1.1 no such domain here
                later.test            retry:4.4.5 maintenance until noon
                plainlocal.test       local
                notransport.test      nosuch:
                """);
        String main = String.join("\n", "myhostname = mx.our.test", "mydestination = our.test", "relay_domains = relayed.test",
                "transport_maps = texthash:" + dir.resolve("transport"), String.join("\n", lines), "");
        MainConfig cfg = MainConfig.fromText(main, "main.cf", dir);
        DeliveryAgent smtp = recorder("smtp");
        return new Router(cfg, new AddressResolver(cfg), TransportMaps.fromConfig(cfg),
                Map.of("local", recorder("local"), "smtp", smtp, "relay", smtp, "lmtp", recorder("lmtp")));
    }

    @Test
    void classesTransportMapsAndInheritance() throws Exception {
        Router r = router();
        assertThat(r.route("u@our.test")).isEqualTo(new NextHop("local", "mx.our.test"));
        assertThat(r.route("u@relayed.test")).isEqualTo(new NextHop("relay", "relayed.test"));
        assertThat(r.route("u@elsewhere.test")).isEqualTo(new NextHop("smtp", "elsewhere.test"));
        assertThat(r.route("user@special.test")).isEqualTo(new NextHop("lmtp", "unix:/run/dovecot/lmtp"));
        assertThat(r.route("other@special.test")).isEqualTo(new NextHop("smtp", "[10.0.0.1]:2525"));
        assertThat(r.route("a@deep.sub.test")).isEqualTo(new NextHop("relay", "[gw.sub.test]"));
        assertThat(r.route("a@sub.test")).as(".sub.test matches subdomains only").isEqualTo(new NextHop("smtp", "sub.test"));
        assertThat(r.route("a@nohop.test")).as("empty next hop keeps the domain").isEqualTo(new NextHop("smtp", "nohop.test"));
        assertThat(r.route("a@keep.test")).as("empty transport keeps the class default").isEqualTo(new NextHop("smtp", "[override.test]"));
        assertThat(r.route("a@plainlocal.test")).isEqualTo(new NextHop("local", "plainlocal.test"));
    }

    @Test
    void relayhostIsTheNextHopForRemoteAndRelayDomains() throws Exception {
        Router r = router("relayhost = [smarthost.test]:587");
        assertThat(r.route("u@elsewhere.test")).isEqualTo(new NextHop("smtp", "[smarthost.test]:587"));
        assertThat(r.route("u@relayed.test")).isEqualTo(new NextHop("relay", "[smarthost.test]:587"));
        assertThat(r.route("u@our.test").transport()).isEqualTo("local");
        assertThat(r.route("other@special.test")).as("transport_maps wins").isEqualTo(new NextHop("smtp", "[10.0.0.1]:2525"));
    }

    @Test
    void wildcardAndParentMatching() throws Exception {
        Files.writeString(dir.resolve("t2"), "example.test smtp:[parent.test]\n* smtp:[catchall.test]\n");
        String main = "mydestination = our.test\ntransport_maps = texthash:" + dir.resolve("t2")
                + "\nparent_domain_matches_subdomains = transport_maps\n";
        MainConfig cfg = MainConfig.fromText(main, "main.cf", dir);
        Router r = new Router(cfg, new AddressResolver(cfg), TransportMaps.fromConfig(cfg), Map.of());
        assertThat(r.route("a@x.example.test")).isEqualTo(new NextHop("smtp", "[parent.test]"));
        assertThat(r.route("a@other.test")).isEqualTo(new NextHop("smtp", "[catchall.test]"));
    }

    @Test
    void groupsByNextHopAndUsesBuiltinAgents() throws Exception {
        Router r = router();
        Path content = Files.writeString(dir.resolve("m"), "Subject: x\r\n\r\nbody\r\n");
        String[] rcpts = {"a@elsewhere.test", "u@our.test", "b@elsewhere.test", "x@gone.test", "y@bad.test", "z@later.test",
                "c@elsewhere.test", "n@notransport.test"};
        List<QueuedMessage.Recipient> rs = new ArrayList<>();
        for (int i = 0; i < rcpts.length; i++) rs.add(new QueuedMessage.Recipient(i, rcpts[i]));
        QueuedMessage msg = new QueuedMessage(QueueId.next(), "active", Envelope.of("s@our.test", List.of(rcpts), Instant.now()),
                rs, Map.of(), content, content, Files.size(content));
        List<DeliveryResult> res = r.deliverBatch(msg, rs, msg::openContent);
        assertThat(calls).contains(new Call("smtp", "elsewhere.test", List.of("a@elsewhere.test", "b@elsewhere.test", "c@elsewhere.test")),
                new Call("local", "mx.our.test", List.of("u@our.test")));
        assertThat(calls).hasSize(2);
        assertThat(res.get(3)).isEqualTo(DeliveryResult.sent("2.0.0", "none", "silently dropped"));
        assertThat(res.get(4)).isEqualTo(DeliveryResult.bounced("5.1.1", "none", "no such domain here"));
        assertThat(res.get(5)).isEqualTo(DeliveryResult.deferred("4.4.5", "none", "maintenance until noon"));
        assertThat(res.get(7)).isEqualTo(DeliveryResult.deferred("4.3.0", "none", "mail transport unavailable"));
        assertThat(res.get(0).relay()).isEqualTo("smtp");
        assertThat(res.get(1).relay()).isEqualTo("local");
    }

    /**
     * sender_dependent_relayhost_maps and sender_dependent_default_transport_maps: the sender
     * (user@domain, then @domain; the null sender as "<>") picks the relayhost or the default
     * transport of mail that leaves; transport_maps still win, and local mail is not touched.
     */
    @Test
    void senderDependentRelayhostAndDefaultTransport() throws Exception {
        Router r = router("relayhost = [smarthost.test]",
                "sender_dependent_relayhost_maps = inline:{ {boss@our.test=[vip-relay.test]:587}, {@brand.test=[brand-relay.test]}, {<>=[bounce-relay.test]} }",
                "sender_dependent_default_transport_maps = inline:{ {@lmtp-sender.test=lmtp:inet:127.0.0.1:24} }");
        assertThat(r.route("x@elsewhere.test", "boss@our.test")).isEqualTo(new NextHop("smtp", "[vip-relay.test]:587"));
        assertThat(r.route("x@elsewhere.test", "anyone@brand.test")).isEqualTo(new NextHop("smtp", "[brand-relay.test]"));
        assertThat(r.route("x@elsewhere.test", "")).isEqualTo(new NextHop("smtp", "[bounce-relay.test]"));
        assertThat(r.route("x@elsewhere.test", "someone@else.test")).isEqualTo(new NextHop("smtp", "[smarthost.test]"));
        assertThat(r.route("x@elsewhere.test", null)).isEqualTo(new NextHop("smtp", "[smarthost.test]"));
        assertThat(r.route("x@relayed.test", "anyone@brand.test")).isEqualTo(new NextHop("relay", "[brand-relay.test]"));
        assertThat(r.route("x@elsewhere.test", "a@lmtp-sender.test")).isEqualTo(new NextHop("lmtp", "inet:127.0.0.1:24"));
        // transport_maps and local delivery are not overridden
        assertThat(r.route("x@special.test", "boss@our.test")).isEqualTo(new NextHop("smtp", "[10.0.0.1]:2525"));
        assertThat(r.route("user@our.test", "boss@our.test").transport()).isEqualTo("local");
    }
}
