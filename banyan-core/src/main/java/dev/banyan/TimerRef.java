package dev.banyan;

import java.util.concurrent.ScheduledFuture;

/**
 * A timer started with {@link Node#sendAfter(java.time.Duration, Pid, Object)}: Erlang's timer
 * reference. Pass it to {@link Node#cancelTimer(TimerRef)} or {@link Node#readTimer(TimerRef)}.
 *
 * {@snippet :
 * TimerRef t = node.sendAfter(Duration.ofSeconds(5), self, new Tick());
 * Optional<Duration> left = node.cancelTimer(t);   // empty if it already fired
 * }
 *
 * <h2>Thread safety</h2>
 * Immutable; may be shared between threads.
 *
 * @since 0.1
 */
public final class TimerRef {
  final String node;
  final long deadlineNanos;
  final ScheduledFuture<?> future;

  TimerRef(String node, long deadlineNanos, ScheduledFuture<?> future) {
    this.node = node;
    this.deadlineNanos = deadlineNanos;
    this.future = future;
  }

  @Override
  public String toString() {
    return "#TimerRef<" + node + "@" + Integer.toHexString(System.identityHashCode(this)) + ">";
  }
}
