package io.tradepulse.launcher;

import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * A connector whose validate passes and whose start() fails as {@value #FAIL_WITH} says: {@code config} throws Kafka's
 * ConfigException (a connector that checks a setting only when it starts), {@code other} an IllegalStateException.
 * On the class path without a service entry: the worker loads it by its class name, as it would a connector of
 * the user's own.
 */
public class StartRefusingConnector extends IdleSourceConnector {
    static final String FAIL_WITH = "start.fails.with";

    @Override
    public void start(Map<String, String> props) {
        if ("config".equals(props.get(FAIL_WITH))) {
            throw new ConfigException(FAIL_WITH, "config", "refused when the connector started");
        }
        throw new IllegalStateException("failed when the connector started");
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef().define(FAIL_WITH, ConfigDef.Type.STRING, "config",
                ConfigDef.ValidString.in("config", "other"), ConfigDef.Importance.HIGH, "How start() fails.");
    }
}
