// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;

/** Where the configuration comes from: CONFIG_DIR given with -c, or the embedded defaults. */
final class ConfigSource {
    private ConfigSource() { }

    static MainConfig main(Path dir) {
        return dir != null ? MainConfig.load(dir) : MainConfig.fromText(resource("main.cf"), "(embedded)/main.cf", Path.of("."));
    }

    static MasterConfig master(Path dir, MainConfig cfg) {
        int limit = cfg.integer("default_process_limit");
        return dir != null ? MasterConfig.load(dir.resolve("master.cf"), limit)
                : MasterConfig.parse(resource("master.cf"), "(embedded)/master.cf", limit);
    }

    /** The caching resolver of main.cf's dns_servers and secumail_dns_timeout, as the server uses. */
    static org.secumail.dns.Resolver resolver(MainConfig cfg) {
        return new org.secumail.dns.CachingResolver(org.secumail.dns.DnsjavaResolver.fromConfig(cfg.list("dns_servers"),
                cfg.duration("secumail_dns_timeout")));
    }

    static String resource(String name) {
        try (InputStream in = ConfigSource.class.getResourceAsStream("/org/secumail/defaults/" + name)) {
            if (in == null) throw new ConfigException("embedded " + name + " is missing from the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read embedded " + name, e);
        }
    }
}
