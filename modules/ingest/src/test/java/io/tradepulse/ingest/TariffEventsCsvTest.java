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
