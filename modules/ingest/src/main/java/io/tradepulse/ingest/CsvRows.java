package io.tradepulse.ingest;

import io.tradepulse.core.CsvReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a CSV file with a fixed header row by row, through the shared {@link CsvReader}. A file whose header
 * differs is refused whole, every row as a rejection: with unknown columns no row can be interpreted, and
 * nothing may disappear silently.
 */
final class CsvRows {
    /** How the rejection of an unexpected header starts: no row parser's reason does. */
    private static final String UNEXPECTED_HEADER = "unexpected header";

    private CsvRows() {
    }

    interface RowParser<T> {
        ParseResult<T> parse(CsvReader.Row row);
    }

    static <T> List<ParseResult<T>> parse(Reader reader, String expectedHeader, RowParser<T> rows) throws IOException {
        StringWriter text = new StringWriter();
        try (reader) {
            reader.transferTo(text);
        }
        // The files are small; the reader works on bytes because the connectors need each row's raw bytes.
        CsvReader in = new CsvReader(text.toString().getBytes(StandardCharsets.UTF_8));
        List<ParseResult<T>> out = new ArrayList<>();
        CsvReader.Row header = in.next();
        // Blank lines before the header are skipped like those between rows: one left by an editor or a
        // concatenation refused the whole file as an empty "unexpected header".
        while (header != null && header.text().isBlank()) {
            header = in.next();
        }
        boolean headerOk = header != null && namesColumns(header, expectedHeader);
        if (header != null && !headerOk) {
            out.add(new ParseResult.Rejected<>(header.line(), header.text(),
                    UNEXPECTED_HEADER + "; expected '" + expectedHeader + "'"));
        }
        for (CsvReader.Row row = in.next(); row != null; row = in.next()) {
            // Only an empty or all-space line is skipped: a line of bare commas is a malformed row, and the
            // parser rejects it rather than letting it vanish (CsvReader.Row.isBlank would skip it).
            if (row.text().isBlank()) {
                continue;
            }
            out.add(headerOk ? rows.parse(row)
                    : new ParseResult.Rejected<>(row.line(), row.text(), "file rejected: unexpected header"));
        }
        return out;
    }

    /**
     * Whether {@code row} is the rejection of the file's header (the whole file is refused), wherever the header is:
     * blank lines may come before it, so its line number does not tell.
     */
    static boolean isHeaderRejection(ParseResult<?> row) {
        return row instanceof ParseResult.Rejected<?> r && r.reason().startsWith(UNEXPECTED_HEADER + ";");
    }

    /**
     * Whether the header names the expected columns, compared as parsed fields: a header written by a spreadsheet or
     * an export tool may quote every name ({@code "id","imposer",...}), pad them after the commas or capitalise them,
     * and its rows are read the same way; comparing the raw line refused such a file whole.
     */
    private static boolean namesColumns(CsvReader.Row header, String expectedHeader) {
        String[] expected = expectedHeader.split(",", -1);
        List<String> actual = header.fields();
        if (actual.size() != expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (!actual.get(i).trim().equalsIgnoreCase(expected[i])) {
                return false;
            }
        }
        return true;
    }
}
