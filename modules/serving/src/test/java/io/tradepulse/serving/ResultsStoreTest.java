package io.tradepulse.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.serving.Results.Cursor;
import io.tradepulse.serving.Results.InvalidCursorException;
import io.tradepulse.serving.Results.Page;
import io.tradepulse.serving.Results.SeriesFilter;
import io.tradepulse.serving.Results.SeriesSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsStoreTest {
    @TempDir
    Path tmp;
    private ResultsStore store;

    @BeforeEach
    void open() {
        store = ResultsStore.open(tmp.resolve("view"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    static TradeChange change(String reporter, String partner, String commodity, int year, int month, long value) {
        return TradeChange.newBuilder().setReporter(reporter).setPartner(partner).setFlow(Flow.EXPORT)
                .setCommodity(commodity).setCommodityLevel(commodity.equals("TOTAL") ? CommodityLevel.TOTAL : CommodityLevel.HS2)
                .setYear(year).setMonth(month).setValue(value).setSource("GACC").setVintage("v")
                .setPublishedAt(Instant.parse("2025-06-09T00:00:00Z")).build();
    }

    static ChangeKey key(TradeChange c) {
        return new ChangeKey(c.getReporter(), c.getPartner(), c.getFlow(), c.getCommodity(), c.getYear(), c.getMonth());
    }

    private void put(TradeChange c) throws Exception {
        store.putChange(key(c), c);
    }

    private static SeriesFilter series(String reporter, String partner, String commodity) {
        return new SeriesFilter(reporter, partner, "EXPORT", commodity);
    }

    private static int p(int year, int month) {
        return Results.period(year, month);
    }

    @Test
    void shouldServeOneSeriesInPeriodOrderWithinTheRange() throws Exception {
        put(change("CHN", "USA", "TOTAL", 2025, 5, 288));
        put(change("CHN", "USA", "TOTAL", 2024, 5, 440));
        put(change("CHN", "USA", "TOTAL", 2024, 12, 488));
        put(change("CHN", "USAX", "TOTAL", 2024, 6, 1)); // a partner whose code starts like another's
        put(change("CHN", "USA", "85", 2024, 7, 2));

        Page<TradeChange> all = store.changes(series("CHN", "USA", "TOTAL"), Integer.MIN_VALUE, Integer.MAX_VALUE, 100);
        assertThat(all.rows()).extracting(TradeChange::getValue).containsExactly(440L, 488L, 288L);
        assertThat(all.truncated()).isFalse();
        assertThat(store.changes(series("CHN", "USA", "TOTAL"), p(2024, 6), p(2025, 5), 100).rows())
                .extracting(TradeChange::getValue).containsExactly(488L, 288L);
        assertThat(store.changes(series("chn", "usa", "total"), p(2025, 5), p(2025, 5), 100).rows())
                .as("filters are case-insensitive").extracting(TradeChange::getValue).containsExactly(288L);
    }

    @Test
    void shouldReplaceAChangeByKeyAndForgetItOnATombstone() throws Exception {
        TradeChange first = change("CHN", "USA", "TOTAL", 2025, 5, 288);
        put(first);
        put(TradeChange.newBuilder(first).setValue(289L).setRevision(1).build());
        assertThat(store.changes(SeriesFilter.ALL, Integer.MIN_VALUE, Integer.MAX_VALUE, 100).rows())
                .singleElement().satisfies(c -> assertThat(c.getValue()).isEqualTo(289L));
        store.putChange(key(first), null);
        assertThat(store.changes(SeriesFilter.ALL, Integer.MIN_VALUE, Integer.MAX_VALUE, 100).rows()).isEmpty();
        assertThat(store.series(SeriesFilter.ALL, 100).rows()).isEmpty();
    }

    @Test
    void shouldKeepEachSeriesMonthsAndNewestPeriodAcrossRevisionsAndTombstones() throws Exception {
        put(change("CHN", "USA", "TOTAL", 2024, 5, 440));
        put(change("CHN", "USA", "TOTAL", 2025, 5, 288));
        put(change("CHN", "USA", "TOTAL", 2025, 5, 289)); // a revision: still two months
        put(change("CHN", "USA", "TOTAL", 2024, 12, 488));
        put(change("USA", "CHN", "TOTAL", 2025, 1, 7));
        assertThat(store.series(SeriesFilter.ALL, 100).rows()).containsExactly(
                new SeriesSummary("CHN", "USA", "EXPORT", "TOTAL", 3, 2025, 5),
                new SeriesSummary("USA", "CHN", "EXPORT", "TOTAL", 1, 2025, 1));

        store.putChange(key(change("CHN", "USA", "TOTAL", 2025, 5, 0)), null); // the newest month withdrawn
        assertThat(store.series(new SeriesFilter("CHN", null, null, null), 100).rows())
                .containsExactly(new SeriesSummary("CHN", "USA", "EXPORT", "TOTAL", 2, 2024, 12));
        store.putChange(key(change("CHN", "USA", "TOTAL", 2024, 12, 0)), null);
        store.putChange(key(change("CHN", "USA", "TOTAL", 2024, 12, 0)), null); // a repeated tombstone changes nothing
        assertThat(store.series(new SeriesFilter("CHN", null, null, null), 100).rows())
                .containsExactly(new SeriesSummary("CHN", "USA", "EXPORT", "TOTAL", 1, 2024, 5));
    }

    @Test
    void shouldCountTheMonthsACombinedJanuaryFebruaryCoversAndEndTheSeriesAtItsLastMonth() throws Exception {
        // China customs publishes January and February as one figure, keyed by January
        put(TradeChange.newBuilder(change("CHN", "USA", "TOTAL", 2024, 1, 70)).setMonths(2).build());
        put(change("CHN", "USA", "TOTAL", 2024, 3, 40));
        put(TradeChange.newBuilder(change("CHN", "USA", "TOTAL", 2025, 1, 75)).setMonths(2).build());
        put(change("USA", "CHN", "TOTAL", 2025, 1, 7)); // a single January stays one month

        assertThat(store.series(SeriesFilter.ALL, 100).rows()).containsExactly(
                new SeriesSummary("CHN", "USA", "EXPORT", "TOTAL", 5, 2025, 2),
                new SeriesSummary("USA", "CHN", "EXPORT", "TOTAL", 1, 2025, 1));
    }

    @Test
    void shouldFilterOnFieldsAfterAGapAndStopAtTheLimit() throws Exception {
        for (String reporter : new String[] {"CHN", "DEU", "USA"}) {
            for (int month = 1; month <= 4; month++) {
                put(change(reporter, "WLD", "TOTAL", 2025, month, month));
                put(change(reporter, "JPN", "TOTAL", 2025, month, month));
            }
        }
        Page<TradeChange> byPartner = store.changes(new SeriesFilter(null, "JPN", null, null), Integer.MIN_VALUE,
                Integer.MAX_VALUE, 100);
        assertThat(byPartner.rows()).hasSize(12).allSatisfy(c -> assertThat(c.getPartner()).isEqualTo("JPN"));
        assertThat(byPartner.rows()).extracting(TradeChange::getReporter).startsWith("CHN").endsWith("USA");

        Page<TradeChange> limited = store.changes(new SeriesFilter(null, "JPN", null, null), Integer.MIN_VALUE,
                Integer.MAX_VALUE, 5);
        assertThat(limited.rows()).hasSize(5);
        assertThat(limited.truncated()).isTrue();
        assertThat(store.changes(new SeriesFilter(null, "JPN", null, null), Integer.MIN_VALUE, Integer.MAX_VALUE, 12)
                .truncated()).as("exactly the limit matched: nothing left out").isFalse();
        Page<SeriesSummary> firstFour = store.series(SeriesFilter.ALL, 4);
        assertThat(firstFour.truncated()).isTrue();
        assertThat(firstFour.rows()).hasSize(4).allSatisfy(s -> assertThat(s.months()).as("every month of the last series "
                + "listed is counted, though the limit is reached at its first").isEqualTo(4));
        assertThat(store.series(SeriesFilter.ALL, 6).rows()).hasSize(6);
        assertThat(store.series(SeriesFilter.ALL, 6).truncated()).isFalse();
    }

    @Test
    void shouldMatchNothingForAFilterValueWithANulInsteadOfAnotherSeries() throws Exception {
        put(change("CHN", "USA", "TOTAL", 2025, 5, 288));
        put(change("CHN", "DEU", "85", 2025, 5, 7));
        // NUL separates the series fields in the keys: reporter "CHN\0USA" was a prefix of CHN -> USA's keys
        for (SeriesFilter f : List.of(new SeriesFilter("CHN\0USA", null, null, null),
                new SeriesFilter("CHN", "USA\0EXPORT", null, null), new SeriesFilter(null, "USA\0EXPORT", null, null))) {
            assertThat(store.changes(f, Integer.MIN_VALUE, Integer.MAX_VALUE, 100).rows()).as(f.toString()).isEmpty();
            assertThat(store.series(f, 100).rows()).as(f.toString()).isEmpty();
        }
        assertThat(store.series(new SeriesFilter("CHN", "USA", null, null), 100).rows()).hasSize(1);
    }

    @Test
    void shouldStopAQueryThatReadsTooManyEntriesAndSaySo() throws Exception {
        store.close();
        store = ResultsStore.open(tmp.resolve("view"), 5);
        for (int month = 1; month <= 4; month++) {
            put(change("CHN", "WLD", "TOTAL", 2025, month, month));
            put(change("USA", "JPN", "TOTAL", 2025, month, month));
        }
        Page<TradeChange> wide = store.changes(new SeriesFilter(null, "JPN", null, null), Integer.MIN_VALUE,
                Integer.MAX_VALUE, 100);
        assertThat(wide.rows()).as("5 read: CHN's first entry, a seek past CHN's (its partner after JPN), then 3 of "
                + "USA's 4 months").hasSize(3);
        assertThat(wide.truncated()).isTrue();
        Page<TradeChange> narrow = store.changes(new SeriesFilter("USA", "JPN", null, null), Integer.MIN_VALUE,
                Integer.MAX_VALUE, 100);
        assertThat(narrow.rows()).hasSize(4);
        assertThat(narrow.truncated()).isFalse();
    }

    @Test
    void shouldLeaveOutTheSeriesTheScanCapCutShortInsteadOfListingItsFirstMonths() throws Exception {
        store.close();
        store = ResultsStore.open(tmp.resolve("view"), 5);
        for (int month = 1; month <= 4; month++) {
            put(change("CHN", "WLD", "TOTAL", 2025, month, month));
            put(change("USA", "WLD", "TOTAL", 2025, month, month));
        }
        // 5 entries read: CHN's 4 months, then USA's first
        Page<SeriesSummary> page = store.series(new SeriesFilter(null, "WLD", null, null), 100);
        assertThat(page.rows()).containsExactly(new SeriesSummary("CHN", "WLD", "EXPORT", "TOTAL", 4, 2025, 4));
        assertThat(page.truncated()).isTrue();
        assertThat(store.series(new SeriesFilter("USA", null, null, null), 100).rows())
                .as("read whole, the series has all its months")
                .containsExactly(new SeriesSummary("USA", "WLD", "EXPORT", "TOTAL", 4, 2025, 4));
    }

    @Test
    void shouldServeSignalsOfASeriesByPeriodAndType() throws Exception {
        store.putSignal(signalKey(2025, 5, "YOY_MOVE"), signal(2025, 5, "YOY_MOVE", SignalStatus.ACTIVE));
        store.putSignal(signalKey(2025, 5, "PAYBACK"), signal(2025, 5, "PAYBACK", SignalStatus.ACTIVE));
        store.putSignal(signalKey(2024, 12, "FRONT_LOADING"), signal(2024, 12, "FRONT_LOADING", SignalStatus.RETRACTED));
        Page<TradeSignal> all = store.signals(new SeriesFilter("CHN", "USA", null, null), s -> true, 100);
        assertThat(all.rows()).extracting(TradeSignal::getType).containsExactly("FRONT_LOADING", "PAYBACK", "YOY_MOVE");
        assertThat(store.signals(SeriesFilter.ALL, s -> s.getStatus() == SignalStatus.ACTIVE, 100).rows()).hasSize(2);

        store.putSignal(signalKey(2025, 5, "PAYBACK"), null);
        assertThat(store.signals(SeriesFilter.ALL, s -> true, 100).rows()).extracting(TradeSignal::getType)
                .containsExactly("FRONT_LOADING", "YOY_MOVE");
    }

    @Test
    void shouldStartEmptyAndDeleteItsFilesOnClose() throws Exception {
        put(change("CHN", "USA", "TOTAL", 2025, 5, 288));
        store.close();
        assertThat(Files.exists(tmp.resolve("view"))).isFalse();
        assertThatThrownBy(() -> store.series(SeriesFilter.ALL, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");

        Files.createDirectories(tmp.resolve("view"));
        Files.writeString(tmp.resolve("view").resolve("left-over"), "from a killed run");
        store = ResultsStore.open(tmp.resolve("view"));
        assertThat(store.series(SeriesFilter.ALL, 1).rows()).isEmpty();
        assertThat(tmp.resolve("view").resolve("left-over")).doesNotExist();
    }

    @Test
    void shouldRollRocksDbsInfoLogSoItCannotGrowWithoutLimitWhileRunning() throws Exception {
        // RocksDB writes the options the database really runs with to OPTIONS-* in its directory; by default its
        // LOG never rolls (max_log_file_size=0) and up to 1,000 rolled ones would be kept.
        Path optionsFile;
        try (var files = Files.list(tmp.resolve("view"))) {
            optionsFile = files.filter(f -> f.getFileName().toString().startsWith("OPTIONS-"))
                    .max(Comparator.comparing(Path::toString)).orElseThrow();
        }
        Map<String, String> dbOptions = new HashMap<>();
        for (String line : Files.readAllLines(optionsFile)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                dbOptions.putIfAbsent(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        long maxLogFileSize = Long.parseLong(dbOptions.get("max_log_file_size"));
        long keepLogFileNum = Long.parseLong(dbOptions.get("keep_log_file_num"));
        assertThat(maxLogFileSize).as("max_log_file_size").isEqualTo(ResultsStore.MAX_INFO_LOG_FILE_BYTES).isPositive();
        assertThat(keepLogFileNum).as("keep_log_file_num").isEqualTo(ResultsStore.INFO_LOG_FILES_KEPT);
        assertThat(maxLogFileSize * (keepLogFileNum + 1)).as("most bytes the info logs can take")
                .isLessThanOrEqualTo(8L * 1024 * 1024);
    }

    @Test
    void shouldOrderSignalsOfManySeriesByPeriodTypeReporterPartnerAndCommodity() throws Exception {
        List<TradeSignal> put = new ArrayList<>();
        for (String[] series : new String[][] {{"USA", "CHN", "TOTAL"}, {"CHN", "USA", "85"}, {"CHN", "DEU", "TOTAL"},
                {"CHN", "USA", "TOTAL"}, {"DEU", "CHN", "8501"}}) {
            for (int[] ym : new int[][] {{2025, 1}, {2024, 12}, {2025, 10}, {2023, 2}}) {
                for (String type : new String[] {"YOY_MOVE", "FRONT_LOADING", "PAYBACK"}) {
                    TradeSignal s = TradeSignal.newBuilder(signal(ym[0], ym[1], type, SignalStatus.ACTIVE))
                            .setReporter(series[0]).setPartner(series[1]).setCommodity(series[2]).build();
                    store.putSignal(new SignalKey(series[0], series[1], Flow.EXPORT, series[2], ym[0], ym[1], type), s);
                    put.add(s);
                }
            }
        }
        put.sort(Comparator.comparingInt(TradeSignal::getYear).thenComparingInt(TradeSignal::getMonth)
                .thenComparing(TradeSignal::getType).thenComparing(TradeSignal::getReporter)
                .thenComparing(TradeSignal::getPartner).thenComparing(TradeSignal::getCommodity));

        Page<TradeSignal> page = store.signals(SeriesFilter.ALL, s -> true, 1000);

        assertThat(page.rows()).containsExactlyElementsOf(put);
        assertThat(store.signals(SeriesFilter.ALL, s -> s.getType().equals("PAYBACK"), 1000).rows())
                .containsExactlyElementsOf(put.stream().filter(s -> s.getType().equals("PAYBACK")).toList());
    }

    @Test
    void shouldReturnTheEarliestSignalsWhenTheLimitCutsThemOff() throws Exception {
        // Key order is by series: the latest signal (AAA) comes first in the store, the earliest (ZZZ) last.
        List<TradeSignal> put = new ArrayList<>();
        for (Object[] s : new Object[][] {{"AAA", Flow.EXPORT, 2025, 12}, {"MMM", Flow.IMPORT, 2023, 6},
                {"MMM", Flow.EXPORT, 2023, 6}, {"ZZZ", Flow.EXPORT, 2020, 1}, {"BBB", Flow.EXPORT, 2024, 2}}) {
            TradeSignal signal = TradeSignal.newBuilder(signal((int) s[2], (int) s[3], "YOY_MOVE", SignalStatus.ACTIVE))
                    .setReporter((String) s[0]).setFlow((Flow) s[1]).build();
            store.putSignal(new SignalKey((String) s[0], "USA", (Flow) s[1], "TOTAL", (int) s[2], (int) s[3], "YOY_MOVE"), signal);
            put.add(signal);
        }
        Page<TradeSignal> earliest = store.signals(SeriesFilter.ALL, s -> true, 1);
        assertThat(earliest.rows()).extracting(TradeSignal::getReporter).containsExactly("ZZZ");
        assertThat(earliest.truncated()).isTrue();

        // every limit gives the first rows of the whole list in its order (the two flows of MMM by key: EXPORT first)
        List<TradeSignal> all = store.signals(SeriesFilter.ALL, s -> true, 100).rows();
        assertThat(all).extracting(s -> s.getReporter() + " " + s.getFlow())
                .containsExactly("ZZZ EXPORT", "MMM EXPORT", "MMM IMPORT", "BBB EXPORT", "AAA EXPORT");
        for (int limit = 1; limit <= put.size(); limit++) {
            Page<TradeSignal> page = store.signals(SeriesFilter.ALL, s -> true, limit);
            assertThat(page.rows()).as("limit %d", limit).containsExactlyElementsOf(all.subList(0, limit));
            assertThat(page.truncated()).as("limit %d", limit).isEqualTo(limit < put.size());
        }
        assertThat(store.signals(SeriesFilter.ALL, s -> s.getFlow() == Flow.EXPORT, 4).truncated())
                .as("exactly the limit matched: nothing left out").isFalse();
    }

    @Test
    void shouldContinueASignalPageTheScanCapStoppedWithoutSkippingOrRepeatingSignals() throws Exception {
        store.close();
        store = ResultsStore.open(tmp.resolve("view"), 3);
        for (int month = 1; month <= 4; month++) {
            store.putSignal(signalKey(2025, month, "YOY_MOVE"), signal(2025, month, "YOY_MOVE", SignalStatus.ACTIVE));
        }
        // without a reporter and partner, the time index: stopped by the cap, it continues where it stopped
        Page<TradeSignal> page = store.signals(SeriesFilter.ALL, s -> true, 100);
        assertThat(page.rows()).extracting(TradeSignal::getMonth).containsExactly(1, 2, 3);
        assertThat(page.truncated()).isTrue();
        assertThat(page.next()).isNotNull();
        assertThat(rows(pages(after -> store.signals(SeriesFilter.ALL, s -> true, after, 100))))
                .extracting(TradeSignal::getMonth).containsExactly(1, 2, 3, 4);
        assertThat(rows(pages(after -> store.signals(SeriesFilter.ALL, s -> s.getMonth() == 4, after, 100))))
                .as("pages of non-matching entries only, then the match").extracting(TradeSignal::getMonth)
                .containsExactly(4);

        // a reporter and partner: the pair's index, which continues where the cap stopped it too (read by series,
        // such a page had no cursor: it held the earliest of the entries read, not of all)
        SeriesFilter chnUsa = new SeriesFilter("CHN", "USA", null, null);
        Page<TradeSignal> pair = store.signals(chnUsa, s -> true, 100);
        assertThat(pair.rows()).extracting(TradeSignal::getMonth).containsExactly(1, 2, 3);
        assertThat(pair.truncated()).isTrue();
        assertThat(pair.next()).isNotNull();
        assertThat(rows(pages(after -> store.signals(chnUsa, s -> true, after, 100))))
                .extracting(TradeSignal::getMonth).containsExactly(1, 2, 3, 4);
    }

    @Test
    void shouldPageAReporterAndPartnerWithMoreSignalsThanTheScanCapToTheEndReadingAboutTheLimitPerPage()
            throws Exception {
        int limit = 10;
        List<TradeSignal> pair = new ArrayList<>();
        store.close();
        // The scan cap as the meter, well below the pair's 240 signals: a page that may read limit + 1 entries and
        // is full read its rows and the next match only, not the pair's signals.
        store = ResultsStore.open(tmp.resolve("view"), limit + 1L);
        for (int i = 0; i < 120; i++) {
            for (Flow flow : List.of(Flow.EXPORT, Flow.IMPORT)) {
                // other pairs' signals at the same periods, before and after this pair's in time order
                for (String reporter : List.of("AAA", "CHN", "ZZZ")) {
                    TradeSignal s = signal(reporter, "USA", flow, String.format("%02d", i % 7), 2016 + i / 12,
                            1 + i % 12, i % 2 == 0 ? "YOY_MOVE" : "PAYBACK", SignalStatus.ACTIVE, "s" + i);
                    store.putSignal(key(s), s);
                    if (reporter.equals("CHN")) {
                        pair.add(s);
                    }
                }
            }
        }
        pair.sort(TIME_ORDER);
        SeriesFilter chnUsa = new SeriesFilter("CHN", "USA", null, null);
        List<Page<TradeSignal>> pages = pages(after -> store.signals(chnUsa, s -> true, after, limit));
        assertThat(rows(pages)).as("every signal of the pair once, in time order").containsExactlyElementsOf(pair);
        assertThat(pages).as("every page full").allSatisfy(p -> assertThat(p.rows()).hasSize(limit));

        // a narrower filter the cap stops between matches: pages with fewer rows, even none, each with a cursor
        store.close();
        store = ResultsStore.open(tmp.resolve("view"), 5);
        pair.forEach(s -> store.putSignal(key(s), s));
        SeriesFilter oneSeries = new SeriesFilter("CHN", "USA", "IMPORT", "03");
        List<TradeSignal> expected = pair.stream().filter(s -> s.getFlow() == Flow.IMPORT)
                .filter(s -> s.getCommodity().equals("03")).filter(s -> s.getType().equals("PAYBACK")).toList();
        assertThat(expected).hasSizeGreaterThan(3);
        List<Page<TradeSignal>> narrow = pages(after -> store.signals(oneSeries, s -> s.getType().equals("PAYBACK"),
                after, 2));
        assertThat(rows(narrow)).containsExactlyElementsOf(expected);
        assertThat(narrow).as("stopped by the cap").anySatisfy(p -> assertThat(p.rows()).isEmpty());
    }

    /** A signal of the series, period and type, with a status and summary that tell writes apart. */
    private static TradeSignal signal(String reporter, String partner, Flow flow, String commodity, int year, int month,
            String type, SignalStatus status, String summary) {
        return TradeSignal.newBuilder().setType(type).setStatus(status).setReporter(reporter).setPartner(partner)
                .setFlow(flow).setCommodity(commodity).setYear(year).setMonth(month).setSummary(summary)
                .setMethod("test").build();
    }

    private static SignalKey key(TradeSignal s) {
        return new SignalKey(s.getReporter(), s.getPartner(), s.getFlow(), s.getCommodity(), s.getYear(), s.getMonth(),
                s.getType());
    }

    /** The API's order of signals: period, type, reporter, partner, commodity, then flow (the key's tie-break). */
    private static final Comparator<TradeSignal> TIME_ORDER = Comparator.comparingInt(TradeSignal::getYear)
            .thenComparingInt(TradeSignal::getMonth).thenComparing(TradeSignal::getType)
            .thenComparing(TradeSignal::getReporter).thenComparing(TradeSignal::getPartner)
            .thenComparing(TradeSignal::getCommodity).thenComparing(s -> s.getFlow().name());

    @Test
    void shouldAnswerTheSameSignalsInTheSameOrderByTimeIndexAsByEveryFieldIndexTheFilterCanUse() throws Exception {
        ResultsStore capped = ResultsStore.open(tmp.resolve("capped"), 37);
        try {
            Random random = new Random(20261130);
            String[] reporters = {"CHN", "DEU", "USA", "US"};
            String[] partners = {"USA", "JPN", "FRA", "US"};
            String[] commodities = {"TOTAL", "85", "8501"};
            String[] types = {"YOY_MOVE", "FRONT_LOADING", "PAYBACK"};
            Map<SignalKey, TradeSignal> view = new HashMap<>();
            int deleted = 0;
            for (int i = 0; i < 1500; i++) {
                TradeSignal s = signal(reporters[random.nextInt(reporters.length)],
                        partners[random.nextInt(partners.length)], random.nextBoolean() ? Flow.EXPORT : Flow.IMPORT,
                        commodities[random.nextInt(commodities.length)], 2024 + random.nextInt(2),
                        1 + random.nextInt(4), types[random.nextInt(types.length)],
                        random.nextInt(4) == 0 ? SignalStatus.RETRACTED : SignalStatus.ACTIVE, "s" + i);
                boolean tombstone = random.nextInt(5) == 0;
                for (ResultsStore st : List.of(store, capped)) {
                    st.putSignal(key(s), tombstone ? null : s);
                }
                if (tombstone) {
                    deleted += view.remove(key(s)) == null ? 0 : 1;
                } else {
                    view.put(key(s), s);
                }
            }
            assertThat(deleted).as("signals deleted by a tombstone").isGreaterThan(50);
            assertThat(view).as("overwritten keys among them").hasSizeBetween(300, 1000);
            // "type PAYBACK" asks the store for the type as a key field (sought within each period), "PAYBACK"
            // tests it on each value; both must answer the same rows
            Map<String, java.util.function.Predicate<TradeSignal>> wheres = Map.of("any", s -> true,
                    "ACTIVE", s -> s.getStatus() == SignalStatus.ACTIVE, "PAYBACK", s -> s.getType().equals("PAYBACK"),
                    "type PAYBACK", s -> s.getType().equals("PAYBACK"));
            int queries = 0;
            for (String reporter : new String[] {null, "CHN", "US", "BRA"}) {
                for (String partner : new String[] {null, "USA", "US"}) {
                    for (String flow : new String[] {null, "IMPORT"}) {
                        for (String commodity : new String[] {null, "85", "8"}) {
                            SeriesFilter filter = new SeriesFilter(reporter, partner, flow, commodity);
                            for (var where : wheres.entrySet()) {
                                String type = where.getKey().startsWith("type ") ? "PAYBACK" : null;
                                java.util.function.Predicate<TradeSignal> passed = type != null ? s -> true
                                        : where.getValue();
                                List<TradeSignal> expected = view.values().stream()
                                        .filter(s -> reporter == null || s.getReporter().equals(reporter))
                                        .filter(s -> partner == null || s.getPartner().equals(partner))
                                        .filter(s -> flow == null || s.getFlow().name().equals(flow))
                                        .filter(s -> commodity == null || s.getCommodity().equals(commodity))
                                        .filter(where.getValue()).sorted(TIME_ORDER).toList();
                                String what = filter + " " + where.getKey();
                                assertThat(store.signals(filter, type, passed, null, 100_000).rows()).as(what)
                                        .containsExactlyElementsOf(expected);
                                for (int limit : new int[] {1, 7, 250}) {
                                    if (expected.size() / limit > 90) {
                                        continue; // pages() stops at 100
                                    }
                                    assertThat(rows(pages(after -> store.signalsBy(ResultsStore.SignalPlan.TIME, filter,
                                            type, passed, after, limit)))).as("by time, %s, limit %d", what, limit)
                                            .containsExactlyElementsOf(expected);
                                    for (ResultsStore.SignalPlan plan : ResultsStore.SignalPlan.values()) {
                                        if (!plan.canServe(filter)) {
                                            continue;
                                        }
                                        assertThat(rows(pages(after -> store.signalsBy(plan, filter, type, passed,
                                                after, limit)))).as("by %s, %s, limit %d", plan, what, limit)
                                                .containsExactlyElementsOf(expected);
                                    }
                                    List<ResultsStore.SignalPlan> plans = java.util.Arrays.stream(
                                            ResultsStore.SignalPlan.values()).filter(p -> p.canServe(filter)).toList();
                                    for (ResultsStore.SignalPlan plan : plans) {
                                        assertThat(rows(pages(after -> capped.signalsBy(plan, filter, type, passed,
                                                after, Math.max(limit, 50))))).as("by %s, 37 entries a page, %s", plan,
                                                what).containsExactlyElementsOf(expected);
                                    }
                                    // any plan continues any plan's cursor: each is a position in time order
                                    int[] page = {0};
                                    assertThat(rows(pages(after -> capped.signalsBy(plans.get(page[0]++ % plans.size()),
                                            filter, type, passed, after, limit)))).as("plans in turn, %s", what)
                                            .containsExactlyElementsOf(expected);
                                    assertThat(rows(pages(after -> capped.signals(filter, type, passed, after,
                                            Math.max(limit, 50))))).as("served, 37 entries a page, %s", what)
                                            .containsExactlyElementsOf(expected);
                                    queries++;
                                }
                            }
                        }
                    }
                }
            }
            assertThat(queries).isGreaterThan(100);
        } finally {
            capped.close();
        }
    }

    @Test
    void shouldRemoveASignalFromTheTimeIndexOnItsTombstone() throws Exception {
        store.close();
        store = ResultsStore.open(tmp.resolve("view"), 1);
        for (int month = 1; month <= 5; month++) {
            store.putSignal(signalKey(2025, month, "YOY_MOVE"), signal(2025, month, "YOY_MOVE", SignalStatus.ACTIVE));
            store.putSignal(signalKey(2025, month, "YOY_MOVE"), null);
        }
        // one entry a page: an entry left in the index would stop the page there, truncated
        Page<TradeSignal> page = store.signals(SeriesFilter.ALL, s -> true, 10);
        assertThat(page.rows()).isEmpty();
        assertThat(page.truncated()).as("no entry read").isFalse();
        for (SeriesFilter filter : List.of(new SeriesFilter("CHN", "USA", null, null),
                new SeriesFilter(null, null, null, "TOTAL"), new SeriesFilter(null, "USA", null, null),
                new SeriesFilter("CHN", null, null, null))) {
            assertThat(store.signals(filter, s -> true, 10).truncated()).as("by %s", ResultsStore.plan(filter))
                    .isFalse();
        }
    }

    @Test
    void shouldPageEveryFilterCombinationPastTheScanCapReadingAboutTheLimitPerPage() throws Exception {
        int limit = 4;
        // Per period: a target signal, one signal differing from it in each field alone (status only with the type:
        // the status is no key field), and 100 signals of other reporters, partners and commodities, which share
        // the target's flow, type and status and come before it in time order. A filter on a reporter, partner or
        // commodity matches at least 1 of every period's 7 entries of its index, so a page of `limit` rows and the
        // next match spans at most limit + 2 periods: 7 x (limit + 2) entries. The time index has 107 a period.
        long cap = 7L * (limit + 2);
        store.close();
        store = ResultsStore.open(tmp.resolve("view"), cap);
        List<TradeSignal> all = new ArrayList<>();
        for (int period = 0; period < 48; period++) {
            int year = 2022 + period / 12;
            int month = 1 + period % 12;
            String summary = "p" + period;
            all.add(signal("CHN", "USA", Flow.IMPORT, "850760", year, month, "PAYBACK", SignalStatus.ACTIVE, summary));
            all.add(signal("DEU", "USA", Flow.IMPORT, "850760", year, month, "PAYBACK", SignalStatus.ACTIVE, summary));
            all.add(signal("CHN", "JPN", Flow.IMPORT, "850760", year, month, "PAYBACK", SignalStatus.ACTIVE, summary));
            all.add(signal("CHN", "USA", Flow.EXPORT, "850760", year, month, "PAYBACK", SignalStatus.ACTIVE, summary));
            all.add(signal("CHN", "USA", Flow.IMPORT, "850790", year, month, "PAYBACK", SignalStatus.ACTIVE, summary));
            all.add(signal("CHN", "USA", Flow.IMPORT, "850760", year, month, "YOY_MOVE", SignalStatus.ACTIVE, summary));
            all.add(signal("CHN", "USA", Flow.IMPORT, "850760", year, month, "FRONT_LOADING", SignalStatus.RETRACTED,
                    summary));
            for (int i = 0; i < 100; i++) {
                all.add(signal(String.format("B%02d", i), String.format("X%02d", i), Flow.IMPORT,
                        String.format("9%05d", i), year, month, "PAYBACK", SignalStatus.ACTIVE, summary));
            }
        }
        Collections.shuffle(all, new Random(7));
        all.forEach(s -> store.putSignal(key(s), s));
        all.sort(TIME_ORDER);
        int combinations = 0;
        for (int mask = 0; mask < 64; mask++) {
            boolean byType = (mask & 16) != 0;
            boolean byStatus = (mask & 32) != 0;
            SeriesFilter filter = new SeriesFilter((mask & 1) != 0 ? "CHN" : null, (mask & 2) != 0 ? "USA" : null,
                    (mask & 4) != 0 ? "IMPORT" : null, (mask & 8) != 0 ? "850760" : null);
            java.util.function.Predicate<TradeSignal> where = s -> (!byType || s.getType().equals("PAYBACK"))
                    && (!byStatus || s.getStatus() == SignalStatus.ACTIVE);
            List<TradeSignal> expected = all.stream()
                    .filter(s -> filter.reporter() == null || s.getReporter().equals(filter.reporter()))
                    .filter(s -> filter.partner() == null || s.getPartner().equals(filter.partner()))
                    .filter(s -> filter.flow() == null || s.getFlow().name().equals(filter.flow()))
                    .filter(s -> filter.commodity() == null || s.getCommodity().equals(filter.commodity()))
                    .filter(where).toList();
            String what = filter + (byType ? " type" : "") + (byStatus ? " status" : "") + " by "
                    + ResultsStore.plan(filter);
            assertThat(expected.size()).as("more matches than the cap: " + what).isGreaterThan((int) cap);
            List<Page<TradeSignal>> pages = pagesUpTo(expected.size() / limit + 2,
                    after -> store.signals(filter, where, after, limit));
            assertThat(rows(pages)).as("every match once, in time order: " + what).containsExactlyElementsOf(expected);
            assertThat(pages.subList(0, pages.size() - 1)).extracting(p -> p.rows().size()).as("pages full: " + what)
                    .allSatisfy(n -> assertThat(n).isEqualTo(limit));
            combinations++;
        }
        assertThat(combinations).isEqualTo(64);
    }

    @Test
    void shouldReadAboutTheLimitPerPageOfAPartnerFewSignalsHave() throws Exception {
        int limit = 10;
        // The scan cap as the meter: a page may read its rows and the next match only.
        store.close();
        store = ResultsStore.open(tmp.resolve("view"), limit + 1L);
        List<TradeSignal> ofPartner = new ArrayList<>();
        for (int period = 0; period < 60; period++) {
            // 30 other partners' signals a period around the partner's (in time order: by reporter, then partner)
            for (int p = 0; p < 31; p++) {
                String partner = p == 15 ? "MEX" : String.format("P%02d", p);
                for (String reporter : List.of("CHN", "USA")) {
                    TradeSignal s = signal(reporter, partner, Flow.EXPORT, "TOTAL", 2020 + period / 12,
                            1 + period % 12, "YOY_MOVE", SignalStatus.ACTIVE, "s" + period);
                    store.putSignal(key(s), s);
                    if (partner.equals("MEX")) {
                        ofPartner.add(s);
                    }
                }
            }
        }
        ofPartner.sort(TIME_ORDER);
        SeriesFilter mexico = new SeriesFilter(null, "MEX", null, null);
        assertThat(ResultsStore.plan(mexico)).isEqualTo(ResultsStore.SignalPlan.PARTNER);
        List<Page<TradeSignal>> pages = pages(after -> store.signals(mexico, s -> true, after, limit));
        assertThat(rows(pages)).as("every signal of the partner once, in time order")
                .containsExactlyElementsOf(ofPartner);
        assertThat(pages).extracting(p -> p.rows().size()).as("every page full: read limit + 1 entries at most")
                .allSatisfy(n -> assertThat(n).isEqualTo(limit));
    }

    @Test
    void shouldReadAboutTheLimitPerPageOfATypeFewSignalsHaveByEveryPlan() throws Exception {
        int limit = 4;
        // Per period, one PAYBACK among 40 FRONT_LOADING and 40 YOY_MOVE signals of the same partner and commodity
        // (in time order the PAYBACK lies between the two runs). Stepping over at most SEQUENTIAL_SKIPS entries of
        // another type and then seeking, a page reads about 2 x (SEQUENTIAL_SKIPS + 2) entries a period for each of
        // its rows and the next match; entry by entry, 81 a period, so a page the cap stops holds a row or two.
        long cap = (limit + 2L) * 2 * (ResultsStore.SEQUENTIAL_SKIPS + 2);
        store.close();
        store = ResultsStore.open(tmp.resolve("view"), cap);
        List<TradeSignal> paybacks = new ArrayList<>();
        List<TradeSignal> all = new ArrayList<>();
        for (int period = 0; period < 48; period++) {
            int year = 2022 + period / 12;
            int month = 1 + period % 12;
            TradeSignal payback = signal("CHN", "USA", Flow.IMPORT, "850760", year, month, "PAYBACK",
                    period % 2 == 0 ? SignalStatus.ACTIVE : SignalStatus.RETRACTED, "p" + period);
            paybacks.add(payback);
            all.add(payback);
            for (int i = 0; i < 40; i++) {
                for (String type : List.of("FRONT_LOADING", "YOY_MOVE")) {
                    all.add(signal(String.format("R%02d", i), "USA", Flow.IMPORT, "850760", year, month, type,
                            SignalStatus.ACTIVE, "p" + period));
                }
            }
        }
        Collections.shuffle(all, new Random(11));
        all.forEach(s -> store.putSignal(key(s), s));
        paybacks.sort(TIME_ORDER);
        assertThat((long) 81 * (limit + 1)).as("the meter: a page entry by entry exceeds the cap").isGreaterThan(cap);
        for (SeriesFilter filter : List.of(SeriesFilter.ALL, new SeriesFilter(null, "USA", null, null),
                new SeriesFilter(null, null, null, "850760"), new SeriesFilter(null, "USA", "IMPORT", "850760"))) {
            for (ResultsStore.SignalPlan plan : ResultsStore.SignalPlan.values()) {
                if (!plan.canServe(filter) || plan == ResultsStore.SignalPlan.PAIR
                        || plan == ResultsStore.SignalPlan.REPORTER) {
                    continue;
                }
                List<Page<TradeSignal>> pages = pages(after -> store.signalsBy(plan, filter, "PAYBACK", s -> true,
                        after, limit));
                assertThat(rows(pages)).as("%s by %s", filter, plan).containsExactlyElementsOf(paybacks);
                assertThat(pages).extracting(p -> p.rows().size()).as("every page full: %s by %s", filter, plan)
                        .allSatisfy(n -> assertThat(n).isEqualTo(limit));
                List<Page<TradeSignal>> retracted = pages(after -> store.signalsBy(plan, filter, "PAYBACK",
                        s -> s.getStatus() == SignalStatus.RETRACTED, after, limit / 2));
                assertThat(rows(retracted)).as("with a status: %s by %s", filter, plan).containsExactlyElementsOf(
                        paybacks.stream().filter(s -> s.getStatus() == SignalStatus.RETRACTED).toList());
                assertThat(retracted).extracting(p -> p.rows().size()).as("with a status, pages full")
                        .allSatisfy(n -> assertThat(n).isEqualTo(limit / 2));
            }
        }
        assertThat(rows(pages(after -> store.signals(SeriesFilter.ALL, "FRONT_LOADING", s -> true, after, 1000))))
                .as("a common type: every one, from the runs stepped over and sought alike").hasSize(48 * 40)
                .allSatisfy(s -> assertThat(s.getType()).isEqualTo("FRONT_LOADING"));
    }

    @Test
    void shouldReadAboutTheLimitPerSignalPageHoweverManySignalsMatch() throws Exception {
        int limit = 10;
        List<TradeSignal> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            // series in reverse of their time order, two flows each (adjacent in time order: EXPORT, IMPORT)
            for (Flow flow : List.of(Flow.EXPORT, Flow.IMPORT)) {
                TradeSignal s = signal(String.format("R%03d", 199 - i), "USA", flow, "TOTAL", 2020 + i / 12,
                        1 + i % 12, "YOY_MOVE", SignalStatus.ACTIVE, "s" + i);
                all.add(s);
            }
        }
        all.sort(TIME_ORDER);
        List<TradeSignal> exports = all.stream().filter(s -> s.getFlow() == Flow.EXPORT).toList();
        // The scan cap as the meter: a page may read the limit and the next match (all match), or twice that
        // (every other entry matches). Read by series, every page read all 400.
        store.close();
        store = ResultsStore.open(tmp.resolve("view"), limit + 1L);
        all.forEach(s -> store.putSignal(key(s), s));
        List<Page<TradeSignal>> pages = pages(after -> store.signals(SeriesFilter.ALL, s -> true, after, limit));
        assertThat(rows(pages)).containsExactlyElementsOf(all);
        assertThat(pages).allSatisfy(p -> assertThat(p.rows()).hasSize(limit));

        store.close();
        store = ResultsStore.open(tmp.resolve("view"), 2L * limit + 1);
        all.forEach(s -> store.putSignal(key(s), s));
        SeriesFilter exportsOnly = new SeriesFilter(null, null, "EXPORT", null);
        List<Page<TradeSignal>> exportPages = pages(after -> store.signals(exportsOnly, s -> true, after, limit));
        assertThat(rows(exportPages)).containsExactlyElementsOf(exports);
        assertThat(exportPages.subList(0, exportPages.size() - 1)).allSatisfy(p -> assertThat(p.rows()).hasSize(limit));
    }

    /** Every page of a query, following each page's cursor; at most 100 pages. */
    private static <T> List<Page<T>> pages(java.util.function.Function<Cursor, Page<T>> query) {
        return pagesUpTo(100, query);
    }

    /** Every page of a query, following each page's cursor; at most {@code max} pages. */
    private static <T> List<Page<T>> pagesUpTo(int max, java.util.function.Function<Cursor, Page<T>> query) {
        List<Page<T>> pages = new ArrayList<>();
        Cursor after = null;
        do {
            assertThat(pages).as("pages").hasSizeLessThan(max);
            Page<T> page = query.apply(after);
            pages.add(page);
            after = page.next();
        } while (after != null);
        return pages;
    }

    private static <T> List<T> rows(List<Page<T>> pages) {
        return pages.stream().flatMap(p -> p.rows().stream()).toList();
    }

    @Test
    void shouldPageChangesAndSeriesPastTheScanCapUntilEveryMatchingRowIsRead() throws Exception {
        store.close();
        store = ResultsStore.open(tmp.resolve("view"), 5);
        List<TradeChange> jpn = new ArrayList<>();
        for (String reporter : List.of("CHN", "DEU", "KOR", "USA")) {
            for (int month = 1; month <= 4; month++) {
                put(change(reporter, "WLD", "TOTAL", 2025, month, month));
                TradeChange c = change(reporter, "JPN", "TOTAL", 2025, month, month);
                put(c);
                jpn.add(c);
            }
        }
        SeriesFilter toJapan = new SeriesFilter(null, "JPN", null, null);
        List<Page<TradeChange>> changePages = pages(after -> store.changes(toJapan, Integer.MIN_VALUE, Integer.MAX_VALUE,
                after, 100));
        assertThat(changePages).as("5 entries a page, half of them JPN's").hasSizeGreaterThan(3);
        assertThat(changePages.subList(0, changePages.size() - 1)).allSatisfy(p -> assertThat(p.truncated()).isTrue());
        assertThat(changePages.get(changePages.size() - 1).truncated()).isFalse();
        assertThat(rows(changePages)).containsExactlyElementsOf(jpn);

        List<SeriesSummary> series = rows(pages(after -> store.series(toJapan, after, 100)));
        assertThat(series).as("each series whole, once, in order").containsExactly(
                new SeriesSummary("CHN", "JPN", "EXPORT", "TOTAL", 4, 2025, 4),
                new SeriesSummary("DEU", "JPN", "EXPORT", "TOTAL", 4, 2025, 4),
                new SeriesSummary("KOR", "JPN", "EXPORT", "TOTAL", 4, 2025, 4),
                new SeriesSummary("USA", "JPN", "EXPORT", "TOTAL", 4, 2025, 4));
        assertThat(rows(pages(after -> store.series(SeriesFilter.ALL, after, 3)))).hasSize(8);
    }

    @Test
    void shouldListASeriesWholeWhenTheScanCapStopsInEntriesOfOtherSeriesAfterIt() throws Exception {
        store.close();
        store = ResultsStore.open(tmp.resolve("view"), 5);
        put(change("CHN", "WLD", "TOTAL", 2025, 1, 1));
        put(change("CHN", "WLD", "TOTAL", 2025, 2, 2));
        for (String reporter : List.of("DEU", "ESP", "FRA")) {
            for (int month = 1; month <= 6; month++) {
                put(change(reporter, "FRA", "TOTAL", 2025, month, month));
            }
        }
        put(change("USA", "WLD", "TOTAL", 2025, 1, 1));
        // 5 entries read (a seek counts as one): CHN's 2 months, then DEU-FRA's first, which does not match, a seek
        // to DEU-WLD landing on ESP-FRA's first, which does not match either: CHN's series ended before the cap.
        // Left out, as before, its next page would start at it and stop at the same place, forever.
        Page<SeriesSummary> first = store.series(new SeriesFilter(null, "WLD", null, null), 100);
        assertThat(first.rows()).containsExactly(new SeriesSummary("CHN", "WLD", "EXPORT", "TOTAL", 2, 2025, 2));
        assertThat(first.truncated()).isTrue();
        assertThat(rows(pages(after -> store.series(new SeriesFilter(null, "WLD", null, null), after, 100))))
                .containsExactly(new SeriesSummary("CHN", "WLD", "EXPORT", "TOTAL", 2, 2025, 2),
                        new SeriesSummary("USA", "WLD", "EXPORT", "TOTAL", 1, 2025, 1));
    }

    /**
     * A view where a filter's matches are spread among others': reporters, partners and commodities of which one
     * code starts like another ("US", "USA"; "85", "8507"), both flows, each series present or not and each of its
     * months present or not at random, some Januaries covering February too.
     */
    private static List<TradeChange> scattered() {
        Random rnd = new Random(11);
        List<TradeChange> all = new ArrayList<>();
        for (String reporter : List.of("CHN", "DEU", "US", "USA", "ZAF")) {
            for (String partner : List.of("JPN", "MEX", "US", "USA", "WLD")) {
                for (Flow flow : List.of(Flow.EXPORT, Flow.IMPORT)) {
                    for (String commodity : List.of("85", "8507", "850760", "TOTAL")) {
                        if (rnd.nextInt(5) < 2) {
                            continue;
                        }
                        for (int month = 1; month <= 6; month++) {
                            if (rnd.nextInt(5) < 2) {
                                continue;
                            }
                            all.add(TradeChange.newBuilder(change(reporter, partner, commodity, 2024, month, all.size()))
                                    .setFlow(flow).setMonths(month == 1 && rnd.nextBoolean() ? 2 : 1).build());
                        }
                    }
                }
            }
        }
        return all;
    }

    /** The view's order of changes: series (reporter, partner, flow, commodity), then period; codes are ASCII. */
    private static final Comparator<TradeChange> KEY_ORDER = Comparator.comparing(TradeChange::getReporter)
            .thenComparing(TradeChange::getPartner).thenComparing(c -> c.getFlow().name())
            .thenComparing(TradeChange::getCommodity).thenComparingInt(c -> p(c.getYear(), c.getMonth()));

    private static boolean matches(SeriesFilter f, TradeChange c) {
        return (f.reporter() == null || f.reporter().equals(c.getReporter()))
                && (f.partner() == null || f.partner().equals(c.getPartner()))
                && (f.flow() == null || f.flow().equals(c.getFlow().name()))
                && (f.commodity() == null || f.commodity().equals(c.getCommodity()));
    }

    /** The series of the matching changes as a reading of every change would list them. */
    private static List<SeriesSummary> seriesOf(List<TradeChange> sorted, SeriesFilter f) {
        Map<List<String>, java.util.TreeSet<Integer>> covered = new java.util.LinkedHashMap<>();
        for (TradeChange c : sorted) {
            if (matches(f, c)) {
                int period = p(c.getYear(), c.getMonth());
                java.util.TreeSet<Integer> months = covered.computeIfAbsent(
                        List.of(c.getReporter(), c.getPartner(), c.getFlow().name(), c.getCommodity()),
                        k -> new java.util.TreeSet<>());
                for (int m = 0; m < Math.max(1, c.getMonths()); m++) {
                    months.add(period + m);
                }
            }
        }
        List<SeriesSummary> out = new ArrayList<>();
        covered.forEach((k, months) -> out.add(new SeriesSummary(k.get(0), k.get(1), k.get(2), k.get(3), months.size(),
                months.last() / 12, months.last() % 12 + 1)));
        return out;
    }

    @Test
    void shouldAnswerChangesAndSeriesAsAReadingOfEveryChangeForEveryFilterCombinationPagedToTheEnd() throws Exception {
        List<TradeChange> all = scattered();
        List<TradeChange> sorted = all.stream().sorted(KEY_ORDER).toList();
        // Values present in the view, ones another code starts like or that start like another, and absent ones
        // before and after every present one.
        List<SeriesFilter> values = List.of(new SeriesFilter("USA", "US", "IMPORT", "8507"),
                new SeriesFilter("US", "USA", "EXPORT", "85"), new SeriesFilter("DEU", "WLD", "EXPORT", "TOTAL"),
                new SeriesFilter("AAA", "AAA", "IMPORT", "0"), new SeriesFilter("ZZZ", "ZZZ", "RE_IMPORT", "ZZZ"));
        int queries = 0;
        // Changes page on from any cap; a series page must read a whole series (up to 6 months) and the entry after it.
        for (long cap : List.of(1L, 2L, 3L, 8L, 13L, ResultsStore.MAX_SCANNED)) {
            store.close();
            store = ResultsStore.open(tmp.resolve("view"), cap);
            List<TradeChange> shuffled = new ArrayList<>(all);
            Collections.shuffle(shuffled, new Random(cap));
            shuffled.forEach(c -> store.putChange(key(c), c));
            for (SeriesFilter value : values) {
                for (int mask = 1; mask < 16; mask++) {
                    SeriesFilter filter = new SeriesFilter((mask & 1) != 0 ? value.reporter() : null,
                            (mask & 2) != 0 ? value.partner() : null, (mask & 4) != 0 ? value.flow() : null,
                            (mask & 8) != 0 ? value.commodity() : null);
                    List<TradeChange> expected = sorted.stream().filter(c -> matches(filter, c)).toList();
                    List<TradeChange> inRange = expected.stream().filter(c -> c.getMonth() >= 2 && c.getMonth() <= 4)
                            .toList();
                    for (int limit : List.of(1, 5, 1000)) {
                        String what = filter + " cap " + cap + " limit " + limit;
                        List<Page<TradeChange>> pages = pagesUpTo(10_000,
                                after -> store.changes(filter, Integer.MIN_VALUE, Integer.MAX_VALUE, after, limit));
                        assertThat(rows(pages)).as("changes, every match once in order: " + what)
                                .usingElementComparator(Comparator.comparing(TradeChange::toString))
                                .containsExactlyElementsOf(expected);
                        assertThat(rows(pagesUpTo(10_000, after -> store.changes(filter, p(2024, 2), p(2024, 4), after,
                                limit)))).as("changes from 2024-02 to 2024-04: " + what)
                                .usingElementComparator(Comparator.comparing(TradeChange::toString))
                                .containsExactlyElementsOf(inRange);
                        if (cap >= 8) {
                            assertThat(rows(pagesUpTo(10_000, after -> store.series(filter, after, limit))))
                                    .as("series, each once and whole, in order: " + what)
                                    .containsExactlyElementsOf(seriesOf(sorted, filter));
                        }
                        queries++;
                    }
                }
            }
        }
        assertThat(queries).isEqualTo(6 * 5 * 15 * 3);
        assertThat(all).as("a view of some size").hasSizeGreaterThan(300);
    }

    @Test
    void shouldReadTheRowsAndAFewEntriesPerReporterForAPartnerAndPerPairAndFlowForACommodity() throws Exception {
        int reporters = 20;
        int partners = 10;
        int commodities = 20;
        int months = 3;
        List<TradeChange> all = new ArrayList<>();
        for (int r = 0; r < reporters; r++) {
            for (int p = 0; p < partners; p++) {
                for (int c = 0; c < commodities; c++) {
                    for (int month = 1; month <= months; month++) {
                        all.add(change(String.format("R%02d", r), String.format("P%02d", p), String.format("%04d", c),
                                2024, month, all.size()));
                    }
                }
            }
        }
        SeriesFilter partner = new SeriesFilter(null, "P04", null, null);
        SeriesFilter commodity = new SeriesFilter(null, null, null, "0013");
        int partnerRows = reporters * commodities * months;
        int commodityRows = reporters * partners * months;
        // The scan cap as the meter: per reporter (per reporter, partner and flow for a commodity) a skip-scan reads
        // the first entry, seeks to the wanted value, reads the rows and the entry after them, and seeks past it.
        long partnerCap = partnerRows + 4L * reporters;
        long commodityCap = commodityRows + 4L * reporters * partners;
        assertThat(Math.max(partnerCap, commodityCap)).as("far fewer than the view's entries").isLessThan(all.size() / 4);
        for (long cap : List.of(partnerCap, commodityCap)) {
            store.close();
            store = ResultsStore.open(tmp.resolve("view"), cap);
            all.forEach(c -> store.putChange(key(c), c));
            SeriesFilter filter = cap == partnerCap ? partner : commodity;
            int rows = cap == partnerCap ? partnerRows : commodityRows;
            Page<TradeChange> changes = store.changes(filter, Integer.MIN_VALUE, Integer.MAX_VALUE, 100_000);
            assertThat(changes.truncated()).as("%s read at most %d entries", filter, cap).isFalse();
            assertThat(changes.rows()).hasSize(rows).allSatisfy(c -> assertThat(matches(filter, c)).isTrue());
            Page<SeriesSummary> series = store.series(filter, 100_000);
            assertThat(series.truncated()).as("%s read at most %d entries", filter, cap).isFalse();
            assertThat(series.rows()).hasSize(rows / months);
        }
    }

    @Test
    void shouldReadTheMonthsFromToAndAFewEntriesPerSeriesNotEveryMonthOfEachSeries() throws Exception {
        // 5 years of months per series; a query for 3 of them.
        List<TradeChange> all = fiveYearsOfMonths();
        int from = p(2022, 3);
        int to = p(2022, 5);
        // The scan cap as the meter (a seek counts as one entry). One whole series: it starts at from, reads the
        // 3 months, then steps over SEQUENTIAL_SKIPS entries after to and seeks past the series on the next one.
        // Several series: per series also its first entry and a seek to from (26 months before it), and the seek past
        // it; for a partner also an entry and a seek per reporter to reach the partner and to leave the reporter. Reading
        // every month of each series instead: 60 a series.
        long perSeries = 3 + ResultsStore.SEQUENTIAL_SKIPS + 1;
        Map<SeriesFilter, Long> caps = new java.util.LinkedHashMap<>();
        caps.put(new SeriesFilter("R03", "P02", "EXPORT", "TOTAL"), perSeries);
        caps.put(new SeriesFilter("R03", "P02", null, null), 2 * (perSeries + 3));
        caps.put(new SeriesFilter(null, "P02", null, null), 20 * (perSeries + 3) + 10 * 4);
        caps.put(new SeriesFilter(null, null, null, "TOTAL"), 50 * (perSeries + 3) + 50 * 4);
        for (Map.Entry<SeriesFilter, Long> query : caps.entrySet()) {
            SeriesFilter filter = query.getKey();
            assertThat(query.getValue()).as("far fewer than the matching series' entries")
                    .isLessThan(all.stream().filter(c -> matches(filter, c)).count() / 3);
            store.close();
            store = ResultsStore.open(tmp.resolve("view"), query.getValue());
            all.forEach(c -> store.putChange(key(c), c));
            Page<TradeChange> page = store.changes(filter, from, to, 100_000);
            assertThat(page.truncated()).as("%s from 2022-03 to 2022-05 read at most %d entries", filter,
                    query.getValue()).isFalse();
            assertThat(page.rows()).usingElementComparator(Comparator.comparing(TradeChange::toString))
                    .containsExactlyElementsOf(inPeriods(all, filter, from, to));
        }
    }

    @Test
    void shouldPageChangesFromToAcrossSeeksAndStepsWithoutDuplicatesOrGaps() throws Exception {
        List<TradeChange> all = fiveYearsOfMonths();
        // Seeks at both ends (26 months before from, 31 after to), and steps at both (2 months before, 2 after).
        List<int[]> ranges = List.of(new int[] {p(2022, 3), p(2022, 5)}, new int[] {p(2020, 3), p(2024, 10)});
        List<SeriesFilter> filters = List.of(new SeriesFilter("R03", "P02", "EXPORT", "TOTAL"),
                new SeriesFilter("R03", "P02", null, null), new SeriesFilter(null, "P02", null, "TOTAL"));
        for (long cap : List.of(1L, 2L, 5L, 13L)) {
            store.close();
            store = ResultsStore.open(tmp.resolve("view"), cap);
            all.forEach(c -> store.putChange(key(c), c));
            for (int[] range : ranges) {
                for (SeriesFilter filter : filters) {
                    for (int limit : List.of(1, 7, 1000)) {
                        assertThat(rows(pagesUpTo(100_000, after -> store.changes(filter, range[0], range[1], after,
                                limit)))).as("%s %d..%d cap %d limit %d", filter, range[0], range[1], cap, limit)
                                .usingElementComparator(Comparator.comparing(TradeChange::toString))
                                .containsExactlyElementsOf(inPeriods(all, filter, range[0], range[1]));
                    }
                }
            }
        }
    }

    /** 10 reporters x 5 partners x 2 commodities, every month of 2020 to 2024, in key order. */
    private static List<TradeChange> fiveYearsOfMonths() {
        List<TradeChange> all = new ArrayList<>();
        for (int r = 0; r < 10; r++) {
            for (int p = 0; p < 5; p++) {
                for (String commodity : List.of("0001", "TOTAL")) {
                    for (int year = 2020; year <= 2024; year++) {
                        for (int month = 1; month <= 12; month++) {
                            all.add(change(String.format("R%02d", r), String.format("P%02d", p), commodity, year, month,
                                    all.size()));
                        }
                    }
                }
            }
        }
        return all;
    }

    private static List<TradeChange> inPeriods(List<TradeChange> sorted, SeriesFilter filter, int from, int to) {
        return sorted.stream().filter(c -> matches(filter, c))
                .filter(c -> p(c.getYear(), c.getMonth()) >= from && p(c.getYear(), c.getMonth()) <= to).toList();
    }

    @Test
    void shouldNotListASeriesAgainOnTheNextPageWhenItGainsAMonthBetweenPages() throws Exception {
        for (SeriesFilter filter : List.of(SeriesFilter.ALL, new SeriesFilter(null, "USA", null, null))) {
            store.close();
            store = ResultsStore.open(tmp.resolve("view"));
            for (int month = 1; month <= 3; month++) {
                put(change("CHN", "USA", "TOTAL", 2025, month, month));
            }
            put(change("DEU", "USA", "TOTAL", 2025, 1, 1));
            Page<SeriesSummary> first = store.series(filter, null, 1);
            assertThat(first.rows()).containsExactly(new SeriesSummary("CHN", "USA", "EXPORT", "TOTAL", 3, 2025, 3));
            // The processor emits the series' next month while the client pages: the series was listed already (its
            // count is that of the page's reading); listed again, it came back with only the new month.
            put(change("CHN", "USA", "TOTAL", 2025, 4, 4));
            assertThat(store.series(filter, first.next(), 10).rows()).as("%s", filter)
                    .containsExactly(new SeriesSummary("DEU", "USA", "EXPORT", "TOTAL", 1, 2025, 1));
        }
    }

    @Test
    void shouldNotListASeriesAgainWhenAnEarlierReleasesCursorInsideItIsContinuedAfterItGainedAMonth() throws Exception {
        for (SeriesFilter filter : List.of(SeriesFilter.ALL, new SeriesFilter(null, "USA", null, null))) {
            store.close();
            store = ResultsStore.open(tmp.resolve("view"));
            for (int month = 1; month <= 3; month++) {
                put(change("CHN", "USA", "TOTAL", 2025, month, month));
            }
            put(change("DEU", "USA", "TOTAL", 2025, 1, 1));
            // Until 2026-11-30 a page cut at the limit gave the position after the last month it read of its last
            // series (that month's key and 0x00); such tokens carry the same version and are still accepted.
            Cursor old = new Cursor(afterMonth("CHN", "USA", "EXPORT", "TOTAL", p(2025, 3)));
            assertThat(store.series(filter, old, 10).rows()).as("%s, nothing changed", filter)
                    .containsExactly(new SeriesSummary("DEU", "USA", "EXPORT", "TOTAL", 1, 2025, 1));
            put(change("CHN", "USA", "TOTAL", 2025, 4, 4));
            assertThat(store.series(filter, old, 10).rows()).as("%s, a month added to the listed series", filter)
                    .containsExactly(new SeriesSummary("DEU", "USA", "EXPORT", "TOTAL", 1, 2025, 1));
        }
    }

    /** A change key of the store's layout ('c', the series fields each ended by 0x00, the period) followed by 0x00. */
    private static byte[] afterMonth(String reporter, String partner, String flow, String commodity, int period) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write('c');
        for (String field : List.of(reporter, partner, flow, commodity)) {
            out.writeBytes(field.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.write(0);
        }
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(period).array());
        out.write(0);
        return out.toByteArray();
    }

    @Test
    void shouldGiveNoCursorThatWouldNotAdvance() throws Exception {
        store.close();
        store = ResultsStore.open(tmp.resolve("view"), 3);
        for (int month = 1; month <= 5; month++) {
            put(change("CHN", "WLD", "TOTAL", 2025, month, month));
        }
        // One series with more months than the cap: its next page would start at it again.
        Page<SeriesSummary> page = store.series(SeriesFilter.ALL, 100);
        assertThat(page.rows()).isEmpty();
        assertThat(page.truncated()).isTrue();
        assertThat(page.next()).isNull();
        assertThat(rows(pages(after -> store.changes(SeriesFilter.ALL, Integer.MIN_VALUE, Integer.MAX_VALUE, after, 100))))
                .as("its changes page on").hasSize(5);
    }

    @Test
    void shouldPageSignalsInTimeOrderAndNotShiftWhenSignalsAreWrittenBeforeTheCursor() throws Exception {
        List<String> reporters = List.of("USA", "CHN", "DEU", "KOR", "JPN");
        for (int i = 0; i < reporters.size(); i++) {
            for (int month = 1; month <= 4; month++) {
                int year = 2020 + (i * 3 + month) % 5;
                store.putSignal(new SignalKey(reporters.get(i), "USA", Flow.EXPORT, "TOTAL", year, month, "YOY_MOVE"),
                        TradeSignal.newBuilder(signal(year, month, "YOY_MOVE", SignalStatus.ACTIVE))
                                .setReporter(reporters.get(i)).build());
            }
        }
        List<TradeSignal> all = store.signals(SeriesFilter.ALL, s -> true, 1000).rows();
        for (int limit : List.of(1, 3, 7)) {
            assertThat(rows(pages(after -> store.signals(SeriesFilter.ALL, s -> true, after, limit)))).as("limit %d", limit)
                    .containsExactlyElementsOf(all);
        }
        List<TradeSignal> usa = store.signals(new SeriesFilter("USA", null, null, null), s -> true, 1000).rows();
        assertThat(rows(pages(after -> store.signals(new SeriesFilter("USA", null, null, null), s -> true, after, 2))))
                .containsExactlyElementsOf(usa);

        Page<TradeSignal> first = store.signals(SeriesFilter.ALL, s -> true, 5);
        // earlier than every signal: before the cursor, so not on the next pages, which do not shift either
        store.putSignal(new SignalKey("ZZZ", "USA", Flow.EXPORT, "TOTAL", 2019, 1, "YOY_MOVE"),
                TradeSignal.newBuilder(signal(2019, 1, "YOY_MOVE", SignalStatus.ACTIVE)).setReporter("ZZZ").build());
        assertThat(store.signals(SeriesFilter.ALL, s -> true, first.next(), 5).rows())
                .containsExactlyElementsOf(all.subList(5, 10));
    }

    @Test
    void shouldRefuseACursorThatIsNoPositionOfTheQuery() throws Exception {
        for (int month = 1; month <= 3; month++) {
            put(change("CHN", "USA", "TOTAL", 2025, month, month));
            put(change("USA", "CHN", "TOTAL", 2025, month, month));
            store.putSignal(signalKey(2025, month, "YOY_MOVE"), signal(2025, month, "YOY_MOVE", SignalStatus.ACTIVE));
        }
        SeriesFilter chn = new SeriesFilter("CHN", null, null, null);
        SeriesFilter usa = new SeriesFilter("USA", null, null, null);
        Cursor ofChina = store.changes(chn, Integer.MIN_VALUE, Integer.MAX_VALUE, 1).next();
        assertThat(ofChina).isNotNull();
        assertThat(store.changes(chn, Integer.MIN_VALUE, Integer.MAX_VALUE, ofChina, 10).rows()).hasSize(2);
        assertThatThrownBy(() -> store.changes(usa, Integer.MIN_VALUE, Integer.MAX_VALUE, ofChina, 10))
                .isInstanceOf(InvalidCursorException.class);
        assertThatThrownBy(() -> store.series(usa, ofChina, 10)).isInstanceOf(InvalidCursorException.class);
        assertThatThrownBy(() -> store.signals(SeriesFilter.ALL, s -> true, ofChina, 10))
                .as("a change position is no signal").isInstanceOf(InvalidCursorException.class);

        // every plan: any position in the time index, the signals strictly after it in time order (a page may stop
        // at a signal that does not match; a cursor of an earlier release's time-index walk may be any signal's)
        SeriesFilter chnUsa = new SeriesFilter("CHN", "USA", null, null);
        Cursor signal = store.signals(chnUsa, s -> true, 1).next();
        assertThat(store.signals(chnUsa, s -> true, signal, 10).rows()).hasSize(2);
        store.putSignal(new SignalKey("USA", "CHN", Flow.EXPORT, "TOTAL", 2025, 3, "YOY_MOVE"),
                signal(2025, 3, "YOY_MOVE", SignalStatus.ACTIVE));
        assertThat(store.signals(new SeriesFilter("USA", "CHN", null, null), s -> true, signal, 10).rows())
                .as("another pair's position").hasSize(1);
        assertThat(store.signals(new SeriesFilter("CHN", "USA", "IMPORT", null), s -> true, signal, 10).rows())
                .as("a filter on more fields").isEmpty();
        assertThat(store.signals(usa, s -> true, signal, 10).rows()).hasSize(1);
        assertThat(store.signals(new SeriesFilter(null, "USA", null, null), s -> true, signal, 10).rows()).hasSize(2);
        assertThat(store.signals(new SeriesFilter(null, null, null, "TOTAL"), s -> true, signal, 10).rows()).hasSize(3);
        byte[] key = signal.position();
        byte[] byTime = key.clone();
        byTime[byTime.length - 1]++; // the type's last byte: no longer the index key of its own signal key
        for (byte[] bad : List.of(new byte[0], new byte[] {'G'}, java.util.Arrays.copyOf(key, key.length - 20),
                java.util.Arrays.copyOf(key, key.length - 2 - "YOY_MOVE".length()), "gCHN".getBytes(), byTime,
                java.util.Arrays.copyOfRange(key, key.length - 30, key.length))) {
            for (SeriesFilter f : List.of(SeriesFilter.ALL, chnUsa)) {
                assertThatThrownBy(() -> store.signals(f, s -> true, new Cursor(bad), 10))
                        .as(new String(bad)).isInstanceOf(InvalidCursorException.class);
            }
        }
        assertThatThrownBy(() -> store.changes(SeriesFilter.ALL, Integer.MIN_VALUE, Integer.MAX_VALUE,
                new Cursor(new byte[0]), 10)).isInstanceOf(InvalidCursorException.class);
    }

    @Test
    void shouldFailAQueryInsteadOfAnsweringFewerRowsWhenABlockOfTheDatabaseCannotBeRead() throws Exception {
        // RocksDB's iterator stops being valid at the end of the data and also when it cannot read a block (a disk
        // error, a corrupt table file); a query that took that for the end answered the rows before the block, or
        // left out the signals whose value was in it, as if that were the whole view. A few bytes overwritten at
        // several places of the table file: wherever they land, each query answers every row or fails.
        Map<String, Integer> failed = new java.util.TreeMap<>();
        for (int tenth = 1; tenth <= 9; tenth++) {
            store.close();
            Path dir = tmp.resolve("view" + tenth);
            store = ResultsStore.open(dir);
            Random random = new Random(tenth);
            for (int year = 2000; year < 2025; year++) {
                for (int month = 1; month <= 12; month++) {
                    for (String commodity : List.of("TOTAL", "85", "8501", "8502", "8503", "8504")) {
                        put(change("CHN", "USA", commodity, year, month, random.nextLong()));
                        TradeSignal s = signal("CHN", "USA", Flow.EXPORT, commodity, year, month, "YOY_MOVE",
                                SignalStatus.ACTIVE, "s" + random.nextLong());
                        store.putSignal(key(s), s);
                    }
                }
            }
            store.flush();
            List<Path> tables;
            try (var files = Files.list(dir)) {
                tables = files.filter(f -> f.toString().endsWith(".sst")).toList();
            }
            assertThat(tables).as("one table file after the flush").hasSize(1);
            try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(tables.get(0).toFile(), "rw")) {
                file.seek(file.length() * tenth / 10);
                file.write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
            }
            Map<String, java.util.function.Supplier<Integer>> queries = new java.util.LinkedHashMap<>();
            queries.put("changes", () -> store.changes(SeriesFilter.ALL, Integer.MIN_VALUE, Integer.MAX_VALUE,
                    100_000).rows().size());
            queries.put("series months", () -> store.series(SeriesFilter.ALL, 100).rows().stream()
                    .mapToInt(SeriesSummary::months).sum());
            for (SeriesFilter filter : List.of(SeriesFilter.ALL, new SeriesFilter("CHN", "USA", null, null),
                    new SeriesFilter(null, null, null, "85"))) {
                queries.put("signals by " + ResultsStore.plan(filter),
                        () -> store.signals(filter, s -> true, 100_000).rows().size());
            }
            Map<String, Integer> whole = Map.of("changes", 1800, "series months", 1800, "signals by TIME", 1800,
                    "signals by PAIR", 1800, "signals by COMMODITY", 300);
            for (var query : queries.entrySet()) {
                try {
                    assertThat(query.getValue().get()).as("%s, bytes overwritten at %d/10 of the file", query.getKey(),
                            tenth).isEqualTo(whole.get(query.getKey()));
                } catch (IllegalStateException e) {
                    assertThat(e).hasMessageStartingWith("results view database: ");
                    failed.merge(query.getKey(), 1, Integer::sum);
                }
            }
        }
        assertThat(failed.keySet()).as("queries that met a block they could not read").containsExactlyInAnyOrder(
                "changes", "series months", "signals by TIME", "signals by PAIR", "signals by COMMODITY");
    }

    static SignalKey signalKey(int year, int month, String type) {
        return new SignalKey("CHN", "USA", Flow.EXPORT, "TOTAL", year, month, type);
    }

    static TradeSignal signal(int year, int month, String type, SignalStatus status) {
        return TradeSignal.newBuilder().setType(type).setStatus(status).setReporter("CHN").setPartner("USA")
                .setFlow(Flow.EXPORT).setCommodity("TOTAL").setYear(year).setMonth(month).setSummary(type)
                .setMethod("test").build();
    }
}
