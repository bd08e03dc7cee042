package dev.banyan;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Helpers for the tests of links, exit signals and monitors: processes that report what they
 * receive to the test process, and receives that fail instead of hanging.
 */
final class SignalProbe {
  /** How long a test waits for something that must happen. */
  static final Duration WAIT = Duration.ofSeconds(5);

  /** How long a test waits to show that something does not happen. */
  static final Duration QUIET = Duration.ofMillis(200);

  private SignalProbe() {}

  /** A message that a forwarder received, sent on to the test process. */
  record Got(Pid<?> by, Object message) {}

  /** A process says it has finished setting itself up. */
  record Ready(Pid<?> pid) {}

  /**
   * Spawns a process that sets its trap_exit flag, links to each of {@code linkTo}, and then sends
   * every message it receives on to the test process as a {@link Got}. Returns once the process is
   * set up (links made).
   */
  static Pid<Object> forwarder(AttachedProcess<Object> me, boolean trap, Pid<?>... linkTo) {
    Pid<Object> test = me.self();
    Pid<Object> p =
        me.node()
            .spawn(
                ctx -> {
                  Pid<Object> self = ctx.self();
                  ctx.trapExit(trap);
                  for (Pid<?> peer : linkTo) {
                    ctx.link(peer);
                  }
                  test.send(new Ready(self));
                  while (true) {
                    test.send(new Got(self, ctx.receive()));
                  }
                });
    awaitReady(me, p);
    return p;
  }

  /** Waits for the {@link Ready} of {@code p}. */
  static void awaitReady(AttachedProcess<Object> me, Pid<?> p) {
    await(me, Ready.class, r -> r.pid().equals(p));
  }

  /** A process body that waits for any message, then exits with {@code reason}. */
  static ProcessBody<Object> exitOnGo(ExitReason reason) {
    return ctx -> {
      ctx.receive();
      throw new ExitException(reason);
    };
  }

  /** {@return the pid of a process that has ended} (with reason normal). */
  static Pid<Object> deadProcess(AttachedProcess<Object> me) {
    Spawned<Object> s = me.spawnMonitor(ctx -> {});
    awaitDown(me, s.ref());
    return s.pid();
  }

  /** {@return the next message a forwarder {@code by} sent on}, or fails after {@link #WAIT}. */
  static Object nextGot(AttachedProcess<Object> me, Pid<?> by) {
    return await(me, Got.class, g -> g.by().equals(by)).message();
  }

  /** {@return the next message a forwarder {@code by} sent on within {@code within}}, if any. */
  static Optional<Object> gotWithin(AttachedProcess<Object> me, Pid<?> by, Duration within) {
    return me.receive(Got.class, g -> g.by().equals(by), within).map(Got::message);
  }

  /** {@return the Down of monitor {@code ref}}, or fails after {@link #WAIT}. */
  static Down awaitDown(AttachedProcess<Object> me, MonitorRef ref) {
    return await(me, Down.class, d -> d.ref().equals(ref));
  }

  /** {@return the Down of monitor {@code ref} if it arrives within {@code within}}. */
  static Optional<Down> downWithin(AttachedProcess<Object> me, MonitorRef ref, Duration within) {
    return me.receive(Down.class, d -> d.ref().equals(ref), within);
  }

  /** {@return the oldest message of {@code type} that passes {@code filter}}, or fails after {@link #WAIT}. */
  static <T> T await(AttachedProcess<Object> me, Class<T> type, Predicate<? super T> filter) {
    return me.receive(type, filter, WAIT)
        .orElseThrow(
            () ->
                new AssertionError(
                    "no matching " + type.getSimpleName() + " arrived within " + WAIT));
  }

  /**
   * Waits until the mailbox of {@code me} holds at least {@code n} messages, without taking any:
   * for tests that need a message to be queued but not yet received (a flushed Down).
   */
  static void awaitMailboxLength(AttachedProcess<Object> me, int n) {
    Node node = me.node();
    while (node.processInfo(me.self()).orElseThrow().mailboxLength() < n) {
      Thread.yield(); // bounded by the test's @Timeout
    }
  }
}
