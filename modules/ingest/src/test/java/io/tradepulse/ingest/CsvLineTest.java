package io.tradepulse.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CsvLineTest {
    @Test
    void shouldSplitPlainAndQuotedFields() {
        assertThat(CsvLine.split("a,\"b, c\",\"d \"\"e\"\"\",")).containsExactly("a", "b, c", "d \"e\"", "");
    }

    /** Real lines of the bundled tariff timeline, pinned as split when the two CSV readers were merged. */
    @Test
    void shouldSplitRealTariffTimelineLinesAsTheyAre() {
        assertThat(CsvLine.split("us-cn-2025-04-reciprocal,USA,CHN,ALL,2025-04-02,2025-04-09,20,54,INCREASE,"
                + "\"Liberation Day\" reciprocal 34% on top of 20%,AP; Reuters"))
                .containsExactly("us-cn-2025-04-reciprocal", "USA", "CHN", "ALL", "2025-04-02", "2025-04-09", "20", "54",
                        "INCREASE", "\"Liberation Day\" reciprocal 34% on top of 20%", "AP; Reuters");
        assertThat(CsvLine.split("cn-us-2025-04-escalation,CHN,USA,ALL,2025-04-11,2025-04-12,84,125,INCREASE,,"
                + "globalbusinessjournalism.com"))
                .containsExactly("cn-us-2025-04-escalation", "CHN", "USA", "ALL", "2025-04-11", "2025-04-12", "84", "125",
                        "INCREASE", "", "globalbusinessjournalism.com");
        assertThat(CsvLine.split("cn-us-2025-02-energy,CHN,USA,HS27 coal/LNG 15%; crude oil / farm machinery / large"
                + " cars 10%,2025-02-04,2025-02-10,0,15,INCREASE,partial scope retaliation,AP; Reuters"))
                .containsExactly("cn-us-2025-02-energy", "CHN", "USA",
                        "HS27 coal/LNG 15%; crude oil / farm machinery / large cars 10%", "2025-02-04", "2025-02-10", "0",
                        "15", "INCREASE", "partial scope retaliation", "AP; Reuters");
    }

    @Test
    void shouldKeepEmptyFields() {
        assertThat(CsvLine.split(",,x")).containsExactly("", "", "x");
    }
}
