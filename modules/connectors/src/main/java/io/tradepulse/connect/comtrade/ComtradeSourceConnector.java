package io.tradepulse.connect.comtrade;

import io.tradepulse.connect.common.LocationConnectors;
import io.tradepulse.connect.common.Versions;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

/** UN Comtrade API v1, monthly HS data; one source partition per reporter. */
public class ComtradeSourceConnector extends SourceConnector {
  private Map<String, String> props;
  private ComtradeConfig config;

  @Override
  public void start(Map<String, String> props) {
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

  @Override
  public ConfigDef config() {
    return ComtradeConfig.CONFIG_DEF;
  }

  @Override
  public String version() {
    return Versions.VERSION;
  }
}
