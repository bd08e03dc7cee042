package dev.banyan.observer;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Waits for a condition on the observer's answers. There is no event for "the page's view has
 * changed", so this is where the tests poll: a condition, with a deadline, never a fixed sleep.
 */
final class Await {
  static final Duration WAIT = Duration.ofSeconds(20);

  private Await() {}

  static <T> T until(String what, Supplier<T> value, java.util.function.Predicate<T> ok) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    T last = null;
    while (System.nanoTime() < deadline) {
      last = value.get();
      if (ok.test(last)) {
        return last;
      }
      LockSupport.parkNanos(20_000_000L); // between two looks at the condition
    }
    throw new AssertionError("timed out waiting for " + what + "; last seen: " + last);
  }
}
