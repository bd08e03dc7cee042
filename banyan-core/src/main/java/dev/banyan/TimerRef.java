package dev.banyan;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;

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
  private static final int PENDING = 0;
  private static final int FIRED = 1;
  private static final int CANCELLED = 2;

  final Node node;
  final long deadlineNanos;
  // The state decides, not the future: a task whose run() is delivering the message is not
  // "done" for the executor, but the timer has fired (Erlang: cancel_timer returns false).
  private final AtomicInteger state = new AtomicInteger(PENDING);
  private volatile ScheduledFuture<?> future; // set right after scheduling

  TimerRef(Node node, long deadlineNanos) {
    this.node = node;
    this.deadlineNanos = deadlineNanos;
  }

  void scheduled(ScheduledFuture<?> f) {
    this.future = f;
  }

  /** Claims the firing; returns false if the timer was cancelled first. */
  boolean fire() {
    return state.compareAndSet(PENDING, FIRED);
  }

  /** Claims the cancellation; returns false if the timer fired (or was cancelled) first. */
  boolean cancel() {
    if (!state.compareAndSet(PENDING, CANCELLED)) {
      return false;
    }
    ScheduledFuture<?> f = future;
    if (f != null) {
      f.cancel(false);
    }
    return true;
  }

  boolean isPending() {
    return state.get() == PENDING;
  }

  @Override
  public String toString() {
    return "#TimerRef<" + node.name() + "@" + Integer.toHexString(System.identityHashCode(this)) + ">";
  }
}
