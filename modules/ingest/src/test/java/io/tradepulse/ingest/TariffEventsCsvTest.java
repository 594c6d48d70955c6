package io.tradepulse.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TariffEventKind;
import java.io.IOException;
import java.io.StringReader;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class TariffEventsCsvTest {

    @Test
    void shouldParseTheBundledTimeline() {
        List<ParseResult<TariffEvent>> rows = BundledData.tariffEvents();
        assertThat(rows).hasSize(12).allMatch(r -> r instanceof ParseResult.Parsed);
        TariffEvent expiry = rows.stream().map(r -> ((ParseResult.Parsed<TariffEvent>) r).value())
                .filter(e -> e.getId().equals("us-cn-2025-08-truce-expiry")).findFirst().orElseThrow();
        assertThat(expiry.getKind()).isEqualTo(TariffEventKind.SCHEDULED_EXPIRY);
        assertThat(expiry.getEffective()).isEqualTo(LocalDate.of(2025, 8, 12));
        assertThat(expiry.getRateBeforePct()).isEqualTo(30.0);
        assertThat(expiry.getRateAfterPct()).isEqualTo(54.0);
        assertThat(expiry.getHsScope()).isEmpty();
    }

    @Test
    void shouldKeepAFieldThatOnlyStartsWithAQuotedPhrase() {
        TariffEvent e = BundledData.tariffEvents().stream().map(r -> ((ParseResult.Parsed<TariffEvent>) r).value())
                .filter(x -> x.getId().equals("us-cn-2025-04-reciprocal")).findFirst().orElseThrow();
        assertThat(e.getNote()).isEqualTo("\"Liberation Day\" reciprocal 34% on top of 20%");
        assertThat(e.getSource()).isEqualTo("AP; Reuters");
    }

    /**
     * Real rows of the bundled timeline, pinned field for field as the reader produced them when the ingest and
     * connector CSV readers were merged: a change in how fields are split, unquoted or trimmed shows up here as
     * a changed event rather than as a silently different tariff history downstream.
     */
    @Test
    void shouldReadRealTimelineRowsFieldForField() {
        List<ParseResult<TariffEvent>> rows = BundledData.tariffEvents();
        assertThat(rows.get(1)).isEqualTo(new ParseResult.Parsed<>(3, TariffEvent.newBuilder()
                .setId("cn-us-2025-02-energy").setImposer("CHN").setTarget("USA")
                .setScope("HS27 coal/LNG 15%; crude oil / farm machinery / large cars 10%").setHsScope(List.of("27"))
                .setAnnounced(LocalDate.of(2025, 2, 4)).setEffective(LocalDate.of(2025, 2, 10))
                .setRateBeforePct(0.0).setRateAfterPct(15.0).setKind(TariffEventKind.INCREASE)
                .setNote("partial scope retaliation").setSource("AP; Reuters").build()));
        assertThat(rows.get(4)).isEqualTo(new ParseResult.Parsed<>(6, TariffEvent.newBuilder()
                .setId("us-cn-2025-04-reciprocal").setImposer("USA").setTarget("CHN")
                .setScope("ALL").setHsScope(List.of())
                .setAnnounced(LocalDate.of(2025, 4, 2)).setEffective(LocalDate.of(2025, 4, 9))
                .setRateBeforePct(20.0).setRateAfterPct(54.0).setKind(TariffEventKind.INCREASE)
                .setNote("\"Liberation Day\" reciprocal 34% on top of 20%").setSource("AP; Reuters").build()));
        assertThat(rows.get(7)).isEqualTo(new ParseResult.Parsed<>(9, TariffEvent.newBuilder()
                .setId("cn-us-2025-04-escalation").setImposer("CHN").setTarget("USA")
                .setScope("ALL").setHsScope(List.of())
                .setAnnounced(LocalDate.of(2025, 4, 11)).setEffective(LocalDate.of(2025, 4, 12))
                .setRateBeforePct(84.0).setRateAfterPct(125.0).setKind(TariffEventKind.INCREASE)
                .setNote(null).setSource("globalbusinessjournalism.com").build()));
        assertThat(rows.get(10)).isEqualTo(new ParseResult.Parsed<>(12, TariffEvent.newBuilder()
                .setId("us-cn-2025-08-truce-expiry").setImposer("USA").setTarget("CHN")
                .setScope("ALL").setHsScope(List.of())
                .setAnnounced(LocalDate.of(2025, 5, 12)).setEffective(LocalDate.of(2025, 8, 12))
                .setRateBeforePct(30.0).setRateAfterPct(54.0).setKind(TariffEventKind.SCHEDULED_EXPIRY)
                .setNote("the 90-day suspension was due to lapse on Aug 12 (the seed article: 'on track to expire in"
                        + " August'); on Aug 11 it was extended to Nov 10")
                .setSource("legalmorningcoffee; internationaltradecomplianceupdate").build()));
    }

    @Test
    void shouldDeriveHsScopeFromExplicitHsCodes() {
        TariffEvent e = BundledData.tariffEvents().stream().map(r -> ((ParseResult.Parsed<TariffEvent>) r).value())
                .filter(x -> x.getId().equals("cn-us-2025-02-energy")).findFirst().orElseThrow();
        assertThat(e.getHsScope()).containsExactly("27");
    }

    @Test
    void shouldRejectUnknownKindNamingTheAllowedValues() throws IOException {
        var rows = new TariffEventsCsv().parse(new StringReader(TariffEventsCsv.HEADER
                + "\nx,USA,CHN,ALL,2025-02-01,2025-02-04,0,10,RAISE,,AP\n"));
        assertThat(rows.get(0)).isInstanceOf(ParseResult.Rejected.class);
        assertThat(((ParseResult.Rejected<TariffEvent>) rows.get(0)).reason()).contains("RAISE").contains("SCHEDULED_EXPIRY");
    }
}
