package io.tradepulse.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cases of both former readers (ingest's line splitter with its quoted-phrase leniency, and the connectors'
 * RFC 4180 byte reader with raw rows), now held by the one reader.
 */
class CsvReaderTest {

    @Test
    void shouldSplitPlainAndQuotedFields() {
        assertThat(fields("a,\"b, c\",\"d \"\"e\"\"\",")).containsExactly("a", "b, c", "d \"e\"", "");
    }

    @Test
    void shouldKeepEmptyFields() {
        assertThat(fields(",,x")).containsExactly("", "", "x");
        assertThat(fields("\"\",\"\"\"\"")).as("an empty quoted field, and one holding a single quote")
                .containsExactly("", "\"");
    }

    /** Real lines of the bundled tariff timeline, pinned as split when the two CSV readers were merged. */
    @Test
    void shouldSplitRealTariffTimelineLinesAsTheyAre() {
        assertThat(fields("us-cn-2025-04-reciprocal,USA,CHN,ALL,2025-04-02,2025-04-09,20,54,INCREASE,"
                + "\"Liberation Day\" reciprocal 34% on top of 20%,AP; Reuters"))
                .containsExactly("us-cn-2025-04-reciprocal", "USA", "CHN", "ALL", "2025-04-02", "2025-04-09", "20", "54",
                        "INCREASE", "\"Liberation Day\" reciprocal 34% on top of 20%", "AP; Reuters");
        assertThat(fields("cn-us-2025-04-escalation,CHN,USA,ALL,2025-04-11,2025-04-12,84,125,INCREASE,,"
                + "globalbusinessjournalism.com"))
                .containsExactly("cn-us-2025-04-escalation", "CHN", "USA", "ALL", "2025-04-11", "2025-04-12", "84", "125",
                        "INCREASE", "", "globalbusinessjournalism.com");
        assertThat(fields("cn-us-2025-02-energy,CHN,USA,HS27 coal/LNG 15%; crude oil / farm machinery / large"
                + " cars 10%,2025-02-04,2025-02-10,0,15,INCREASE,partial scope retaliation,AP; Reuters"))
                .containsExactly("cn-us-2025-02-energy", "CHN", "USA",
                        "HS27 coal/LNG 15%; crude oil / farm machinery / large cars 10%", "2025-02-04", "2025-02-10", "0",
                        "15", "INCREASE", "partial scope retaliation", "AP; Reuters");
    }

    @Test
    void shouldKeepAQuotedPhraseAtTheStartOfAFieldLiterally() {
        assertThat(fields("x,\"Liberation Day\" reciprocal 34%,y"))
                .containsExactly("x", "\"Liberation Day\" reciprocal 34%", "y");
    }

    @Test
    void shouldKeepACommaInsideALeadingQuotedPhraseInItsField() {
        assertThat(fields("\"Busan, Korea\" truce,AP")).containsExactly("\"Busan, Korea\" truce", "AP");
    }

    @Test
    void shouldTakeANeverClosedQuoteLiterallyUpToTheNextComma() {
        // Reading on to the end of the data would turn the rest of the file into one field of one bad row.
        assertThat(rows("x,\"abc,def\ny,z\n")).containsExactly(List.of("x", "\"abc", "def"), List.of("y", "z"));
    }

    @Test
    void shouldNotLetAQuoteClosedOnALaterLineWithTextAfterItSwallowTheLinesBetween() {
        assertThat(rows("a,\"b\n\"c\" d,e\n")).containsExactly(List.of("a", "\"b"), List.of("\"c\" d", "e"));
    }

    @Test
    void shouldKeepQuotedLineBreaksInTheFieldAndNumberRowsByTheirFirstLine() {
        CsvReader r = reader("h,v\n\"two\nlines\",1\r\n\"crlf\r\ninside\",2\nz,3\n");
        assertThat(r.next().line()).isEqualTo(1);
        CsvReader.Row twoLines = r.next();
        assertThat(twoLines.fields()).containsExactly("two\nlines", "1");
        assertThat(twoLines.line()).isEqualTo(2);
        assertThat(twoLines.text()).isEqualTo("\"two\nlines\",1");
        CsvReader.Row crlf = r.next();
        assertThat(crlf.fields()).containsExactly("crlf\r\ninside", "2");
        assertThat(crlf.line()).isEqualTo(4);
        assertThat(r.next().line()).isEqualTo(6);
        assertThat(r.next()).isNull();
    }

    @Test
    void shouldNumberRowsAfterAQuotedLineBreakWhenTheFileEndsLinesWithALoneCr() {
        CsvReader r = reader("h,v\r\"two\rlines\",1\r\"three\r\rlines\",2\rz,3\r");
        assertThat(r.next().line()).isEqualTo(1);
        CsvReader.Row twoLines = r.next();
        assertThat(twoLines.fields()).containsExactly("two\rlines", "1");
        assertThat(twoLines.line()).isEqualTo(2);
        assertThat(r.next().line()).isEqualTo(4);
        assertThat(r.next().line()).isEqualTo(7);
        assertThat(r.next()).isNull();
    }

    @Test
    void shouldEndRowsAtCrLfAndLfAndALoneCr() {
        CsvReader r = reader("a\r\nb\rc\nd");
        List<Long> lines = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (CsvReader.Row row = r.next(); row != null; row = r.next()) {
            lines.add(row.line());
            texts.add(row.text());
        }
        assertThat(texts).containsExactly("a", "b", "c", "d");
        assertThat(lines).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void shouldReturnEachRowsRawBytesAsReadWithoutTheLineBreak() {
        // A dead letter carries the row exactly as the source sent it: quotes, padding and all.
        CsvReader r = reader("Atlantis,2025,5,\"1,000\",-\r\n  padded , \"q\"\"\"\n");
        assertThat(r.next().text()).isEqualTo("Atlantis,2025,5,\"1,000\",-");
        assertThat(r.next().text()).isEqualTo("  padded , \"q\"\"\"");
    }

    @Test
    void shouldKeepRawBytesThatAreNotUtf8Untouched() {
        byte[] latin1 = "Côte d'Ivoire,1\n".getBytes(StandardCharsets.ISO_8859_1);
        CsvReader.Row row = new CsvReader(latin1).next();
        assertThat(row.raw()).isEqualTo("Côte d'Ivoire,1".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(row.field(1)).isEqualTo("1");
    }

    @Test
    void shouldDecodeUtf8Fields() {
        assertThat(fields("Côte d’Ivoire,\"中国, 海关\"")).containsExactly("Côte d’Ivoire", "中国, 海关");
    }

    @Test
    void shouldSkipAUtf8ByteOrderMark() {
        CsvReader.Row header = reader("\uFEFFperiod,currency\n").next();
        assertThat(header.fields()).containsExactly("period", "currency");
        assertThat(header.text()).isEqualTo("period,currency");
    }

    @Test
    void shouldTrimUnquotedFieldsButKeepSpacesInsideQuotes() {
        assertThat(fields(" a , \" b \",c ")).as("a quote after padding does not open a quoted field")
                .containsExactly("a", "\" b \"", "c");
        assertThat(fields(" a ,\" b \"")).containsExactly("a", " b ");
    }

    @Test
    void shouldKeepAStrayQuoteInsideAnUnquotedField() {
        assertThat(fields("5\" pipe,a\"\"b,x")).containsExactly("5\" pipe", "a\"\"b", "x");
    }

    @Test
    void shouldGiveAnEmptyFieldForAMissingColumnAndTellBlankRows() {
        CsvReader r = reader("a,b\n,  ,\n\n");
        CsvReader.Row ab = r.next();
        assertThat(ab.field(1)).isEqualTo("b");
        assertThat(ab.field(5)).isEmpty();
        assertThat(ab.isBlank()).isFalse();
        assertThat(r.next().isBlank()).as("only commas and spaces").isTrue();
        CsvReader.Row empty = r.next();
        assertThat(empty.fields()).containsExactly("");
        assertThat(empty.isBlank()).isTrue();
        assertThat(r.next()).isNull();
    }

    @Test
    void shouldReturnNoRowForEmptyInput() {
        assertThat(reader("").next()).isNull();
        assertThat(reader("\uFEFF").next()).isNull();
    }

    private static CsvReader reader(String csv) {
        return new CsvReader(csv.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> fields(String line) {
        return reader(line).next().fields();
    }

    private static List<List<String>> rows(String csv) {
        CsvReader r = reader(csv);
        List<List<String>> out = new ArrayList<>();
        for (CsvReader.Row row = r.next(); row != null; row = r.next()) {
            out.add(row.fields());
        }
        return out;
    }
}
