package io.tradepulse.streams;

import static io.tradepulse.streams.TopologyFixture.CHN_USA;
import static io.tradepulse.streams.TopologyFixture.figure;
import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

/**
 * The catalogue of bad input the processor refuses (stage VALIDATION), each with the reason it must give.
 * Deserialization-stage kinds (bad bytes, unknown schema id, truncated payload, registry down) are in
 * {@link DeadLetterDeserializationHandlerTest}; bad rows at ingest are in the parsers' and connectors' tests.
 * Every input is accounted for: records in = cells out + dead letters.
 */
class BadInputCatalogueTest {

    /** A valid HS6 import figure; each catalogue entry breaks exactly one thing in it. */
    private static TradeRecord good(int month) {
        return TradeRecord.newBuilder(figure(CHN_USA, 2025, month, 1, 1_000_000L, "2025-12-01", 0))
                .setCommodity("851712").setCommodityLevel(CommodityLevel.HS6).build();
    }

    private static final Map<String, Map.Entry<UnaryOperator<TradeRecord.Builder>, String>> CATALOGUE = new LinkedHashMap<>();

    private static void bad(String name, UnaryOperator<TradeRecord.Builder> breakIt, String reason) {
        CATALOGUE.put(name, Map.entry(breakIt, reason));
    }

    static {
        bad("month 0", b -> b.setMonth(0), "month must be 1-12");
        bad("month 13", b -> b.setMonth(13), "month must be 1-12");
        bad("zero months", b -> b.setMonths(0), "months must be >= 1");
        bad("period running past December", b -> b.setMonth(12).setMonths(2), "stay within the year");
        bad("a quarter (months 3)", b -> b.setMonth(1).setMonths(3), "the only multi-month period");
        bad("February+March combined", b -> b.setMonth(2).setMonths(2), "the only multi-month period");
        bad("year before HS statistics", b -> b.setYear(1950), "before 1988");
        bad("future period", b -> b.setYear(2027), "in the future");
        bad("negative value", b -> b.setValue(-5L), "negative trade value");
        bad("absurd value", b -> b.setValue(9_000_000_000_000_000L), "absurd trade value");
        bad("lower-case reporter", b -> b.setReporter("chn"), "unknown reporter 'chn'");
        bad("unknown country code", b -> b.setPartner("XYZ"), "unknown partner 'XYZ'");
        bad("reporter equals partner", b -> b.setPartner("CHN"), "same economy");
        bad("non-numeric HS code", b -> b.setCommodity("85A712"), "HS code of 2, 4, 6, 8 or 10 digits");
        bad("odd-length HS code", b -> b.setCommodity("85171").setCommodityLevel(CommodityLevel.HS6), "HS code of 2, 4, 6, 8 or 10 digits");
        bad("reserved HS chapter 77", b -> b.setCommodity("770100"), "unknown HS chapter 77");
        bad("HS chapter 00", b -> b.setCommodity("000100"), "unknown HS chapter 00");
        bad("level does not match code", b -> b.setCommodityLevel(CommodityLevel.HS4), "does not match commodity");
        bad("unknown currency", b -> b.setCurrency("XXQ"), "unknown currency 'XXQ'");
        bad("lower-case currency", b -> b.setCurrency("usd"), "unknown currency 'usd'");
        bad("neither value nor YoY", b -> b.setValue(null).setReportedYoyPct(null), "neither a value nor a reported YoY");
        bad("YoY below -100 %", b -> b.setReportedYoyPct(-120.0), "impossible reported YoY");
        bad("YoY not a number", b -> b.setReportedYoyPct(Double.NaN), "impossible reported YoY");
        bad("published before its period", b -> b.setPublishedAt(Instant.parse("2025-01-01T00:00:00Z")), "before its period");
        bad("published in the future (a unit error)", b -> b.setPublishedAt(Instant.parse("2027-01-01T00:00:00Z")), "after now");
    }

    @Test
    void shouldDeadLetterEveryKindOfBadRecordWithItsReasonAndKeepEveryGoodOne() {
        assertThat(CATALOGUE).hasSizeGreaterThanOrEqualTo(20);
        try (TopologyFixture f = new TopologyFixture()) {
            List<String> expectedReasons = new ArrayList<>();
            int month = 1;
            int good = 0;
            for (var entry : CATALOGUE.entrySet()) {
                TradeRecord broken = entry.getValue().getKey().apply(TradeRecord.newBuilder(good(5))).build();
                f.pipe(broken);
                expectedReasons.add(entry.getKey() + " -> " + entry.getValue().getValue());
                if (month <= 11) { // interleave good records so refusals cannot disturb neighbours
                    f.pipe(good(month++));
                    good++;
                }
            }
            // Structurally bad: key and value disagree, and a tombstone on the records topic.
            SeriesKey otherSeries = new SeriesKey("CHN", "USA", Flow.IMPORT, "851712");
            f.records.pipeInput(otherSeries, good(12));
            f.records.pipeInput(TopologyFixture.CHN_USA, null);
            int bad = CATALOGUE.size() + 2;

            List<KeyValue<String, DeadLetter>> dead = f.deadLetters.readKeyValuesToList();
            assertThat(dead).hasSize(bad);
            assertThat(dead).allSatisfy(d -> {
                assertThat(d.value.getStage()).isEqualTo(DeadLetterStage.VALIDATION);
                assertThat(d.value.getOriginTopic()).isEqualTo(f.topics.records().name());
                assertThat(d.value.getOriginOffset()).isNotNull();
                assertThat(d.key).isEqualTo(d.value.getOriginTopic() + "/" + d.value.getOriginPartition() + "/"
                        + d.value.getOriginOffset());
            });
            List<String> reasons = dead.stream().map(d -> d.value.getReason()).toList();
            int i = 0;
            for (var entry : CATALOGUE.entrySet()) {
                assertThat(reasons.get(i++)).as(entry.getKey()).contains(entry.getValue().getValue());
            }
            assertThat(reasons.get(i++)).contains("does not match the series");
            assertThat(reasons.get(i)).contains("no value");

            // Reconciliation: every record in is either a cell of trade.changes or a dead letter (derived
            // roll-up cells, flagged derivedFrom, come on top and are not inputs).
            long cells = f.table().values().stream().filter(c -> c.getDerivedFrom() == null).count();
            assertThat(cells).isEqualTo(good);
        }
    }
}
