package io.tradepulse.connect.common;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Minimal RFC 4180 reader over a byte array that also returns the raw bytes of each record, so a bad row
 * can be dead-lettered exactly as read. Handles quoted fields, doubled quotes, quoted line breaks, CRLF and
 * a UTF-8 BOM. Not a general-purpose CSV library on purpose: the sources here are plain.
 */
public final class CsvReader {
  /** One record: its fields, 1-based line number of its first line, and its raw bytes (no line break). */
  public record Row(List<String> fields, long line, byte[] raw) {
    public String field(int i) {
      return i < fields.size() ? fields.get(i) : "";
    }

    public boolean isBlank() {
      return fields.stream().allMatch(String::isBlank);
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
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    int end = -1;
    int fieldStart = pos;
    while (pos < data.length) {
      byte b = data[pos];
      if (quoted) {
        if (b == '"') {
          if (pos + 1 < data.length && data[pos + 1] == '"') {
            field.append('"');
            pos += 2;
            continue;
          }
          quoted = false;
          pos++;
          continue;
        }
        if (b == '\n') {
          line++;
        }
        int runStart = pos;
        while (pos < data.length && data[pos] != '"' && data[pos] != '\n') {
          pos++;
        }
        if (pos == runStart) {
          pos++;
        }
        field.append(new String(data, runStart, pos - runStart, StandardCharsets.UTF_8));
        continue;
      }
      if (b == '"' && pos == fieldStart) {
        quoted = true;
        wasQuoted = true;
        pos++;
        continue;
      }
      if (b == ',') {
        fields.add(finish(field, wasQuoted));
        field.setLength(0);
        wasQuoted = false;
        pos++;
        fieldStart = pos;
        continue;
      }
      if (b == '\n' || b == '\r') {
        end = pos;
        if (b == '\r' && pos + 1 < data.length && data[pos + 1] == '\n') {
          pos++;
        }
        pos++;
        line++;
        break;
      }
      int runStart = pos;
      while (pos < data.length && data[pos] != ',' && data[pos] != '\n' && data[pos] != '\r' && data[pos] != '"') {
        pos++;
      }
      if (pos == runStart) {
        pos++; // a stray quote inside an unquoted field: keep it literally
      }
      field.append(new String(data, runStart, pos - runStart, StandardCharsets.UTF_8));
    }
    if (end < 0) {
      end = pos;
    }
    fields.add(finish(field, wasQuoted));
    return new Row(fields, startLine, Arrays.copyOfRange(data, start, end));
  }

  private static String finish(StringBuilder field, boolean wasQuoted) {
    return wasQuoted ? field.toString() : field.toString().trim();
  }
}
