package io.tradepulse.connect.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Raw values cut from a stream are the bytes the byte[] parsers cut from the whole payload at the same offsets. */
class StreamingJsonTest {
  /** An array of 20,000 values (rows and objects, multi-byte text, some values far larger than any buffer). */
  static byte[] document() {
    SplittableRandom rnd = new SplittableRandom(7);
    StringBuilder b = new StringBuilder("{\"count\":3,\"data\":[");
    for (int i = 0; i < 20_000; i++) {
      b.append(i == 0 ? "" : ",").append(" \n".repeat(rnd.nextInt(3)));
      String text = "é中✓".repeat(rnd.nextInt(4)) + "x".repeat(i % 997 == 0 ? 200_000 : rnd.nextInt(40));
      if (i % 2 == 0) {
        b.append("[\"").append(i).append("\",\"").append(text).append("\",null]");
      } else {
        b.append("{\"n\":").append(i).append(",\"t\":\"").append(text).append("\",\"o\":{\"a\":[1,2]}}");
      }
    }
    return b.append("],\"error\":\"\"}").toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The raw values as the byte[] parsers cut them: Jackson's offsets over the bytes in memory. */
  static List<byte[]> cutFromBytes(byte[] doc) throws IOException {
    List<byte[]> out = new ArrayList<>();
    try (JsonParser p = new JsonFactory().createParser(doc)) {
      while (p.nextToken() != JsonToken.START_ARRAY) {
        // to data[]
      }
      for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
        int start = (int) p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        out.add(Arrays.copyOfRange(doc, start, (int) p.currentLocation().getByteOffset()));
      }
    }
    return out;
  }

  static List<byte[]> cutFromStream(InputStream in) throws IOException {
    List<byte[]> out = new ArrayList<>();
    try (StreamingJson json = new StreamingJson(in)) {
      JsonParser p = json.parser();
      while (p.nextToken() != JsonToken.START_ARRAY) {
        // to data[]
      }
      for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
        long start = json.startValue();
        p.skipChildren();
        out.add(json.raw(start));
      }
    }
    return out;
  }

  /** A stream that hands out a random few bytes per read, as a socket or a slow disk may. */
  static InputStream trickle(byte[] doc, int maxRead) {
    SplittableRandom rnd = new SplittableRandom(11);
    return new ByteArrayInputStream(doc) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 1 + rnd.nextInt(maxRead)));
      }
    };
  }

  @Test
  void shouldCutEveryValueExactlyAsFromTheWholePayloadHoweverTheStreamIsChunked() throws IOException {
    byte[] doc = document();
    List<byte[]> expected = cutFromBytes(doc);
    assertThat(expected).hasSize(20_000);
    for (InputStream in : List.of(new ByteArrayInputStream(doc), trickle(doc, 7), trickle(doc, 9_000))) {
      List<byte[]> got = cutFromStream(in);
      assertThat(got).hasSameSizeAs(expected);
      for (int i = 0; i < got.size(); i++) {
        assertThat(got.get(i)).as("value %d", i).isEqualTo(expected.get(i));
      }
    }
  }

  @Test
  void shouldTellAFailureToReadTheStreamFromAFaultInTheDocument() throws IOException {
    IOException disk = new IOException("disk gone");
    InputStream failing = new InputStream() {
      int n;

      @Override
      public int read() throws IOException {
        if (n++ < 3) {
          return '[';
        }
        throw disk;
      }
    };
    try (StreamingJson json = new StreamingJson(failing)) {
      Throwable e = catchThrowable(() -> {
        while (json.parser().nextToken() != null) {
          // read until it fails
        }
      });
      assertThat(e).isSameAs(disk);
      assertThat(json.isReadFailure(e)).isTrue();
    }
    try (StreamingJson json = new StreamingJson(new ByteArrayInputStream("[1,}".getBytes(StandardCharsets.UTF_8)))) {
      Throwable e = catchThrowable(() -> {
        while (json.parser().nextToken() != null) {
          // read until it fails
        }
      });
      assertThat(e).isInstanceOf(IOException.class);
      assertThat(json.isReadFailure(e)).isFalse();
    }
  }

  @TempDir Path dir;

  Throwable check(String body) throws IOException {
    Path f = dir.resolve("body");
    Files.writeString(f, body);
    return catchThrowable(() -> StreamingJson.requireComplete(f));
  }

  /** Every cut of a document inside its top-level structure, between tokens or inside one, is told as a cut. */
  @Test
  void shouldTellABodyThatEndsInsideItsTopLevelStructureWhereverItIsCut() throws IOException {
    String doc = "{\"count\":2,\"data\":[{\"a\":\"é中\",\"n\":12.5e3,\"b\":[true,null,false]},\n[\"x\",\"y\"]],"
        + "\"error\":\"\"}";
    byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
    for (int end = 1; end < bytes.length; end++) { // inside a multi-byte character too
      Path f = dir.resolve("body");
      Files.write(f, Arrays.copyOf(bytes, end));
      assertThat(catchThrowable(() -> StreamingJson.requireComplete(f))).as("cut after " + end + " bytes")
          .isInstanceOf(EOFException.class).hasMessageContaining("ends inside its JSON document");
    }
    assertThat(check(doc)).isNull();
    assertThat(check(doc + "\n")).isNull();
  }

  /** A body that is complete but wrong is the parser's dead letter, as before: no cut, nothing to fetch again. */
  @Test
  void shouldPassABodyThatIsCompleteButMalformedOrNotJson() throws IOException {
    assertThat(check("[[\"a\",\"b\"] [\"c\"]]")).as("a comma missing").isNull();
    assertThat(check("[[\"a\",\"b\"],[\"c\" \"d\"")).as("malformed before it ends").isNull();
    assertThat(check("[[\"a\",tru],[\"c\"]]")).as("a bad literal inside").isNull();
    assertThat(check("{\"n\":12.,\"m\":1}")).as("a bad number inside").isNull();
    assertThat(check("<html><body>Service Unavailable</body></html>")).isNull();
    assertThat(check("")).as("empty: no data").isNull();
    assertThat(check("\"just a string\"")).isNull();
    assertThatCode(() -> StreamingJson.requireComplete(dir.resolve("absent"))).isInstanceOf(IOException.class)
        .isNotInstanceOf(EOFException.class);
  }
}
