package io.tradepulse.streams;

import static io.tradepulse.streams.TopologyFixture.CHN_USA;
import static io.tradepulse.streams.TopologyFixture.cell;
import static io.tradepulse.streams.TopologyFixture.figure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.state.SeriesHistory;
import io.tradepulse.ingest.BundledData;
import io.tradepulse.ingest.ParseResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class TradeTopologyTest {

    @Test
    void shouldComputeMay2025YoyOfChinaExportsToUsFromBundledData() {
        try (TopologyFixture f = new TopologyFixture()) {
            for (ParseResult<TradeRecord> row : BundledData.chinaExportsToUs()) {
                f.pipe(((ParseResult.Parsed<TradeRecord>) row).value());
            }
            TradeChange may = f.table().get(cell(CHN_USA, 2025, 5));
            assertThat(may.getValue()).isEqualTo(28_800_000_000L);
            assertThat(may.getPriorYearValue()).isEqualTo(44_000_000_000L);
            assertThat(may.getYoyPct()).isCloseTo(-34.545, within(0.001));
            assertThat(may.getYoyChange()).isEqualTo(-15_200_000_000L);
            assertThat(may.getReportedYoyPct()).isEqualTo(-34.5);
            assertThat(may.getPriorYearVintage()).isEqualTo("2025-06-09");
        }
    }

    @Test
    void shouldReemitYoyWhenBaseMonthIsRevised() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(2024, 5, 40L, "2024-06-09"));
            f.pipe(figure(2025, 5, 30L, "2025-06-09"));
            assertThat(f.changes.readValuesToList()).extracting(TradeChange::getYoyPct)
                    .containsExactly(null, -25.0);

            f.pipe(figure(2024, 5, 50L, "2025-06-10")); // base revised later

            List<TestRecord<ChangeKey, TradeChange>> out = f.changes.readRecordsToList();
            assertThat(out).extracting(r -> r.key().getYear()).containsExactly(2024, 2025);
            assertThat(out.get(1).value().getPriorYearValue()).isEqualTo(50L);
            assertThat(out.get(1).value().getYoyPct()).isEqualTo(-40.0);
            assertThat(out.get(1).value().getPriorYearVintage()).isEqualTo("2025-06-10");
        }
    }

    @Test
    void shouldEmitNullYoyWhenBaseMonthIsMissing() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(2025, 5, 30L, "2025-06-09"));
            TradeChange c = f.table().get(cell(CHN_USA, 2025, 5));
            assertThat(c.getPriorYearValue()).isNull();
            assertThat(c.getYoyPct()).isNull();
            assertThat(c.getYoyChange()).isNull();
        }
    }

    @Test
    void shouldEmitNullYoyNotZeroWhenBaseIsZero() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(2024, 5, 0L, "2024-06-09"));
            f.pipe(figure(2025, 5, 30L, "2025-06-09"));
            TradeChange c = f.table().get(cell(CHN_USA, 2025, 5));
            assertThat(c.getPriorYearValue()).isZero();
            assertThat(c.getYoyPct()).isNull();
            assertThat(c.getYoyChange()).isEqualTo(30L);
        }
    }

    @Test
    void shouldEmitNullYoyWhenOnlyAGrowthRateWasPublished() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(2024, 8, 40L, "2024-09-09"));
            TradeRecord yoyOnly = TradeRecord.newBuilder(figure(2025, 8, null, "2025-09-08")).setReportedYoyPct(-33.1).build();
            f.pipe(yoyOnly);
            TradeChange c = f.table().get(cell(CHN_USA, 2025, 8));
            assertThat(c.getValue()).isNull();
            assertThat(c.getYoyPct()).isNull();
            assertThat(c.getReportedYoyPct()).isEqualTo(-33.1);
        }
    }

    @Test
    void shouldEmitYoyWhenBaseArrivesAfterTheMonth() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(2025, 5, 30L, "2025-06-09"));
            f.pipe(figure(2024, 5, 40L, "2024-06-09"));
            assertThat(f.table().get(cell(CHN_USA, 2025, 5)).getYoyPct()).isEqualTo(-25.0);
        }
    }

    @Test
    void shouldEmitNothingForADuplicate() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(2025, 5, 30L, "2025-06-09"));
            f.changes.readRecordsToList();
            f.pipe(figure(2025, 5, 30L, "2025-06-09"));
            assertThat(f.changes.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldKeepTheNewestRevisionWhenAnOlderOneArrivesLate() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(2024, 5, 40L, "2024-06-09"));
            f.pipe(figure(2025, 5, 31L, "2026-06-09")); // annual revision
            f.pipe(figure(2025, 5, 30L, "2025-06-09")); // first print, arriving late
            TradeChange c = f.table().get(cell(CHN_USA, 2025, 5));
            assertThat(c.getValue()).isEqualTo(31L);
            assertThat(c.getVintage()).isEqualTo("2026-06-09");
        }
    }

    @Test
    void shouldRefuseAFigurePublishedInTheFutureSoItCannotLockItsPeriodAgainstLaterRevisions() {
        try (TopologyFixture f = new TopologyFixture()) {
            // Epoch microseconds read as milliseconds: publishedAt lands some 54,000 years ahead.
            TradeRecord microsAsMillis = TradeRecord.newBuilder(figure(2025, 5, 99L, "2025-06-09"))
                    .setPublishedAt(java.time.Instant.ofEpochMilli(
                            java.time.Instant.parse("2025-06-09T00:00:00Z").toEpochMilli() * 1000)).build();
            f.pipe(microsAsMillis);
            f.pipe(figure(2025, 5, 30L, "2025-06-09"));
            f.pipe(figure(2025, 5, 31L, "2026-06-09")); // the annual revision must still replace the first print

            assertThat(f.table().get(cell(CHN_USA, 2025, 5)).getValue()).isEqualTo(31L);
            var dead = f.deadLetters.readValuesToList();
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).getReason()).contains("published", "after now");
        }
    }

    @Test
    void shouldKeepTheNationalOfficesFigureWhenComtradeRepublishesTheMonthLater() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(from("GACC", figure(2024, 5, 40L, "2024-06-09")));
            f.pipe(from("GACC", figure(2025, 5, 30L, "2025-06-09")));
            // UN Comtrade's copy of the base month, published a year later with another definition's value.
            f.pipe(from("COMTRADE", figure(2024, 5, 44L, "2025-06-20")));

            List<TradeChange> out = f.changes.readValuesToList();
            assertThat(out).as("nothing re-emitted: the office's month is kept").hasSize(2);
            assertThat(out.get(1).getPriorYearValue()).isEqualTo(40L);
            assertThat(out.get(1).getYoyPct()).isEqualTo(-25.0);
        }
    }

    @Test
    void shouldLetTheNationalOfficesFigureReplaceComtradesWhateverThePublicationTimes() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(from("COMTRADE", figure(2025, 5, 33L, "2025-08-01")));
            f.pipe(from("GACC", figure(2025, 5, 30L, "2025-06-09"))); // published earlier, arriving late

            TradeChange may = f.table().get(cell(CHN_USA, 2025, 5));
            assertThat(may.getValue()).isEqualTo(30L);
            assertThat(may.getSource()).isEqualTo("GACC");
            // Revisions within the preferred source still follow the publication time.
            f.pipe(from("GACC", figure(2025, 5, 31L, "2026-06-09")));
            assertThat(f.table().get(cell(CHN_USA, 2025, 5)).getValue()).isEqualTo(31L);
        }
    }

    @Test
    void shouldLetTheNewestPublicationWinAcrossSourcesWithoutAPrecedence() {
        try (TopologyFixture f = new TopologyFixture(SignalConfig.DEFAULTS, RollupConfig.DEFAULTS,
                StateStoreType.fromConfig(ProcessorConfig.STATE_STORE_TYPE_DEFAULT),
                InputRules.DEFAULTS.with(SourcePrecedence.NONE))) {
            f.pipe(from("GACC", figure(2025, 5, 30L, "2025-06-09")));
            f.pipe(from("COMTRADE", figure(2025, 5, 33L, "2025-08-01")));
            assertThat(f.table().get(cell(CHN_USA, 2025, 5)).getSource()).isEqualTo("COMTRADE");
        }
    }

    private static TradeRecord from(String source, TradeRecord r) {
        return TradeRecord.newBuilder(r).setSource(source).build();
    }

    /**
     * Korea's monthly exports are about 80 trillion won: over the default limit, set for currencies near the dollar, so
     * refused as a unit error, until KRW has a limit of its own; a unit error in dollars is still refused then.
     */
    @Test
    void shouldAcceptLargeTotalsInACurrencyGivenALimitOfItsOwnAndStillRefuseUnitErrorsInOthers() {
        TradeRecord won = TradeRecord.newBuilder(figure(2025, 5, 81_000_000_000_000L, "2025-06-01")).setCurrency("KRW")
                .setReporter("KOR").setPartner("WLD").build();
        SeriesKey kor = new SeriesKey("KOR", "WLD", Flow.EXPORT, "TOTAL");
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(won);
            assertThat(f.table()).isEmpty();
            assertThat(f.deadLetters.readValuesToList()).singleElement()
                    .satisfies(d -> assertThat(d.getReason()).contains("absurd trade value 81000000000000 KRW",
                            ProcessorConfig.MAX_MONTHLY_VALUE_BY_CURRENCY_CONFIG));
        }
        ValueLimits limits = ValueLimits.of(ProcessorConfig.MAX_MONTHLY_VALUE_DEFAULT, List.of("KRW=10000000000000000"));
        try (TopologyFixture f = new TopologyFixture(SignalConfig.DEFAULTS, RollupConfig.DEFAULTS,
                StateStoreType.fromConfig(ProcessorConfig.STATE_STORE_TYPE_DEFAULT), InputRules.DEFAULTS.with(limits))) {
            f.pipe(won);
            f.pipe(figure(2025, 5, 81_000_000_000_000L, "2025-06-01")); // the same number in USD: a unit error
            assertThat(f.table().get(cell(kor, 2025, 5)).getValue()).isEqualTo(81_000_000_000_000L);
            assertThat(f.table()).doesNotContainKey(cell(CHN_USA, 2025, 5));
            assertThat(f.deadLetters.readValuesToList()).singleElement()
                    .satisfies(d -> assertThat(d.getReason()).contains("absurd trade value 81000000000000 USD"));
        }
    }

    /**
     * The limit is per month: China customs' combined January+February covers two, so it may be up to twice the limit
     * (here 150 against a monthly limit of 100); a single month of the same value is still a unit error.
     */
    @Test
    void shouldApplyTheMonthlyValueLimitPerMonthWhenAFigureCoversJanuaryAndFebruaryTogether() {
        ValueLimits limits = ValueLimits.of(100L, List.of());
        try (TopologyFixture f = new TopologyFixture(SignalConfig.DEFAULTS, RollupConfig.DEFAULTS,
                StateStoreType.fromConfig(ProcessorConfig.STATE_STORE_TYPE_DEFAULT), InputRules.DEFAULTS.with(limits))) {
            f.pipe(figure(CHN_USA, 2025, 1, 2, 150L, "2025-03-07", 0));
            f.pipe(figure(CHN_USA, 2025, 1, 2, 201L, "2025-03-08", 0)); // over twice the limit: refused
            f.pipe(figure(CHN_USA, 2025, 3, 1, 150L, "2025-04-13", 0));
            Map<ChangeKey, TradeChange> table = f.table();
            assertThat(table).containsOnlyKeys(cell(CHN_USA, 2025, 1));
            assertThat(table.get(cell(CHN_USA, 2025, 1)).getValue()).isEqualTo(150L);
            assertThat(f.deadLetters.readValuesToList()).extracting(DeadLetter::getReason).satisfiesExactly(
                    r -> assertThat(r).contains("absurd trade value 201 USD"),
                    r -> assertThat(r).contains("absurd trade value 150 USD"));
        }
    }

    @Test
    void shouldPreferHigherRevisionNumberAtTheSamePublicationTime() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(CHN_USA, 2025, 5, 1, 31L, "2025-06-09", 1));
            f.pipe(figure(CHN_USA, 2025, 5, 1, 30L, "2025-06-09", 0));
            assertThat(f.table().get(cell(CHN_USA, 2025, 5)).getValue()).isEqualTo(31L);
        }
    }

    @Test
    void shouldCompareCombinedJanuaryFebruaryWithThePriorYearsCombinedFigure() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(CHN_USA, 2023, 1, 2, 71_560_000_000L, "2023-03-07", 0));
            f.pipe(figure(CHN_USA, 2024, 1, 2, 73_410_000_000L, "2024-03-07", 0));
            TradeChange c = f.table().get(cell(CHN_USA, 2024, 1));
            assertThat(c.getMonths()).isEqualTo(2);
            assertThat(c.getYoyPct()).isCloseTo(2.585, within(0.001));
        }
    }

    @Test
    void shouldSumSingleMonthsAsTheBaseOfACombinedPeriodAndReemitWhenOneChanges() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(CHN_USA, 2025, 1, 2, 120L, "2025-03-07", 0));
            f.pipe(figure(2024, 1, 50L, "2024-02-09"));
            assertThat(f.table().get(cell(CHN_USA, 2025, 1)).getYoyPct()).isNull(); // February still missing
            f.pipe(figure(2024, 2, 50L, "2024-03-09"));
            assertThat(f.table().get(cell(CHN_USA, 2025, 1)).getYoyPct()).isEqualTo(20.0);
        }
    }

    @Test
    void shouldNotMixCurrenciesInYoy() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(TradeRecord.newBuilder(figure(2024, 5, 40L, "2024-06-09")).setCurrency("EUR").build());
            f.pipe(figure(2025, 5, 30L, "2025-06-09"));
            assertThat(f.table().get(cell(CHN_USA, 2025, 5)).getYoyPct()).isNull();
        }
    }

    @Test
    void shouldKeepSeriesApart() {
        SeriesKey imports = new SeriesKey("USA", "CHN", Flow.IMPORT, "TOTAL");
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(imports, 2024, 5, 1, 40L, "2024-06-09", 0));
            f.pipe(figure(2025, 5, 30L, "2025-06-09"));
            assertThat(f.table().get(cell(CHN_USA, 2025, 5)).getYoyPct()).isNull();
        }
    }

    @Test
    void shouldReachTheSameFinalTableWhateverTheArrivalOrderAndDuplicates() {
        List<TradeRecord> inputs = new ArrayList<>();
        for (int y = 2023; y <= 2025; y++) {
            for (int m = 1; m <= 12; m++) {
                inputs.add(figure(y, m, 1_000L + y * 13L + m * 7L, y + "-" + "%02d".formatted(m) + "-01"));
                if (m % 4 == 0) { // a revision of every fourth month
                    inputs.add(figure(CHN_USA, y, m, 1, 900L + m, (y + 1) + "-06-15", 1));
                }
            }
        }
        Map<ChangeKey, TradeChange> expected;
        try (TopologyFixture f = new TopologyFixture()) {
            inputs.forEach(f::pipe);
            expected = f.table();
        }
        Random random = new Random(42);
        for (int run = 0; run < 5; run++) {
            List<TradeRecord> shuffled = new ArrayList<>(inputs);
            shuffled.addAll(inputs.subList(0, 10)); // duplicates
            Collections.shuffle(shuffled, random);
            try (TopologyFixture f = new TopologyFixture()) {
                shuffled.forEach(f::pipe);
                assertThat(f.table()).as("run %d", run).isEqualTo(expected);
            }
        }
        assertThat(expected).hasSize(36);
    }

    @Test
    void shouldSendInvalidRecordsToTheDeadLetterTopicWithTheirOrigin() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(2025, 13, 30L, "2025-06-09"));
            f.pipe(figure(2025, 5, -1L, "2025-06-09"));
            f.pipe(figure(2030, 5, 1L, "2025-06-09"));
            f.pipe(figure(2025, 5, 30L, "2025-06-09"));
            var dead = f.deadLetters.readKeyValuesToList();
            assertThat(dead).hasSize(3);
            assertThat(dead).allSatisfy(kv -> {
                assertThat(kv.value.getStage()).isEqualTo(DeadLetterStage.VALIDATION);
                assertThat(kv.value.getOriginTopic()).isEqualTo(f.topics.records().name());
                assertThat(kv.value.getOriginOffset()).isNotNull();
            });
            assertThat(dead.get(0).value.getReason()).contains("month must be 1-12");
            assertThat(dead.get(1).value.getReason()).contains("negative");
            assertThat(dead.get(2).value.getReason()).contains("future");
            assertThat(f.table()).containsOnlyKeys(cell(CHN_USA, 2025, 5));
        }
    }

    /**
     * A validation dead letter is replayed like any other: its raw key and value are the input's bytes as they were on
     * the topic (Confluent wire format), not a re-encoding of the decoded record, so producing them back to the origin
     * topic once the cause is fixed is the same record again.
     */
    @Test
    void shouldDeadLetterARefusedRecordWithItsExactInputBytes() {
        try (TopologyFixture f = new TopologyFixture()) {
            String topic = f.topics.records().name();
            TradeRecord month13 = figure(2025, 13, 30L, "2025-06-09");
            byte[] key = f.topics.records().keySerde().serializer().serialize(topic, CHN_USA);
            byte[] value = f.topics.records().valueSerde().serializer().serialize(topic, month13);
            TradeRecord valid = figure(2025, 5, 30L, "2025-06-09");
            Instant refusedAt = Instant.parse("2025-06-10T08:00:00Z");

            f.rawRecords.pipeInput(new TestRecord<>(key, value, refusedAt));
            f.rawRecords.pipeInput(key, f.topics.records().valueSerde().serializer().serialize(topic, valid));

            var dead = f.deadLetters.readKeyValuesToList();
            assertThat(dead).hasSize(1);
            DeadLetter dl = dead.get(0).value;
            assertThat(bytes(dl.getRawValue())).isEqualTo(value);
            assertThat(bytes(dl.getRawKey())).isEqualTo(key);
            assertThat(dl.getStage()).isEqualTo(DeadLetterStage.VALIDATION);
            assertThat(dl.getReason()).isEqualTo("month must be 1-12: 13");
            assertThat(dl.getErrorClass()).isNull();
            assertThat(dl.getSource()).isEqualTo("TEST");
            assertThat(dl.getOriginTopic()).isEqualTo(topic);
            assertThat(dl.getOriginPartition()).isZero();
            assertThat(dl.getOriginOffset()).isZero();
            assertThat(dl.getOccurredAt()).isEqualTo(refusedAt);
            assertThat(dead.get(0).key).isEqualTo(topic + "/0/0");
            // Replayable as is: the input's serdes read the raw bytes back into the refused record.
            assertThat(f.topics.records().valueSerde().deserializer().deserialize(topic, bytes(dl.getRawValue())))
                    .isEqualTo(month13);
            assertThat(f.topics.records().keySerde().deserializer().deserialize(topic, bytes(dl.getRawKey())))
                    .isEqualTo(CHN_USA);
            // Counted as dropped by Kafka Streams (task metric dropped-records), like any input a handler dead-letters.
            assertThat(f.driver.metrics().entrySet().stream()
                    .filter(m -> m.getKey().name().equals("dropped-records-total"))
                    .mapToDouble(m -> ((Number) m.getValue().metricValue()).doubleValue()).sum()).isEqualTo(1.0);
            // The valid record behind it is processed as usual.
            Map<ChangeKey, TradeChange> table = f.table();
            assertThat(table).containsOnlyKeys(cell(CHN_USA, 2025, 5));
            assertThat(table.get(cell(CHN_USA, 2025, 5)).getValue()).isEqualTo(30L);
        }
    }

    /** The processor's own derived figures are validated too; a refused one is dead-lettered with its bytes on that topic. */
    @Test
    void shouldDeadLetterARefusedDerivedRecordWithItsExactBytesOnTheDerivedTopic() {
        try (TopologyFixture f = new TopologyFixture()) {
            String topic = f.topics.derivedRecords().name();
            TradeRecord noChildren = TradeRecord.newBuilder(figure(2025, 5, 30L, "2025-06-09")).setDerivedFrom(0).build();
            byte[] key = f.topics.derivedRecords().keySerde().serializer().serialize(topic, CHN_USA);
            byte[] value = f.topics.derivedRecords().valueSerde().serializer().serialize(topic, noChildren);

            f.driver.createInputTopic(topic, new ByteArraySerializer(), new ByteArraySerializer()).pipeInput(key, value);

            DeadLetter dl = f.deadLetters.readValue();
            assertThat(bytes(dl.getRawValue())).isEqualTo(value);
            assertThat(bytes(dl.getRawKey())).isEqualTo(key);
            assertThat(dl.getStage()).isEqualTo(DeadLetterStage.VALIDATION);
            assertThat(dl.getReason()).contains("derivedFrom must be the number of child series summed");
            assertThat(dl.getOriginTopic()).isEqualTo(topic);
            assertThat(dl.getOriginOffset()).isZero();
            assertThat(f.deadLetters.isEmpty()).isTrue();
            assertThat(f.table()).isEmpty();
        }
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void shouldLeaveNeitherStateNorOutputsForAFigureWhoseOutputsCannotBeComputed() {
        try (TopologyFixture f = new TopologyFixture()) {
            // Two derived figures (exempt from the one-series value limit) whose year-to-date sum overflows a long.
            f.pipe(TradeRecord.newBuilder(figure(2025, 1, 5_000_000_000_000_000_000L, "2025-02-20")).setDerivedFrom(2).build());
            f.changes.readRecordsToList();
            f.pipe(TradeRecord.newBuilder(figure(2025, 2, 5_000_000_000_000_000_000L, "2025-03-20")).setDerivedFrom(2).build());

            var dead = f.deadLetters.readValuesToList();
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).getStage()).isEqualTo(DeadLetterStage.PROCESSING);
            assertThat(f.changes.readRecordsToList()).isEmpty();
            // Saved without its outputs, February would be a duplicate when its dead letter is replayed: nothing again.
            KeyValueStore<SeriesKey, SeriesHistory> store = f.driver.getKeyValueStore(TradeTopology.SERIES_STORE);
            assertThat(store.get(CHN_USA).getObservations()).extracting(o -> o.getMonth()).containsExactly(1);
        }
    }

}
