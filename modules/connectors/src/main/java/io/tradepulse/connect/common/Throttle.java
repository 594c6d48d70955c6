package io.tradepulse.connect.common;

/** Spaces out calls to an API with a quota (Comtrade: ~500 calls/day; Census asks for politeness). */
@FunctionalInterface
public interface Throttle {
  /** Blocks until the next call is allowed. */
  void acquire() throws InterruptedException;

  Throttle NONE = () -> { };
}
