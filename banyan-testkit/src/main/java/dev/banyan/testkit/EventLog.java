package dev.banyan.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.opentest4j.AssertionFailedError;

/**
 * A list of events that processes append to and a test checks, to assert the order in which
 * things happen across processes: children starting and stopping, callbacks running.
 *
 * <p>Give the log to the code under test, then assert the exact sequence. Here {@code Recorder}
 * is a GenServer that traps exits and records {@code "start a"} from its {@code init} and {@code
 * "stop a"} from its {@code terminate}, and {@code supervised} is the test's {@link
 * TestSupervisor}:
 *
 * {@snippet :
 * EventLog log = new EventLog();
 * supervised.startChild(ChildSpec.worker("a", ChildStart.genServer(() -> new Recorder("a", log))));
 * supervised.startChild(ChildSpec.worker("b", ChildStart.genServer(() -> new Recorder("b", log))));
 * supervised.startChild(ChildSpec.worker("c", ChildStart.genServer(() -> new Recorder("c", log))));
 *
 * supervised.supervisor().stop();
 *
 * log.awaitSequence(
 *     "start a",
 *     "start b",
 *     "start c",
 *     "stop c",
 *     "stop b",
 *     "stop a");
 * }
 *
 * <p>{@link #awaitSequence(Object...)} waits until as many events as expected have been recorded
 * and then compares the whole log with them; it fails at once when the events recorded so far
 * already differ from the start of the expected sequence. {@link #events()} returns a copy to
 * check with any assertion library ({@code assertThat(log.events()).containsExactly(...)}).
 * Events are compared with {@code equals}: strings or records read best in failure messages.
 *
 * <h2>Timeouts and their defaults</h2>
 * {@code awaitSequence} and {@code awaitCount} wait up to {@link #AWAIT_TIMEOUT} (5 seconds)
 * unless given a timeout; they return as soon as the events are there, so the default costs time
 * only when the assertion fails. The events often come from stops and restarts, which take
 * longer than a message.
 *
 * <h2>Thread safety</h2>
 * Thread-safe: any thread, process or not, may record and read. Events keep the order in which
 * {@link #record(Object)} calls took effect; calls from different threads at the same time are
 * ordered as they happened to take the log's lock, so assert only orders the code under test
 * defines. Recording never blocks for long (a short lock, no pinning of virtual threads).
 *
 * <h2>Memory consistency effects</h2>
 * Actions in a thread before it records an event happen-before actions of a thread after it
 * read that event from the log ({@link #events()}, {@code awaitCount}, {@code awaitSequence}).
 *
 * @since 0.1
 */
public final class EventLog {

  /** How long {@code awaitSequence} and {@code awaitCount} wait by default: 5 seconds. */
  public static final Duration AWAIT_TIMEOUT = Duration.ofSeconds(5);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition recorded = lock.newCondition();
  private final List<Object> events = new ArrayList<>(); // guarded by lock

  /** Creates an empty log. */
  public EventLog() {}

  /**
   * Appends an event.
   *
   * @param event the event, e.g. {@code "start a"}
   */
  public void record(Object event) {
    Objects.requireNonNull(event, "event");
    lock.lock();
    try {
      events.add(event);
      recorded.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** {@return the events recorded so far, oldest first}: an unmodifiable copy */
  public List<Object> events() {
    lock.lock();
    try {
      return List.copyOf(events);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits up to 5 seconds ({@link #AWAIT_TIMEOUT}) until at least {@code count} events have
   * been recorded.
   *
   * @param count how many events to wait for; not negative
   * @return the events recorded by then, oldest first (at least {@code count})
   * @throws AssertionFailedError listing the events recorded, if fewer arrive in time
   */
  public List<Object> awaitCount(int count) {
    return awaitCount(count, AWAIT_TIMEOUT);
  }

  /**
   * Waits up to {@code timeout} until at least {@code count} events have been recorded.
   *
   * @param count how many events to wait for; not negative
   * @param timeout how long to wait
   * @return the events recorded by then, oldest first (at least {@code count})
   * @throws AssertionFailedError listing the events recorded, if fewer arrive in time
   * @throws IllegalArgumentException if {@code count} or {@code timeout} is negative
   */
  public List<Object> awaitCount(int count, Duration timeout) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative: " + count);
    }
    List<Object> got = await(count, null, timeout);
    if (got.size() < count) {
      throw new AssertionFailedError(
          "expected at least "
              + count
              + (count == 1 ? " event" : " events")
              + " within "
              + timeout.toMillis()
              + " ms, but the log holds "
              + got);
    }
    return got;
  }

  /**
   * Waits up to 5 seconds ({@link #AWAIT_TIMEOUT}) until the log holds exactly these events, in
   * this order.
   *
   * @param expected the events, oldest first
   * @throws AssertionFailedError showing the expected and the recorded events, if the log holds
   *     others, or fewer arrive in time
   */
  public void awaitSequence(Object... expected) {
    awaitSequence(Arrays.asList(expected), AWAIT_TIMEOUT);
  }

  /**
   * Waits up to {@code timeout} until the log holds exactly these events, in this order. It
   * waits until as many events as expected are there and then compares; it fails without
   * waiting further as soon as the events recorded so far are not the start of {@code expected}.
   *
   * @param expected the events, oldest first
   * @param timeout how long to wait
   * @throws AssertionFailedError showing the expected and the recorded events, if the log holds
   *     others, or fewer arrive in time
   * @throws IllegalArgumentException if {@code timeout} is negative
   */
  public void awaitSequence(List<?> expected, Duration timeout) {
    List<Object> want = List.copyOf(expected); // no nulls: no event is null
    List<Object> got = await(want.size(), want, timeout);
    if (got.equals(want)) {
      return;
    }
    String message =
        got.size() < want.size() && want.subList(0, got.size()).equals(got)
            ? "expected the events "
                + want
                + " within "
                + timeout.toMillis()
                + " ms, but only these were recorded: "
                + got
            : "expected exactly the events " + want + " in this order, but the log holds " + got;
    throw new AssertionFailedError(message, want, got);
  }

  /**
   * Waits until {@code count} events are there, the time is up, or (with a {@code prefix}) the
   * events so far are not the start of {@code prefix}; returns a copy of the events.
   */
  private List<Object> await(int count, List<Object> prefix, Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: " + timeout);
    }
    long nanos = toNanos(timeout);
    lock.lock();
    try {
      while (events.size() < count
          && (prefix == null || prefix.subList(0, events.size()).equals(events))) {
        if (nanos <= 0) {
          break;
        }
        try {
          nanos = recorded.awaitNanos(nanos);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionFailedError(
              "interrupted while waiting for " + count + " events; the log holds " + events, e);
        }
      }
      return List.copyOf(events);
    } finally {
      lock.unlock();
    }
  }

  private static long toNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }

  /** {@return the events, as {@code EventLog[...]}} */
  @Override
  public String toString() {
    return "EventLog" + events();
  }
}
