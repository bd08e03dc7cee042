package dev.banyan;

import java.time.Duration;
import java.util.Objects;

/**
 * How a supervisor stops a child: OTP's {@code shutdown} of a child spec.
 *
 * {@snippet :
 * Shutdown gentle = Shutdown.timeout(Duration.ofSeconds(5));   // the default for workers
 * Shutdown now = Shutdown.BRUTAL_KILL;
 * }
 *
 * <p>{@link #timeout(Duration)}: the supervisor sends the exit signal {@code shutdown} and waits
 * up to the duration for the child to end, then kills it. A child that does not trap exits dies
 * on the signal at once; one that traps exits gets to clean up (a GenServer runs {@code
 * terminate}). {@link #BRUTAL_KILL}: the child is killed at once. {@link #INFINITY}: the
 * supervisor waits as long as it takes (the right choice for a child that is itself a
 * supervisor). Java cannot stop a thread: "killed" means the process is dead for the runtime at
 * once; code that ignores interrupts may run on as a zombie (see {@link Node}).
 *
 * <h2>Thread safety</h2>
 * Immutable.
 *
 * @since 0.1
 */
public sealed interface Shutdown {
  /** Kill at once. */
  Shutdown BRUTAL_KILL = new BrutalKill();

  /** Send {@code shutdown} and wait for ever. */
  Shutdown INFINITY = new Infinity();

  /**
   * {@return send {@code shutdown}, wait up to {@code timeout}, then kill}
   *
   * @param timeout how long the child may take; not negative
   */
  static Shutdown timeout(Duration timeout) {
    return new Timeout(timeout);
  }

  /** Kill at once. */
  record BrutalKill() implements Shutdown {
    @Override
    public String toString() {
      return "brutal_kill";
    }
  }

  /** Wait for ever. */
  record Infinity() implements Shutdown {
    @Override
    public String toString() {
      return "infinity";
    }
  }

  /**
   * Wait up to a time, then kill.
   *
   * @param timeout how long the child may take
   */
  record Timeout(Duration timeout) implements Shutdown {
    /** Validates the component. */
    public Timeout {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("a shutdown timeout must not be negative: " + timeout);
      }
    }

    @Override
    public String toString() {
      return String.valueOf(timeout.toMillis());
    }
  }
}
