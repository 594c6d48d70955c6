package io.tradepulse.streams;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter topic's {@code max.message.bytes}, read once when the processor starts and shared, through the
 * Streams configuration (key {@link #CONFIG}), with every dead-letter handler of the instance. The broker refuses a
 * record batch above it (RecordTooLargeException) even when the producer's max.request.size let the record through,
 * and under exactly_once_v2 that refusal aborts the transaction: the stream thread died, was replaced and met the same
 * input again, for ever. {@link DeadLetters} fits its dead letters under the smaller of the two limits.
 */
final class DeadLetterTopicLimit {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterTopicLimit.class);
    /** Not a user setting: the instance of this class that ProcessorApp hands the handlers Streams configures. */
    static final String CONFIG = "tradepulse.internal.dlq.limit";
    /** Unknown (not read yet, or not readable): only the producer's max.request.size applies. */
    static final int UNKNOWN = Integer.MAX_VALUE;

    private volatile int maxMessageBytes = UNKNOWN;

    /** The topic's max.message.bytes, or {@link #UNKNOWN}. */
    int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** The instance handed over in {@code configs}, or a limit that stays unknown (a handler used on its own). */
    static DeadLetterTopicLimit from(Map<String, ?> configs) {
        return configs.get(CONFIG) instanceof DeadLetterTopicLimit limit ? limit : new DeadLetterTopicLimit();
    }

    /**
     * Reads the effective max.message.bytes of {@code topic} (its own override, else the broker's default). Never
     * throws: a topic that cannot be described (broker unreachable, no DescribeConfigs permission, not created yet)
     * keeps the limit unknown, with a warning, as before this check existed.
     */
    void read(Admin admin, String topic, Duration timeout) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            Config config = admin.describeConfigs(List.of(resource),
                            new DescribeConfigsOptions().timeoutMs((int) timeout.toMillis())).all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(resource);
            ConfigEntry entry = config == null ? null : config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            if (entry == null || entry.value() == null) {
                log.warn("{} has no {}: dead letters are fitted to the producer's max.request.size only", topic,
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                return;
            }
            maxMessageBytes = Integer.parseInt(entry.value().trim());
            log.debug("{} accepts record batches of up to {} bytes", topic, maxMessageBytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("Interrupted while reading {} of {}: dead letters are fitted to the producer's max.request.size "
                    + "only", TopicConfig.MAX_MESSAGE_BYTES_CONFIG, topic);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            log.warn("Cannot read {} of {} ({}): dead letters are fitted to the producer's max.request.size only; a "
                    + "dead letter larger than the topic allows stops its partition", TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                    topic, cause.toString());
        }
    }
}
