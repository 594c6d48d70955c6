package io.tradepulse.connect.gacc;

import io.tradepulse.connect.common.LocationConnectors;
import io.tradepulse.connect.common.Versions;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

/** China customs (GACC) monthly country tables, Unit: US$1,000. */
public class GaccSourceConnector extends SourceConnector {
  private Map<String, String> props;
  private GaccConfig config;

  @Override
  public void start(Map<String, String> props) {
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

  @Override
  public ConfigDef config() {
    return GaccConfig.CONFIG_DEF;
  }

  @Override
  public String version() {
    return Versions.VERSION;
  }
}
