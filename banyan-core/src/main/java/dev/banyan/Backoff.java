package dev.banyan;

import java.time.Duration;
import java.util.Objects;

/**
 * A delay before a supervisor restarts a child, growing exponentially while the child keeps
 * failing — beyond OTP, which restarts at once. Off by default ({@link #NONE}): with it off,
 * restarts are exactly OTP's.
 *
 * {@snippet :
 * ChildSpec flaky = ChildSpec.worker("connection", ChildStart.genServer(Connection::new))
 *     .withBackoff(Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(10), 0.2));
 * }
 *
 * <p>The n-th restart in a row waits {@code min(max, initial × 2^(n−1))}, randomly shortened or
 * lengthened by up to {@code jitter} of itself. A child that ran longer than {@code max} before
 * it ended starts again from {@code initial}. While it waits, {@code whichChildren} shows the
 * child as restarting; the restart counts toward the supervisor's intensity when the child ends,
 * as in OTP; the strategy (one_for_all, rest_for_one) is applied when the delay has passed.
 *
 * <h2>Thread safety</h2>
 * Immutable.
 *
 * @param initial the first delay; zero for none
 * @param max the longest delay
 * @param jitter the random share of each delay, from 0 to 1
 * @since 0.1
 */
public record Backoff(Duration initial, Duration max, double jitter) {
  /** No delay: OTP's behaviour. */
  public static final Backoff NONE = new Backoff(Duration.ZERO, Duration.ZERO, 0);

  /** Validates the components, naming a bad value. */
  public Backoff {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    if (initial.isNegative() || max.isNegative() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "a backoff needs 0 <= initial <= max, not initial " + initial + " and max " + max);
    }
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new IllegalArgumentException("jitter must be between 0 and 1: " + jitter);
    }
  }

  /**
   * {@return an exponential backoff}
   *
   * @param initial the first delay
   * @param max the longest delay
   * @param jitter the random share of each delay, from 0 to 1
   */
  public static Backoff exponential(Duration initial, Duration max, double jitter) {
    return new Backoff(initial, max, jitter);
  }

  /** {@return whether this delays restarts at all} */
  public boolean isOff() {
    return initial.isZero();
  }

  /**
   * {@return the delay before the {@code n}-th restart in a row}, before jitter
   *
   * @param n 1 for the first restart in a row
   */
  public Duration delay(int n) {
    Duration d = initial;
    for (int i = 1; i < n && d.compareTo(max) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(max) > 0 ? max : d;
  }
}
