package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Node#processInfo(Pid)}: Erlang's {@code process_info/1}.
 *
 * <p>The timeout runs the test on a separate thread, so that a test stuck in an uninterruptible
 * {@code receive()} fails instead of blocking the build.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessInfoTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  private static <T> T await(ProcessContext<?> me, Class<T> type, Predicate<? super T> filter) {
    return me.receive(type, filter, WAIT)
        .orElseThrow(
            () -> new AssertionError("no matching " + type.getSimpleName() + " in " + WAIT));
  }

  /**
   * Reads the process's snapshot until it satisfies {@code condition}. There is no event for "the
   * process has entered receive", so this is the one place where a test polls; it polls a snapshot,
   * with a deadline, and never sleeps.
   */
  private static ProcessInfo awaitInfo(Node node, Pid<?> pid, Predicate<ProcessInfo> condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (; ; ) {
      ProcessInfo info =
          node.processInfo(pid).orElseThrow(() -> new AssertionError(pid + " is not alive"));
      if (condition.test(info)) {
        return info;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("process info never matched; last: " + info);
      }
      Thread.yield();
    }
  }

  @Nested
  class ProcessInfoOf {

    @Test
    void aWaitingProcessShowsItsNameStatusMailboxLinksMonitorsAndStack() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        Pid<String> watched = me.spawn(ctx -> ctx.receive(String.class, "stop"::equals));
        Pid<Object> p =
            me.spawnLink(
                ctx -> {
                  ctx.register("info-target");
                  ctx.trapExit(true);
                  ctx.monitor(watched);
                  ctx.receive(String.class, "a"::equals);
                  ctx.receive(String.class, "b"::equals);
                  ctx.send(parent, "ready");
                  ctx.receive(Integer.class); // waits: the test sends it only strings
                });
        me.monitor(p);
        p.send("a");
        p.send("b");
        await(me, String.class, "ready"::equals);
        p.send("x");
        p.send("y");
        p.send("z");

        ProcessInfo info = awaitInfo(node, p, i -> i.status() == ProcessInfo.Status.WAITING);

        assertThat(info.pid()).isEqualTo(p);
        assertThat(info.registeredName()).contains("info-target");
        assertThat(info.mailboxLength()).isEqualTo(3);
        assertThat(info.messagesReceived()).isEqualTo(2);
        assertThat(info.links()).containsExactly(parent);
        assertThat(info.monitors()).containsExactly(watched);
        assertThat(info.monitoredBy()).containsExactly(parent);
        assertThat(info.trapExit()).isTrue();
        assertThat(info.stack())
            .isNotEmpty()
            .anySatisfy(frame -> assertThat(frame.getMethodName()).isEqualTo("receive"));
      }
    }

    @Test
    void aProcessBlockedOutsideReceiveIsRunning() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        CountDownLatch release = new CountDownLatch(1);
        Pid<Object> p =
            me.spawn(
                ctx -> {
                  ctx.send(parent, "ready");
                  release.await();
                });
        try {
          await(me, String.class, "ready"::equals);
          ProcessInfo info = node.processInfo(p).orElseThrow();
          assertThat(info.status()).isEqualTo(ProcessInfo.Status.RUNNING);
          assertThat(info.registeredName()).isEmpty();
          assertThat(info.trapExit()).isFalse();
          assertThat(info.links()).isEmpty();
          assertThat(info.monitors()).isEmpty();
          assertThat(info.monitoredBy()).isEmpty();
        } finally {
          release.countDown();
        }
      }
    }

    @Test
    void anAttachedProcessSeesItselfRunning() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        me.register("me");

        ProcessInfo info = node.processInfo(me.self()).orElseThrow();
        assertThat(info.status()).isEqualTo(ProcessInfo.Status.RUNNING);
        assertThat(info.trapExit()).isTrue();
        assertThat(info.registeredName()).contains("me");
        assertThat(info.stack())
            .anySatisfy(frame -> assertThat(frame.getMethodName()).isEqualTo("processInfo"));
      }
    }

    @Test
    void mailboxLengthAndMessagesReceivedFollowReceives() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        me.self().send("a");
        me.self().send(1);
        me.self().send("b");
        assertThat(node.processInfo(me.self()).orElseThrow())
            .returns(3, ProcessInfo::mailboxLength)
            .returns(0L, ProcessInfo::messagesReceived);

        me.receive(Integer.class);
        assertThat(node.processInfo(me.self()).orElseThrow())
            .returns(2, ProcessInfo::mailboxLength)
            .returns(1L, ProcessInfo::messagesReceived);

        // A selective receive that finds nothing scans messages but takes none.
        assertThat(me.receive(Long.class, Duration.ZERO)).isEmpty();
        assertThat(node.processInfo(me.self()).orElseThrow())
            .returns(2, ProcessInfo::mailboxLength)
            .returns(1L, ProcessInfo::messagesReceived);
      }
    }

    @Test
    void linksAndMonitorsDisappearWhenRemoved() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<String> p = me.spawnLink(ctx -> ctx.receive(String.class, "stop"::equals));
        MonitorRef ref = me.monitor(p);
        assertThat(node.processInfo(p).orElseThrow().links()).containsExactly(me.self());
        assertThat(node.processInfo(me.self()).orElseThrow().links()).containsExactly(p);
        assertThat(node.processInfo(me.self()).orElseThrow().monitors()).containsExactly(p);

        me.unlink(p);
        me.demonitor(ref);

        ProcessInfo target = node.processInfo(p).orElseThrow();
        ProcessInfo self = node.processInfo(me.self()).orElseThrow();
        assertThat(target.links()).isEmpty();
        assertThat(target.monitoredBy()).isEmpty();
        assertThat(self.links()).isEmpty();
        assertThat(self.monitors()).isEmpty();
      }
    }

    @Test
    void aMonitorByNameListsTheProcessItResolvedTo() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<String> p = me.spawn(ctx -> ctx.receive(String.class, "stop"::equals));
        node.register("named", p);
        me.monitor("named");

        assertThat(node.processInfo(me.self()).orElseThrow().monitors()).containsExactly(p);
        assertThat(node.processInfo(p).orElseThrow().monitoredBy()).containsExactly(me.self());
      }
    }

    @Test
    void isEmptyForADeadProcess() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Spawned<Object> p = me.spawnMonitor(ctx -> {});
        await(me, Down.class, d -> d.ref().equals(p.ref()));

        assertThat(node.processInfo(p.pid())).isEmpty();
      }
    }

    @Test
    void isEmptyForAKilledProcessWhoseThreadStillRuns() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        CountDownLatch release = new CountDownLatch(1);
        Spawned<Object> p =
            me.spawnMonitor(
                ctx -> {
                  ctx.send(parent, "ready");
                  while (release.getCount() > 0) {
                    try {
                      release.await();
                    } catch (InterruptedException deaf) {
                      // ignores the interrupt that follows the kill: a zombie
                    }
                  }
                });
        try {
          await(me, String.class, "ready"::equals);
          me.exit(p.pid(), ExitReason.KILL);
          await(me, Down.class, d -> d.ref().equals(p.ref()));

          assertThat(node.zombies()).contains(p.pid());
          assertThat(node.processInfo(p.pid())).isEmpty();
        } finally {
          release.countDown();
        }
      }
    }

    @Test
    void rejectsNull() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        assertThatNullPointerException()
            .isThrownBy(() -> node.processInfo(null))
            .withMessage("pid");
      }
    }
  }
}
