package dev.banyan.testkit;

import dev.banyan.Down;
import dev.banyan.ExitReason;
import dev.banyan.MonitorRef;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.opentest4j.AssertionFailedError;

/**
 * Assertions on a process's mailbox and on the exit of processes: ExUnit's {@code
 * assert_receive} and {@code refute_receive}, and a wait on a monitor.
 *
 * {@snippet :
 * @Test
 * void replyArrives(ProcessContext<Object> me) {
 *   Pid<Object> test = me.self();
 *   Pid<String> worker = me.spawn(ctx -> test.send(ctx.receive(String.class).length()));
 *   worker.send("four");
 *   assertThat(assertReceive(me, Integer.class)).isEqualTo(4);
 *   refuteReceive(me, Integer.class);            // nothing more comes
 * }
 * }
 *
 * <h2>Timeouts and their defaults</h2>
 * {@code assertReceive} waits up to {@link #RECEIVE_TIMEOUT} (1 second) unless given a timeout;
 * it returns as soon as a matching message is there, so the default costs time only when the
 * assertion fails. ExUnit's {@code assert_receive} waits 100 ms; a JVM test run is slower to
 * start work (class loading, JIT compilation, CI machines with two cores shared by several
 * builds), and 100 ms made passing tests fail there. {@code refuteReceive} waits {@link
 * #REFUTE_TIMEOUT} (100 ms, as ExUnit's {@code refute_receive}): it always waits that long, and a
 * message that comes later is not seen. {@code awaitExit} waits up to {@link #EXIT_TIMEOUT} (5
 * seconds, Banyan's default for calls). A timeout of {@link Duration#ZERO} looks only at what is
 * already in the mailbox.
 *
 * <h2>The mailbox</h2>
 * These methods take messages out of the mailbox with selective receive: a matching message is
 * removed (also by {@code refuteReceive}, which then fails), other messages stay where they are,
 * in order. The mailbox cannot be inspected without taking messages, so a failure message
 * states what was expected, how long it waited, and how many other messages are in the mailbox.
 *
 * <h2>Thread safety</h2>
 * Process-confined: call these methods on the thread of the process whose context you pass (the
 * test thread, for the context that {@link BanyanExtension} injects). Otherwise the context
 * throws {@link WrongThreadException}. The class itself has no state.
 *
 * <h2>General exceptions</h2>
 * Failures are {@link AssertionFailedError}s (opentest4j, which JUnit, AssertJ and IDEs report
 * as test failures). A negative timeout throws {@link IllegalArgumentException}; null arguments
 * throw {@link NullPointerException}; a context of a process that has died throws {@link
 * dev.banyan.ProcessExitedException}.
 *
 * @since 0.1
 */
public final class BanyanAssertions {

  /** How long {@code assertReceive} waits by default: 1 second. */
  public static final Duration RECEIVE_TIMEOUT = Duration.ofSeconds(1);

  /** How long {@code refuteReceive} waits by default: 100 milliseconds. */
  public static final Duration REFUTE_TIMEOUT = Duration.ofMillis(100);

  /** How long {@code awaitExit} waits by default: 5 seconds. */
  public static final Duration EXIT_TIMEOUT = Duration.ofSeconds(5);

  private BanyanAssertions() {}

  // ------------------------------------------------------------------------------------------
  // assertReceive

  /**
   * Waits up to 1 second ({@link #RECEIVE_TIMEOUT}) for a message of the given type and returns
   * it.
   *
   * @param ctx the receiving process
   * @param type the class of message expected
   * @param <T> the type expected
   * @return the oldest message of that type, taken out of the mailbox
   * @throws AssertionFailedError if none arrives in time
   */
  public static <T> T assertReceive(ProcessContext<?> ctx, Class<T> type) {
    return assertReceive(ctx, type, RECEIVE_TIMEOUT);
  }

  /**
   * Waits up to {@code timeout} for a message of the given type and returns it.
   *
   * @param ctx the receiving process
   * @param type the class of message expected
   * @param timeout how long to wait
   * @param <T> the type expected
   * @return the oldest message of that type, taken out of the mailbox
   * @throws AssertionFailedError if none arrives in time
   */
  public static <T> T assertReceive(ProcessContext<?> ctx, Class<T> type, Duration timeout) {
    Objects.requireNonNull(type, "type");
    return receiveOrFail(ctx, type, null, timeout);
  }

  /**
   * Waits up to 1 second ({@link #RECEIVE_TIMEOUT}) for a message of the given type that
   * satisfies {@code filter}, and returns it.
   *
   * @param ctx the receiving process
   * @param type the class of message expected
   * @param filter which messages of that type match; it runs on the calling thread
   * @param <T> the type expected
   * @return the oldest matching message, taken out of the mailbox
   * @throws AssertionFailedError if none arrives in time
   */
  public static <T> T assertReceive(
      ProcessContext<?> ctx, Class<T> type, Predicate<? super T> filter) {
    return assertReceive(ctx, type, filter, RECEIVE_TIMEOUT);
  }

  /**
   * Waits up to {@code timeout} for a message of the given type that satisfies {@code filter},
   * and returns it.
   *
   * @param ctx the receiving process
   * @param type the class of message expected
   * @param filter which messages of that type match; it runs on the calling thread
   * @param timeout how long to wait
   * @param <T> the type expected
   * @return the oldest matching message, taken out of the mailbox
   * @throws AssertionFailedError if none arrives in time
   */
  public static <T> T assertReceive(
      ProcessContext<?> ctx, Class<T> type, Predicate<? super T> filter, Duration timeout) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(filter, "filter");
    return receiveOrFail(ctx, type, filter, timeout);
  }

  private static <T> T receiveOrFail(
      ProcessContext<?> ctx, Class<T> type, Predicate<? super T> filter, Duration timeout) {
    Optional<T> got = receive(ctx, type, filter, timeout);
    if (got.isPresent()) {
      return got.get();
    }
    throw new AssertionFailedError(
        "expected to receive "
            + expectation(type, filter)
            + " within "
            + millis(timeout)
            + ", but none arrived; "
            + otherMessages(ctx));
  }

  // ------------------------------------------------------------------------------------------
  // refuteReceive

  /**
   * Asserts that no message of the given type arrives within 100 ms ({@link #REFUTE_TIMEOUT}).
   *
   * @param ctx the receiving process
   * @param type the class of message that must not arrive
   * @throws AssertionFailedError naming the message, if one arrives (it is taken out of the
   *     mailbox)
   */
  public static void refuteReceive(ProcessContext<?> ctx, Class<?> type) {
    refuteReceive(ctx, type, REFUTE_TIMEOUT);
  }

  /**
   * Asserts that no message of the given type arrives within {@code timeout}.
   *
   * @param ctx the receiving process
   * @param type the class of message that must not arrive
   * @param timeout how long to watch; {@link Duration#ZERO} checks only what is already there
   * @throws AssertionFailedError naming the message, if one arrives (it is taken out of the
   *     mailbox)
   */
  public static void refuteReceive(ProcessContext<?> ctx, Class<?> type, Duration timeout) {
    Objects.requireNonNull(type, "type");
    refuteOrFail(ctx, type, null, timeout);
  }

  /**
   * Asserts that no message of the given type that satisfies {@code filter} arrives within 100 ms
   * ({@link #REFUTE_TIMEOUT}).
   *
   * @param ctx the receiving process
   * @param type the class of message that must not arrive
   * @param filter which messages of that type must not arrive; it runs on the calling thread
   * @param <T> the type
   * @throws AssertionFailedError naming the message, if one arrives (it is taken out of the
   *     mailbox)
   */
  public static <T> void refuteReceive(
      ProcessContext<?> ctx, Class<T> type, Predicate<? super T> filter) {
    refuteReceive(ctx, type, filter, REFUTE_TIMEOUT);
  }

  /**
   * Asserts that no message of the given type that satisfies {@code filter} arrives within {@code
   * timeout}.
   *
   * @param ctx the receiving process
   * @param type the class of message that must not arrive
   * @param filter which messages of that type must not arrive; it runs on the calling thread
   * @param timeout how long to watch; {@link Duration#ZERO} checks only what is already there
   * @param <T> the type
   * @throws AssertionFailedError naming the message, if one arrives (it is taken out of the
   *     mailbox)
   */
  public static <T> void refuteReceive(
      ProcessContext<?> ctx, Class<T> type, Predicate<? super T> filter, Duration timeout) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(filter, "filter");
    refuteOrFail(ctx, type, filter, timeout);
  }

  private static <T> void refuteOrFail(
      ProcessContext<?> ctx, Class<T> type, Predicate<? super T> filter, Duration timeout) {
    Optional<T> got = receive(ctx, type, filter, timeout);
    if (got.isPresent()) {
      throw new AssertionFailedError(
          "expected no "
              + expectation(type, filter).substring(2) // "a message ..." -> "message ..."
              + " within "
              + millis(timeout)
              + ", but received: "
              + got.get());
    }
  }

  // ------------------------------------------------------------------------------------------
  // awaitExit

  /**
   * Waits up to 5 seconds ({@link #EXIT_TIMEOUT}) for a process to exit, and returns its reason.
   *
   * @param ctx the waiting process
   * @param pid the process expected to exit
   * @return its exit reason, or {@link ExitReason#NOPROC} if it had already exited
   * @throws AssertionFailedError if it is still alive when the time is up
   * @see #awaitExit(ProcessContext, Pid, Duration)
   */
  public static ExitReason awaitExit(ProcessContext<?> ctx, Pid<?> pid) {
    return awaitExit(ctx, pid, EXIT_TIMEOUT);
  }

  /**
   * Waits up to {@code timeout} for a process to exit, and returns its reason.
   *
   * <p>It monitors the process and waits for the {@link Down}; on timeout it removes the monitor
   * (no {@code Down} is left behind in the mailbox) and fails. The runtime keeps no record of
   * dead processes, so if the process has already exited when this is called, the reason is
   * {@code noproc} (CC-026). When the reason matters and the process may exit before this call —
   * the test triggers its exit, or it exits by itself at once — monitor it first ({@link
   * ProcessContext#spawnMonitor}, {@link ProcessContext#monitor(Pid)}) and wait with {@link
   * #awaitExit(ProcessContext, MonitorRef)}.
   *
   * @param ctx the waiting process
   * @param pid the process expected to exit; not {@code ctx}'s own
   * @param timeout how long to wait
   * @return its exit reason, or {@link ExitReason#NOPROC} if it had already exited
   * @throws AssertionFailedError if it is still alive when the time is up; the message says what
   *     it is doing
   * @throws IllegalArgumentException if {@code pid} is the waiting process itself
   */
  public static ExitReason awaitExit(ProcessContext<?> ctx, Pid<?> pid, Duration timeout) {
    Objects.requireNonNull(ctx, "ctx");
    Objects.requireNonNull(pid, "pid");
    checkTimeout(timeout);
    if (pid.equals(ctx.self())) {
      throw new IllegalArgumentException(
          "awaitExit(" + pid + "): a process cannot wait for its own exit");
    }
    MonitorRef ref = ctx.monitor(pid);
    Optional<Down> down = ctx.receive(Down.class, d -> d.ref().equals(ref), timeout);
    if (down.isEmpty() && !ctx.demonitor(ref)) {
      // The monitor fired between the timeout and demonitor: its Down is queued now (CC-031).
      down = ctx.receive(Down.class, d -> d.ref().equals(ref), Duration.ZERO);
    }
    if (down.isPresent()) {
      return down.get().reason();
    }
    String state =
        ctx.node().processInfo(pid).map(info -> " (" + ThreadReport.where(info) + ")").orElse("");
    throw new AssertionFailedError(
        "expected process "
            + pid
            + " to exit within "
            + millis(timeout)
            + ", but it is still alive"
            + state);
  }

  /**
   * Waits up to 5 seconds ({@link #EXIT_TIMEOUT}) for the {@link Down} of a monitor the calling
   * process holds, and returns the exit reason it carries.
   *
   * {@snippet :
   * Spawned<String> worker = me.spawnMonitor(ctx -> Integer.parseInt(ctx.receive(String.class)));
   * worker.pid().send("forty-two");
   * assertThat(awaitExit(me, worker.ref())).isInstanceOf(ExitReason.Crashed.class);
   * }
   *
   * @param ctx the process that holds the monitor
   * @param ref the monitor, from {@link ProcessContext#monitor(Pid)} or {@link
   *     ProcessContext#spawnMonitor}
   * @return the reason the monitored process exited with
   * @throws AssertionFailedError if the {@code Down} does not arrive in time
   */
  public static ExitReason awaitExit(ProcessContext<?> ctx, MonitorRef ref) {
    return awaitExit(ctx, ref, EXIT_TIMEOUT);
  }

  /**
   * Waits up to {@code timeout} for the {@link Down} of a monitor the calling process holds, and
   * returns the exit reason it carries. The monitor stays in place when the time is up.
   *
   * @param ctx the process that holds the monitor
   * @param ref the monitor, from {@link ProcessContext#monitor(Pid)} or {@link
   *     ProcessContext#spawnMonitor}
   * @param timeout how long to wait
   * @return the reason the monitored process exited with
   * @throws AssertionFailedError if the {@code Down} does not arrive in time
   */
  public static ExitReason awaitExit(ProcessContext<?> ctx, MonitorRef ref, Duration timeout) {
    Objects.requireNonNull(ctx, "ctx");
    Objects.requireNonNull(ref, "ref");
    checkTimeout(timeout);
    return ctx.receive(Down.class, d -> d.ref().equals(ref), timeout)
        .map(Down::reason)
        .orElseThrow(
            () ->
                new AssertionFailedError(
                    "expected the Down of monitor "
                        + ref
                        + " within "
                        + millis(timeout)
                        + ", but none arrived (the monitored process is still alive, or the"
                        + " monitor was removed or belongs to another process); "
                        + otherMessages(ctx)));
  }

  // ------------------------------------------------------------------------------------------

  private static <T> Optional<T> receive(
      ProcessContext<?> ctx, Class<T> type, Predicate<? super T> filter, Duration timeout) {
    Objects.requireNonNull(ctx, "ctx");
    checkTimeout(timeout);
    return filter == null ? ctx.receive(type, timeout) : ctx.receive(type, filter, timeout);
  }

  private static void checkTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: " + timeout);
    }
  }

  private static String expectation(Class<?> type, Predicate<?> filter) {
    return "a message of type "
        + type.getTypeName()
        + (filter == null ? "" : " that matches the filter");
  }

  private static String otherMessages(ProcessContext<?> ctx) {
    int n = ctx.node().processInfo(ctx.self()).map(info -> info.mailboxLength()).orElse(0);
    return switch (n) {
      case 0 -> "the mailbox is empty";
      case 1 -> "the mailbox holds 1 other message";
      default -> "the mailbox holds " + n + " other messages";
    };
  }

  private static String millis(Duration d) {
    return d.toMillis() + " ms";
  }
}
