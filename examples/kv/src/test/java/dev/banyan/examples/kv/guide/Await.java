package dev.banyan.examples.kv.guide;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition that another process makes true, when no message tells the test: it
 * checks again and again (yielding between checks) and fails after 10 seconds.
 */
final class Await {

  private static final Duration LIMIT = Duration.ofSeconds(10);

  private Await() {}

  static void until(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + LIMIT + ": " + what);
      }
      Thread.yield();
    }
  }
}
