package io.tradepulse.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The one CSV reader of the project (ingest's bundled files and the Connect parsers): RFC 4180 over a byte
 * array, returning each record with the raw bytes it was read from, so a bad row can be dead-lettered exactly
 * as read. Not a general-purpose CSV library on purpose: the sources here are plain.
 *
 * <ul>
 *   <li>Records end at LF, CRLF or a lone CR; a UTF-8 byte order mark before the first record is skipped.</li>
 *   <li>A field that starts with a quote and whose closing quote ends the field is a quoted field: doubled
 *       quotes inside stand for one, commas and line breaks inside are data, the value is not trimmed.</li>
 *   <li>Leniency for hand-made files: a field that merely <em>starts</em> with a quoted phrase
 *       ({@code "Liberation Day" reciprocal 34%}) is text, taken literally, quotes included, up to the next
 *       comma after the closing quote. A quote that is never closed, or only on a later line with text after
 *       it, is text as well, up to the next comma or line break: reading on to the next quote would swallow
 *       every row in between.</li>
 *   <li>Any other field is text up to the next comma or line break, trimmed; a quote inside it is kept.</li>
 * </ul>
 */
public final class CsvReader {
    /** One record: its fields, the 1-based line number of its first line, and its raw bytes (no line break). */
    public record Row(List<String> fields, long line, byte[] raw) {
        /** @return field {@code i}, or "" for a column the row does not have */
        public String field(int i) {
            return i < fields.size() ? fields.get(i) : "";
        }

        /** @return whether every field is blank (also true for an empty line) */
        public boolean isBlank() {
            return fields.stream().allMatch(String::isBlank);
        }

        /** @return the raw record decoded as UTF-8, for messages and text dead letters */
        public String text() {
            return new String(raw, StandardCharsets.UTF_8);
        }
    }

    private final byte[] data;
    private int pos;
    private long line = 1;

    public CsvReader(byte[] data) {
        this.data = data;
        if (data.length >= 3 && (data[0] & 0xFF) == 0xEF && (data[1] & 0xFF) == 0xBB && (data[2] & 0xFF) == 0xBF) {
            pos = 3;
        }
    }

    /** @return the next record, or null at the end */
    public Row next() {
        if (pos >= data.length) {
            return null;
        }
        int start = pos;
        long startLine = line;
        List<String> fields = new ArrayList<>(16);
        fields.add(field());
        while (pos < data.length && data[pos] == ',') {
            pos++;
            fields.add(field());
        }
        int end = pos;
        if (pos < data.length) { // at a line break: field() stops only there, at a comma or at the end
            if (data[pos] == '\r' && pos + 1 < data.length && data[pos + 1] == '\n') {
                pos++;
            }
            pos++;
            line++;
        }
        return new Row(Collections.unmodifiableList(fields), startLine, Arrays.copyOfRange(data, start, end));
    }

    /** Reads the field at {@code pos}, leaving {@code pos} at the comma, line break or end after it. */
    private String field() {
        int open = pos;
        if (open >= data.length || data[open] != '"') {
            return text(open, open);
        }
        int close = closingQuote(open + 1);
        if (close >= 0 && endsField(close + 1)) {
            pos = close + 1;
            // Line breaks inside count as between records (LF, CRLF or a lone CR): counting LF alone numbered every
            // later row of a CR-only file (classic Mac Excel) one line too early per quoted break.
            for (int i = open; i < close; i++) {
                if (data[i] == '\n' || (data[i] == '\r' && data[i + 1] != '\n')) {
                    line++;
                }
            }
            // '"' is one byte that never occurs inside a multi-byte UTF-8 sequence: unescape after decoding.
            return new String(data, open + 1, close - open - 1, StandardCharsets.UTF_8).replace("\"\"", "\"");
        }
        return text(open, close >= 0 && !hasLineBreak(open, close) ? close + 1 : open + 1);
    }

    /** A literal, trimmed field from {@code from} to the first comma or line break at or after {@code scanFrom}. */
    private String text(int from, int scanFrom) {
        pos = scanFrom;
        while (!endsField(pos)) {
            pos++;
        }
        return new String(data, from, pos - from, StandardCharsets.UTF_8).trim();
    }

    /** @return the index of the quote closing a quoted field whose content starts at {@code from}, or -1 */
    private int closingQuote(int from) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == '"') {
                if (i + 1 < data.length && data[i + 1] == '"') {
                    i++; // a doubled quote is content
                    continue;
                }
                return i;
            }
        }
        return -1;
    }

    private boolean endsField(int i) {
        return i >= data.length || data[i] == ',' || data[i] == '\n' || data[i] == '\r';
    }

    private boolean hasLineBreak(int from, int to) {
        for (int i = from; i < to; i++) {
            if (data[i] == '\n' || data[i] == '\r') {
                return true;
            }
        }
        return false;
    }
}
