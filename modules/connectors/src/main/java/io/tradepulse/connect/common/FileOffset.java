package io.tradepulse.connect.common;

import java.util.Map;

/**
 * Offset of one file/table location.
 *
 * @param rowsDone items (good or bad) already emitted from the payload with this digest
 * @param digest fingerprint of the payload the rows came from; a changed payload (a revised table) is re-read
 * @param complete whether every row of that payload was emitted
 */
public record FileOffset(long rowsDone, String digest, boolean complete) {
  public static final FileOffset EMPTY = new FileOffset(0, "", false);

  public Map<String, Object> toMap() {
    return Map.of("rows_done", rowsDone, "digest", digest, "complete", complete);
  }

  public static FileOffset fromMap(Map<String, ?> m) {
    if (m == null || m.isEmpty()) {
      return EMPTY;
    }
    Object rows = m.get("rows_done");
    Object complete = m.get("complete");
    return new FileOffset(rows == null ? 0 : ((Number) rows).longValue(), m.get("digest") == null ? "" : m.get("digest").toString(),
        complete != null && Boolean.parseBoolean(complete.toString()));
  }
}
