package io.tradepulse.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TariffEventKind;
import java.io.IOException;
import java.io.StringReader;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
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
        assertThat(rows.get(1)).isEqualTo(parsed(3, "cn-us-2025-02-energy", "CHN", "USA",
                "HS27 coal/LNG 15%; crude oil / farm machinery / large cars 10%", List.of("27"), "2025-02-04", "2025-02-10",
                0.0, 15.0, TariffEventKind.INCREASE, "partial scope retaliation", "AP; Reuters"));
        assertThat(rows.get(4)).isEqualTo(parsed(6, "us-cn-2025-04-reciprocal", "USA", "CHN", "ALL", List.of(),
                "2025-04-02", "2025-04-09", 20.0, 54.0, TariffEventKind.INCREASE,
                "\"Liberation Day\" reciprocal 34% on top of 20%", "AP; Reuters"));
        assertThat(rows.get(7)).isEqualTo(parsed(9, "cn-us-2025-04-escalation", "CHN", "USA", "ALL", List.of(),
                "2025-04-11", "2025-04-12", 84.0, 125.0, TariffEventKind.INCREASE, null, "globalbusinessjournalism.com"));
        assertThat(rows.get(10)).isEqualTo(parsed(12, "us-cn-2025-08-truce-expiry", "USA", "CHN", "ALL", List.of(),
                "2025-05-12", "2025-08-12", 30.0, 54.0, TariffEventKind.SCHEDULED_EXPIRY,
                "the 90-day suspension was due to lapse on Aug 12 (the seed article: 'on track to expire in August');"
                        + " on Aug 11 it was extended to Nov 10",
                "legalmorningcoffee; internationaltradecomplianceupdate"));
    }

    /** The expected result for one row: its line, then one argument per column in the file's order. */
    private static ParseResult<TariffEvent> parsed(long line, String id, String imposer, String target, String scope,
            List<String> hsScope, String announced, String effective, Double before, Double after, TariffEventKind kind,
            String note, String source) {
        return new ParseResult.Parsed<>(line, TariffEvent.newBuilder().setId(id).setImposer(imposer).setTarget(target)
                .setScope(scope).setHsScope(hsScope).setAnnounced(LocalDate.parse(announced))
                .setEffective(LocalDate.parse(effective)).setRateBeforePct(before).setRateAfterPct(after).setKind(kind)
                .setNote(note).setSource(source).build());
    }

    @Test
    void shouldDeriveHsScopeFromExplicitHsCodes() {
        TariffEvent e = BundledData.tariffEvents().stream().map(r -> ((ParseResult.Parsed<TariffEvent>) r).value())
                .filter(x -> x.getId().equals("cn-us-2025-02-energy")).findFirst().orElseThrow();
        assertThat(e.getHsScope()).containsExactly("27");
    }

    @Test
    void shouldReadHsCodesWrittenWithASpaceOrInLowerCase() throws IOException {
        var rows = new TariffEventsCsv().parse(new StringReader(TariffEventsCsv.HEADER
                + "\nx,USA,CHN,HS 8703 cars; hs27 fuels; HS8542,2025-02-01,2025-02-04,0,10,INCREASE,,AP\n"));

        TariffEvent e = ((ParseResult.Parsed<TariffEvent>) rows.get(0)).value();
        assertThat(e.getHsScope()).containsExactly("8703", "27", "8542");
        assertThat(e.getScope()).isEqualTo("HS 8703 cars; hs27 fuels; HS8542");
    }

    /**
     * The processor reads an empty hsScope as all goods only with the scope ALL itself: "ALL goods" or "All (IEEPA)" was
     * published as a partial scope in words, which matches no series, so the duty never applied anywhere, silently.
     */
    @Test
    void shouldRejectAScopeWhenItSaysAllWithMoreWordsAndNoHsCode() throws IOException {
        for (String scope : List.of("ALL goods", "All (IEEPA fentanyl)", "all Chinese goods", "ALL except smartphones",
                "ALL.")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope).contains("is neither ALL nor");
        }
        for (String scope : List.of("ALL", "all", " ALL ", "ALL HS27 fuels", "alloy steel", "US farm goods 10-15%")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Parsed.class);
        }
    }

    /**
     * "HS-8517", "HS code 8517" or the US "HTS 8517.13" were read as no code at all, so the event was published with an
     * empty hsScope and a partial scope, and matched no series, silently (as "HS 27" did before it was read).
     */
    @Test
    void shouldRejectAScopeWhenItMentionsHsWithoutACodeThatIsRead() throws IOException {
        for (String scope : List.of("HS-8517 phones", "HS:8517", "HS code 8517", "HTS no. 8517.13.00", "hs  27 fuels",
                "hs 1", "HS27 fuels; HS chapter 84", "HSN code 8517", "HS84 HS-85")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope).contains("but no HS code is read");
        }
        assertThat(((ParseResult.Rejected<TariffEvent>) parseOne(
                "x,USA,CHN,HTS no. 8517.13.00 phones,2025-04-02,2025-04-09,20,54,INCREASE,,AP")).reason())
                .contains("'HTS no. 8517.13.00'");
        for (String scope : List.of("HS27 coal/LNG 15%; crude oil / farm machinery / large cars 10%", "HSBC-financed ships",
                "US farm goods 10-15%", "hs 8703 cars", "HS84 HS85 (HS codes)", "HS84 (HS 85)")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Parsed.class);
        }
    }

    /**
     * A scope copied from a web page or a PDF has no-break spaces: "HS\u00A08517" was read as no code and "ALL\u00A0" as
     * no ALL (trim() keeps them), so the event matched no series.
     */
    @Test
    void shouldReadAScopeWhenItHasNoBreakSpaces() throws IOException {
        TariffEvent phones = ((ParseResult.Parsed<TariffEvent>) parseOne(
                "x,USA,CHN,HS\u00A08517 phones;\u202FHS\u20078471,2025-04-02,2025-04-09,20,54,INCREASE,,AP")).value();
        assertThat(phones.getHsScope()).containsExactly("8517", "8471");
        assertThat(phones.getScope()).isEqualTo("HS 8517 phones; HS 8471");

        TariffEvent all = ((ParseResult.Parsed<TariffEvent>) parseOne(
                "x,USA,CHN,\u00A0ALL\u00A0,2025-04-02,2025-04-09,20,54,INCREASE,,AP")).value();
        assertThat(all.getScope()).as("the processor takes only the scope ALL for all goods").isEqualTo("ALL");
        assertThat(all.getHsScope()).isEmpty();
    }

    /**
     * Customs schedules write subheadings with dots ("HS 8517.13", "8471.30.01", "85.17"): the reader took the digits
     * before the first dot, so an event on smartphones (8517.13) applied to all of heading 8517 and its signals named
     * series the duty never touched.
     */
    @Test
    void shouldReadTheWholeCodeWhenAnHsCodeIsWrittenWithDots() throws IOException {
        var rows = new TariffEventsCsv().parse(new StringReader(TariffEventsCsv.HEADER
                + "\nx,USA,CHN,HS 8517.13 smartphones; HS8471.30.01 laptops; HS85.42; HS27. fuels,2025-02-01,2025-02-04,0,10,"
                + "INCREASE,,AP"
                + "\ny,USA,CHN,HS8501.10-8501.40 motors,2025-02-01,2025-02-04,0,10,INCREASE,,AP"
                + "\nz,USA,CHN,HS8471.30.01.90.11,2025-02-01,2025-02-04,0,10,INCREASE,,AP\n"));

        assertThat(((ParseResult.Parsed<TariffEvent>) rows.get(0)).value().getHsScope())
                .containsExactly("851713", "84713001", "8542", "27");
        assertThat(rows.get(1)).as("a range of dotted codes").isInstanceOf(ParseResult.Rejected.class);
        assertThat(((ParseResult.Rejected<TariffEvent>) rows.get(2)).reason()).contains("12 digits");
    }

    /**
     * The US schedule writes its 10-digit statistical numbers with four digits after the last dot ("8471.30.0100"), and
     * China's 8-digit lines are often written "8517.1300": such a code was refused as cut at a dot, naming it "no HS
     * code read whole" although it is one, and a list of two of them after one HS was not seen as a list.
     */
    @Test
    void shouldReadTheWholeCodeWhenAGroupAfterADotHasFourDigits() throws IOException {
        Map<String, List<String>> read = Map.of("HS 8471.30.0100 laptops", List.of("8471300100"),
                "HS 8703.23.0190 cars; HS 8517.1300", List.of("8703230190", "85171300"));
        read.forEach((scope, codes) -> {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Parsed.class);
            assertThat(((ParseResult.Parsed<TariffEvent>) row).value().getHsScope()).as(scope).isEqualTo(codes);
        });
        assertThat(((ParseResult.Rejected<TariffEvent>) parseOne(
                "x,USA,CHN,HS 8471.30.0100/8471.30.0200,2025-04-02,2025-04-09,20,54,INCREASE,,AP")).reason())
                .contains("scope lists HS codes without 'HS'");
        assertThat(((ParseResult.Rejected<TariffEvent>) parseOne(
                "x,USA,CHN,HS 8471.30.010,2025-04-02,2025-04-09,20,54,INCREASE,,AP")).reason())
                .as("three digits after the dot: cut").contains("'HS 8471.30.010'");
    }

    /**
     * hsScope entries are prefixes of commodity codes of 2, 4, 6, 8 or 10 digits: "HS870" (8703 cut short) was an event
     * on all of 8701-8709, and "HS 8517.1" and "HS8517.130" were read as HS8517, the whole heading.
     */
    @Test
    void shouldRejectAScopeWhenAnHsCodeHasAnOddNumberOfDigitsOrIsNotReadWhole() throws IOException {
        for (String scope : List.of("HS870 cars", "HS 85171 phones", "HS8517.130", "HS 8517.1 telephone sets",
                "HS27 HS8471.3")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
        }
        assertThat(((ParseResult.Rejected<TariffEvent>) parseOne(
                "x,USA,CHN,HS870 cars,2025-04-02,2025-04-09,20,54,INCREASE,,AP")).reason()).contains("HS870", "3 digits");
        assertThat(((ParseResult.Rejected<TariffEvent>) parseOne(
                "x,USA,CHN,HS 8517.1 sets,2025-04-02,2025-04-09,20,54,INCREASE,,AP")).reason()).contains("'HS 8517.1'");
        for (String scope : List.of("HS27. fuels", "HS 8517.13 phones", "HS8471.30.01", "HS0101")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Parsed.class);
        }
    }

    /**
     * hsScope lists the goods an event covers: "ALL except HS8517" (the April 2025 electronics exemption) was read as an
     * event on HS8517 alone, and the processor attributed the phones' front-loading to the duty that spared them.
     */
    @Test
    void shouldRejectAScopeWhenItExcludesHsCodesInsteadOfListingThoseItCovers() throws IOException {
        for (String scope : List.of("ALL except HS8517 HS8471", "all goods excluding hs 8517", "ALL excl. HS8517",
                "HS84 other than HS8471")) {
            var rows = new TariffEventsCsv().parse(new StringReader(TariffEventsCsv.HEADER
                    + "\nx,USA,CHN," + scope + ",2025-04-02,2025-04-09,20,54,INCREASE,,AP\n"));
            assertThat(rows.get(0)).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) rows.get(0)).reason()).as(scope).contains("scope excludes HS");
        }
        var covered = new TariffEventsCsv().parse(new StringReader(TariffEventsCsv.HEADER
                + "\nx,USA,CHN,HS8517 except smartphones,2025-04-02,2025-04-09,20,54,INCREASE,,AP"
                + "\ny,USA,CHN,exceptional HS8471 measure,2025-04-02,2025-04-09,20,54,INCREASE,,AP\n"));
        assertThat(((ParseResult.Parsed<TariffEvent>) covered.get(0)).value().getHsScope())
                .as("a code before the exclusion is covered").containsExactly("8517");
        assertThat(((ParseResult.Parsed<TariffEvent>) covered.get(1)).value().getHsScope())
                .as("no exclusion word").containsExactly("8471");
    }

    /**
     * "ALL; HS8471 HS8517 exempt" (the April 2025 electronics exemption written after the codes it spares) was read as an
     * event on HS8471 and HS8517 alone, the goods it spared; "product exclusions" and "exempted" too.
     */
    @Test
    void shouldRejectAScopeWhenItExemptsHsCodesAfterOrBeforeNamingThem() throws IOException {
        for (String scope : List.of("ALL; HS8471 HS8517 exempt", "all goods (HS8517 exempted)", "ALL, HS8517 excluded",
                "ALL; product exclusions: HS8471", "ALL with exemptions for hs 8517.13", "ALL; Exemption HS8542")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope).contains("next to '");
        }
        for (String scope : List.of("smartphones exempt", "HS8517 phones", "exemptive HS8471 measure")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope + ": no code next to an exemption").isInstanceOf(ParseResult.Parsed.class);
        }
    }

    /**
     * hsScope lists codes, not ranges: "HS84-87" was read as HS84 alone and "HS84-HS87" as HS84 and HS87, so an event on
     * chapters 84 to 87 silently missed the series of 85 and 86 (no signal names it there).
     */
    @Test
    void shouldRejectAScopeWhenItGivesARangeOfHsCodes() throws IOException {
        for (String scope : List.of("HS84-87 machinery and vehicles", "HS84-HS87", "hs 8501 \u2013 8504", "HS84 to HS87",
                "HS 84 through 87", "HS01 HS84-85")) {
            var rows = new TariffEventsCsv().parse(new StringReader(TariffEventsCsv.HEADER
                    + "\nx,USA,CHN," + scope + ",2025-04-02,2025-04-09,20,54,INCREASE,,AP\n"));
            assertThat(rows.get(0)).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) rows.get(0)).reason()).as(scope).contains("range");
        }
        var rates = new TariffEventsCsv().parse(new StringReader(TariffEventsCsv.HEADER
                + "\nx,USA,CHN,HS27 - 10%,2025-04-02,2025-04-09,20,54,INCREASE,,AP"
                + "\ny,USA,CHN,HS27 -15.5 %,2025-04-02,2025-04-09,20,54,INCREASE,,AP"
                + "\nz,USA,CHN,HS27 to 2030,2025-04-02,2025-04-09,20,54,INCREASE,,AP\n"));
        assertThat(rates).as("a rate or a year after the code is no range").allSatisfy(r ->
                assertThat(((ParseResult.Parsed<TariffEvent>) r).value().getHsScope()).containsExactly("27"));
    }

    /**
     * Only codes written with "HS" are read: "HS84/85" was read as HS84 alone and "HS8471, 8473" as HS8471, so an event
     * on both silently missed the series of the second (no signal names it there).
     */
    @Test
    void shouldRejectAScopeWhenItListsFurtherHsCodesWithoutHs() throws IOException {
        for (String scope : List.of("HS84/85 machinery", "HS 8471, 8473", "hs84 & 85", "HS84 and 85", "HS8517.13/8517.14",
                "HS01 HS84+85")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope)
                    .contains("scope lists HS codes without 'HS'");
        }
        for (String scope : List.of("HS84/HS85", "HS84, HS85 and HS86", "HS27, 10%", "HS27 / 15 %", "HS8703, 25 cars",
                "HS27 coal/LNG 15%")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Parsed.class);
        }
        assertThat(((ParseResult.Parsed<TariffEvent>) parseOne(
                "x,USA,CHN,\"HS84, HS85 and HS86\",2025-04-02,2025-04-09,20,54,INCREASE,,AP")).value().getHsScope())
                .containsExactly("84", "85", "86");
    }

    /**
     * A list that writes "HS" once and separates the codes with a semicolon or a space ("HS8471; 8473", "HS 8471 8473
     * 8517") was read as its first code alone: the series of the others were silently never matched.
     */
    @Test
    void shouldRejectAScopeWhenItListsFurtherHsCodesAfterASemicolonOrASpace() throws IOException {
        for (String scope : List.of("HS8471; 8473", "HS 8471 8473 8517 computers", "hs84 ;85")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope)
                    .contains("scope lists HS codes without 'HS'");
        }
        for (String scope : List.of("HS27; 10%", "HS27 15 percent", "HS27 15 pct", "HS8703 25 cars", "HS84; HS85",
                "HS27 2025")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Parsed.class);
        }
    }

    /**
     * A rate written in words after a dash ("HS27 - 15 percent", "HS 84 \u2013 25 pct") was taken for the end of a range
     * and the row refused, although a list reads a number followed by "percent" or "pct" as a rate, as one followed by %.
     */
    @Test
    void shouldReadTheCodeWhenARateInWordsFollowsADash() throws IOException {
        Map<String, String> scopes = Map.of("HS27 - 15 percent", "27", "HS 84 \u2013 25 pct", "84",
                "HS 8703 - 25.00 percent", "8703");
        scopes.forEach((scope, code) -> {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Parsed.class);
            assertThat(((ParseResult.Parsed<TariffEvent>) row).value().getHsScope()).as(scope).containsExactly(code);
        });
    }

    /**
     * A rate right after a chapter ("HS02 10-15%", the bundled calendar's "10-15%" form; "HS 27 15 per cent", "HS 27, 10 pp")
     * was taken for a second code written without HS and the row refused, although a number followed by % or "percent" is
     * read as a rate: a rate range, "per cent", "pp" and "percentage points" are rates too.
     */
    @Test
    void shouldReadTheCodeWhenARateRangeOrARateInOtherWordsFollowsIt() throws IOException {
        for (String scope : List.of("HS02 10-15%", "HS 27 10 to 15 %", "HS 84 10\u201325 percent", "HS 27 15 per cent",
                "HS 87, 25 per cent", "HS 27, 10 pp", "HS 27 10 percentage points", "HS 87 - 25 per cent")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Parsed.class);
            assertThat(((ParseResult.Parsed<TariffEvent>) row).value().getHsScope()).as(scope).hasSize(1);
        }
        for (String scope : List.of("HS 27 28 coal", "HS 84 85 machinery 25%", "HS 27 10 cars")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope + ": codes, not a rate").isInstanceOf(ParseResult.Rejected.class);
        }
    }

    /**
     * Only a bare number of the code's own length was taken for a further code: "HS 8471, 8473.30" was an event on 8471
     * alone and "HS 8703 - 8704.10" one on 8703 alone, although a number written with a dot after four digits is a code
     * (no rate is written so), and the series of the other code were silently never matched.
     */
    @Test
    void shouldRejectAScopeWhenACodeWrittenWithADotFollowsWithoutHs() throws IOException {
        Map<String, String> scopes = Map.of("HS 8471, 8473.30", "scope lists HS codes without 'HS'",
                "HS 8471 / 8473.30.01 parts", "scope lists HS codes without 'HS'",
                "HS 8517.13 and 8517.1400", "scope lists HS codes without 'HS'",
                "HS 8703 - 8704.10", "range", "HS 8703.23 to 8703.24.0100", "range");
        scopes.forEach((scope, reason) -> {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope).contains(reason);
        });
        for (String scope : List.of("HS 8703, 12.50 % ad valorem", "HS 8703 - 25.00%", "HS 8703 2.5 litres")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope + ": a rate or a size, no code").isInstanceOf(ParseResult.Parsed.class);
        }
    }

    /**
     * A year right after a heading ("HS 8703 2025 quota", "HS 8542; 2026 list", "HS 8703 to 2026") was taken for a
     * second code of a list or the end of a range, and the row refused, although no HS heading is numbered 2010 to 2099
     * (chapter 20 ends at 2009, chapter 21 starts at 2101).
     */
    @Test
    void shouldReadTheCodeWhenAYearFollowsIt() throws IOException {
        for (String scope : List.of("HS 8703 2025 quota", "HS 8703; 2026 list", "HS 8703 - 2026 quota", "HS 8703 to 2026",
                "HS 8703, 2099")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Parsed.class);
            assertThat(((ParseResult.Parsed<TariffEvent>) row).value().getHsScope()).as(scope).containsExactly("8703");
        }
        for (String scope : List.of("HS 2001 2005", "HS 2001-2009", "HS 2009 2101")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope + ": headings, not years").isInstanceOf(ParseResult.Rejected.class);
        }
    }

    @Test
    void shouldRejectUnknownKindNamingTheAllowedValues() throws IOException {
        var rows = new TariffEventsCsv().parse(new StringReader(TariffEventsCsv.HEADER
                + "\nx,USA,CHN,ALL,2025-02-01,2025-02-04,0,10,RAISE,,AP\n"));
        assertThat(rows.get(0)).isInstanceOf(ParseResult.Rejected.class);
        assertThat(((ParseResult.Rejected<TariffEvent>) rows.get(0)).reason()).contains("RAISE").contains("SCHEDULED_EXPIRY");
    }

    /**
     * The id is the key on the compacted tariff.events: FileIngest published both rows of one id and counted both, and
     * compaction kept the later one alone, so the earlier event left the calendar without a dead letter.
     */
    @Test
    void shouldRejectALaterRowWhenAnEarlierRowHasItsId() throws IOException {
        String second = "us-cn-a,USA,CHN,ALL,2025-03-01,2025-03-04,10,20,INCREASE,same id again,AP";
        List<ParseResult<TariffEvent>> rows = new TariffEventsCsv().parse(new StringReader(String.join("\n",
                TariffEventsCsv.HEADER,
                "us-cn-a,USA,CHN,ALL,2025-02-01,2025-02-04,0,10,INCREASE,first,AP",
                "cn-us-b,CHN,USA,HS27 coal,2025-02-04,2025-02-10,0,15,INCREASE,,Reuters",
                second,
                "us-cn-a ,USA,CHN,ALL,2025-02-01,2025-02-04,0,10,INCREASE,first,AP") + "\n"));

        assertThat(rows).hasSize(4);
        assertThat(rows.get(0)).isInstanceOf(ParseResult.Parsed.class);
        assertThat(rows.get(1)).isInstanceOf(ParseResult.Parsed.class);
        assertThat(rows.get(2)).isInstanceOf(ParseResult.Rejected.class);
        ParseResult.Rejected<TariffEvent> duplicate = (ParseResult.Rejected<TariffEvent>) rows.get(2);
        assertThat(duplicate.line()).isEqualTo(4);
        assertThat(duplicate.raw()).isEqualTo(second);
        assertThat(duplicate.reason()).startsWith("duplicate id 'us-cn-a' (also on line 2)").contains("tariff.events");
        assertThat(rows.get(3)).as("the same event again, the id padded: one key all the same")
                .isInstanceOf(ParseResult.Rejected.class);
    }

    @Test
    void shouldRejectARowWithoutIdOrSourceOrWithTheSameImposerAndTarget() throws IOException {
        Map<String, String> rows = Map.of(
                ",USA,CHN,ALL,2025-02-01,2025-02-04,0,10,INCREASE,,AP", "id is empty",
                "x,USA,CHN,ALL,2025-02-01,2025-02-04,0,10,INCREASE,, ", "source is empty",
                "x,USA,USA,ALL,2025-02-01,2025-02-04,0,10,INCREASE,,AP", "the same economy: USA");
        rows.forEach((row, reason) -> {
            List<ParseResult<TariffEvent>> parsed;
            try {
                parsed = new TariffEventsCsv().parse(new StringReader(TariffEventsCsv.HEADER + "\n" + row + "\n"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            assertThat(parsed.get(0)).as(row).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) parsed.get(0)).reason()).as(row).contains(reason);
        });
    }

    /**
     * Double.valueOf takes "NaN", "Infinity", hex floats and a type suffix ("10d"): a "NaN" rate was published as an
     * event, and `tariffs --dry-run` then failed with a stack trace ("Infinite or NaN") instead of naming the line.
     */
    @Test
    void shouldRejectARateThatIsNotAFiniteDecimalNumber() throws IOException {
        for (String rate : List.of("NaN", "Infinity", "-Infinity", "0x1p4", "10d", "1e400")) {
            var rows = new TariffEventsCsv().parse(new StringReader(TariffEventsCsv.HEADER
                    + "\nx,USA,CHN,ALL,2025-02-01,2025-02-04,0," + rate + ",INCREASE,,AP\n"));
            assertThat(rows.get(0)).as(rate).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) rows.get(0)).reason()).as(rate)
                    .contains("rate is not a number").contains(rate);
        }
    }

    @Test
    void shouldRejectANegativeRateNamingItWhenEitherRateIsBelowZero() throws IOException {
        for (String rates : List.of("-5,10", "0,-10", "-0.5,")) {
            var rows = new TariffEventsCsv().parse(new StringReader(TariffEventsCsv.HEADER
                    + "\nx,USA,CHN,ALL,2025-02-01,2025-02-04," + rates + ",OTHER,,AP\n"));
            assertThat(rows.get(0)).as(rates).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) rows.get(0)).reason()).as(rates).contains("negative");
        }
        var zero = new TariffEventsCsv().parse(new StringReader(TariffEventsCsv.HEADER
                + "\nx,USA,CHN,ALL,2025-02-01,2025-02-04,-0,0,OTHER,,AP\n"));
        assertThat(zero.get(0)).as("zero, however signed, is no duty").isInstanceOf(ParseResult.Parsed.class);
    }

    /**
     * The processor takes INCREASE and SCHEDULED_EXPIRY for duty rises whatever the rates: an INCREASE from 145 to 30
     * (kind or rates swapped) was published, and the months before a duty cut were flagged as front-loading ahead of it.
     */
    @Test
    void shouldRejectAnEventWhenItsKindContradictsTheDirectionOfItsRates() throws IOException {
        Map<String, String> contradictions = Map.of("145,30,INCREASE", "INCREASE", "54,30,SCHEDULED_EXPIRY", "SCHEDULED_EXPIRY",
                "30,145,DECREASE", "DECREASE");
        contradictions.forEach((ratesAndKind, kind) -> {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,ALL,2025-05-12,2025-05-14," + ratesAndKind + ",,AP");
            assertThat(row).as(ratesAndKind).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(ratesAndKind)
                    .contains("kind " + kind + " contradicts the rates");
        });
        for (String consistent : List.of("0,10,INCREASE", "25,25,INCREASE", "30,54,SCHEDULED_EXPIRY", "145,30,DECREASE",
                "145,30,OTHER", ",30,INCREASE", "145,,DECREASE")) {
            assertThat(parseOne("x,USA,CHN,ALL,2025-05-12,2025-05-14," + consistent + ",,AP")).as(consistent)
                    .isInstanceOf(ParseResult.Parsed.class);
        }
    }

    private static ParseResult<TariffEvent> parseOne(String row) {
        try {
            return new TariffEventsCsv().parse(new StringReader(TariffEventsCsv.HEADER + "\n" + row + "\n")).get(0);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void shouldRejectAnEventWhenItsImposerOrTargetIsNoEconomy() throws IOException {
        for (String pair : List.of("USA,CHA", "XYZ,CHN")) {
            var rows = new TariffEventsCsv().parse(new StringReader(TariffEventsCsv.HEADER
                    + "\nx," + pair + ",ALL,2025-02-01,2025-02-04,0,10,INCREASE,,AP\n"));
            assertThat(rows.get(0)).as(pair).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) rows.get(0)).reason()).as(pair).contains("unknown economy");
        }
        for (String pair : List.of("EUU,CHN", "USA,XKX", "TWN,WLD")) {
            var rows = new TariffEventsCsv().parse(new StringReader(TariffEventsCsv.HEADER
                    + "\nx," + pair + ",ALL,2025-02-01,2025-02-04,0,10,INCREASE,,AP\n"));
            assertThat(rows.get(0)).as(pair).isInstanceOf(ParseResult.Parsed.class);
        }
    }

    /**
     * A scope refused for words that name no codes (an exemption, an exclusion, "ALL goods") told to write ALL or list
     * the codes, but not where the words may go: the calendar's note column keeps them with the event.
     */
    @Test
    void shouldSuggestTheNoteColumnWhenAScopeIsRefusedForWordsThatAreNoCodes() {
        for (String scope : List.of("ALL; HS8471 HS8517 exempt", "ALL except HS8517", "ALL goods")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope).contains("note column");
        }
    }

    /**
     * A code written without HS after words ("HS 8704 trucks 25%, 8703 cars 25%") or after a longer code ("HS 8517.13,
     * 8471") was dropped silently: the event on trucks and cars matched the trucks' series alone. Its number is no rate
     * nor year, so it is refused, naming it, as a list written with one HS is.
     */
    @Test
    void shouldRejectAScopeWhenACodeWithoutHsFollowsWordsOrALongerCode() {
        Map<String, String> scopes = Map.of("HS 8704 trucks 25%, 8703 cars 25%", "'8703'", "HS 8517.13, 8471", "'8471'",
                "HS27 coal, 28 chemicals", "'28'", "HS 8703 cars and 8704.10 dumpers", "'8704.10'",
                "8704 trucks; HS 8703 cars", "'8704'", "HS 87 except 8703", "'8703'");
        scopes.forEach((scope, named) -> {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope)
                    .contains("scope names " + named + " without 'HS'");
        });
        Map<String, List<String>> read = Map.of("HS 8704 trucks 25%, HS 8703 cars 25%", List.of("8704", "8703"),
                "HS 8703 cars, 2.5 litres, 25 % from 2026", List.of("8703"), "HS 8517.13 phones, 10-15%", List.of("851713"),
                "HS 8703 cars over $2500 or 1500cc", List.of("8703"), "HS 27 fuels from 2025-04-05 or 05/04/2025",
                List.of("27"), "HS 87 vehicles (chapter 87, 8703 cars)", List.of("87"));
        read.forEach((scope, codes) -> {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Parsed.class);
            assertThat(((ParseResult.Parsed<TariffEvent>) row).value().getHsScope()).as(scope).isEqualTo(codes);
        });
    }

    /**
     * A number after one HS ("HS 8703 1500 units", "HS 8703 3000 cc") is refused as a further code, but it may be a
     * quantity: the refusal told the user to write HS before it (with a fixed "HS84 HS85") and never named the note
     * column, where the docs say such numbers go.
     */
    @Test
    void shouldSuggestTheNoteColumnWhenANumberAfterOneHsMayBeAQuantity() {
        Map<String, String> scopes = Map.of("HS 8703 1500 units", "1500", "HS 8703 3000 cc", "3000",
                "HS 8471, 8473", "8473");
        scopes.forEach((scope, number) -> {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope)
                    .contains("scope lists HS codes without 'HS'")
                    .contains("if '" + number + "' is not a code (a quantity, a count), move it to the note column");
        });
    }

    /**
     * The example of how to write a list after one HS was "HS84 HS85" whatever the scope: it is built from the scope's
     * own codes, those read before it included.
     */
    @Test
    void shouldGiveTheScopesOwnCodesAsTheExampleWhenAListHasOneHs() {
        Map<String, String> scopes = Map.of("HS 8471, 8473", "(HS8471 HS8473)", "HS01 HS84+85", "(HS01 HS84 HS85)",
                "HS 8517.13 and 8517.14", "(HS851713 HS851714)");
        scopes.forEach((scope, example) -> {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope)
                    .contains("scope lists HS codes without 'HS'")
                    .contains("write HS before every code " + example);
        });
    }

    /**
     * A code without HS further on was refused with a fixed example ("HS8704 trucks 25%, HS8703 cars 25%") whatever the
     * scope, so "HS 8517.13, 8471" was shown trucks and cars, and "hsScope would hold the codes written so alone" did
     * not say which codes: both are built from the scope's own codes.
     */
    @Test
    void shouldGiveTheScopesOwnCodesWhenACodeWithoutHsFollowsFurtherOn() {
        Map<String, List<String>> scopes = Map.of(
                "HS 8517.13, 8471", List.of("hsScope would hold only HS851713;", "(HS851713 HS8471)"),
                "8704 trucks; HS 8703 cars", List.of("hsScope would hold only HS8703;", "(HS8704 HS8703)"),
                "HS27 coal, HS 8703 cars, 8704 trucks", List.of("hsScope would hold only HS27, HS8703;",
                        "(HS27 HS8703 HS8704)"));
        scopes.forEach((scope, parts) -> {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope)
                    .contains("without 'HS'")
                    .contains(parts.get(0))
                    .contains("write HS before every code " + parts.get(1))
                    .doesNotContain("trucks 25%")
                    .doesNotContain("written so alone");
        });
    }

    /**
     * A code spaced as the EU writes it and following without HS ("HS 8517 13 00, 8517 14 00") was named by its first
     * four digits, and the example to write became "HS8517": all of the heading, where the user meant 85171400.
     */
    @Test
    void shouldNameTheWholeSpacedCodeWhenItFollowsWithoutHs() {
        Map<String, List<String>> scopes = Map.of(
                "HS 8517 13 00, 8517 14 00", List.of("'8517 14 00'", "(HS85171300 HS85171400)"),
                "HS 8703 cars; 8704 21 10 trucks", List.of("'8704 21 10'", "(HS8703 HS87042110)"));
        scopes.forEach((scope, parts) -> {
            ParseResult<TariffEvent> row = parseOne("x,EUU,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope)
                    .contains("scope names " + parts.get(0) + " without 'HS'")
                    .contains("write HS before every code " + parts.get(1));
        });
    }

    /**
     * A code spaced as the EU writes it after one HS ("HS 8517, 8518 14 00") was given as "HS8518" in the example to
     * write: all of the heading, where the user meant 85181400 ("HS 8517, HS 8518 14 00" reads it so).
     */
    @Test
    void shouldGiveTheWholeSpacedCodeAsTheExampleWhenItIsListedAfterOneHs() {
        for (String scope : List.of("HS 8517, 8518 14 00", "HS 8517 / 8518 14 00 phones")) {
            ParseResult<TariffEvent> row = parseOne("x,EUU,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope)
                    .contains("scope lists HS codes without 'HS'")
                    .contains("write HS before every code (HS8517 HS85181400)")
                    .contains("if '8518 14 00' is not a code");
        }
        assertThat(((ParseResult.Parsed<TariffEvent>) parseOne(
                "x,EUU,CHN,\"HS 8517, HS 8518 14 00\",2025-04-02,2025-04-09,20,54,INCREASE,,AP")).value().getHsScope())
                .as("the example, written so, is read").containsExactly("8517", "85181400");
    }

    /**
     * The range refusal gave "HS84 HS85 HS86 HS87" as the codes to list whatever the range: "HS 8471-8473" was told to
     * list chapters 84 to 87. The example is the range's own codes, or its ends when it is long.
     */
    @Test
    void shouldGiveTheRangesOwnCodesAsTheExampleWhenAScopeGivesARange() {
        Map<String, String> scopes = Map.of("HS 8471-8473 computers", "(HS8471 HS8472 HS8473)",
                "HS84-87", "(HS84 HS85 HS86 HS87)", "HS01 to 97", "(HS01 ... HS97)",
                "HS 8703 - 8704.10", "(HS8703 ... HS870410)", "HS 0801 through 0803", "(HS0801 HS0802 HS0803)",
                "HS 8703 - 8703", "(HS8703)");
        scopes.forEach((scope, example) -> {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope)
                    .contains("scope gives a range of HS codes")
                    .contains("list every code it covers " + example);
        });
        // Ends too long for a number (a typo) are shown as written, and the row refused: the file's parse is not ended.
        assertThat(((ParseResult.Rejected<TariffEvent>) parseOne("x,USA,CHN,\"HS 8703.23.19.00.11.22.33.44.55.66 - "
                + "8703.23.19.00.11.22.33.44.55.67\",2025-04-02,2025-04-09,20,54,INCREASE,,AP")).reason())
                .contains("list every code it covers (HS8703231900112233445566 ... HS8703231900112233445567)");
    }

    /**
     * A code without HS after "except" ("HS 87 except 8703") is one the event spares, but the refusal said to write HS
     * before it ("HS87 HS8703"): done, the row is refused again as excluding HS8703. It now gives the way out of an
     * exclusion, as the refusal of "HS 87 except HS8703" does.
     */
    @Test
    void shouldGiveTheWayOutOfAnExclusionWhenACodeWithoutHsFollowsExcept() {
        for (String scope : List.of("HS 87 except 8703", "HS 8517 excluding 8517.13 phones")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope)
                    .contains("without 'HS'")
                    .contains("hsScope can only list the HS codes the event covers")
                    .contains("move the words of the exclusion to the note column")
                    .doesNotContain("write HS before every code");
        }
    }

    /**
     * The EU writes its Combined Nomenclature codes with spaces ("8517 13 00"): "HS 8517 13 00" was read as heading 8517,
     * all of it, silently. Its pairs are read as the dots of "HS 8517.13.00" are, national digits included; a single pair
     * ("HS8703 25 cars"), a year or a rate after a code is still no part of it.
     */
    @Test
    void shouldReadTheWholeCodeWhenItIsWrittenWithSpacesAsInTheCombinedNomenclature() {
        Map<String, List<String>> read = Map.of("HS 8517 13 00 smartphones", List.of("85171300"),
                "HS 8517.13.00 smartphones", List.of("85171300"), "HS 8703 23 19 00 cars; HS27", List.of("8703231900", "27"),
                "HS 8517 13 00 25%", List.of("85171300"), "HS 8703 2025 quota", List.of("8703"),
                "HS8703 25 cars", List.of("8703"), "HS 8703 10 15%", List.of("8703"));
        read.forEach((scope, codes) -> {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Parsed.class);
            assertThat(((ParseResult.Parsed<TariffEvent>) row).value().getHsScope()).as(scope).isEqualTo(codes);
        });
        assertThat(((ParseResult.Rejected<TariffEvent>) parseOne(
                "x,USA,CHN,\"HS 8517 13 00, 8517 14 00\",2025-04-02,2025-04-09,20,54,INCREASE,,AP")).reason())
                .as("a second spaced code without HS").contains("without 'HS'");
    }

    /**
     * National schedules extend the HS code with digits of their own and are named in calendars: the EU's "CN 8703" was
     * read as no code (the event matched no series), and "HTS 8703.23.01" or "HSN 8517" was refused, although
     * "HS 8703.23.01" with the same digits was read. "CN" also stands for China: a rate or a year after it is no code.
     */
    @Test
    void shouldReadTheCodeWhenItIsWrittenAfterCnHtsOrHsn() {
        Map<String, List<String>> read = Map.of("CN 8703 cars", List.of("8703"), "CN 8517 13 00 phones", List.of("85171300"),
                "HTS 8703.23.01", List.of("87032301"), "HSN 8517; cn27", List.of("8517", "27"),
                "HS27; CN 10% on US coal", List.of("27"), "HS 8703, CN 2025 list", List.of("8703"));
        read.forEach((scope, codes) -> {
            ParseResult<TariffEvent> row = parseOne("x,EUU,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Parsed.class);
            assertThat(((ParseResult.Parsed<TariffEvent>) row).value().getHsScope()).as(scope).isEqualTo(codes);
        });
        assertThat(((ParseResult.Rejected<TariffEvent>) parseOne(
                "x,EUU,CHN,\"CN 8703, 8704\",2025-04-02,2025-04-09,20,54,INCREASE,,AP")).reason())
                .as("a list written with one CN").contains("without 'HS'");
    }

    /**
     * "HS 8703 23 19 00 11" was read as 8703231900, its fifth pair dropped silently, where "HS 8703.23.19.00.11" is
     * refused for its 12 digits: spaced pairs are read as dotted ones, so both are refused the same way.
     */
    @Test
    void shouldRejectASpacedCodeWhenItHasMoreThanTenDigitsAsADottedOneIs() {
        for (String scope : List.of("HS 8703 23 19 00 11", "HS 8703.23.19.00.11", "CN 8703 23 19 00 11 cars")) {
            ParseResult<TariffEvent> row = parseOne("x,EUU,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope)
                    .contains("which has 12 digits: an HS code has at most 10");
        }
    }

    /**
     * The refusals said "only codes written HSnn are read", though codes after CN, HTS and HSN and spaced as in the
     * Combined Nomenclature are read too: a user with "HTS 8703.23.01, 8704" was told to write HS where HTS works.
     */
    @Test
    void shouldNameEveryWayACodeIsReadWhenAScopeIsRefusedForACodeNotRead() {
        for (String scope : List.of("HTS 8471, 8473", "HS code 8517", "HS 8704 trucks 25%, 8703 cars 25%")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope)
                    .doesNotContain("HSnn")
                    .contains("only codes written after HS, HTS, HSN or CN are read");
        }
    }

    /**
     * "HS code 8517" and "HTS no. 8517" were refused as a mention of a code not read, but "CN code 8703" gave no code
     * at all: the event matched no series, silently. CN also stands for China ("CN 10% on US coal", "CN 2025 list",
     * "CN code list: HS 8703"), so only CN followed by a word for a code and then a number is refused.
     */
    @Test
    void shouldRejectAScopeWhenCnIsFollowedByAWordForACodeAndANumber() {
        Map<String, String> refused = Map.of("CN code 8703", "'CN code 8703'", "cn no. 8703 cars", "'cn no. 8703'",
                "HS27; CN heading 8517", "'CN heading 8517'", "CN subheading 8517.13", "'CN subheading 8517.13'",
                "CN codes: 8703", "'CN codes: 8703'");
        refused.forEach((scope, named) -> {
            ParseResult<TariffEvent> row = parseOne("x,EUU,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope)
                    .contains("scope mentions " + named + " but no code is read there");
        });
        Map<String, List<String>> read = Map.of("HS27; CN 10% on US coal", List.of("27"), "HS 8703, CN 2025 list",
                List.of("8703"), "HS 8703; CN retaliation", List.of("8703"), "CN code list: HS 8703", List.of("8703"));
        read.forEach((scope, codes) -> {
            ParseResult<TariffEvent> row = parseOne("x,EUU,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Parsed.class);
            assertThat(((ParseResult.Parsed<TariffEvent>) row).value().getHsScope()).as(scope).isEqualTo(codes);
        });
    }

    /**
     * "CN 25 cars" was read as chapter 25 (salt, stone, cement), where CN may be China and 25 a number of cars. A
     * two-digit number after "CN " is a chapter or a count: refused, naming it. A chapter written together ("CN25",
     * as "HS25" is) and a heading ("CN 8703", "CN 85.17") are still read.
     */
    @Test
    void shouldRejectAScopeWhenATwoDigitNumberFollowsCnAndASpace() {
        for (String scope : List.of("CN 25 cars", "HS 8703; CN 87 vehicles")) {
            ParseResult<TariffEvent> row = parseOne("x,EUU,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope)
                    .contains("scope names '" + scope.substring(scope.indexOf("CN"), scope.indexOf("CN") + 5) + "'")
                    .contains("a chapter or a count");
        }
        Map<String, List<String>> read = Map.of("CN25 salt", List.of("25"), "cn27", List.of("27"), "CN 8703 25 cars",
                List.of("8703"), "CN 85.17 phones", List.of("8517"), "HS 87 vehicles", List.of("87"));
        read.forEach((scope, codes) -> {
            ParseResult<TariffEvent> row = parseOne("x,EUU,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Parsed.class);
            assertThat(((ParseResult.Parsed<TariffEvent>) row).value().getHsScope()).as(scope).isEqualTo(codes);
        });
    }

    /**
     * "HS-8517", "HS:8517" and "hs  27" are refused as codes not read, but "CN-8703", "CN: 8703" and "CN  8703" gave no
     * code at all, and the event matched no series, silently. A year or a rate after CN and a dash or colon is China's.
     */
    @Test
    void shouldRejectAScopeWhenACnCodeFollowsADashAColonOrSpaces() {
        Map<String, String> refused = Map.of("CN-8703 cars", "'CN-8703'", "CN: 8517.13 phones", "'CN: 8517.13'",
                "HS27; CN  8703", "'CN  8703'", "CN \u2013 870323", "'CN \u2013 870323'");
        refused.forEach((scope, named) -> {
            ParseResult<TariffEvent> row = parseOne("x,EUU,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(scope)
                    .contains("scope mentions " + named + " but no code is read there");
        });
        Map<String, List<String>> read = Map.of("HS27; CN: 2025 list", List.of("27"), "HS27; CN - 1000 %", List.of("27"),
                "HS 8703; CN-US truce", List.of("8703"), "CN 8703", List.of("8703"));
        read.forEach((scope, codes) -> {
            ParseResult<TariffEvent> row = parseOne("x,EUU,CHN,\"" + scope + "\",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as(scope).isInstanceOf(ParseResult.Parsed.class);
            assertThat(((ParseResult.Parsed<TariffEvent>) row).value().getHsScope()).as(scope).isEqualTo(codes);
        });
    }

    /**
     * A blank scope cell was published as an event with an empty hsScope and a scope that is not ALL, which the
     * processor matches with no series: the duty silently never applied, where its author likely meant all goods.
     */
    @Test
    void shouldRejectAnEventWhenItsScopeIsEmpty() {
        for (String scope : List.of("", "  ", "\u00A0")) {
            ParseResult<TariffEvent> row = parseOne("x,USA,CHN," + scope + ",2025-04-02,2025-04-09,20,54,INCREASE,,AP");
            assertThat(row).as("'" + scope + "'").isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as("'" + scope + "'").contains("scope is empty");
        }
    }

    @Test
    void shouldRejectARowWhenADateHasAMistypedYearNoSeriesCanReach() {
        ParseResult<TariffEvent> effective = parseOne("x,USA,CHN,ALL,2025-02-01,0025-02-04,10,20,INCREASE,,AP");
        assertThat(effective).isInstanceOf(ParseResult.Rejected.class);
        assertThat(((ParseResult.Rejected<TariffEvent>) effective).reason())
                .isEqualTo("effective date 0025-02-04 is before 1988: no series has months before then (modern, "
                        + "HS-based trade statistics start in 1988), so the event could never match one");
        assertThat(parseOne("x,USA,CHN,ALL,2025-02-01,1987-12-31,10,20,INCREASE,,AP"))
                .as("the last day before the first month a series can have").isInstanceOf(ParseResult.Rejected.class);
        ParseResult<TariffEvent> announced = parseOne("x,USA,CHN,ALL,0025-02-01,2025-02-04,10,20,INCREASE,,AP");
        assertThat(announced).isInstanceOf(ParseResult.Rejected.class);
        assertThat(((ParseResult.Rejected<TariffEvent>) announced).reason()).contains("announced date 0025-02-01");
        // Bounds: an event effective in the first month a series can have, announced years before, is read.
        assertThat(parseOne("x,USA,CHN,ALL,1900-01-01,1988-01-01,10,20,INCREASE,,AP"))
                .isInstanceOf(ParseResult.Parsed.class);
    }

    @Test
    void shouldRejectARowWhenItsIdHasAnInvisibleCharacter() {
        for (String id : List.of("us-cn\u200b-2025", "us-cn\u00a0-2025", "\u2060us-cn-2025", "us-cn\u2028-2025")) {
            ParseResult<TariffEvent> row = parseOne("\"" + id + "\",USA,CHN,ALL,2025-02-01,2025-02-04,10,20,INCREASE,,AP");
            assertThat(row).as(id).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TariffEvent>) row).reason()).as(id).contains("invisible character U+");
        }
        assertThat(((ParseResult.Rejected<TariffEvent>) parseOne(
                "us-cn\u200b-2025,USA,CHN,ALL,2025-02-01,2025-02-04,10,20,INCREASE,,AP")).reason())
                .contains("U+200B");
        // A plain space inside an id and letters of any script stay ids.
        assertThat(parseOne("us cn 2025,USA,CHN,ALL,2025-02-01,2025-02-04,10,20,INCREASE,,AP"))
                .isInstanceOf(ParseResult.Parsed.class);
        assertThat(parseOne("美中-2025,USA,CHN,ALL,2025-02-01,2025-02-04,10,20,INCREASE,,AP"))
                .isInstanceOf(ParseResult.Parsed.class);
    }
}
