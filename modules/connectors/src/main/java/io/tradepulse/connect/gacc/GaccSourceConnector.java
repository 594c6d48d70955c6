package io.tradepulse.connect.gacc;

import io.tradepulse.connect.common.LocationSourceConnector;
import io.tradepulse.connect.common.OwnKeys;
import java.util.List;

/** China customs (GACC) monthly country tables, Unit: US$1,000. */
public class GaccSourceConnector extends LocationSourceConnector<GaccConfig> {
  /** The prefixes of this connector's own keys: an unknown key under them is a typo ({@link OwnKeys}). */
  static final List<String> OWN_PREFIXES = List.of("gacc.", "http.");

  public GaccSourceConnector() {
    super(GaccConfig.CONFIG_DEF, GaccConfig::new, OWN_PREFIXES, GaccConfig.LOCATIONS_CONFIG, GaccSourceTask.class,
        List.of());
  }
}
