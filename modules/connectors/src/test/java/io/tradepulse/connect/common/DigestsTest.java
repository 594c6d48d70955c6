package io.tradepulse.connect.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offsets stored by releases that digested whole byte[] payloads must match the digest of the streamed file. */
class DigestsTest {
  @TempDir Path dir;

  static String streamed(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Digests.of(in);
    }
  }

  @Test
  void shouldDigestAStreamedFileExactlyLikeItsBytesIncludingAnEmptyFile() throws IOException {
    Path empty = Files.write(dir.resolve("empty.csv"), new byte[0]);
    assertThat(streamed(empty)).isEqualTo(Digests.of(new byte[0]))
        .as("first 8 bytes of SHA-256 of nothing, in lower-case hex").isEqualTo("e3b0c44298fc1c14");

    byte[] small = "period_start,value\n2025-05,28.8\n".getBytes(StandardCharsets.UTF_8);
    assertThat(streamed(Files.write(dir.resolve("small.csv"), small))).isEqualTo(Digests.of(small));
  }

  @Test
  void shouldDigestAFileLargerThanAnyBufferExactlyLikeItsBytes() throws IOException {
    byte[] big = new byte[(1 << 20) * 3 + 17]; // several 64 KiB reads and a partial last one
    new SplittableRandom(1).nextBytes(big);
    assertThat(streamed(Files.write(dir.resolve("big.bin"), big))).isEqualTo(Digests.of(big));
    // A stream that returns a few bytes per read (as sockets do) changes nothing either.
    InputStream trickle = new ByteArrayInputStream(big) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 1_000));
      }
    };
    assertThat(Digests.of(trickle)).isEqualTo(Digests.of(big));
  }

  @Test
  void shouldDigestPiecesAddedOneByOneLikeTheirConcatenation() {
    byte[] whole = "2025-04\u001fCHN\u001e2025-04\u001fUSA\u001e".getBytes(StandardCharsets.UTF_8);
    Digests.Incremental d = Digests.incremental();
    d.add("2025-04\u001fCHN".getBytes(StandardCharsets.UTF_8));
    d.add((byte) 0x1e);
    d.add("2025-04\u001fUSA".getBytes(StandardCharsets.UTF_8));
    d.add((byte) 0x1e);
    assertThat(d.finish()).isEqualTo(Digests.of(whole));
    assertThat(Digests.incremental().finish()).isEqualTo(Digests.of(new byte[0]));
  }

  static String unordered(String... pieces) {
    Digests.Unordered d = Digests.unordered();
    for (String p : pieces) {
      d.add(p.getBytes(StandardCharsets.UTF_8));
    }
    return d.finish();
  }

  @Test
  void shouldFingerprintAMultisetOfPiecesWhateverTheirOrderButNotWhateverTheirContent() {
    String a = "{\"period\":\"202403\",\"primaryValue\":1}";
    String b = "{\"period\":\"202403\",\"primaryValue\":2}";
    String c = "{\"period\":\"202403\",\"primaryValue\":3}";
    assertThat(unordered(a, b, c)).isEqualTo(unordered(c, a, b)).isEqualTo(unordered(b, c, a));
    assertThat(unordered(a, b, c)).as("a piece changed").isNotEqualTo(unordered(a, b, b))
        .as("a piece more").isNotEqualTo(unordered(a, b, c, c))
        .as("a piece less").isNotEqualTo(unordered(a, b))
        .as("nothing").isNotEqualTo(unordered());
    assertThat(unordered(a, a)).as("multiplicity counts").isNotEqualTo(unordered(a));
    assertThat(unordered(a)).hasSize(16);
  }

  @Test
  void shouldGoOnWithAnUnorderedFingerprintFromItsStateAsIfEveryPieceHadBeenAddedAgain() {
    byte[][] pieces = new byte[40][];
    SplittableRandom rnd = new SplittableRandom(7);
    for (int i = 0; i < pieces.length; i++) {
      pieces[i] = new byte[1 + rnd.nextInt(64)];
      rnd.nextBytes(pieces[i]);
    }
    Digests.Unordered whole = Digests.unordered();
    for (byte[] p : pieces) {
      whole.add(p);
    }
    for (int cut = 0; cut <= pieces.length; cut += 13) {
      Digests.Unordered first = Digests.unordered();
      for (int i = 0; i < cut; i++) {
        first.add(pieces[i]);
      }
      Digests.Unordered resumed = Digests.resume(first.state());
      for (int i = cut; i < pieces.length; i++) {
        resumed.add(pieces[i]);
      }
      assertThat(resumed.finish()).as("cut at %d", cut).isEqualTo(whole.finish());
      assertThat(resumed.count()).isEqualTo(pieces.length);
    }
    assertThat(Digests.resume("").count()).as("no state: afresh").isZero();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Digests.resume("12"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'12'");
  }
}
