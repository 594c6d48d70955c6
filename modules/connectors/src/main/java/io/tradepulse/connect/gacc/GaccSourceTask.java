package io.tradepulse.connect.gacc;

import io.tradepulse.connect.common.LocationSourceTask;
import io.tradepulse.connect.common.Parsed;
import java.util.List;
import java.util.Map;

/** Reads GACC country tables; see {@link GaccTableParser} for the layout and quirks. */
public class GaccSourceTask extends LocationSourceTask<GaccConfig> {
  private GaccTableParser parser;

  @Override
  protected GaccConfig parseConfig(Map<String, String> props) {
    return new GaccConfig(props);
  }

  @Override
  protected void startTask(Map<String, String> props) {
    parser = new GaccTableParser(GaccNames.load(config.countryTable(), GaccConfig.COUNTRY_TABLE_CONFIG));
    super.startTask(props);
  }

  @Override
  protected List<String> locations() {
    return config.locations();
  }

  /** Tables are saved into place by hand or by scripts that often do not write-then-rename: see gacc.settle.ms. */
  @Override
  protected java.time.Duration settleTime() {
    return config.settle();
  }

  /**
   * 1 since the parser of 2026-11-30, under which a header repeated under the first and a later Release line are no
   * items (each was a dead letter before): an offset an earlier release took mid-table, past such a row, counted one
   * item more than this parser makes up to there, and resuming it skipped the table's next figure.
   */
  @Override
  protected int itemsVersion() {
    return 1;
  }

  @Override
  protected String sourceName() {
    return "gacc";
  }

  @Override
  protected Parsed parse(byte[] payload, String location) {
    return parser.parse(payload, new GaccTableParser.Context(location, config.releaseDay()));
  }
}
