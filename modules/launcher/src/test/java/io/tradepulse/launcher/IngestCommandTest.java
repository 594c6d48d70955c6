package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.comtrade.ComtradeConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What {@code tradepulse ingest} decides without a broker. */
class IngestCommandTest {

    @Test
    void theDefaultOffsetsFileIsPerSourceClusterAndTopic() {
        String a = IngestCommand.defaultOffsetsFileName(IngestCommand.Source.file, "q1Sh-9_nRnyRXaQqsx3Wdg", "trade.records");

        assertThat(a).isEqualTo("ingest-file-q1Sh-9_nRnyRXaQqsx3Wdg-trade.records.offsets");
        // Another cluster, another topic prefix, another source: another file, so none skips what another received.
        assertThat(IngestCommand.defaultOffsetsFileName(IngestCommand.Source.file, "Zb3vS0AaRkq7xJ1nXo2wPQ", "trade.records"))
                .isNotEqualTo(a);
        assertThat(IngestCommand.defaultOffsetsFileName(IngestCommand.Source.file, "q1Sh-9_nRnyRXaQqsx3Wdg", "staging.trade.records"))
                .isNotEqualTo(a);
        assertThat(IngestCommand.defaultOffsetsFileName(IngestCommand.Source.gacc, "q1Sh-9_nRnyRXaQqsx3Wdg", "trade.records"))
                .isNotEqualTo(a);
    }

    @Test
    void nothingInAClusterIdOrTopicCanLeaveTheOffsetsDirectory() {
        assertThat(IngestCommand.defaultOffsetsFileName(IngestCommand.Source.census, "../x", "a/b"))
                .isEqualTo("ingest-census-.._x-a_b.offsets")
                .doesNotContain("/");
    }

    @Test
    void anOldSharedOffsetsFileSaysHowToResumeFromItOrLeaveIt() {
        Path legacy = Path.of("/home/u/.tradepulse/ingest-census.offsets");

        assertThat(IngestCommand.legacyOffsetsMessage(legacy))
                .contains("--offsets " + legacy, "move it away", "ingest-<source>-<cluster id>-<topic>.offsets");
    }

    /** The connector settings ingest would run with, for these arguments (as picocli parses them). */
    static Map<String, String> settings(String... args) throws Exception {
        IngestCommand command = new IngestCommand();
        new CommandLine(command).parseArgs(args);
        return command.connectorSettings();
    }

    /**
     * Out of its quota, the Comtrade task waited for hours by default, and a one-shot ingest ended at --timeout with
     * "not done after PT30M". Such a run now has the task fail at once; a followed one waits, and the user's key wins.
     */
    @Test
    void shouldHaveAOneShotComtradeRunFailOnItsQuotaUnlessFollowingOrTheUserSaysOtherwise(@TempDir Path dir)
            throws Exception {
        String key = ComtradeConfig.QUOTA_EXHAUSTED_CONFIG;
        Path config = Files.writeString(dir.resolve("comtrade.properties"), key + "=WAIT\n");

        assertThat(settings("--source", "comtrade", "--embedded")).containsEntry(key, "FAIL");
        assertThat(settings("--source", "comtrade", "--embedded", "--follow")).doesNotContainKey(key);
        assertThat(settings("--source", "comtrade", "--embedded", "--set", key + "=WAIT")).containsEntry(key, "WAIT");
        assertThat(settings("--source", "comtrade", "--embedded", "--config", config.toString()))
                .containsEntry(key, "WAIT");
        assertThat(settings("--source", "census", "--embedded")).doesNotContainKey(key);
    }

    @Test
    void shouldSayWhereTheRunResumesWhenStoppedOnTheQuota() throws Exception {
        IngestCommand command = new IngestCommand();
        new CommandLine(command).parseArgs("--source", "comtrade", "--bootstrap-servers", "b:9092",
                "--schema-registry-url", "http://r");
        Path offsets = Path.of("/home/u/.tradepulse/ingest-comtrade-c-trade.records.offsets");

        assertThat(command.outOfQuotaMessage("Comtrade: out of quota; run again after 2025-06-15T05:42:10Z", offsets))
                .startsWith("comtrade stopped: Comtrade: out of quota; run again after 2025-06-15T05:42:10Z")
                .contains("resume point saved in " + offsets, "--follow", key());
    }

    private static String key() {
        return ComtradeConfig.QUOTA_EXHAUSTED_CONFIG + "=WAIT";
    }

    /** A run to repeat later is a failure (1), on one line: nothing to debug, no stack trace. */
    @Test
    void shouldExitWith1AndOneLineWithoutStackTraceWhenARunIsToBeRepeatedLater() {
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine().setErr(new PrintWriter(err, true));

        int code = Main.failed(new RunAgainLaterException("comtrade stopped: out of quota; run again after then",
                new IllegalStateException("the task's trace")), cmd.getSubcommands().get("ingest"), null);

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("tradepulse ingest failed: comtrade stopped: out of quota; run again "
                + "after then" + System.lineSeparator());
    }
}
