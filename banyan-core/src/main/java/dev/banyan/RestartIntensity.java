package dev.banyan;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * OTP's maximum restart intensity, as a small decision object with an injectable monotonic clock
 * (otp-semantics §5.6): on each restart attempt, keep the restart times {@code T} with {@code T
 * >= now - period} (whole seconds), add {@code now}, and give up when more than {@code
 * maxRestarts} remain. Not thread-safe: owned by one supervisor process.
 */
final class RestartIntensity {
  /** Whole seconds of {@link System#nanoTime()}: the default clock. */
  static final LongSupplier MONOTONIC_SECONDS = () -> System.nanoTime() / 1_000_000_000L;

  private final int maxRestarts;
  private final long periodSeconds;
  private final LongSupplier clock;
  private final ArrayDeque<Long> restarts = new ArrayDeque<>(); // oldest first

  RestartIntensity(int maxRestarts, Duration period, LongSupplier clockSeconds) {
    if (maxRestarts < 0) {
      throw new IllegalArgumentException("maxRestarts must not be negative: " + maxRestarts);
    }
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("the restart period must be positive: " + period);
    }
    this.maxRestarts = maxRestarts;
    this.periodSeconds = Math.max(1, period.toSeconds());
    this.clock = clockSeconds;
  }

  /** Records a restart attempt; returns false if it exceeds the intensity (give up). */
  boolean allowRestart() {
    long now = clock.getAsLong();
    while (!restarts.isEmpty() && restarts.peekFirst() < now - periodSeconds) {
      restarts.pollFirst();
    }
    restarts.addLast(now);
    return restarts.size() <= maxRestarts;
  }
}
