package io.tradepulse.launcher;

import io.tradepulse.avro.TariffEvent;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicAdmin;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.ingest.CatalogProducer;
import io.tradepulse.ingest.FileIngest;
import io.tradepulse.ingest.ParseResult;
import io.tradepulse.ingest.TariffEventsCsv;
import io.tradepulse.streams.ProcessorConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tradepulse tariffs}: loads a tariff calendar CSV (the format of the bundled
 * {@code tariff-events-us-china-2025.csv}) into the compacted {@code tariff.events} topic of a real cluster and
 * registry, and withdraws events with tombstones. This is how a production processor gets its calendar: the demo
 * publishes the bundled one, nothing else does.
 *
 * <p>The whole file is parsed and checked before anything is sent: one invalid row refuses the command and
 * nothing is published. Events are upserts by id (the topic is compacted by id), so running the same file
 * again is harmless, and a corrected file replaces what it corrects.
 *
 * <p>Upserts and tombstones of one run are written in one Kafka transaction ({@code transactional.id}, default
 * {@code tradepulse-tariffs-<topic>}). The processor reads tariff.events read_committed and re-evaluates its
 * signals on every calendar refresh, so without it a refresh in the middle of a run, or a run that failed half
 * way, would emit and later retract signals of a calendar nobody wrote.
 */
@Command(name = "tariffs", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {Main.EXIT_OK, Main.EXIT_FAILED, Main.EXIT_USAGE,
                Main.EXIT_SIGNAL},
        description = {"Publish a tariff calendar CSV to tariff.events (upsert by event id) and withdraw events "
                + "with tombstones.",
                "The file has the header '" + TariffEventsCsv.HEADER + "' (the format of the bundled "
                        + "demo-data/tariff-events-us-china-2025.csv). Every row is checked before anything is sent: "
                        + "an invalid row, or an empty or duplicate id, refuses the whole file and nothing is published.",
                "The processor re-reads the calendar every tradepulse.signals.tariff.refresh.ms (default 10 s) and "
                        + "re-evaluates FRONT_LOADING/PAYBACK of every series a changed event concerns; a withdrawn event retracts "
                        + "the signals it caused.",
                "A run's upserts and tombstones are one Kafka transaction (transactional.id in --config, default "
                        + "tradepulse-tariffs-<topic>): the processor, which reads read_committed, sees all of them "
                        + "or none."},
        footer = {"", "The --config file takes Kafka client keys (bootstrap.servers, security.protocol,",
                "sasl.*, ssl.*), serde keys (schema.registry.url, basic.auth.*, bearer.auth.*)",
                "and tradepulse.topic.* keys; the properties file of 'tradepulse run' works as",
                "is. --bootstrap-servers, --schema-registry-url and --topic-prefix override it.", "",
                "Examples:",
                "  tradepulse tariffs --file tariff-events.csv --dry-run",
                "  tradepulse tariffs --file tariff-events.csv --config app.properties",
                "  tradepulse tariffs --file tariff-events.csv --bootstrap-servers broker:9092 \\",
                "      --schema-registry-url http://registry:8081",
                "  tradepulse tariffs --config app.properties --delete us-cn-2025-08-truce-expiry",
                "",
                "An invalid file is refused with exit code 2 before anything is connected to,",
                "and so is, once connected and before anything is sent, a missing topic with",
                "--no-create-topics."})
final class TariffsCommand implements Callable<Integer> {

    @Option(names = {"-f", "--file"}, paramLabel = "CSV", description = "Tariff events CSV to publish (every row, upsert by id).")
    Path file;

    @Option(names = "--delete", paramLabel = "ID",
            description = "Withdraw the event with this id: write a tombstone (repeatable; with or without --file).")
    List<String> deletes = new ArrayList<>();

    @CommandLine.Mixin
    ConnectionOptions connection = new ConnectionOptions();

    // fallbackValue: without it picocli inverts a default-true negatable flag (--create-topics would give false
    // and --no-create-topics true).
    @Option(names = "--create-topics", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Create missing tradepulse topics (tariff.events compacted) first (default: ${DEFAULT-VALUE}).")
    boolean createTopics;

    @Option(names = "--dry-run", description = "Parse and check the file, print what would be sent, and stop without connecting.")
    boolean dryRun;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Whether the transaction had started when a failure happened (for the message: a retry is safe either way). */
    private boolean sendingStarted;

    /** The default transactional id: one per tariff.events topic, so two runs against the same calendar fence. */
    static String defaultTransactionalId(String topic) {
        return "tradepulse-tariffs-" + topic;
    }

    /** What one run sends, checked: valid events with unique ids, and ids to withdraw. */
    record Plan(String source, List<TariffEvent> events, List<String> tombstones) {
    }

    /** The input cannot be sent as it is; {@code problems} name each row (or option) and the reason. */
    static final class Refused extends Exception {
        final List<String> problems;

        Refused(String message, List<String> problems) {
            super(message);
            this.problems = List.copyOf(problems);
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (file == null && deletes.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Give --file and/or --delete");
        }
        // An unreadable --config is a bad option (exit 2, naming it), as for run and ingest: it exited 1.
        Map<String, Object> settings = settings();
        boolean connectionGiven = connection.given();
        if (!dryRun || connectionGiven) {
            ConnectionOptions.requireConnection(spec.commandLine(), settings, dryRun ? "" : " (or --dry-run to only check the file)");
        }
        TopicCatalog topics = null;
        String topic = String.valueOf(settings.getOrDefault(ProcessorConfig.TOPIC_PREFIX_CONFIG, "")) + TopicCatalog.TARIFF_EVENTS;
        if (!dryRun || connectionGiven) {
            try {
                // The same configuration path as `run`: unknown keys and invalid values fail here, naming the key;
                // so does a transaction.timeout.ms (plain or producer., the keys this run's producer takes) below 1.
                topics = new ProcessorConfig(settings).topicCatalog();
                topic = topics.tariffEvents().name();
            } catch (ConfigException e) {
                err.println("Invalid configuration: " + e.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
        }

        Plan plan;
        try {
            plan = plan();
        } catch (Refused e) {
            // Found before anything is connected to, and running the same command again cannot help: a usage error.
            err.println("Refused: " + e.getMessage() + "; nothing was sent.");
            e.problems.forEach(p -> err.println("  " + p));
            return CommandLine.ExitCode.USAGE;
        }

        if (dryRun) {
            print(out, plan);
            out.printf(Locale.ROOT, "Dry run: %s and %s to %s; nothing was sent.%n",
                    count(plan.events().size(), "event") + " would be published",
                    count(plan.tombstones().size(), "tombstone") + " written", topic);
            return 0;
        }
        try {
            return send(out, err, settings, topics, plan);
        } catch (MissingTopicsException e) {
            // A usage error like an invalid file (exit 2): it exited 1, as for a cluster that was down.
            err.println("Refused: " + e.getMessage());
            return CommandLine.ExitCode.USAGE;
        } catch (TopicAdmin.NotCopartitionedException e) {
            // Found by the topic step, before anything is sent, and fixed only by recreating the topic: exit 2 as for
            // ingest, run and demo. It exited 1 ("Failed: ..."), telling a script that running it again may help.
            err.println("Refused: " + e.getMessage() + " Nothing was sent.");
            return CommandLine.ExitCode.USAGE;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (Main.isClientConfigurationError(e)) {
                // A client that could not be built from --config (before anything was sent): exit 2, as in Main.failed.
                err.println("Invalid configuration: " + Main.messages(e) + "; nothing was sent.");
                return CommandLine.ExitCode.USAGE;
            }
            // The documented form of every command's failure (Main.failed): "tradepulse <command> failed: <what>:
            // <why>", then the stack trace; it printed "Failed: ..." and no trace. What was sent goes between them.
            err.println("tradepulse " + spec.commandLine().getCommandName() + " failed: " + Main.messages(e));
            err.println(sendingStarted ? "The run's events and tombstones are one transaction: a reader of " + topic
                    + " with read_committed (the processor) sees all of them or, normally after a failure, none."
                    + " Running the command again is safe (events are upserted by id)." : "Nothing was sent.");
            e.printStackTrace(err);
            return 1;
        }
    }

    private int send(PrintWriter out, PrintWriter err, Map<String, Object> settings, TopicCatalog topics, Plan plan)
            throws Exception {
        Topic<String, TariffEvent> topic = topics.tariffEvents();
        // The admin keys of --config with its admin.-prefixed ones on top, as run's admin client takes them (the file is
        // run's): admin.sasl.jaas.config, the principal allowed to create topics, was ignored here, so tariffs run
        // before the processor on a fresh cluster created the topics as the plain principal, refused where it may not.
        Map<String, Object> admin = RunCommand.adminSettings(settings);
        try (Admin client = Admin.create(admin)) {
            if (createTopics) {
                List<String> created;
                try {
                    created = Pipeline.createTopics(client, topics, List.of());
                } catch (TopicAdmin.TopicListingException e) {
                    // Named for this command: nothing was created, only the listing failed (it said "Could not create
                    // topics: Timed out waiting for a node assignment. Call: listTopics").
                    throw new IllegalStateException("could not list the cluster's topics (to check " + topic.name()
                            + " and create the missing ones)", e.getCause());
                }
                out.println(created.isEmpty() ? "Topics: all exist" : "Topics created: " + String.join(", ", created));
            } else {
                // Never let the producer auto-create it: an auto-created topic would not be compacted.
                Pipeline.requireTopics(client, List.of(Pipeline.Needed.inRoleOf(topic, topic.name())), List.of(),
                        "nothing was sent");
            }
        }
        if (!plan.tombstones().isEmpty()) {
            warnAboutUnknownIds(err, ClientSettings.consumer(settings), topic, plan.tombstones());
        }
        Map<String, Object> producerSettings = producerSettings(settings, topic.name());
        sendingStarted = true;
        try (CatalogProducer producer = new CatalogProducer(producerSettings)) {
            producer.sendAtomically(() -> {
                if (!plan.events().isEmpty()) {
                    List<ParseResult<TariffEvent>> rows = plan.events().stream()
                            .<ParseResult<TariffEvent>>map(ev -> new ParseResult.Parsed<>(0, ev)).toList();
                    new FileIngest(producer, topics).publishTariffEvents(plan.source(), rows);
                }
                // One producer, one partition: the tombstones land after the upserts, in order.
                for (String id : plan.tombstones()) {
                    producer.send(topic, id, null);
                }
            }); // commits, or aborts and throws if any of them was not written
        }
        // Committed: every event of the plan is on the topic (the plan holds only valid rows, none dead-lettered).
        out.printf(Locale.ROOT, "Done: %s published, %s written to %s.%n", count(plan.events().size(), "event"),
                count(plan.tombstones().size(), "tombstone"), topic.name());
        out.println("A running processor applies the change within tradepulse.signals.tariff.refresh.ms (default 10 s).");
        return 0;
    }

    /**
     * The settings of the run's producer: the producer keys of --config, its producer.-prefixed ones on top (as run's
     * producers take them), and a transactional id of its own unless one is given.
     */
    static Map<String, Object> producerSettings(Map<String, Object> settings, String topic) {
        Map<String, Object> producer = new HashMap<>(ClientSettings.producer(settings));
        producer.putIfAbsent(ProducerConfig.TRANSACTIONAL_ID_CONFIG, defaultTransactionalId(topic));
        return producer;
    }

    /** Parses and checks the file and the --delete ids; nothing is connected to. */
    Plan plan() throws Refused {
        List<String> problems = new ArrayList<>();
        List<TariffEvent> events = new ArrayList<>();
        Map<String, Long> lineOfId = new LinkedHashMap<>();
        String source = file == null ? "(no file)" : file.toString();
        if (file != null) {
            List<ParseResult<TariffEvent>> rows;
            try {
                rows = new TariffEventsCsv().parse(new java.io.StringReader(utf8(file)));
            } catch (IOException e) {
                throw new Refused("cannot read " + file, List.of(String.valueOf(e)));
            }
            for (ParseResult<TariffEvent> row : rows) {
                if (row instanceof ParseResult.Rejected<TariffEvent> bad) {
                    // The header: no row of the file can be interpreted. Not "line 1": after blank lines the header was
                    // taken for a row, and the file was refused as "1 problem" of a row instead of as no tariff file.
                    if (TariffEventsCsv.isHeaderRejection(bad)) {
                        throw new Refused(file + " is not a tariff events file", List.of("line " + bad.line() + ": "
                                + bad.reason() + ", found '" + abbreviate(bad.raw()) + "'"));
                    }
                    problems.add("line " + bad.line() + ": " + bad.reason() + "\n      " + abbreviate(bad.raw()));
                    continue;
                }
                ParseResult.Parsed<TariffEvent> ok = (ParseResult.Parsed<TariffEvent>) row;
                // Never empty nor a repeat: TariffEventsCsv rejects such a row (a repeat names the earlier line).
                lineOfId.put(ok.value().getId(), ok.line());
                events.add(ok.value());
            }
            if (rows.isEmpty()) {
                throw new Refused(file + " contains no tariff events",
                        List.of("expected the header '" + TariffEventsCsv.HEADER + "' and one event per line"));
            }
        }
        Set<String> tombstones = new LinkedHashSet<>();
        for (String raw : deletes) {
            String id = raw.trim();
            if (id.isEmpty()) {
                problems.add("--delete: the id is empty");
            } else if (lineOfId.containsKey(id)) {
                problems.add("--delete " + id + ": the id is also published by line " + lineOfId.get(id)
                        + " of the file; remove one of the two");
            } else {
                tombstones.add(id);
            }
        }
        if (!problems.isEmpty()) {
            String where = file == null ? "--delete" : deletes.isEmpty() ? file.toString() : file + " and --delete";
            throw new Refused(count(problems.size(), "problem") + " in " + where, problems);
        }
        return new Plan(source, List.copyOf(events), List.copyOf(tombstones));
    }

    /**
     * The text of {@code file}, which must be UTF-8. A calendar saved by a spreadsheet in Windows-1252 (curly quotes
     * typed in a note) was refused with only "java.nio.charset.MalformedInputException: Input length = 1", naming
     * neither the line nor the encoding.
     */
    private static String utf8(Path file) throws IOException, Refused {
        byte[] bytes = Files.readAllBytes(file);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
        java.nio.charset.CoderResult result = StandardCharsets.UTF_8.newDecoder().decode(in, out, true);
        if (result.isError()) {
            int at = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw new Refused(file + " is not UTF-8 text", List.of(String.format(Locale.ROOT,
                    "line %d: byte 0x%02X at column %d is not UTF-8 (Windows-1252 or Latin-1?); save the file as UTF-8",
                    line, bytes[at] & 0xFF, at - lineStart + 1)));
        }
        return out.flip().toString();
    }

    /** --config, then the command line options on top. */
    Map<String, Object> settings() {
        return connection.settings(spec.commandLine());
    }

    private static void print(PrintWriter out, Plan plan) {
        if (!plan.events().isEmpty()) {
            out.println(count(plan.events().size(), "event") + " from " + plan.source() + ":");
        }
        for (TariffEvent e : plan.events()) {
            out.printf(Locale.ROOT, "  upsert %-28s %s->%s %-16s announced %s effective %s  %s -> %s %%  %s%n",
                    e.getId(), e.getImposer(), e.getTarget(), e.getKind(), e.getAnnounced(), e.getEffective(),
                    rate(e.getRateBeforePct()), rate(e.getRateAfterPct()),
                    e.getHsScope().isEmpty() ? "scope " + abbreviate(e.getScope(), 40) : "HS " + String.join(",", e.getHsScope()));
        }
        for (String id : plan.tombstones()) {
            out.println("  delete " + id);
        }
    }

    /** Best effort: an id that is not on the topic is most likely a typo; say so, then write the tombstone anyway. */
    private static void warnAboutUnknownIds(PrintWriter err, Map<String, Object> consumer, Topic<String, TariffEvent> topic,
            List<String> ids) {
        Map<String, TariffEvent> current;
        try {
            current = Pipeline.readTable(consumer, topic, Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            err.println("Warning: could not read " + topic.name() + " to check the ids to delete: " + Main.messages(e));
            return;
        }
        for (String id : ids) {
            if (!current.containsKey(id)) {
                err.println("Warning: no event '" + id + "' on " + topic.name() + " (a typo?); writing its tombstone anyway.");
            }
        }
    }

    static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static String rate(Double pct) {
        return pct == null ? "?" : BigDecimal.valueOf(pct).stripTrailingZeros().toPlainString();
    }

    private static String abbreviate(String s) {
        return abbreviate(s, 120);
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
