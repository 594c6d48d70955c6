package io.tradepulse.launcher;

import io.tradepulse.serving.DashboardServer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Liveness and readiness from the Kafka Streams state. REBALANCING (and CREATED, while starting) is alive but
 * not ready: the instance is healthy and will serve again once partitions are assigned, so an orchestrator
 * must not restart it, only hold traffic. ERROR, PENDING_ERROR and the shutdown states are not alive.
 */
final class ProcessorHealth {
    private ProcessorHealth() {
    }

    static DashboardServer.Health of(KafkaStreams.State state) {
        return switch (state) {
            case RUNNING -> new DashboardServer.Health(true, true, state.name());
            case CREATED, REBALANCING -> new DashboardServer.Health(true, false, state.name());
            case PENDING_SHUTDOWN, NOT_RUNNING, PENDING_ERROR, ERROR -> new DashboardServer.Health(false, false, state.name());
        };
    }
}
