package io.tradepulse.connect.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BadRowTest {
  @Test
  void shouldKeepASmallWholePayloadAsItIs() {
    byte[] payload = "{\"error\":\"quota\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    BadRow b = BadRow.wholePayload("Comtrade error: quota", null, "comtrade", "payload", payload);
    assertThat(b.reason()).isEqualTo("Comtrade error: quota");
    assertThat(b.raw()).isEqualTo(payload);
  }

  @Test
  void shouldCutAWholePayloadToWhatOneKafkaRecordCanCarryAndSaySo() {
    byte[] payload = new byte[BadRow.MAX_WHOLE_RAW_BYTES + 10];
    Arrays.fill(payload, (byte) 'x');
    payload[0] = '[';
    BadRow b = BadRow.wholePayload("Malformed or truncated Comtrade response", "java.io.EOFException", "comtrade",
        "payload", payload);
    assertThat(b.raw()).hasSize(BadRow.MAX_WHOLE_RAW_BYTES).startsWith((byte) '[');
    assertThat(b.reason()).isEqualTo("Malformed or truncated Comtrade response (raw value cut to 524288 of 524298 bytes)");
    assertThat(b.errorClass()).isEqualTo("java.io.EOFException");
  }

  @Test
  void shouldCutTheRawValueOfASingleRowToWhatOneKafkaRecordCanCarryAndSaySo() {
    byte[] line = new byte[600 * 1024];
    Arrays.fill(line, (byte) 'x');
    BadRow b = BadRow.of("Expected 18 columns, got 1", "/data/full_v2_202505.csv", "line 7", line);
    assertThat(b.raw()).hasSize(BadRow.MAX_WHOLE_RAW_BYTES);
    assertThat(b.reason()).isEqualTo("Expected 18 columns, got 1 (raw value cut to 524288 of 614400 bytes)");
    assertThat(b.position()).isEqualTo("line 7");
    BadRow same = new BadRow("Malformed JSON", "x.Y", "f", "line 1", line);
    assertThat(same.raw()).as("whichever way it is made").hasSize(BadRow.MAX_WHOLE_RAW_BYTES);
  }
}
