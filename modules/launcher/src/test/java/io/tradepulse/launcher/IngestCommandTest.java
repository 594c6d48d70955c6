package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

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
}
