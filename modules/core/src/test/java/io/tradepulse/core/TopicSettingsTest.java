package io.tradepulse.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

class TopicSettingsTest {

    @Test
    void shouldRequireTwoInSyncReplicasWithThreeReplicasOrMore() {
        assertThat(TopicSettings.compacted(6, (short) 3).toNewTopic("t").configs())
                .containsEntry(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2")
                .containsEntry(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        assertThat(TopicSettings.retained(6, (short) 5, -1L).toNewTopic("t").configs())
                .containsEntry(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2");
    }

    @Test
    void shouldLeaveMinInSyncReplicasToTheBrokerWithFewerReplicasOrItsDefaultReplication() {
        for (short rf : new short[] {-1, 1, 2}) {
            assertThat(TopicSettings.compacted(6, rf).toNewTopic("t").configs())
                    .as("replication %d", rf).doesNotContainKey(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
        }
    }

    @Test
    void shouldKeepAnExplicitMinInSyncReplicas() {
        TopicSettings settings = new TopicSettings(6, (short) 3, Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "3"));
        assertThat(settings.toNewTopic("t").configs()).containsEntry(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "3");
    }

    /**
     * -1 promises to keep data forever, but retention.ms alone does not: a topic without its own retention.bytes takes
     * the broker's log.retention.bytes, which managed clusters often set, and trade.records (the replayable source of
     * truth) would lose its oldest segments to it.
     */
    @Test
    void shouldKeepDataForeverBySizeTooWhenRetentionIsUnlimited() {
        assertThat(TopicSettings.retained(6, (short) 3, -1L).toNewTopic("t").configs())
                .containsEntry(TopicConfig.RETENTION_MS_CONFIG, "-1")
                .containsEntry(TopicConfig.RETENTION_BYTES_CONFIG, "-1");
        assertThat(TopicSettings.retained(6, (short) 3, 7L * 24 * 3600 * 1000).toNewTopic("t").configs())
                .as("a time-bounded topic leaves size to the broker").doesNotContainKey(TopicConfig.RETENTION_BYTES_CONFIG);
    }
}
