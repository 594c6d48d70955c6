package io.tradepulse.connect.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StreamCorruptedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.connect.errors.ConnectException;
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
}
