package io.tradepulse.connect.common;

import java.util.HashMap;
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
 * @param deadLetters the fingerprint ({@link Digests#unordered()} of each one's {@link BadRow#content()}) of the dead
 *     letters of this payload that are on the dead-letter topic: in a complete offset all of the payload's, for the
 *     next revision to compare with (a revision whose dead letters have the same fingerprint sends none of them
 *     again); in an incomplete one, the payload's dead letters are being left out because an earlier version of the
 *     location sent exactly these. Empty: none known (none, or an offset of an earlier release), so a revision sends
 *     its dead letters.
 * @param deadLettersSent while the payload's dead letters are being sent, the {@link Digests.Unordered#state()} of
 *     those sent up to {@code rowsDone}, so a restart mid-payload goes on with it; else empty
 */
public record FileOffset(long rowsDone, String digest, boolean complete, int revision, String deadLetters,
    String deadLettersSent) {
  public static final FileOffset EMPTY = new FileOffset(0, "", false, 0, "", "");

  static final String DEAD_LETTERS = "dead_letters";
  static final String DEAD_LETTERS_SENT = "dead_letters_sent";

  public FileOffset {
    deadLetters = deadLetters == null ? "" : deadLetters;
    deadLettersSent = deadLettersSent == null ? "" : deadLettersSent;
  }

  public Map<String, Object> toMap() {
    // Revision 0 and empty dead-letter fields are left out: offsets of a payload never revised and without dead
    // letters stay as earlier releases wrote them, and earlier releases read the new ones (they ignore unknown keys).
    Map<String, Object> m = new HashMap<>(Map.of("rows_done", rowsDone, "digest", digest, "complete", complete));
    if (revision != 0) {
      m.put("revision", revision);
    }
    if (!deadLetters.isEmpty()) {
      m.put(DEAD_LETTERS, deadLetters);
    }
    if (!deadLettersSent.isEmpty()) {
      m.put(DEAD_LETTERS_SENT, deadLettersSent);
    }
    return Map.copyOf(m);
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
    Object deadLetters = m.get(DEAD_LETTERS);
    Object sent = m.get(DEAD_LETTERS_SENT);
    return new FileOffset(rows == null ? 0 : ((Number) rows).longValue(), m.get("digest") == null ? "" : m.get("digest").toString(),
        complete != null && Boolean.parseBoolean(complete.toString()), revision == null ? 0 : ((Number) revision).intValue(),
        deadLetters == null ? "" : deadLetters.toString(), sent == null ? "" : sent.toString());
  }
}
