package io.tradepulse.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one CSV line into fields: RFC 4180 quoting ({@code "a, b"}, doubled quotes inside), plus one
 * leniency seen in real hand-made files: a field that merely <em>starts</em> with a quoted phrase
 * ({@code "Liberation Day" reciprocal 34%}) is taken literally up to the next comma instead of failing.
 */
final class CsvLine {
    private CsvLine() {
    }

    static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (true) {
            if (i < n && line.charAt(i) == '"') {
                int end = closingQuote(line, i + 1);
                if (end >= 0 && (end + 1 == n || line.charAt(end + 1) == ',')) {
                    fields.add(line.substring(i + 1, end).replace("\"\"", "\""));
                    i = end + 1;
                } else {
                    int comma = line.indexOf(',', end < 0 ? i : end);
                    int stop = comma < 0 ? n : comma;
                    fields.add(line.substring(i, stop));
                    i = stop;
                }
            } else {
                int comma = line.indexOf(',', i);
                int stop = comma < 0 ? n : comma;
                fields.add(line.substring(i, stop));
                i = stop;
            }
            if (i >= n) {
                return fields;
            }
            i++; // skip the comma
            if (i == n) {
                fields.add("");
                return fields;
            }
        }
    }

    private static int closingQuote(String line, int from) {
        int i = from;
        while (i < line.length()) {
            if (line.charAt(i) == '"') {
                if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    i += 2;
                    continue;
                }
                return i;
            }
            i++;
        }
        return -1;
    }
}
