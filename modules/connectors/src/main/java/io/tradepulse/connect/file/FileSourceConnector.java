package io.tradepulse.connect.file;

import io.tradepulse.connect.common.LocationConnectors;
import io.tradepulse.connect.common.Versions;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

/** Any CSV or NDJSON file of trade figures, mapped column by column to TradeRecord fields. */
public class FileSourceConnector extends SourceConnector {
  private Map<String, String> props;
  private FileConfig config;

  @Override
  public void start(Map<String, String> props) {
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

  @Override
  public ConfigDef config() {
    return FileConfig.CONFIG_DEF;
  }

  @Override
  public String version() {
    return Versions.VERSION;
  }
}
