package io.tradepulse.connect.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StreamCorruptedException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a worker start tells about an offsets file it cannot read (no broker needed: it fails before). */
class EmbeddedConnectTest {
  @TempDir Path dir;

  @Test
  void shouldNameTheOffsetsFileAndKeepTheCauseWhenTheWorkerCannotReadIt() throws Exception {
    Path offsets = dir.resolve("connect.offsets");
    Files.writeString(offsets, "not a Connect offsets file"); // e.g. --offsets pointing at the wrong file
    Map<String, String> worker = new HashMap<>(EmbeddedConnect.workerProps("127.0.0.1:1", null, offsets));
    // Nothing listens there: a start that got as far as the cluster-id look-up gives up quickly.
    worker.put("default.api.timeout.ms", "2000");
    worker.put("request.timeout.ms", "1000");

    assertThatThrownBy(() -> EmbeddedConnect.start(worker).close())
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining(offsets.toString())
        .hasRootCauseInstanceOf(StreamCorruptedException.class);
    assertThat(offsets).as("left as it was").hasContent("not a Connect offsets file");
  }

  @Test
  void shouldAcceptAnOffsetsFileThatDoesNotExistYet() {
    EmbeddedConnect.requireReadableOffsets(EmbeddedConnect.workerProps("127.0.0.1:1", null,
        dir.resolve("new.offsets")));

    assertThat(dir.resolve("new.offsets")).doesNotExist();
  }

  /**
   * Connect only logs a failed write of the offsets file; the store remembers it, until a later write succeeds (the
   * offsets stay in memory, so that write saves them all). A directory in place of the file fails the write even for
   * root, whom file permissions do not stop.
   */
  @Test
  void shouldRememberThatTheLastWriteOfTheOffsetsFileFailedUntilOneSucceeds() throws Exception {
    Path offsets = dir.resolve("connect.offsets");
    JsonConverter keys = new JsonConverter();
    keys.configure(Map.of("schemas.enable", "false"), true);
    EmbeddedConnect.OffsetsFileStore store = new EmbeddedConnect.OffsetsFileStore(keys);
    store.configure(new StandaloneConfig(Map.of(StandaloneConfig.OFFSET_STORAGE_FILE_FILENAME_CONFIG, offsets.toString(),
        "bootstrap.servers", "localhost:9092",
        "key.converter", JsonConverter.class.getName(), "value.converter", JsonConverter.class.getName())));
    store.start();
    try {
      Files.createDirectory(offsets);
      assertThatThrownBy(() -> store.set(Map.of(bytes("[\"c\",{\"f\":\"a\"}]"), bytes("{\"row\":1}")), null)
          .get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
      assertThat(store.lastWriteFailure()).as("the write failed").isPresent();

      Files.delete(offsets);
      store.set(Map.of(bytes("[\"c\",{\"f\":\"a\"}]"), bytes("{\"row\":2}")), null).get(10, TimeUnit.SECONDS);
      assertThat(store.lastWriteFailure()).as("a later write saved everything").isEmpty();
      assertThat(offsets).isRegularFile();
    } finally {
      store.stop();
    }
  }

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }
}
