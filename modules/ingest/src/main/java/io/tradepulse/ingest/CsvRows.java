package io.tradepulse.ingest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a CSV file with a fixed header row by row. A file whose header differs is refused whole, every row
 * as a rejection: with unknown columns no row can be interpreted, and nothing may disappear silently.
 */
final class CsvRows {
    private CsvRows() {
    }

    interface RowParser<T> {
        ParseResult<T> parse(long lineNo, String raw);
    }

    static <T> List<ParseResult<T>> parse(Reader reader, String expectedHeader, RowParser<T> rows) throws IOException {
        List<ParseResult<T>> out = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(reader)) {
            String header = in.readLine();
            boolean headerOk = header != null && stripBom(header).trim().equals(expectedHeader);
            if (header != null && !headerOk) {
                out.add(new ParseResult.Rejected<>(1, header, "unexpected header; expected '" + expectedHeader + "'"));
            }
            String line;
            long lineNo = 1;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                out.add(headerOk ? rows.parse(lineNo, line)
                        : new ParseResult.Rejected<>(lineNo, line, "file rejected: unexpected header"));
            }
        }
        return out;
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }
}
