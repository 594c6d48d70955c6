package io.tradepulse.connect.comtrade;

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

/** UN Comtrade API v1, monthly HS data; one source partition per reporter. */
public class ComtradeSourceConnector extends SourceConnector {
  /** The prefixes of this connector's own keys: an unknown key under them is a typo ({@link OwnKeys}). */
  static final List<String> OWN_PREFIXES = List.of("comtrade.", "http.");
  /** The keys it adds to its tasks' configurations. */
  static final Set<String> TASK_KEYS = Set.of(ComtradeSourceTask.REPORTERS_TASK_CONFIG);
  private Map<String, String> props;
  private ComtradeConfig config;

  @Override
  public void start(Map<String, String> props) {
    OwnKeys.check(props, ComtradeConfig.CONFIG_DEF, OWN_PREFIXES, TASK_KEYS);
    this.config = new ComtradeConfig(props);
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return ComtradeSourceTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    return LocationConnectors.taskConfigs(props, ComtradeSourceTask.REPORTERS_TASK_CONFIG, config.reporters(), maxTasks);
  }

  @Override
  public void stop() {}

  /**
   * Connect's check of the settings (also what tradepulse ingest runs before anything starts), plus the rule that
   * spans two keys and so no validator of one key sees: comtrade.max.records against the preview endpoint
   * ({@link ComtradeConfig#RULES}), reported on comtrade.max.records as start() would throw it.
   */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config config = CrossKeyRules.validate(super.validate(connectorConfigs), config(),
        TradeSourceConfig.withCommonRules(ComtradeConfig.RULES), connectorConfigs);
    return OwnKeys.validate(config, connectorConfigs, config(), OWN_PREFIXES, TASK_KEYS);
  }

  @Override
  public ConfigDef config() {
    return ComtradeConfig.CONFIG_DEF;
  }

  @Override
  public String version() {
    return Versions.VERSION;
  }
}
