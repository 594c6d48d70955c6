package io.tradepulse.connect.comext;

import io.tradepulse.connect.common.ItemStream;
import io.tradepulse.connect.common.LocationSourceTask;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.Payload;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Comext bulk monthly CSV files (one source partition per file); see {@link ComextParser#parseBulk}. */
public class ComextBulkSourceTask extends LocationSourceTask<ComextConfig> {
  private ComextParser parser;
  private ComextParser.Filter filter;

  @Override
  protected ComextConfig parseConfig(Map<String, String> props) {
    return new ComextConfig(props);
  }

  @Override
  protected void startTask(Map<String, String> props) {
    parser = new ComextParser(ComextGeo.load(config.geoTable()),
        config.fxTable().isBlank() ? null : FxTable.load(config.fxTable(), config.fxCurrency()));
    filter = new ComextParser.Filter(Set.copyOf(config.reporters()), Set.copyOf(config.partners()),
        config.products(), Set.copyOf(config.flows()));
    super.startTask(props);
  }

  @Override
  protected List<String> locations() {
    return config.files();
  }

  @Override
  protected String sourceName() {
    return "comext";
  }

  @Override
  protected Parsed parse(byte[] payload, String location) {
    return parser.parseBulk(payload, location, filter, config.releaseLagDays());
  }

  @Override
  protected ItemStream open(Payload payload, String location) {
    return parser.openBulk(payload, location, filter, config.releaseLagDays());
  }
}
