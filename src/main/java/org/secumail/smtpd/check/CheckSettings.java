// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.secumail.config.MainConfig;
import org.secumail.dns.Resolver;
import org.secumail.rewrite.AddressResolver;
import org.secumail.rewrite.RecipientMaps;
import org.secumail.table.NetworkMatchList;

/**
 * Everything the restrictions of one smtpd service read, built once from its main.cf view:
 * the parsed restriction lists per stage, mynetworks, the address resolver and recipient
 * tables, the DNS resolver, and Postfix's reply-code parameters. Immutable and shared by
 * all sessions of the service.
 */
public final class CheckSettings {
    private final MainConfig config;
    private final RestrictionRegistry registry;
    private final Resolver dns;
    private final NetworkMatchList mynetworks;
    private final AddressResolver addressResolver;
    private final RecipientMaps recipientMaps;
    private final Set<String> restrictionClasses;
    private final Map<Stage, RestrictionList> lists = new EnumMap<>(Stage.class);
    private final Map<String, RestrictionList> accessValueLists = new ConcurrentHashMap<>();
    private final boolean parentMatchesAccess;
    private final java.util.List<ClientPrefetch> prefetches = new java.util.ArrayList<>();

    public CheckSettings(MainConfig config, RestrictionRegistry registry, Resolver dns) {
        this.config = config;
        this.registry = registry;
        this.dns = dns;
        this.mynetworks = NetworkMatchList.of(config.list("mynetworks"), config.configDir());
        this.addressResolver = new AddressResolver(config);
        this.recipientMaps = new RecipientMaps(config);
        this.restrictionClasses = new HashSet<>(config.list("smtpd_restriction_classes"));
        this.parentMatchesAccess = config.list("parent_domain_matches_subdomains").contains("smtpd_access_maps");
        for (Stage s : Stage.values()) {
            RestrictionList list = registry.parse(s.parameter(), config.list(s.parameter()), this);
            lists.put(s, list);
            for (RestrictionList.Entry e : list.entries()) {
                if (e.restriction() instanceof ClientPrefetch p) prefetches.add(p);
            }
        }
    }

    public MainConfig config() { return config; }

    private volatile org.secumail.verify.AddressVerifier verifier;

    /** The address verification service of reject_unverified_* (none outside the server). */
    public void useVerifier(org.secumail.verify.AddressVerifier v) { this.verifier = v; }

    public org.secumail.verify.AddressVerifier verifier() { return verifier; }

    /** Starts the client-keyed DNS lookups of every list at once (see {@link ClientPrefetch}). */
    public void prefetchClient(CheckContext ctx) {
        for (ClientPrefetch p : prefetches) p.prefetch(ctx);
    }

    public RestrictionRegistry registry() { return registry; }

    public Resolver dns() { return dns; }

    public NetworkMatchList mynetworks() { return mynetworks; }

    public AddressResolver addressResolver() { return addressResolver; }

    public RecipientMaps recipientMaps() { return recipientMaps; }

    public Set<String> restrictionClasses() { return restrictionClasses; }

    public RestrictionList list(Stage s) { return lists.get(s); }

    public boolean parentMatchesAccess() { return parentMatchesAccess; }

    public int code(String parameter) { return config.integer(parameter); }

    public String tempfailAction(String parameter) { return config.get(parameter).strip(); }

    /** An access-table value that is a restriction list ("permit_mynetworks, reject"), parsed once. */
    public RestrictionList accessValueList(String value) {
        return accessValueLists.computeIfAbsent(value,
                v -> registry.parse("access table result", MainConfig.splitList(v), this));
    }
}
