package io.tradepulse.connect.common;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Spreads a list-valued "locations" setting over tasks (each location is one source partition). */
public final class LocationConnectors {
  private LocationConnectors() {}

  public static List<Map<String, String>> taskConfigs(Map<String, String> props, String key, List<String> locations,
      int maxTasks) {
    int n = Math.max(1, Math.min(maxTasks, locations.size()));
    List<Map<String, String>> out = new ArrayList<>();
    for (int t = 0; t < n; t++) {
      List<String> mine = new ArrayList<>();
      for (int i = t; i < locations.size(); i += n) {
        mine.add(locations.get(i));
      }
      Map<String, String> m = new HashMap<>(props);
      m.put(key, String.join(",", mine));
      out.add(m);
    }
    return out;
  }
}
