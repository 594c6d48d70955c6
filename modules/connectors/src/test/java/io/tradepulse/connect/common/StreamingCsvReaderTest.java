package io.tradepulse.connect.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.core.CsvReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The streaming reader must read exactly what the shared {@link CsvReader} reads from the same bytes. */
class StreamingCsvReaderTest {
  /** Fields, line number and raw text of every record, in order. */
  static List<String> viaCsvReader(byte[] data) {
    CsvReader r = new CsvReader(data);
    List<String> out = new ArrayList<>();
    for (CsvReader.Row row = r.next(); row != null; row = r.next()) {
      out.add(describe(row));
    }
    return out;
  }

  static List<String> viaStream(byte[] data, int buffer) throws IOException {
    List<String> out = new ArrayList<>();
    try (StreamingCsvReader r = new StreamingCsvReader(new ByteArrayInputStream(data), buffer)) {
      for (CsvReader.Row row = r.next(); row != null; row = r.next()) {
        out.add(describe(row));
      }
    }
    return out;
  }

  static String describe(CsvReader.Row row) {
    return row.line() + " " + row.fields() + " <" + row.text() + ">";
  }

  @Test
  void shouldReadWhatCsvReaderReadsForQuotingLineBreaksBomAndBlankLines() throws IOException {
    String[] cases = {
        "", "\n", "a", "a,b\n", "a,b\r\nc,d\r\n", "a\rb\r", "\uFEFFh1,h2\n1,2\n", "\uFEFF",
        "x,\"q,uoted\",\"dou\"\"bled\"\ny,\"multi\nline\",z\n", "\"Liberation Day\" reciprocal 34%,next\n",
        "a,\"never closed,b\nc,d\n", "a,\"closed later\nrest\" tail,b\nc\n", " padded , \"kept \" ,x\n\n\n,,\n",
        "é,ü\n\"€\",\"a\"\"€\"\n", "a,\"\"\n\"\",b", "a,\"x\"y,\"z\"\r\n\r\n"};
    for (String c : cases) {
      byte[] data = c.getBytes(StandardCharsets.UTF_8);
      for (int buffer : new int[] {1, 2, 3, 5, 64}) {
        assertThat(viaStream(data, buffer)).as("%s with a %d-byte buffer", c, buffer).isEqualTo(viaCsvReader(data));
      }
    }
  }

  @Test
  void shouldReadWhatCsvReaderReadsForRandomInputAcrossBufferBoundaries() throws IOException {
    SplittableRandom rnd = new SplittableRandom(7);
    String[] alphabet = {"a", "b", " ", ",", ",", "\"", "\"", "\n", "\r", "\r\n", "é", "1.5"};
    for (int n = 0; n < 2_000; n++) {
      StringBuilder b = new StringBuilder(rnd.nextInt(4) == 0 ? "\uFEFF" : "");
      int len = rnd.nextInt(60);
      for (int i = 0; i < len; i++) {
        b.append(alphabet[rnd.nextInt(alphabet.length)]);
      }
      byte[] data = b.toString().getBytes(StandardCharsets.UTF_8);
      int buffer = 1 + rnd.nextInt(16);
      assertThat(viaStream(data, buffer)).as("%s with a %d-byte buffer", b, buffer).isEqualTo(viaCsvReader(data));
    }
  }

  @Test
  void shouldReadAFileLargerThanItsBufferWithTheSameLineNumbers() throws IOException {
    StringBuilder b = new StringBuilder("h1,h2,h3\n");
    for (int i = 0; i < 20_000; i++) {
      b.append(i).append(",\"text ").append(i).append(i % 100 == 0 ? "\nsecond line" : "").append("\",x\r\n");
    }
    byte[] data = b.toString().getBytes(StandardCharsets.UTF_8);
    assertThat(data.length).isGreaterThan(StreamingCsvReader.DEFAULT_BUFFER * 4);
    assertThat(viaStream(data, StreamingCsvReader.DEFAULT_BUFFER)).isEqualTo(viaCsvReader(data));
  }

  /** {@code bytes} 'x' bytes, produced as they are read (never held), then {@code tail}. */
  static java.io.InputStream longLineThen(long bytes, String tail) {
    byte[] end = tail.getBytes(StandardCharsets.UTF_8);
    return new java.io.InputStream() {
      long pos;

      @Override
      public int read() {
        long p = pos++;
        return p < bytes ? 'x' : p - bytes < end.length ? end[(int) (p - bytes)] : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (pos >= bytes + end.length) {
          return -1;
        }
        int n = 0;
        while (n < len && pos < bytes + end.length) {
          b[off + n++] = (byte) read();
        }
        return n;
      }
    };
  }

  @Test
  void shouldReturnARecordLongerThanTheLimitCutWithoutBufferingItAndGoOnAfterItsLine() throws IOException {
    // 64 MB on one line: buffered whole it would cost 64 MB of heap (a multi-gigabyte line: an OutOfMemoryError).
    long huge = 64L << 20;
    try (StreamingCsvReader r = new StreamingCsvReader(longLineThen(huge, "\nok,1\n"))) {
      CsvReader.Row cut = r.next();
      assertThat(StreamingCsvReader.isCut(cut)).isTrue();
      assertThat(cut.fields()).isEmpty();
      assertThat(cut.line()).isEqualTo(1);
      assertThat(cut.raw()).hasSize(BadRow.MAX_WHOLE_RAW_BYTES).containsOnly((byte) 'x');
      CsvReader.Row next = r.next();
      assertThat(describe(next)).isEqualTo("2 [ok, 1] <ok,1>");
      assertThat(r.next()).isNull();
    }
  }

  @Test
  void shouldCountTheLinesOfACutRecordSoTheRecordsAfterItKeepTheirLineNumbers() throws IOException {
    // An opening quote never closed: CsvReader would scan to the end of the data for its closing quote.
    String data = "a,b\n\"open," + "y".repeat(30) + "\n" + "z".repeat(40) + "\nc,d\n\ne,f\n";
    List<String> out = new ArrayList<>();
    try (StreamingCsvReader r = new StreamingCsvReader(
        new ByteArrayInputStream(data.getBytes(StandardCharsets.UTF_8)), 8, 50)) {
      for (CsvReader.Row row = r.next(); row != null; row = r.next()) {
        out.add(StreamingCsvReader.isCut(row) ? row.line() + " cut <" + row.text() + ">" : describe(row));
      }
    }
    assertThat(out).containsExactly("1 [a, b] <a,b>", "2 cut <\"open," + "y".repeat(30) + "\n" + "z".repeat(13) + ">",
        "4 [c, d] <c,d>", "5 [] <>", "6 [e, f] <e,f>");
  }
}
