package io.tradepulse.connect.comext;

import io.tradepulse.connect.common.LocationConnectors;
import io.tradepulse.connect.common.Versions;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * Eurostat Comext (EU trade, values in EUR): the SDMX-CSV dissemination API (comext.mode=API) or the bulk
 * monthly CSV files (comext.mode=BULK).
 */
public class ComextSourceConnector extends SourceConnector {
  private Map<String, String> props;
  private ComextConfig config;

  @Override
  public void start(Map<String, String> props) {
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

  @Override
  public ConfigDef config() {
    return ComextConfig.CONFIG_DEF;
  }

  @Override
  public String version() {
    return Versions.VERSION;
  }
}
