package io.tradepulse.streams;

import static io.tradepulse.streams.TopologyFixture.CHN_USA;
import static io.tradepulse.streams.TopologyFixture.figure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TariffEventKind;
import io.tradepulse.avro.TradeSignal;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FRONT_LOADING, PAYBACK and YOY_MOVE on trade.signals, their retraction, and tariff matching. */
class SignalsTest {
    static final TariffEvent AUGUST_RISE = event("us-cn-rise", "USA", "CHN", List.of(), "2025-08-12", TariffEventKind.INCREASE);

    static TariffEvent event(String id, String imposer, String target, List<String> hs, String effective, TariffEventKind kind) {
        return TariffEvent.newBuilder().setId(id).setImposer(imposer).setTarget(target).setScope(hs.isEmpty() ? "ALL" : "HS")
                .setHsScope(hs).setAnnounced(LocalDate.parse(effective).minusDays(30)).setEffective(LocalDate.parse(effective))
                .setRateBeforePct(10.0).setRateAfterPct(30.0).setKind(kind).setSource("test").build();
    }

    static SignalKey key(SeriesKey s, int year, int month, String type) {
        return new SignalKey(s.getReporter(), s.getPartner(), s.getFlow(), s.getCommodity(), year, month, type);
    }

    /** A flat year 2024 at 100, and 2025 months at 100 except June. */
    private static void flatYearAndJune(TopologyFixture f, long june) {
        for (int m = 1; m <= 12; m++) {
            f.pipe(figure(2024, m, 100L, "2024-%02d-20".formatted(m == 12 ? 12 : m + 1)));
        }
        for (int m = 1; m <= 5; m++) {
            f.pipe(figure(2025, m, 100L, "2025-%02d-20".formatted(m + 1)));
        }
        f.pipe(figure(2025, 6, june, "2025-07-14"));
    }

    @Test
    void shouldSignalFrontLoadingInTheLeadWindowOfATariffRise() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(AUGUST_RISE);
            flatYearAndJune(f, 125L);
            TradeSignal s = f.signalTable().get(key(CHN_USA, 2025, 6, "FRONT_LOADING"));
            assertThat(s.getStatus()).isEqualTo(SignalStatus.ACTIVE);
            assertThat(s.getActual()).isEqualTo(125L);
            assertThat(s.getExpected()).isEqualTo(100L);
            assertThat(s.getExcessPct()).isCloseTo(25.0, within(1e-9));
            assertThat(s.getTariffEventId()).isEqualTo("us-cn-rise");
            assertThat(s.getSummary()).contains("2025-06", "us-cn-rise", "front-loading");
        }
    }

    @Test
    void shouldRetractFrontLoadingSignalWhenMonthIsRevisedDown() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(AUGUST_RISE);
            flatYearAndJune(f, 125L);
            f.signals.readRecordsToList();
            f.pipe(figure(CHN_USA, 2025, 6, 1, 101L, "2025-08-14", 1));
            Map<SignalKey, TradeSignal> out = f.signalTable();
            assertThat(out).containsOnlyKeys(key(CHN_USA, 2025, 6, "FRONT_LOADING"));
            assertThat(out.get(key(CHN_USA, 2025, 6, "FRONT_LOADING")).getStatus()).isEqualTo(SignalStatus.RETRACTED);
        }
    }

    @Test
    void shouldRetractFrontLoadingSignalWhenTheBaseYearIsRevisedUp() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(AUGUST_RISE);
            flatYearAndJune(f, 125L);
            f.signals.readRecordsToList();
            f.pipe(figure(CHN_USA, 2024, 6, 1, 125L, "2025-08-14", 1));
            assertThat(f.signalTable().get(key(CHN_USA, 2025, 6, "FRONT_LOADING")).getStatus())
                    .isEqualTo(SignalStatus.RETRACTED);
        }
    }

    @Test
    void shouldNotSignalFrontLoadingOutsideTheLeadWindowOrBelowTheThreshold() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(event("far", "USA", "CHN", List.of(), "2025-12-01", TariffEventKind.INCREASE));
            flatYearAndJune(f, 125L);
            assertThat(f.signalTable()).doesNotContainKey(key(CHN_USA, 2025, 6, "FRONT_LOADING"));
        }
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(AUGUST_RISE);
            flatYearAndJune(f, 109L);
            assertThat(f.signalTable()).isEmpty();
        }
    }

    @Test
    void shouldSignalPaybackAfterTheTariffTakesEffect() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(event("june-rise", "USA", "CHN", List.of(), "2025-06-01", TariffEventKind.INCREASE));
            flatYearAndJune(f, 70L);
            TradeSignal s = f.signalTable().get(key(CHN_USA, 2025, 6, "PAYBACK"));
            assertThat(s.getExcessPct()).isCloseTo(-30.0, within(1e-9));
            assertThat(s.getTariffEventId()).isEqualTo("june-rise");
        }
    }

    @Test
    void shouldSignalYoyMovesBeyondTheThresholdWithoutAnyTariffEvent() {
        try (TopologyFixture f = new TopologyFixture()) {
            flatYearAndJune(f, 65L);
            Map<SignalKey, TradeSignal> out = f.signalTable();
            assertThat(out).containsOnlyKeys(key(CHN_USA, 2025, 6, "YOY_MOVE"));
            assertThat(out.get(key(CHN_USA, 2025, 6, "YOY_MOVE")).getYoyPct()).isEqualTo(-35.0);
        }
    }

    @Test
    void shouldEvaluateSignalsAgainWhenATariffEventArrivesAfterTheData() {
        try (TopologyFixture f = new TopologyFixture()) {
            flatYearAndJune(f, 125L);
            assertThat(f.signalTable()).isEmpty();
            f.tariff(AUGUST_RISE);
            assertThat(f.signalTable()).containsOnlyKeys(key(CHN_USA, 2025, 6, "FRONT_LOADING"));
        }
    }

    @Test
    void shouldMatchImportSeriesByImposerReporterAndHsScope() {
        SeriesKey usImportsOfSteel = new SeriesKey("USA", "CHN", Flow.IMPORT, "720810");
        SeriesKey usImportsTotal = new SeriesKey("USA", "CHN", Flow.IMPORT, "TOTAL");
        TariffCalendar calendar = new TariffCalendar(List.of(
                event("steel", "USA", "CHN", List.of("72"), "2025-08-01", TariffEventKind.INCREASE),
                event("all", "USA", "CHN", List.of(), "2025-08-01", TariffEventKind.INCREASE),
                event("retaliation", "CHN", "USA", List.of(), "2025-08-01", TariffEventKind.INCREASE)));
        assertThat(calendar.matching(usImportsOfSteel)).extracting(TariffEvent::getId).containsExactly("all", "steel");
        assertThat(calendar.matching(usImportsTotal)).extracting(TariffEvent::getId).containsExactly("all");
        assertThat(calendar.matching(CHN_USA)).extracting(TariffEvent::getId).containsExactly("all");
        assertThat(calendar.matching(new SeriesKey("USA", "CHN", Flow.EXPORT, "TOTAL")))
                .extracting(TariffEvent::getId).containsExactly("retaliation");
    }
}
