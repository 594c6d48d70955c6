package io.tradepulse.connect.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.common.OutOfQuotaException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

/** What a failed task threw, read back from the trace the worker keeps (the exception itself is gone). */
class ConnectorFailedExceptionTest {

  /** The trace as Connect's herder records it: the exception's printStackTrace. */
  static String trace(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  @Test
  void shouldTellTheClassAndMessageOfWhatTheTaskThrewWhenItsTraceHasACause() {
    OutOfQuotaException thrown = new OutOfQuotaException("Comtrade: out of its call quota; run again after "
        + "2025-06-15T05:42:10Z", Optional.empty());
    thrown.initCause(new IllegalStateException("inner"));

    ConnectorFailedException e = new ConnectorFailedException("tradepulse-comtrade", 0, trace(thrown));

    assertThat(e.threw(OutOfQuotaException.class)).isTrue();
    assertThat(e.threw(ConnectException.class)).as("the exact class").isFalse();
    assertThat(e.reason()).isEqualTo("Comtrade: out of its call quota; run again after 2025-06-15T05:42:10Z");
    assertThat(e.connector()).isEqualTo("tradepulse-comtrade");
    assertThat(e.getMessage())
        .startsWith("Task 0 of tradepulse-comtrade failed: " + OutOfQuotaException.class.getName())
        .contains("\tat ").contains("Caused by: java.lang.IllegalStateException: inner");
  }

  @Test
  void shouldKeepAMessageOfSeveralLinesAndReadOneWithoutMessage() {
    ConnectorFailedException lines = new ConnectorFailedException("c", 1,
        trace(new ConnectException("first line\nsecond line")));
    ConnectorFailedException bare = new ConnectorFailedException("c", null, trace(new NullPointerException()));

    assertThat(lines.thrown()).isEqualTo(ConnectException.class.getName());
    assertThat(lines.reason()).isEqualTo("first line\nsecond line");
    assertThat(bare.threw(NullPointerException.class)).isTrue();
    assertThat(bare.reason()).isEmpty();
    assertThat(bare.getMessage()).startsWith("Connector c failed: java.lang.NullPointerException");
  }

  @Test
  void shouldTellNothingWhenTheWorkerRecordedNoTrace() {
    ConnectorFailedException e = new ConnectorFailedException("c", 2, null);

    assertThat(e.thrown()).isEmpty();
    assertThat(e.reason()).isEmpty();
    assertThat(e.threw(OutOfQuotaException.class)).isFalse();
  }
}
