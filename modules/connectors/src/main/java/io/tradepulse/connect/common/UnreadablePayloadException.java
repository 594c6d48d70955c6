package io.tradepulse.connect.common;

import java.io.IOException;

/**
 * Thrown by a streaming parser when its payload cannot be read as a whole (malformed or truncated JSON, an error
 * document instead of data, an unexpected header). Such a payload is one dead letter, not its rows: emitting the rows
 * before the fault would look like a complete release. See {@link ItemStream#checkDocument}.
 */
public final class UnreadablePayloadException extends IOException {
  private final String errorClass;

  /** @param errorClass the class of the exception that revealed the fault, null for a fault the parser names itself */
  public UnreadablePayloadException(String reason, String errorClass) {
    super(reason);
    this.errorClass = errorClass;
  }

  /** The dead letter for the whole payload ({@link BadRow#wholePayload(String, String, String, String, Payload)}). */
  public BadRow deadLetter(String source, String position, Payload payload) throws IOException {
    return BadRow.wholePayload(getMessage(), errorClass, source, position, payload);
  }

  /** The same for a payload in memory. */
  public BadRow deadLetter(String source, String position, byte[] payload) {
    return BadRow.wholePayload(getMessage(), errorClass, source, position, payload);
  }
}
