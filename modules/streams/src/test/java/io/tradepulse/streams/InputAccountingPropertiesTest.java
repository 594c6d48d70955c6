package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.TopicCatalog;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;

/**
 * "Bad input gets a clear error and loses nothing", as a property of the topology the application runs
 * ({@link TradeTopology#build} through {@link TopologyFixture}): a random mix of valid figures (with duplicates and
 * revisions, late older ones included), records that break one validation rule, structurally bad records (key and
 * value disagreeing, no key, tombstones) and payloads that are no valid wire format for the topic (wrong magic byte,
 * unknown schema id, truncated, empty, foreign bytes, another record type), on trade.records and
 * trade.records.derived. After each input, exactly one of:
 * <ul>
 *   <li>one dead letter whose key and origin name that input's topic/partition/offset, with a reason, and no output;
 *   <li>a change row of the input's own cell carrying its figure (it became the cell's figure);
 *   <li>nothing at all, when the cell already holds a figure at least as new (a duplicate or an older revision:
 *   docs/architecture.md, "A duplicate or an older revision arriving late changes nothing and emits nothing"; between
 *   derived figures the later wins, so only a duplicate of the held one).
 * </ul>
 * Which one is also checked against what the input is: a valid figure is never dead-lettered, a bad one never
 * processed. No exception escapes the driver, and letting the roll-ups run at the end dead-letters nothing more.
 */
class InputAccountingPropertiesTest {
    /** Published figures: an HS6 series (with roll-ups to HS4, HS2, TOTAL and WLD) and a TOTAL one. */
    private static final SeriesKey HS6 = new SeriesKey("CHN", "USA", Flow.EXPORT, "851712");
    private static final SeriesKey TOTAL = new SeriesKey("DEU", "FRA", Flow.IMPORT, "TOTAL");
    /** Derived figures written to trade.records.derived by hand (HS4 parent of HS6). */
    private static final SeriesKey HS4 = new SeriesKey("CHN", "USA", Flow.EXPORT, "8517");
    /** Derived figures too large to add up: two months of one year overflow the year-to-date sum. */
    private static final SeriesKey HUGE = new SeriesKey("CHN", "USA", Flow.EXPORT, "8518");

    enum Kind {
        VALID, VALID_DERIVED,
        // a growth rate without a value, published a day after the figure of the same version
        VALID_YOY_ONLY,
        // valid, but its outputs may not be computable (PROCESSING): either processed or dead-lettered
        HUGE_DERIVED,
        // refused by the validator (stage VALIDATION)
        MONTH_13, NEGATIVE_VALUE, FUTURE_PERIOD, UNKNOWN_PARTNER, UNKNOWN_CURRENCY, PUBLISHED_BEFORE_PERIOD,
        PUBLISHED_AFTER_NOW, LEVEL_MISMATCH, NO_VALUE_NOR_YOY, QUARTER, ABSURD_VALUE, IMPOSSIBLE_YOY, SAME_ECONOMY,
        KEY_MISMATCH, NO_KEY, TOMBSTONE,
        DERIVED_WITHOUT_CHILDREN,
        // not readable as a record of the topic
        WRONG_MAGIC, UNKNOWN_SCHEMA_ID, TRUNCATED, EMPTY_VALUE, FOREIGN_BYTES, GARBAGE_KEY, DEAD_LETTER_AS_VALUE,
        SERIES_KEY_AS_VALUE, DERIVED_WRONG_MAGIC;

        boolean valid() {
            return this == VALID || this == VALID_DERIVED || this == HUGE_DERIVED || this == VALID_YOY_ONLY;
        }

        /** The stage of this kind's dead letter (for HUGE_DERIVED: when its outputs cannot be computed). */
        DeadLetterStage stage() {
            return this == HUGE_DERIVED ? DeadLetterStage.PROCESSING
                    : compareTo(WRONG_MAGIC) >= 0 ? DeadLetterStage.DESERIALIZATION : DeadLetterStage.VALIDATION;
        }

        boolean onDerivedTopic() {
            return this == VALID_DERIVED || this == HUGE_DERIVED || this == DERIVED_WITHOUT_CHILDREN
                    || this == DERIVED_WRONG_MAGIC;
        }
    }

    /** One input: what it is, which cell (series x month) and which version of the cell's figure it carries. */
    record Input(Kind kind, int cell, int version) {
    }

    @Provide
    Arbitrary<List<Input>> inputs() {
        // Valid figures weighted up so that cells see duplicates and revisions in any order.
        Arbitrary<Kind> kinds = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.just(Kind.VALID)),
                Tuple.of(4, Arbitraries.just(Kind.VALID_DERIVED)),
                Tuple.of(2, Arbitraries.just(Kind.HUGE_DERIVED)),
                Tuple.of(10, Arbitraries.of(Kind.values())));
        return Combinators.combine(kinds, Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, 3))
                .as(Input::new).list().ofMinSize(1).ofMaxSize(40)
                .withSizeDistribution(RandomDistribution.uniform()); // long enough to meet duplicates, yet shrinkable
    }

    /**
     * at_least_once, not the application's exactly_once_v2: under exactly_once_v2 TopologyTestDriver loses the
     * deserialization handler's dead letters. Kafka Streams deserializes a record as the driver enqueues it
     * (StreamTask.addRecords), so the dead letter is sent in the open transaction before the driver first collects
     * its producer's output, and the driver's MockProducer.clear() drops uncommitted sends along with the sent ones.
     * The handlers answer the same under both guarantees; the transactions are EndToEndPipelineIT's.
     */
    private static final Map<String, Object> AT_LEAST_ONCE =
            Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);

    static TopologyFixture fixture() {
        return new TopologyFixture(SignalConfig.DEFAULTS, RollupConfig.DEFAULTS,
                StateStoreType.fromConfig(ProcessorConfig.STATE_STORE_TYPE_DEFAULT), InputRules.DEFAULTS,
                AT_LEAST_ONCE);
    }

    @Property(tries = 25)
    void shouldProcessOrDeadLetterEveryInputExactlyOnceWithItsOrigin(@ForAll("inputs") List<Input> inputs) {
        try (TopologyFixture f = fixture()) {
            String recordsTopic = f.topics.records().name();
            String derivedTopic = f.topics.derivedRecords().name();
            TestInputTopic<byte[], byte[]> derivedIn =
                    f.driver.createInputTopic(derivedTopic, new ByteArraySerializer(), new ByteArraySerializer());
            Map<String, Long> nextOffset = new HashMap<>(Map.of(recordsTopic, 0L, derivedTopic, 0L));
            // Each cell's current figure: its last change row.
            Map<ChangeKey, TradeChange> current = new HashMap<>();
            for (int i = 0; i < inputs.size(); i++) {
                Input in = inputs.get(i);
                String topic = in.kind().onDerivedTopic() ? derivedTopic : recordsTopic;
                long offset = nextOffset.merge(topic, 1L, Long::sum) - 1;
                String origin = topic + "/0/" + offset;
                String what = "input #" + i + " " + in + " at " + origin + " of " + inputs;
                KeyValue<byte[], byte[]> bytes = bytes(f, in, topic);
                (in.kind().onDerivedTopic() ? derivedIn : f.rawRecords).pipeInput(bytes.key, bytes.value);

                List<KeyValue<String, DeadLetter>> dead = f.deadLetters.readKeyValuesToList();
                List<KeyValue<ChangeKey, TradeChange>> changed = f.changes.readKeyValuesToList();
                f.signals.readRecordsToList(); // not accounted: a signal follows from a change row
                Statistics.collect(in.kind(), dead.isEmpty() ? "processed" : dead.get(0).value.getStage());
                boolean notComputable = in.kind() == Kind.HUGE_DERIVED && !dead.isEmpty();
                if (!in.kind().valid() || notComputable) {
                    assertThat(dead).as("dead letters of " + what).hasSize(1);
                    DeadLetter dl = dead.get(0).value;
                    assertThat(dead.get(0).key).as(what).isEqualTo(origin);
                    assertThat(dl.getOriginTopic() + "/" + dl.getOriginPartition() + "/" + dl.getOriginOffset())
                            .as(what).isEqualTo(origin);
                    assertThat(dl.getReason()).as(what).isNotBlank().isNotEqualTo("null");
                    assertThat(dl.getStage()).as(what).isEqualTo(in.kind().stage());
                    assertThat(bytes(dl.getRawValue())).as(what).isEqualTo(bytes.value);
                    assertThat(changed).as("outputs of refused " + what).isEmpty();
                    continue;
                }
                assertThat(dead).as("dead letters of valid " + what).isEmpty();
                TradeRecord r = figure(in);
                ChangeKey cell = new ChangeKey(r.getReporter(), r.getPartner(), r.getFlow(), r.getCommodity(),
                        r.getYear(), r.getMonth());
                TradeChange before = current.get(cell);
                boolean newer = before == null || newer(r, before);
                List<TradeChange> own = changed.stream().filter(kv -> kv.key.equals(cell)).map(kv -> kv.value).toList();
                if (newer) {
                    assertThat(own).as("change row of " + what).hasSize(1);
                    assertThat(figureOf(own.get(0))).as(what).isEqualTo(figureOf(r));
                } else {
                    assertThat(changed).as("outputs of duplicate or older " + what + " (cell holds " + before + ")")
                            .isEmpty();
                }
                changed.forEach(kv -> current.put(kv.key, kv.value));
            }
            // The roll-ups' own derived figures come back through trade.records.derived: none may be refused.
            f.settle();
            assertThat(f.deadLetters.readKeyValuesToList()).as("dead letters after the roll-ups of " + inputs)
                    .isEmpty();
        }
    }

    /**
     * Whether {@code r} replaces the cell's current figure: between published figures the newest publication, then the
     * highest revision; between derived ones the later, unless it is the same figure (SeriesHistories.wins).
     */
    private static boolean newer(TradeRecord r, TradeChange cell) {
        if (r.getDerivedFrom() != null) {
            return !figureOf(r).equals(figureOf(cell));
        }
        int byTime = r.getPublishedAt().compareTo(cell.getPublishedAt());
        return byTime != 0 ? byTime > 0 : r.getRevision() > (cell.getRevision() == null ? 0 : cell.getRevision());
    }

    private static List<Object> figureOf(TradeRecord r) {
        return Arrays.asList(r.getValue(), r.getReportedYoyPct(), r.getVintage(), r.getPublishedAt(), r.getRevision());
    }

    private static List<Object> figureOf(TradeChange c) {
        return Arrays.asList(c.getValue(), c.getReportedYoyPct(), c.getVintage(), c.getPublishedAt(), c.getRevision());
    }

    /**
     * The valid figure of the input's cell and version. Versions are ordered (publication a month apart, then revision
     * 0 and 1 on the same day) and equal versions give equal figures, so a repeated version is a true duplicate and the
     * winner never depends on a tie-break.
     */
    static TradeRecord figure(Input in) {
        boolean derived = in.kind().onDerivedTopic();
        SeriesKey s = in.kind() == Kind.HUGE_DERIVED ? HUGE : derived ? HS4 : in.cell() % 2 == 0 ? HS6 : TOTAL;
        CommodityLevel level = derived ? CommodityLevel.HS4 : s == HS6 ? CommodityLevel.HS6 : CommodityLevel.TOTAL;
        int month = 1 + in.cell() / 2; // January to March 2025
        LocalDate published = LocalDate.of(2025, 6, 1).plusMonths(in.version() / 2)
                .plusDays(in.kind() == Kind.VALID_YOY_ONLY ? 1 : 0);
        TradeRecord.Builder b = TradeRecord.newBuilder()
                .setReporter(s.getReporter()).setPartner(s.getPartner()).setFlow(s.getFlow())
                .setCommodity(s.getCommodity()).setCommodityLevel(level)
                .setYear(2025).setMonth(month).setMonths(1)
                .setValue((in.kind() == Kind.HUGE_DERIVED ? 5_000_000_000_000_000_000L : 1_000_000L * month)
                        + 1_000L * in.version())
                .setCurrency("USD")
                .setSource("TEST").setVintage(published.toString())
                .setPublishedAt(published.atStartOfDay(ZoneOffset.UTC).toInstant())
                .setRevision(in.version() % 2)
                .setDerivedFrom(derived ? 2 : null);
        return in.kind() == Kind.VALID_YOY_ONLY ? b.setValue(null).setReportedYoyPct(1.5 * in.version()).build()
                : b.build();
    }

    /** The input's key and value bytes as they are on {@code topic}. */
    private static KeyValue<byte[], byte[]> bytes(TopologyFixture f, Input in, String topic) {
        var keySer = f.topics.records().keySerde().serializer();
        var valueSer = f.topics.records().valueSerde().serializer();
        TradeRecord good = figure(in);
        SeriesKey goodKey = new SeriesKey(good.getReporter(), good.getPartner(), good.getFlow(), good.getCommodity());
        byte[] key = keySer.serialize(topic, goodKey);
        UnaryOperator<TradeRecord.Builder> breakIt = switch (in.kind()) {
            case MONTH_13 -> b -> b.setMonth(13);
            case NEGATIVE_VALUE -> b -> b.setValue(-5L);
            case FUTURE_PERIOD -> b -> b.setYear(2027);
            case UNKNOWN_PARTNER -> b -> b.setPartner("XYZ");
            case UNKNOWN_CURRENCY -> b -> b.setCurrency("XXQ");
            case PUBLISHED_BEFORE_PERIOD -> b -> b.setPublishedAt(Instant.parse("2024-12-01T00:00:00Z"));
            case PUBLISHED_AFTER_NOW -> b -> b.setPublishedAt(Instant.parse("2027-01-01T00:00:00Z"));
            case LEVEL_MISMATCH -> b -> b.setCommodityLevel(CommodityLevel.HS2);
            case NO_VALUE_NOR_YOY -> b -> b.setValue(null).setReportedYoyPct(null);
            case QUARTER -> b -> b.setMonth(1).setMonths(3);
            case ABSURD_VALUE -> b -> b.setValue(ValueLimits.DEFAULT.limit("USD") + 1);
            case IMPOSSIBLE_YOY -> b -> b.setReportedYoyPct(Double.NaN);
            case SAME_ECONOMY -> b -> b.setPartner(b.getReporter());
            case DERIVED_WITHOUT_CHILDREN -> b -> b.setDerivedFrom(0);
            default -> UnaryOperator.identity();
        };
        byte[] value = valueSer.serialize(topic, breakIt.apply(TradeRecord.newBuilder(good)).build());
        return switch (in.kind()) {
            case KEY_MISMATCH -> KeyValue.pair(keySer.serialize(topic, new SeriesKey(goodKey.getPartner(),
                    goodKey.getReporter(), goodKey.getFlow(), goodKey.getCommodity())), value);
            case NO_KEY -> KeyValue.pair(null, value);
            case TOMBSTONE -> KeyValue.pair(key, null);
            case WRONG_MAGIC, DERIVED_WRONG_MAGIC -> KeyValue.pair(key, with(value, 0, (byte) 1));
            case UNKNOWN_SCHEMA_ID -> KeyValue.pair(key, with(value, 1, (byte) 0x7f));
            case TRUNCATED -> KeyValue.pair(key, Arrays.copyOf(value, value.length / 2));
            case EMPTY_VALUE -> KeyValue.pair(key, new byte[0]);
            case FOREIGN_BYTES -> KeyValue.pair(key, "{\"reporter\":\"CHN\"}".getBytes(StandardCharsets.UTF_8));
            case GARBAGE_KEY -> KeyValue.pair("CHN|USA".getBytes(StandardCharsets.UTF_8), value);
            // A record of another type in the wire format, under a schema id the registry knows.
            case DEAD_LETTER_AS_VALUE -> KeyValue.pair(key, f.topics.deadLetters().valueSerde().serializer().serialize(
                    TopicCatalog.DLQ, DeadLetter.newBuilder().setStage(DeadLetterStage.INGEST).setReason("x")
                            .setOccurredAt(Instant.EPOCH).build()));
            case SERIES_KEY_AS_VALUE -> KeyValue.pair(key, key);
            default -> KeyValue.pair(key, value);
        };
    }

    private static byte[] with(byte[] bytes, int at, byte b) {
        byte[] out = bytes.clone();
        out[at] = b;
        return out;
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
