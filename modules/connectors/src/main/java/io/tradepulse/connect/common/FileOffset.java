package io.tradepulse.connect.common;

import java.util.Map;

/**
 * Offset of one file/table location.
 *
 * @param rowsDone items (good or bad) already emitted from the payload with this digest
 * @param digest fingerprint of the payload the rows came from; a changed payload (a revised table) is re-read
 * @param complete whether every row of that payload was emitted
 * @param revision how many times the location's payload changed after rows of it had gone out: the revision of its
 *     figures. A table or file re-published with corrections usually keeps its release date, so its figures carry the
 *     publishedAt of those they correct; downstream keeps per period the newest publishedAt, then the highest
 *     revision, then the larger value, so with revision 0 too a figure revised down lost to the one it corrects.
 *     Absent (offsets of earlier releases) = 0.
 */
public record FileOffset(long rowsDone, String digest, boolean complete, int revision) {
  public static final FileOffset EMPTY = new FileOffset(0, "", false, 0);

  public Map<String, Object> toMap() {
    // Revision 0 is left out: the offsets of a payload never revised stay as earlier releases wrote them.
    return revision == 0 ? Map.of("rows_done", rowsDone, "digest", digest, "complete", complete)
        : Map.of("rows_done", rowsDone, "digest", digest, "complete", complete, "revision", revision);
  }

  /**
   * The revision of a payload with {@code newDigest} read after this offset: the same as this one's for the same
   * payload; one more when the payload changed after one was started (its rows may be downstream); 0 for the first.
   */
  public int revisionOf(String newDigest) {
    return digest.isEmpty() || digest.equals(newDigest) ? revision : revision + 1;
  }

  public static FileOffset fromMap(Map<String, ?> m) {
    if (m == null || m.isEmpty()) {
      return EMPTY;
    }
    Object rows = m.get("rows_done");
    Object complete = m.get("complete");
    Object revision = m.get("revision");
    return new FileOffset(rows == null ? 0 : ((Number) rows).longValue(), m.get("digest") == null ? "" : m.get("digest").toString(),
        complete != null && Boolean.parseBoolean(complete.toString()), revision == null ? 0 : ((Number) revision).intValue());
  }
}
