package io.tradepulse.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CsvLineTest {
    @Test
    void shouldSplitPlainAndQuotedFields() {
        assertThat(CsvLine.split("a,\"b, c\",\"d \"\"e\"\"\",")).containsExactly("a", "b, c", "d \"e\"", "");
    }

    @Test
    void shouldKeepEmptyFields() {
        assertThat(CsvLine.split(",,x")).containsExactly("", "", "x");
    }
}
