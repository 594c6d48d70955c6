package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A duration or count out of range is a bad option: exit 2 naming the option, at once. `demo --timeout -PT1S` started
 * the broker and the registry, ingested, and only then failed ("did not catch up within PT-1S"); `bench --threads 0`
 * loaded the data set and then waited its whole --timeout (30 minutes) for Streams apps without a thread.
 */
class OptionRangesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "demo --timeout PT0S --exit-when-done                   | --timeout must be a positive duration",
        "demo --timeout -PT1S --exit-when-done                  | --timeout must be a positive duration",
        "ingest --source file --embedded --timeout PT0S         | --timeout must be a positive duration",
        "ingest --source file --embedded --partitions 0         | --partitions must be at least 1",
        "ingest --source file --embedded --replication-factor 0 | --replication-factor must be -1 (the broker default) or 1..32767: 0",
        "ingest --source file --embedded --replication-factor -3 | --replication-factor must be -1 (the broker default) or 1..32767: -3",
        "ingest --source file --bootstrap-servers localhost:1 --schema-registry-url http://localhost:2 --replication-factor 40000 | --replication-factor must be -1 (the broker default) or 1..32767: 40000",
        "ingest --source file --embedded --replication-factor 40000 | --replication-factor must be -1 (the broker default) or 1..32767: 40000",
        "ingest --source file --embedded --max-dead-letters -1  | --max-dead-letters must be at least 0",
        "bench --records 0                                      | --records must be at least 1",
        "bench --records 1000 --threads 0                       | --threads must be at least 1",
        "bench --records 1000 --partitions 0                    | --partitions must be at least 1",
        "bench --records 1000 --timeout PT0S                    | --timeout must be a positive duration",
        "bench --records 1000 --revisions-pct -1                | --revisions-pct must be 0..100",
        "bench --records 1000 --revisions-pct 101               | --revisions-pct must be 0..100",
        "bench --records 1000 --commit-interval-ms -1           | --commit-interval-ms must be at least 0",
        "bench --records 1000 --rollup-emit-interval-ms -1      | --rollup-emit-interval-ms must be 10..100000000000000000",
        "bench --records 1000 --rollup-emit-interval-ms 9       | --rollup-emit-interval-ms must be 10..100000000000000000",
        "bench --records 1000 --rollup-emit-interval-ms 100000000000000001 | --rollup-emit-interval-ms must be 10..100000000000000000",
    })
    void anOutOfRangeValueIsRefusedNamingTheOptionBeforeAnythingStarts(String args, String message) {
        // Without the check these start a broker and a registry (bench --threads 0 then waits 30 min).
        CliRun r = CliRun.execute(args.trim().split(" +"));

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).startsWith(message);
    }

    /**
     * An emit interval for roll-ups that are off was taken and ignored: a run meant to measure the interval measured
     * none, and said nothing. Refused like any conflicting options, before the broker starts.
     */
    @Test
    void shouldRefuseARollupEmitIntervalWhenRollupsAreOff() {
        CliRun r = CliRun.execute("bench", "--records", "1000", "--rollups", "OFF", "--rollup-emit-interval-ms", "1000");

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).startsWith("--rollup-emit-interval-ms sets how often "
                + "roll-ups are emitted; with --rollups OFF there are none");
    }

    /**
     * Topic names are checked at start too: only the broker checked them, so `ingest --embedded --topic-prefix team/a.`
     * started the broker and the registry, then failed creating the topics (exit 1, a stack trace), and `tariffs
     * --dry-run` printed the invalid name as the one it would send to.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "ingest --source census --embedded --topic-prefix team/a.              | --topic-prefix team/a.: Topic name is invalid: 'team/a.trade.records' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
        "ingest --source census --embedded --set topic=trade/records           | Invalid connector settings (--config, --set; docs/connectors.md): topic: Topic name is invalid",
        "ingest --source census --embedded --set dlq.topic=..                  | Invalid connector settings (--config, --set; docs/connectors.md): dlq.topic: Topic name is invalid",
        "tariffs --delete some-id --dry-run --topic-prefix team:a.             | --topic-prefix team:a.: Topic name is invalid",
        "dlq --bootstrap-servers localhost:1 --schema-registry-url http://localhost:2 --replay --to-topic trade/records | --to-topic trade/records: Topic name is invalid: 'trade/records' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
        "dlq --bootstrap-servers localhost:1 --schema-registry-url http://localhost:2 --topic-prefix {long} | --topic-prefix {long}: Topic name is invalid: the length of '{long}trade.records.derived' is longer than the max allowed length 249",
    })
    void shouldRefuseAnInvalidTopicNameBeforeAnythingStartsWhenThePrefixOrTheConnectorsTopicMakesOne(String args,
            String message) {
        String longPrefix = "p".repeat(230) + ".";
        CliRun r = CliRun.execute(args.trim().replace("{long}", longPrefix).split(" +"));

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).startsWith(message.replace("{long}", longPrefix));
        assertThat(r.err()).doesNotContain("\tat ");
    }

    /**
     * An ingest's own topic and dead-letter topic of one name: it was created (and listed as created) twice, each count
     * of the run took the other's records too, and the processor would read the dead letters as trade records.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "ingest --source census --embedded --start 2025-01 --timeout PT20S --set topic=my.t --set dlq.topic=my.t | topic and dlq.topic are both my.t",
        "ingest --source census --embedded --start 2025-01 --timeout PT20S --set dlq.topic=trade.records        | topic and dlq.topic are both trade.records",
        "ingest --source census --embedded --start 2025-01 --timeout PT20S --topic-prefix p. --set topic=p.trade.dlq | topic and dlq.topic are both p.trade.dlq",
    })
    void shouldRefuseAnIngestWhenItsTopicAndDeadLetterTopicAreOne(String args, String message) {
        CliRun r = CliRun.execute(args.trim().split(" +"));

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).startsWith("Invalid connector settings").contains(message);
    }

    /**
     * Connect's errors.tolerance=all dropped a record the worker could not convert or write, committed its offset, and
     * ingest reported the source complete (exit 0) with the row on neither topic. Refused before anything starts.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "ingest --source census --embedded --start 2025-01 --timeout PT20S --set errors.tolerance=all",
        "ingest --source comext --embedded --start 2025-01 --timeout PT20S --set errors.tolerance=ALL",
    })
    void shouldRefuseAnIngestWhenErrorsToleranceIsAll(String args) {
        CliRun r = CliRun.execute(args.trim().split(" +"));

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).startsWith("Invalid connector settings")
                .contains("configuration errors.tolerance: must be none (the default)");
        assertThat(r.err()).doesNotContain("Starting", "\tat ");
    }

    /** picocli's message named no form: "cannot convert '2m' to class java.time.Duration (...DateTimeParseException...)". */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "demo --timeout 2m --exit-when-done                 | Invalid value for option '--timeout': '2m' is not an ISO-8601 duration (PnDTnHnMn.nS, e.g. PT30S, PT2M, PT1H30M, P1D)",
        "ingest --source file --embedded --timeout 30       | Invalid value for option '--timeout': '30' is not an ISO-8601 duration",
        "bench --records 1000 --timeout 1h                  | Invalid value for option '--timeout': '1h' is not an ISO-8601 duration",
    })
    void shouldNameTheDurationFormWhenADurationOptionIsNotIso8601(String args, String message) {
        CliRun r = CliRun.execute(args.trim().split(" +"));

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).startsWith(message);
    }

    /**
     * comtrade takes --start yyyy-MM as the other sources do and converts it to its own yyyyMM: a month that does not
     * exist was refused only after the conversion, naming a value (202513) and a form (yyyyMM) the user never typed.
     */
    @Test
    void shouldNameTheTypedValueAndItsFormWhenComtradesStartIsNotAMonth() {
        CliRun r = CliRun.execute("ingest", "--source", "comtrade", "--embedded", "--start", "2025-13");

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow())
                .isEqualTo("--start 2025-13 is not a month: give yyyy-MM, e.g. 2025-01");
        assertThat(r.err()).doesNotContain("202513");
    }

    /** The embedded broker is one node: the topics could not be created, once it and the registry had started (exit 1). */
    @Test
    void shouldRefuseAReplicationFactorAboveOneWhenTheBrokerIsEmbedded() {
        CliRun r = CliRun.execute("ingest", "--source", "census", "--embedded", "--start", "2025-01",
                "--replication-factor", "3");

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow())
                .isEqualTo("--replication-factor 3 is more than the one broker of --embedded holds (give -1 or 1)");
    }
}
