package io.tradepulse.connect.census;

import io.tradepulse.connect.common.SourcePartitions;
import java.util.Map;

/**
 * Source partition of the Census connector: one dataset and query. Offsets are stored per partition.
 *
 * @param flow EXPORT or IMPORT (exports/hs or imports/hs)
 * @param commLvl COMM_LVL (or TOTAL)
 * @param commodity commodity filter, or * for all
 */
public record CensusPartition(String flow, String commLvl, String commodity) {
  public Map<String, String> toMap() {
    return SourcePartitions.of("source", "census", "dataset", dataset(), "comm_lvl", commLvl, "commodity", commodity);
  }

  public static CensusPartition fromMap(Map<String, ?> m) {
    String dataset = String.valueOf(m.get("dataset"));
    return new CensusPartition(dataset.startsWith("exports") ? "EXPORT" : "IMPORT",
        String.valueOf(m.get("comm_lvl")), String.valueOf(m.get("commodity")));
  }

  public String dataset() {
    return flow.equals("EXPORT") ? "exports/hs" : "imports/hs";
  }

  /** Compact form used to hand partitions to tasks. */
  public String encode() {
    return flow + "|" + commLvl + "|" + commodity;
  }

  public static CensusPartition decode(String s) {
    String[] p = s.split("\\|", -1);
    return new CensusPartition(p[0], p[1], p[2]);
  }
}
