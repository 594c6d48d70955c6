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
  // The stream of each location being read, for the annual rows among its skipped ones (see finished).
  private final Map<String, ComextParser.BulkRows> reading = new java.util.HashMap<>();

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
    List<String> notDeclarants = config.reporters().stream().filter(r -> !r.matches("[A-Z]{2}")).toList();
    if (!notDeclarants.isEmpty()) {
      // The default (EU27_2020) is right for the API and wrong here: nothing would match, without any error.
      log.warn("{}={}: the bulk files give the declaring member state as REPORTER (ISO alpha-2: DE, FR, ...), so rows "
          + "of {} will not be found and are never emitted; list member states, or leave {} empty for all",
          ComextConfig.REPORTERS_CONFIG, config.reporters(), notDeclarants, ComextConfig.REPORTERS_CONFIG);
    }
    super.startTask(props);
  }

  /**
   * A file read to its end whose every row the filters left out gave nothing, not even a dead letter, which otherwise
   * looks just like a file that was read: said loudly, with the filters, since the defaults (made for the API) do it.
   */
  @Override
  protected void finished(String location, long items, int skipped) {
    ComextParser.BulkRows rows = reading.remove(location);
    // Rows of annual totals were left out whatever the filters, with a WARN of their own: blaming the filters for
    // them would send the user to change filters that are right.
    int byFilters = skipped - (rows == null ? 0 : rows.annualRows());
    if (items == 0 && byFilters > 0) {
      log.warn("{}: all {} rows were left out by the filters ({}={}, {}={}, {}={}, {}={}); no record. Bulk files give "
          + "the declaring member states as REPORTER (not EU27_2020) and CN8 codes as PRODUCT_NC: check {} and {} "
          + "(empty = all)", location, byFilters, ComextConfig.REPORTERS_CONFIG, config.reporters(), ComextConfig.PARTNERS_CONFIG,
          config.partners(), ComextConfig.PRODUCTS_CONFIG, config.products(), ComextConfig.FLOWS_CONFIG, config.flows(),
          ComextConfig.REPORTERS_CONFIG, ComextConfig.PRODUCTS_CONFIG);
    }
  }

  /**
   * Bulk files are copied or extracted (from their .7z) into place, often not written then renamed, and a cut last
   * VALUE_EUR would be summed into its series' month: see comext.bulk.settle.ms.
   */
  @Override
  protected java.time.Duration settleTime() {
    return config.bulkSettle();
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
    ComextParser.BulkRows rows = parser.openBulk(payload, location, filter, config.releaseLagDays());
    reading.put(location, rows);
    return rows;
  }
}
