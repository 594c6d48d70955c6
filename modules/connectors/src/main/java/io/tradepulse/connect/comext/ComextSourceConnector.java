package io.tradepulse.connect.comext;

import io.tradepulse.connect.common.CrossKeyRules;
import io.tradepulse.connect.common.TradeSourceConfig;
import io.tradepulse.connect.common.LocationConnectors;
import io.tradepulse.connect.common.OwnKeys;
import io.tradepulse.connect.common.Versions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * Eurostat Comext (EU trade, values in EUR): the SDMX-CSV dissemination API (comext.mode=API) or the bulk
 * monthly CSV files (comext.mode=BULK).
 */
public class ComextSourceConnector extends SourceConnector {
  /** The prefixes of this connector's own keys: an unknown key under them is a typo ({@link OwnKeys}). */
  static final List<String> OWN_PREFIXES = List.of("comext.", "http.");
  /** The keys it adds to its tasks' configurations. */
  static final Set<String> TASK_KEYS = Set.of(ComextApiSourceTask.REPORTERS_TASK_CONFIG);
  private Map<String, String> props;
  private ComextConfig config;

  @Override
  public void start(Map<String, String> props) {
    OwnKeys.check(props, ComextConfig.CONFIG_DEF, OWN_PREFIXES, TASK_KEYS);
    this.config = new ComextConfig(props);
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return config.bulk() ? ComextBulkSourceTask.class : ComextApiSourceTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    return config.bulk()
        ? LocationConnectors.taskConfigs(props, ComextConfig.FILES_CONFIG, config.files(), maxTasks)
        : LocationConnectors.taskConfigs(props, ComextApiSourceTask.REPORTERS_TASK_CONFIG, config.reporters(), maxTasks);
  }

  @Override
  public void stop() {}

  /**
   * Connect's check of the settings, plus the rules across keys that start enforces ({@link ComextConfig#RULES}), each
   * on the key to fix, and an error for each unknown key under {@link #OWN_PREFIXES}.
   */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config config = CrossKeyRules.validate(super.validate(connectorConfigs), config(),
        TradeSourceConfig.withCommonRules(ComextConfig.RULES), connectorConfigs);
    return OwnKeys.validate(config, connectorConfigs, config(), OWN_PREFIXES, TASK_KEYS);
  }

  @Override
  public ConfigDef config() {
    return ComextConfig.CONFIG_DEF;
  }

  @Override
  public String version() {
    return Versions.VERSION;
  }
}
