package io.tradepulse.connect.file;

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

/** Any CSV or NDJSON file of trade figures, mapped column by column to TradeRecord fields. */
public class FileSourceConnector extends SourceConnector {
  /** The prefixes of this connector's own keys: an unknown key under them is a typo ({@link OwnKeys}). */
  static final List<String> OWN_PREFIXES = List.of("file.", "field.", "default.", "http.");
  /** The keys it adds to its tasks' configurations. */
  static final Set<String> TASK_KEYS = Set.of();
  private Map<String, String> props;
  private FileConfig config;

  @Override
  public void start(Map<String, String> props) {
    OwnKeys.check(props, FileConfig.CONFIG_DEF, OWN_PREFIXES, TASK_KEYS);
    this.config = new FileConfig(props);
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return FileSourceTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    return LocationConnectors.taskConfigs(props, FileConfig.PATHS_CONFIG, config.paths(), maxTasks);
  }

  @Override
  public void stop() {}

  /**
   * Connect's check of the settings, plus the mapping start requires ({@link FileConfig#RULES}), each missing part on
   * its field.* key, and an error for each unknown key under {@link #OWN_PREFIXES}.
   */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config config = CrossKeyRules.validate(super.validate(connectorConfigs), config(),
        TradeSourceConfig.withCommonRules(FileConfig.RULES));
    return OwnKeys.validate(config, connectorConfigs, config(), OWN_PREFIXES, TASK_KEYS);
  }

  @Override
  public ConfigDef config() {
    return FileConfig.CONFIG_DEF;
  }

  @Override
  public String version() {
    return Versions.VERSION;
  }
}
