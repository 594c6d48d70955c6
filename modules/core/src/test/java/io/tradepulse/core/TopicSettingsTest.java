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
}
