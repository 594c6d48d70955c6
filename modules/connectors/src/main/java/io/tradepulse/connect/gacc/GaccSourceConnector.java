package io.tradepulse.connect.gacc;

import io.tradepulse.connect.common.CrossKeyRules;
import io.tradepulse.connect.common.LocationConnectors;
import io.tradepulse.connect.common.OwnKeys;
import io.tradepulse.connect.common.TradeSourceConfig;
import io.tradepulse.connect.common.Versions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

/** China customs (GACC) monthly country tables, Unit: US$1,000. */
public class GaccSourceConnector extends SourceConnector {
  /** The prefixes of this connector's own keys: an unknown key under them is a typo ({@link OwnKeys}). */
  static final List<String> OWN_PREFIXES = List.of("gacc.", "http.");
  /** The keys it adds to its tasks' configurations. */
  static final Set<String> TASK_KEYS = Set.of();
  private Map<String, String> props;
  private GaccConfig config;

  @Override
  public void start(Map<String, String> props) {
    OwnKeys.check(props, GaccConfig.CONFIG_DEF, OWN_PREFIXES, TASK_KEYS);
    this.config = new GaccConfig(props);
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return GaccSourceTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    return LocationConnectors.taskConfigs(props, GaccConfig.LOCATIONS_CONFIG, config.locations(), maxTasks);
  }

  @Override
  public void stop() {}

  /** Connect's check of the settings, plus an error for each unknown key under {@link #OWN_PREFIXES}. */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config config = CrossKeyRules.validate(super.validate(connectorConfigs), config(), TradeSourceConfig.COMMON_RULES);
    return OwnKeys.validate(config, connectorConfigs, config(), OWN_PREFIXES, TASK_KEYS);
  }

  @Override
  public ConfigDef config() {
    return GaccConfig.CONFIG_DEF;
  }

  @Override
  public String version() {
    return Versions.VERSION;
  }
}
