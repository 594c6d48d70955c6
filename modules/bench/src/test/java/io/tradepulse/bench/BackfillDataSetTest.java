package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.tradepulse.avro.TradeRecord;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class BackfillDataSetTest {

    private static TreeSet<YearMonth> periods(BackfillDataSet data) {
        TreeSet<YearMonth> periods = new TreeSet<>();
        data.forEach((k, r) -> periods.add(YearMonth.of(r.getYear(), r.getMonth())));
        return periods;
    }

    @Test
    void shouldCoverTheThirtySixMonthsOf2023To2025ByDefault() {
        TreeSet<YearMonth> periods = periods(BackfillDataSet.ofSize(2_000, 36, 1.0, 42L));
        assertThat(periods).hasSize(36);
        assertThat(periods.first()).isEqualTo(YearMonth.of(2023, 1));
        assertThat(periods.last()).isEqualTo(YearMonth.of(2025, 12));
    }

    @Test
    void shouldGrowALongerHistoryBackwardsNotIntoTheFuture() {
        TreeSet<YearMonth> periods = periods(BackfillDataSet.ofSize(2_000, 240, 1.0, 42L));
        assertThat(periods).hasSize(240);
        assertThat(periods.first()).isEqualTo(YearMonth.of(2006, 1));
        assertThat(periods.last()).isEqualTo(YearMonth.of(2025, 12));
    }

    @Test
    void shouldLoadTheSameRecordsNewestYearFirst() {
        BackfillDataSet data = BackfillDataSet.ofSize(3_000, 60, 5.0, 42L);
        List<TradeRecord> release = new ArrayList<>();
        data.forEach((k, r) -> release.add(r));
        List<TradeRecord> newestFirst = new ArrayList<>();
        data.inOrder(BackfillDataSet.Order.NEWEST_YEAR_FIRST).forEach((k, r) -> newestFirst.add(r));

        assertThat(newestFirst).hasSameSizeAs(release).containsExactlyInAnyOrderElementsOf(release);
        List<Integer> releaseYears = newestFirst.stream()
                .map(r -> r.getPublishedAt().atZone(ZoneOffset.UTC).getYear()).distinct().toList();
        assertThat(releaseYears).containsExactly(2026, 2025, 2024, 2023, 2022, 2021);
        // within a year, in release order: exactly RELEASE's records of that year
        assertThat(newestFirst.stream().filter(r -> r.getPublishedAt().atZone(ZoneOffset.UTC).getYear() == 2024).toList())
                .containsExactlyElementsOf(release.stream()
                        .filter(r -> r.getPublishedAt().atZone(ZoneOffset.UTC).getYear() == 2024).toList());
    }

    @Test
    void shouldRefuseMoreMonthsThanTheValidatorAccepts() {
        assertThat(BackfillDataSet.MAX_MONTHS).isEqualTo(456);
        assertThat(periods(BackfillDataSet.ofSize(1_000, 456, 0.0, 42L)).first()).isEqualTo(YearMonth.of(1988, 1));
        assertThatThrownBy(() -> BackfillDataSet.ofSize(1_000, 457, 1.0, 42L))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("months must be 1..456");
        assertThatThrownBy(() -> BackfillDataSet.ofSize(1_000, 0, 1.0, 42L)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * 20 M records in one month need ~28,700 HS6 codes per (reporter, partner), more distinct codes than the data set
     * draws from: the draw looked for new codes forever, before the run printed anything.
     */
    @Test
    void shouldRefuseMoreSeriesPerPairThanThereAreCodesWhenTheRecordsAreManyForTheMonths() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                assertThatThrownBy(() -> BackfillDataSet.ofSize(20_000_000, 1, 1.0, 42L))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HS6 codes"));
        // the largest size that fits is drawn, every code distinct, and in the order the generator of before
        // 2026-12-02 drew them (it looked each candidate up in the list, 17-24 s here; pinned by a checksum of its draw)
        long fits = (long) BackfillDataSet.MAX_HS6_CODES * 3 * 230;
        List<String> codes = BackfillDataSet.ofSize(fits, 1, 0.0, 42L).hs6Codes();
        assertThat(new TreeSet<>(codes)).hasSize(BackfillDataSet.MAX_HS6_CODES);
        CRC32 crc = new CRC32();
        crc.update(String.join(",", codes).getBytes(StandardCharsets.UTF_8));
        assertThat(Long.toHexString(crc.getValue())).isEqualTo("a89b3149");
        // the command line's check, without drawing, says the same
        assertThatThrownBy(() -> BackfillDataSet.checkSize(20_000_000, 1, 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HS6 codes");
        BackfillDataSet.checkSize(fits, 1, 0.0);
    }

    /** The (series, month) a record is a figure of. */
    private static String cell(TradeRecord r) {
        return r.getReporter() + "/" + r.getPartner() + "/" + r.getCommodity() + "/" + r.getYear() + "-" + r.getMonth();
    }

    /**
     * A revision stays within +-3 % of the figure it revises (its month's first value), as the data set documents.
     * Until 2026-11-29 the revised value was drawn afresh with the 15 % noise of a first value, so most revisions
     * (2,067 of 2,344 in an audit) moved more than 3 % and flipped more signals than real revisions would.
     */
    @Test
    void shouldReviseEachFigureWithinThreePercentOfItsFirstValue() {
        for (BackfillDataSet.Order order : BackfillDataSet.Order.values()) {
            BackfillDataSet data = BackfillDataSet.ofSize(40_000, 36, 5.0, 42L).inOrder(order);
            Map<String, Long> first = new HashMap<>();
            List<TradeRecord> revisions = new ArrayList<>();
            data.forEach((k, r) -> {
                if (r.getRevision() == 0) {
                    assertThat(first.put(cell(r), r.getValue())).as("one first value per cell").isNull();
                } else {
                    revisions.add(r);
                }
            });

            assertThat(revisions).as(order + ": revisions").hasSizeGreaterThan(1_000);
            List<String> outside = new ArrayList<>();
            for (TradeRecord r : revisions) {
                Long was = first.get(cell(r));
                assertThat(was).as("%s: first value of the revised %s", order, cell(r)).isNotNull();
                // exact in whole dollars: |revised - first| <= 3 % of first
                if (100 * Math.abs(r.getValue() - was) > 3 * was) {
                    outside.add(cell(r) + ": " + was + " -> " + r.getValue());
                }
            }
            assertThat(outside.size()).as("%s: revisions more than 3 %% from the first value, of %d (e.g. %s)", order,
                    revisions.size(), outside.stream().limit(3).toList()).isZero();
        }
    }

    @Test
    void shouldKeepARevisionOfASmallValueWithinThreePercentThoughRoundedToTheDollar() {
        // 17 x 0.9701 = 16.49 rounds to 16, 5.9 % below: the band wins over rounding
        assertThat(BackfillDataSet.revise(17, 0.0017)).isEqualTo(17);
        assertThat(BackfillDataSet.revise(17, 0.9999)).isEqualTo(17);
        assertThat(BackfillDataSet.revise(1_000_000, 0.0)).isEqualTo(970_000);
        assertThat(BackfillDataSet.revise(1_000_000, 0.5)).isEqualTo(1_000_000);
        assertThat(BackfillDataSet.revise(1_000_000, 0.9999999)).isEqualTo(1_030_000);
        assertThat(BackfillDataSet.revise(0, 0.7)).isZero();
    }

    /**
     * Keeping revisions within +-3 % changed only the revised values: every first value, and which (series, month)
     * is revised in which release, are the records runs before 2026-11-29 measured (pinned by a checksum taken with
     * the generator of before the change), so benchmark figures from before and after compare like for like.
     */
    @Test
    void shouldKeepTheFirstValuesAndTheRevisedCellsOfEarlierRuns() {
        CRC32 crc = new CRC32();
        long[] counts = new long[2];
        BackfillDataSet.ofSize(40_000, 36, 5.0, 42L).forEach((k, r) -> {
            String line = r.getRevision() == 0
                    ? cell(r) + "=" + r.getValue() + "@" + r.getVintage()
                    : cell(r) + " revised@" + r.getVintage();
            crc.update((line + "\n").getBytes(StandardCharsets.UTF_8));
            counts[r.getRevision()]++;
        });
        assertThat(counts).as("first values, revisions").containsExactly(49_680L, 2_417L);
        assertThat(Long.toHexString(crc.getValue())).isEqualTo("e10bc4e4");
    }

    /** Stops a {@link BackfillDataSet#forEach} after the records a test needs. */
    private static final class Enough extends RuntimeException {
        Enough() {
            super(null, null, false, false);
        }
    }

    /**
     * The partners were the JDK's ISO 3166 alpha-3 list (Locale.getISOCountries), which differs between JDK builds,
     * so one seed could draw different data sets on different machines. They are a fixed list now, the one Java
     * 17.0.15 gave: the default (10 M) data set is the one measured before, pinned by a checksum of its first 200,000
     * records (both reporters' every partner) taken with the JDK-list generator.
     */
    @Test
    void shouldDrawTheRecordsOfEarlierRunsFromThePinnedPartnersWhateverTheJdksCountryList() {
        BackfillDataSet data = BackfillDataSet.ofSize(10_000_000, 36, 1.0, 42L);
        assertThat(data.series()).isEqualTo(275_310L);
        assertThat(data.partners()).hasSize(230).doesNotHaveDuplicates().isSorted()
                .doesNotContainAnyElementsOf(data.reporters()).startsWith("ABW", "AFG").endsWith("UGA", "UKR");
        CRC32 partners = new CRC32();
        partners.update(String.join(",", data.partners()).getBytes(StandardCharsets.UTF_8));
        assertThat(Long.toHexString(partners.getValue())).isEqualTo("7176c37d");

        CRC32 crc = new CRC32();
        long[] n = new long[1];
        try {
            data.forEach((k, r) -> {
                // The checksum was taken before TradeRecord.quality existed: the record's text without that field
                // (every generated figure is PUBLISHED, checked here) is the text it was taken over.
                String text = r.toString();
                String quality = ", \"quality\": \"PUBLISHED\"}";
                assertThat(text).endsWith(quality);
                String before = text.substring(0, text.length() - quality.length()) + "}";
                crc.update((before + "\n").getBytes(StandardCharsets.UTF_8));
                if (++n[0] == 200_000) {
                    throw new Enough();
                }
            });
        } catch (Enough enough) {
            // the first 200,000 records were read
        }
        assertThat(n[0]).isEqualTo(200_000);
        assertThat(Long.toHexString(crc.getValue())).isEqualTo("787c7d94");
        // a small run takes the first partners of the same list
        assertThat(BackfillDataSet.ofSize(20_000, 36, 1.0, 42L).partners())
                .hasSize(183).containsExactlyElementsOf(data.partners().subList(0, 183));
    }
}
