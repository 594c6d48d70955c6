package io.tradepulse.connect.comext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** LAST UPDATE, the publication time of every Comext figure: a date that does not exist is no publication time. */
class ComextLastUpdateTest {

  @Test
  void shouldReadTheApisAndTheSavedExtractsForms() {
    // 11:00 Luxembourg (CEST, +02:00) on 9 July 2025; a bare date is the 11:00 update.
    assertThat(Instant.ofEpochMilli(ComextParser.lastUpdate("09/07/25 11:00:00"))).isEqualTo(Instant.parse("2025-07-09T09:00:00Z"));
    assertThat(Instant.ofEpochMilli(ComextParser.lastUpdate("09/07/25"))).isEqualTo(Instant.parse("2025-07-09T09:00:00Z"));
    assertThat(Instant.ofEpochMilli(ComextParser.lastUpdate("29/02/24 23:00:00"))).isEqualTo(Instant.parse("2024-02-29T22:00:00Z"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"31/06/25", "31/06/25 11:00:00", "29/02/25", "30/02/24 23:00:00", "09/07/25 24:00:00"})
  void shouldRefuseADateWhenItDoesNotExistInsteadOfMovingItToTheMonthsLastDay(String garbled) {
    // The caller makes the row a dead letter ("Unreadable LAST UPDATE"); read smartly, 31/06 went out as 30 June.
    assertThatThrownBy(() -> ComextParser.lastUpdate(garbled)).isInstanceOf(DateTimeParseException.class);
  }
}
