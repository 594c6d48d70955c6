package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.TradeChange;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChangeTableTest {

    @Test
    void shouldKeepTheColumnsAlignedWhenACombinedJanuaryFebruaryRowHasTheLongerPeriod() {
        Map<ChangeKey, TradeChange> table = new LinkedHashMap<>();
        for (TradeChange c : List.of(change(2024, 1, 2, 73_410_000_000L), change(2024, 5, 1, 44_000_000_000L))) {
            table.put(new ChangeKey(c.getReporter(), c.getPartner(), c.getFlow(), c.getCommodity(), c.getYear(),
                    c.getMonth()), c);
        }
        List<String> lines = ChangeTable.render(table).lines().toList();

        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).contains("2024-01..02");
        // Every column ends where the header's does: the value "bn" under "value", the last figure under "reported %".
        int valueEnd = lines.get(0).indexOf("value") + "value".length();
        for (String row : lines.subList(1, 3)) {
            assertThat(row.indexOf(" bn") + " bn".length()).as(row).isEqualTo(valueEnd);
            // the last column, quality, is empty on rows that read only published figures
            assertThat(row.length()).as(row).isEqualTo(lines.get(0).indexOf("  quality"));
        }
    }

    @Test
    void shouldShowAReportedGrowthRateAsPublishedWhenItHasTwoDecimals() {
        // GACC's -21.67 % (Jul 2025) read -21.7 in the table, a figure found in no source.
        assertThat(ChangeTable.reported(-21.67)).isEqualTo("-21.67");
        assertThat(ChangeTable.reported(16.0)).isEqualTo("+16.0");
        assertThat(ChangeTable.reported(-34.5)).isEqualTo("-34.5");
        assertThat(ChangeTable.reported(0.0)).isEqualTo("+0.0");
        assertThat(ChangeTable.reported(null)).isEqualTo("-");
        assertThat(ChangeTable.pct(-21.67)).as("the computed YoY keeps one decimal").isEqualTo("-21.7");
    }

    @Test
    void shouldMarkASecondaryLevelAndTheRowsWhoseMetricsReadIt() {
        TradeChange july = TradeChange.newBuilder(change(2025, 7, 1, 35_800_000_000L))
                .setQuality(FigureQuality.SECONDARY).setMetricsQuality(FigureQuality.SECONDARY).build();
        TradeChange august = TradeChange.newBuilder(change(2025, 8, 1, 30_000_000_000L))
                .setMetricsQuality(FigureQuality.SECONDARY).build();
        TradeChange june = change(2025, 6, 1, 38_170_000_000L);
        assertThat(ChangeTable.quality(july)).isEqualTo("  secondary");
        assertThat(ChangeTable.quality(august)).isEqualTo("  reads secondary");
        assertThat(ChangeTable.quality(june)).isEmpty();

        Map<ChangeKey, TradeChange> table = new LinkedHashMap<>();
        for (TradeChange c : List.of(june, july, august)) {
            table.put(new ChangeKey(c.getReporter(), c.getPartner(), c.getFlow(), c.getCommodity(), c.getYear(),
                    c.getMonth()), c);
        }
        List<String> lines = ChangeTable.render(table).lines().toList();
        int column = lines.get(0).indexOf("quality");
        assertThat(lines.get(2).substring(column)).isEqualTo("secondary");
        assertThat(lines.get(3).substring(column)).isEqualTo("reads secondary");
        assertThat(lines.get(1)).hasSize(column - 2);
    }

    private static TradeChange change(int year, int month, int months, long value) {
        return TradeChange.newBuilder().setReporter("CHN").setPartner("USA").setFlow(Flow.EXPORT).setCommodity("TOTAL")
                .setCommodityLevel(CommodityLevel.TOTAL).setYear(year).setMonth(month).setMonths(months)
                .setValue(value).setSource("GACC").setVintage("v").setPublishedAt(Instant.parse("2025-06-09T00:00:00Z"))
                .build();
    }
}
