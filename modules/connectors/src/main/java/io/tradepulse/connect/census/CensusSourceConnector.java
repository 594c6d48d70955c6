package io.tradepulse.connect.census;

import io.tradepulse.connect.common.CrossKeyRules;
import io.tradepulse.connect.common.TradeSourceConfig;
import io.tradepulse.connect.common.OwnKeys;
import io.tradepulse.connect.common.Versions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * US Census Bureau International Trade API (exports/hs, imports/hs by HS level and country). One source
 * partition per (flow, commodity filter); partitions are spread over at most tasks.max tasks.
 */
public class CensusSourceConnector extends SourceConnector {
  /** The prefixes of this connector's own keys: an unknown key under them is a typo ({@link OwnKeys}). */
  static final List<String> OWN_PREFIXES = List.of("census.", "http.");
  /** The keys it adds to its tasks' configurations. */
  static final Set<String> TASK_KEYS = Set.of(CensusSourceTask.PARTITIONS_CONFIG);
  private Map<String, String> props;
  private List<CensusPartition> partitions;

  @Override
  public void start(Map<String, String> props) {
    OwnKeys.check(props, CensusConfig.CONFIG_DEF, OWN_PREFIXES, TASK_KEYS);
    CensusConfig config = new CensusConfig(props); // fails fast, naming the key, on bad config
    this.props = Map.copyOf(props);
    this.partitions = partitions(config);
  }

  static List<CensusPartition> partitions(CensusConfig config) {
    List<String> commodities = config.commLvl().equals("TOTAL") || config.commodities().isEmpty()
        ? List.of("*") : config.commodities();
    List<CensusPartition> out = new ArrayList<>();
    for (String flow : config.flows()) {
      for (String c : commodities) {
        out.add(new CensusPartition(flow, config.commLvl(), c));
      }
    }
    return out;
  }

  @Override
  public Class<? extends Task> taskClass() {
    return CensusSourceTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    int n = Math.max(1, Math.min(maxTasks, partitions.size()));
    List<List<String>> groups = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      groups.add(new ArrayList<>());
    }
    for (int i = 0; i < partitions.size(); i++) {
      groups.get(i % n).add(partitions.get(i).encode());
    }
    List<Map<String, String>> configs = new ArrayList<>();
    for (List<String> g : groups) {
      Map<String, String> m = new HashMap<>(props);
      m.put(CensusSourceTask.PARTITIONS_CONFIG, String.join(",", g));
      configs.add(m);
    }
    return configs;
  }

  @Override
  public void stop() {}

  /**
   * Connect's check of the settings, plus the rule across keys that start enforces ({@link CensusConfig#RULES}), on
   * census.commodities, and an error for each unknown key under {@link #OWN_PREFIXES}.
   */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config config = CrossKeyRules.validate(super.validate(connectorConfigs), config(),
        TradeSourceConfig.withCommonRules(CensusConfig.RULES), connectorConfigs);
    return OwnKeys.validate(config, connectorConfigs, config(), OWN_PREFIXES, TASK_KEYS);
  }

  @Override
  public ConfigDef config() {
    return CensusConfig.CONFIG_DEF;
  }

  @Override
  public String version() {
    return Versions.VERSION;
  }

  @Override
  public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
    // Offsets are per row and payloads are re-fetchable, so EOS workers can run it transactionally.
    return ExactlyOnceSupport.SUPPORTED;
  }
}
