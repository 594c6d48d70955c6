package io.tradepulse.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvRowsTest {
    private static final String HEADER = "a,b";

    /** Every row the parser is handed comes back as its fields, so the tests see what CsvRows passed on. */
    private static List<ParseResult<List<String>>> parse(String csv) throws IOException {
        return CsvRows.parse(new StringReader(csv), HEADER, row -> new ParseResult.Parsed<>(row.line(), row.fields()));
    }

    @Test
    void shouldHandEveryRowToTheParserWithItsLineNumberSkippingBlankLines() throws IOException {
        assertThat(parse("\uFEFF a,b \n1,2\n\n   \n,\n\"x\ny\",3\n4,5"))
                .as("byte order mark and padding around the header are accepted; a line of bare commas is a row")
                .containsExactly(new ParseResult.Parsed<>(2, List.of("1", "2")), new ParseResult.Parsed<>(5, List.of("", "")),
                        new ParseResult.Parsed<>(6, List.of("x\ny", "3")), new ParseResult.Parsed<>(8, List.of("4", "5")));
    }

    @Test
    void shouldRejectEveryRowWithItsLineAndTextWhenTheHeaderIsUnexpected() throws IOException {
        assertThat(parse("a,c\r\n1,\"2\"\r\n\r\n3,4\r\n")).containsExactly(
                new ParseResult.Rejected<>(1, "a,c", "unexpected header; expected 'a,b'"),
                new ParseResult.Rejected<>(2, "1,\"2\"", "file rejected: unexpected header"),
                new ParseResult.Rejected<>(4, "3,4", "file rejected: unexpected header"));
    }

    @Test
    void shouldAcceptAHeaderWhenItsColumnsAreQuotedPaddedOrCapitalised() throws IOException {
        for (String header : List.of("\"a\",\"b\"", "a, b", " A , B ", "\"A\",\"b\"")) {
            assertThat(parse(header + "\r\n1,2\r\n")).as(header).containsExactly(new ParseResult.Parsed<>(2, List.of("1", "2")));
        }
    }

    @Test
    void shouldStillRefuseAHeaderWhenItNamesOtherOrMoreColumns() throws IOException {
        for (String header : List.of("a,c", "a,b,", "a", "\"a,b\"", "b,a")) {
            assertThat(parse(header + "\n1,2\n")).as(header).hasSize(2).allMatch(r -> r instanceof ParseResult.Rejected);
        }
    }

    @Test
    void shouldReadTheHeaderAfterBlankLinesWhenTheFileStartsWithThem() throws IOException {
        assertThat(parse("\uFEFF\r\n  \r\na,b\r\n1,2\r\n")).containsExactly(new ParseResult.Parsed<>(4, List.of("1", "2")));
    }

    /** A caller that took the rejection on line 1 for the header's refused a file after blank lines as a bad row. */
    @Test
    void shouldTellTheHeaderRejectionWhenBlankLinesPrecedeTheHeader() throws IOException {
        List<ParseResult<List<String>>> rows = parse("\n  \na,c\n1,2\n");

        assertThat(rows.get(0).line()).isEqualTo(3);
        assertThat(CsvRows.isHeaderRejection(rows.get(0))).isTrue();
        assertThat(CsvRows.isHeaderRejection(rows.get(1))).as("a row of the refused file").isFalse();
        assertThat(CsvRows.isHeaderRejection(new ParseResult.Rejected<>(1, "x", "expected 2 fields, found 1")))
                .as("a row's own rejection").isFalse();
        assertThat(parse("a,b\n1,2\n")).noneMatch(CsvRows::isHeaderRejection);
    }

    @Test
    void shouldReturnNothingForAnEmptyFile() throws IOException {
        assertThat(parse("")).isEmpty();
    }
}
