// SPDX-License-Identifier: Apache-2.0
package org.secumail.fuzz;

import ch.qos.logback.classic.Level;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.secumail.antivirus.ClamdFuzzEntry;
import org.secumail.arc.ArcChain;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.config.Parameters;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;
import org.secumail.dkim.DkimException;
import org.secumail.dkim.DkimKeyRecord;
import org.secumail.dkim.DkimSignature;
import org.secumail.dkim.TagList;
import org.secumail.dmarc.DmarcRecord;
import org.secumail.dns.DnsFuzzEntry;
import org.secumail.milter.MilterFuzzEntry;
import org.secumail.policy.PolicyFuzzEntry;
import org.secumail.postscreen.PostscreenFuzzEntry;
import org.secumail.smtpd.NonSmtpCommand;
import org.secumail.smtpd.PathParser;
import org.secumail.smtpd.ProxyProtocol;
import org.secumail.spam.SpamFuzzEntry;
import org.secumail.spf.SpfFuzzEntry;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;
import org.slf4j.LoggerFactory;

/**
 * One coverage-guided fuzz target (Jazzer) for every parser that reads bytes from outside.
 * The first byte picks the parser ('a' the first, 'b' the next ..., any byte works modulo the
 * count); the rest is that parser's input. Each parser's documented refusal (ConfigException,
 * DkimException, SpfException inside its bridge, LookupException, IOException where the
 * reader says so) is caught; anything else escaping is a finding.
 *
 * <p>Plain {@code mvn test} runs the seeds and every saved finding in
 * src/test/resources/org/secumail/fuzz/ParsersFuzzTestInputs/parsers/ as regression tests;
 * with JAZZER_FUZZ=1 it fuzzes (scripts/fuzz.sh). The bridges in the parsers' own packages
 * (SpfFuzzEntry, DnsFuzzEntry, ...) reach the package-private parsers.
 */
class ParsersFuzzTest {
    /** The parsers, in selector order: 'a' + index picks one. Append only, so saved inputs keep their meaning. */
    enum Target {
        SMTP_PATH, MAIN_CF, MASTER_CF, TABLE, POLICY, SPF_RECORD, SPF_MACRO, SPF_EVAL, DNS, MIME, DKIM_SIGNATURE,
        DKIM_KEY, TAG_LIST, DMARC, ARC, MILTER, CLAMD_CONF, CLAMD, SPAMD, PROXY, POSTSCREEN, MIME_PARTS
    }

    private static final Target[] TARGETS = Target.values();
    private static final Path DIR;

    private static Level rootLevel;

    /**
     * The parsers log refusals at INFO/WARN: keep the fuzzing loop off the disk. The levels are
     * put back afterwards, since the other tests of the same JVM read log lines.
     */
    @org.junit.jupiter.api.BeforeAll
    static void quiet() {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        rootLevel = root.getLevel();
        root.setLevel(Level.OFF);
    }

    @org.junit.jupiter.api.AfterAll
    static void restoreLogging() {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(rootLevel);
        // SpamFuzzEntry quiets and captures secumail.spamd for its own checks
        ch.qos.logback.classic.Logger spamd = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("secumail.spamd");
        spamd.setLevel(null);
        spamd.setAdditive(true);
        spamd.detachAndStopAllAppenders();
    }

    static {
        try {
            DIR = Files.createTempDirectory("secumail-fuzz");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** maxDuration bounds a fuzzing run (JAZZER_FUZZ=1); scripts/fuzz.sh can lengthen it. */
    @FuzzTest(maxDuration = "170s")
    void parsers(byte[] input) throws Throwable {
        if (input.length == 0) return;
        Target t = TARGETS[Math.floorMod((input[0] & 0xff) - 'a', TARGETS.length)];
        byte[] data = Arrays.copyOfRange(input, 1, input.length);
        String text = new String(data, StandardCharsets.UTF_8);
        switch (t) {
            case SMTP_PATH -> smtpPath(text);
            case MAIN_CF -> mainCf(text);
            case MASTER_CF -> masterCf(text);
            case TABLE -> table(data);
            case POLICY -> PolicyFuzzEntry.requests(data);
            case SPF_RECORD -> SpfFuzzEntry.record(text);
            case SPF_MACRO -> SpfFuzzEntry.macros(text);
            case SPF_EVAL -> SpfFuzzEntry.evaluate(text);
            case DNS -> DnsFuzzEntry.response(data);
            case MIME -> SpamFuzzEntry.message(data);
            case DKIM_SIGNATURE -> dkimSignature(text);
            case DKIM_KEY -> dkimKey(text);
            case TAG_LIST -> tagList(text);
            case DMARC -> dmarc(text);
            case ARC -> arc(data);
            case MILTER -> MilterFuzzEntry.packets(data);
            case CLAMD_CONF -> ClamdFuzzEntry.conf(new String(data, StandardCharsets.ISO_8859_1));
            case CLAMD -> ClamdFuzzEntry.server(data);
            case SPAMD -> SpamFuzzEntry.spamd(data);
            case PROXY -> proxy(data);
            case POSTSCREEN -> postscreen(text);
            case MIME_PARTS -> ClamdFuzzEntry.mimeParts(data);
        }
    }

    /** MAIL FROM:/RCPT TO: argument, strict and lax; SyntaxException is the refusal. */
    private static void smtpPath(String arg) {
        for (boolean strict : new boolean[] {false, true}) {
            try {
                PathParser.Parsed p = PathParser.parse(arg, strict);
                p.parameters().keySet().forEach(p::token);
            } catch (PathParser.SyntaxException e) {
                // 501 5.1.7 Bad sender address syntax
            }
        }
    }

    private static final List<String> ALL_PARAMETERS = List.copyOf(Parameters.defaults().keySet());

    /** main.cf, then every parameter expanded; ConfigException is the refusal (also for a recursive $name). */
    private static void mainCf(String text) {
        MainConfig cfg;
        try {
            cfg = MainConfig.fromText(text, "main.cf", DIR);
        } catch (ConfigException e) {
            return;
        }
        Set<String> names = new HashSet<>(cfg.explicitNames());
        names.addAll(ALL_PARAMETERS);
        for (String name : names) {
            try {
                cfg.list(name);
            } catch (ConfigException e) {
                // e.g. "parameter expansion too deep"
            }
        }
        try {
            cfg.unknownParameters();
        } catch (ConfigException e) {
            // as above
        }
    }

    private static void masterCf(String text) {
        try {
            MasterConfig m = MasterConfig.parse(text, "master.cf", 100);
            m.services().forEach(Object::toString);
            m.transports().forEach(Object::toString);
        } catch (ConfigException e) {
            // refused
        }
    }

    private static final String[] TABLE_TYPES = {"inline", "cidr", "regexp", "pcre", "static", "texthash", "texthash-aliases"};

    /**
     * A table opened from text: byte 0 picks the type, then the table up to the first NUL
     * (inside "type:{...}", or as the texthash file), then the lookup keys, NUL-separated.
     */
    private static void table(byte[] data) throws IOException {
        if (data.length == 0) return;
        String type = TABLE_TYPES[(data[0] & 0xff) % TABLE_TYPES.length];
        String rest = new String(data, 1, data.length - 1, StandardCharsets.UTF_8);
        int nul = rest.indexOf('\0');
        String body = nul < 0 ? rest : rest.substring(0, nul);
        List<String> keys = nul < 0 ? List.of("key") : Arrays.asList(rest.substring(nul + 1).split("\0", 8));
        Tables.clearCache();
        LookupTable table;
        try {
            if (type.startsWith("texthash")) {
                Path file = DIR.resolve("table");
                Files.writeString(file, body, StandardCharsets.UTF_8);
                table = Tables.open("texthash:" + file, DIR, type.endsWith("aliases"));
            } else {
                table = Tables.open(type + ":{" + body + "}", DIR);
            }
        } catch (ConfigException e) {
            return;
        }
        for (String key : keys) {
            // short keys: a regexp table's pattern is the administrator's, its worst case is not a parser bug
            String k = key.length() > 40 ? key.substring(0, 40) : key;
            try {
                table.lookup(k);
            } catch (LookupException e) {
                // a temporary failure, the table's documented way
            }
        }
    }

    private static void dkimSignature(String value) {
        for (boolean arc : new boolean[] {false, true}) {
            try {
                DkimSignature.parse(value, arc);
            } catch (DkimException e) {
                // permerror
            }
        }
    }

    private static void dkimKey(String txt) {
        try {
            DkimKeyRecord.parse(txt);
        } catch (DkimException e) {
            // permerror / no key
        }
    }

    private static void tagList(String text) {
        try {
            TagList t = TagList.parse(text);
            for (String name : t.asMap().keySet()) t.compact(name);
        } catch (DkimException e) {
            // refused
        }
    }

    private static void dmarc(String txt) {
        DmarcRecord.Parsed p = DmarcRecord.parse(txt);
        if (p.record() != null) p.record().toString();
    }

    /** A message's header section, then its ARC sets; DkimException is a broken chain (cv=fail). */
    private static void arc(byte[] message) {
        List<HeaderField> headers = RawMessage.of(message).headers();
        headers.forEach(HeaderField::value);
        try {
            ArcChain.parse(headers);
        } catch (DkimException e) {
            // refused
        }
    }

    /** A haproxy PROXY v1 or v2 header from a client; ProxyException (an IOException) is the refusal. */
    private static void proxy(byte[] header) {
        try {
            ProxyProtocol.read(new FakeSocket(header), Duration.ofSeconds(10), new ProxyProtocol.Families(true, true));
        } catch (IOException e) {
            // malformed or short header: the session ends with Postfix's reply
        }
    }

    private static void postscreen(String line) {
        PostscreenFuzzEntry.address(line);
        NonSmtpCommand.isHeader(line);
    }

}
