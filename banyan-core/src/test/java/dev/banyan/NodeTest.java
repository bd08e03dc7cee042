package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Node}: several nodes in one JVM share nothing; {@link Node#stop()} ends every process;
 * node names are validated.
 *
 * <p>The timeout runs the test on a separate thread, so that a test stuck in an uninterruptible
 * {@code receive()} fails instead of blocking the build.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NodeTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  /** What a process reports about itself, from its own thread. */
  record ThreadOf(Pid<?> pid, Thread thread) {}

  private static <T> T await(ProcessContext<?> me, Class<T> type, Predicate<? super T> filter) {
    return me.receive(type, filter, WAIT)
        .orElseThrow(
            () -> new AssertionError("no matching " + type.getSimpleName() + " in " + WAIT));
  }

  private static void idle(ProcessContext<Object> ctx) {
    ctx.receive(String.class, "stop"::equals);
  }

  @Nested
  class Isolation {

    @Test
    void aNameRegisteredOnOneNodeIsNotVisibleOnAnother() {
      try (Node a = Node.start("a@localhost");
          Node b = Node.start("b@localhost");
          AttachedProcess<Object> me = a.attach()) {
        Pid<Object> onA = a.spawn(NodeTest::idle);
        Pid<Object> onB = b.spawn(NodeTest::idle);

        a.register("shared", onA);
        assertThat(b.whereis("shared")).isEmpty();
        assertThat(b.registered()).isEmpty();
        assertThatThrownBy(() -> b.send("shared", "x")).isInstanceOf(BadArgException.class);

        b.register("shared", onB); // the name is free there
        assertThat(a.whereis("shared")).contains(onA);
        assertThat(b.whereis("shared")).contains(onB);
      }
    }

    @Test
    void eachNodeCountsOnlyItsOwnProcesses() {
      try (Node a = Node.start();
          Node b = Node.start();
          AttachedProcess<Object> me = a.attach()) {
        Pid<Object> onB = b.spawn(NodeTest::idle);

        assertThat(a.processes()).containsExactly(me.self());
        assertThat(b.processes()).containsExactly(onB);
        assertThat(a.processCount()).isEqualTo(1);
        assertThat(b.processCount()).isEqualTo(1);
      }
    }

    @Test
    void pidsOfTwoNodesDifferInNodeAndCreation() {
      try (Node a = Node.start("a@localhost");
          Node b = Node.start("b@localhost")) {
        Pid<Object> onA = a.spawn(NodeTest::idle);
        Pid<Object> onB = b.spawn(NodeTest::idle);

        assertThat(onA.node()).isEqualTo("a@localhost");
        assertThat(onB.node()).isEqualTo("b@localhost");
        assertThat(onA.creation()).isEqualTo(a.creation());
        assertThat(onB.creation()).isEqualTo(b.creation());
        assertThat(onA).isNotEqualTo(onB);
      }
    }

    @Test
    void twoNodesWithTheSameNameHaveDifferentCreationsAndDifferentPids() {
      try (Node a = Node.start();
          Node b = Node.start()) {
        assertThat(a.name()).isEqualTo(b.name()).isEqualTo("nonode@nohost");
        assertThat(a.creation()).isNotEqualTo(b.creation());

        // Both are the first process of a fresh node, so they print alike; they are not the same.
        Pid<Object> onA = a.spawn(NodeTest::idle);
        Pid<Object> onB = b.spawn(NodeTest::idle);
        assertThat(onA).hasToString(onB.toString()).isNotEqualTo(onB);
      }
    }

    @Test
    void localOperationsWithAPidOfAnotherNodeThrowBadArgNamingThePid() {
      try (Node a = Node.start("a@localhost");
          Node b = Node.start("b@localhost");
          AttachedProcess<Object> me = a.attach()) {
        Pid<Object> foreign = b.spawn(NodeTest::idle);

        List<ThrowingCallable> operations =
            List.of(
                () -> a.register("foreign", foreign),
                () -> a.processInfo(foreign),
                () -> a.exit(foreign, ExitReason.KILL),
                () -> a.sendAfter(Duration.ofMillis(1), foreign, "x"),
                () -> me.link(foreign),
                () -> me.unlink(foreign),
                () -> me.monitor(foreign),
                () -> me.exit(foreign, ExitReason.KILL));
        for (ThrowingCallable op : operations) {
          assertThatThrownBy(op)
              .isInstanceOf(BadArgException.class)
              .hasMessageContaining(foreign.toString())
              .hasMessageContaining("b@localhost");
        }

        assertThat(foreign.isAlive()).isTrue();
        ProcessInfo info = b.processInfo(foreign).orElseThrow();
        assertThat(info.links()).isEmpty();
        assertThat(info.monitoredBy()).isEmpty();
        assertThat(a.whereis("foreign")).isEmpty();
        assertThat(me.self().isAlive()).isTrue();
      }
    }

    @Test
    void aTimerOfAnotherNodeIsRefusedEvenWhenBothHaveTheDefaultName() {
      try (Node a = Node.start();
          Node b = Node.start()) {
        Pid<Object> onB = b.spawn(NodeTest::idle);
        TimerRef timer = b.sendAfter(Duration.ofDays(1), onB, "later");

        assertThatThrownBy(() -> a.cancelTimer(timer)).isInstanceOf(BadArgException.class);
        assertThatThrownBy(() -> a.readTimer(timer)).isInstanceOf(BadArgException.class);
        assertThat(b.readTimer(timer)).isPresent(); // still running on its own node
      }
    }

    @Test
    void monitorReferencesOfTwoNodesWithTheSameNameAreDistinct() throws Exception {
      try (Node a = Node.start();
          Node b = Node.start()) {
        CompletableFuture<MonitorRef> refOnA = new CompletableFuture<>();
        CompletableFuture<MonitorRef> refOnB = new CompletableFuture<>();
        Pid<Object> targetA = a.spawn(NodeTest::idle);
        Pid<Object> targetB = b.spawn(NodeTest::idle);
        a.spawn(
            ctx -> {
              refOnA.complete(ctx.monitor(targetA)); // the first monitor of node a
              idle(ctx);
            });
        b.spawn(
            ctx -> {
              refOnB.complete(ctx.monitor(targetB)); // the first monitor of node b
              idle(ctx);
            });

        // Each names a different monitor, so they must differ (MonitorRef: "References compare
        // by identity of the monitor they name").
        assertThat(refOnA.get(5, TimeUnit.SECONDS)).isNotEqualTo(refOnB.get(5, TimeUnit.SECONDS));
      }
    }

    @Test
    void demonitoringAReferenceOfAnotherNodeLeavesTheLocalMonitorAlone() throws Exception {
      try (Node a = Node.start();
          Node b = Node.start();
          AttachedProcess<Object> me = a.attach()) {
        Pid<Object> targetA = a.spawn(NodeTest::idle);
        Pid<Object> targetB = b.spawn(NodeTest::idle);
        MonitorRef mine = me.monitor(targetA); // the first monitor of node a
        CompletableFuture<MonitorRef> foreign = new CompletableFuture<>();
        b.spawn(
            ctx -> {
              foreign.complete(ctx.monitor(targetB)); // the first monitor of node b
              idle(ctx);
            });

        me.demonitor(foreign.get(5, TimeUnit.SECONDS));

        assertThat(a.processInfo(me.self()).orElseThrow().monitors()).containsExactly(targetA);
        targetA.send("stop");
        Down down = await(me, Down.class, d -> true);
        assertThat(down.ref()).isEqualTo(mine);
      }
    }

    @Test
    void stoppingOneNodeLeavesTheOtherRunning() {
      try (Node a = Node.start();
          Node b = Node.start();
          AttachedProcess<Object> me = b.attach()) {
        Pid<Object> onB = b.spawn(NodeTest::idle);
        a.spawn(NodeTest::idle);

        a.stop();

        assertThat(a.processCount()).isZero();
        assertThat(b.isRunning()).isTrue();
        assertThat(onB.isAlive()).isTrue();
        assertThat(me.self().isAlive()).isTrue();
        assertThat(b.processes()).containsExactlyInAnyOrder(me.self(), onB);
      }
    }
  }

  @Nested
  class Stop {

    @Test
    void killsEveryProcessAndWaitsForTheirThreadsToEnd() throws Exception {
      try (Node observer = Node.start("observer@localhost");
          AttachedProcess<Object> me = observer.attach()) {
        Node node = Node.start("doomed@localhost");
        try {
          Pid<Object> parent = me.self();
          CountDownLatch never = new CountDownLatch(1);
          List<ProcessBody<Object>> bodies =
              List.of(
                  ctx -> {
                    report(ctx, parent);
                    ctx.receive(); // waits in receive
                  },
                  ctx -> {
                    report(ctx, parent);
                    ctx.trapExit(true); // trapping does not help against stop
                    ctx.receive(String.class, "stop"::equals);
                  },
                  ctx -> {
                    report(ctx, parent);
                    ctx.register("doomed-name");
                    ctx.receive(Duration.ofDays(1));
                  },
                  ctx -> {
                    report(ctx, parent);
                    never.await(); // blocked outside the runtime, interruptibly
                  },
                  ctx -> {
                    report(ctx, parent);
                    ctx.spawnLink(
                        child -> {
                          report(child, parent);
                          child.receive();
                        });
                    ctx.receive();
                  });
          bodies.forEach(node::spawn);

          List<ThreadOf> reports = new ArrayList<>();
          for (int i = 0; i < bodies.size() + 1; i++) { // + the linked child
            reports.add(await(me, ThreadOf.class, t -> true));
          }
          assertThat(node.processCount()).isEqualTo(reports.size());

          node.stop();

          assertThat(node.isRunning()).isFalse();
          assertThat(node.processCount()).isZero();
          assertThat(node.processes()).isEmpty();
          assertThat(node.registered()).isEmpty();
          assertThat(node.zombies()).isEmpty();
          for (ThreadOf r : reports) {
            assertThat(r.pid().isAlive()).as("%s alive", r.pid()).isFalse();
            assertThat(r.thread().isAlive()).as("thread of %s alive", r.pid()).isFalse();
          }
        } finally {
          node.stop();
        }
      }
    }

    @Test
    void theGracePeriodFollowsProgressNotTheOrderOfTheTable() throws Exception {
      // 300 processes that each take 2 ms to unwind: about 300 ms on two carriers, three times
      // the grace period given here, but one ends every few milliseconds. The wait must go on
      // until all have ended (stop's grace period is 5 s; the same logic, shorter here).
      Node node = Node.start();
      try (AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        List<Pid<Object>> slow = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
          slow.add(
              node.spawn(
                  ctx -> {
                    try {
                      test.send("in receive");
                      ctx.receive();
                    } finally {
                      long until = System.nanoTime() + 2_000_000L;
                      while (System.nanoTime() < until) {
                        Thread.onSpinWait(); // unwinding work, bounded
                      }
                    }
                  }));
        }
        for (int i = 0; i < slow.size(); i++) {
          assertThat(me.receive(String.class, SignalProbe.WAIT)).contains("in receive");
        }
        for (Pid<Object> p : slow) {
          node.exit(p, ExitReason.KILL);
        }
        assertThat(node.awaitThreads(Duration.ofMillis(100))).isTrue();
        assertThat(node.zombies()).isEmpty();
        for (Pid<Object> p : slow) {
          assertThat(p.record.thread.isAlive()).as("thread of %s", p).isFalse();
        }
      } finally {
        node.stop();
      }
    }

    private static void report(ProcessContext<Object> ctx, Pid<Object> to) {
      to.send(new ThreadOf(ctx.self(), Thread.currentThread()));
    }

    @Test
    void killsAttachedProcessesWhoseThreadsThenGetProcessExitedException() throws Exception {
      Node node = Node.start();
      CompletableFuture<Pid<Object>> attached = new CompletableFuture<>();
      CountDownLatch stopped = new CountDownLatch(1);
      CompletableFuture<Throwable> afterStop = new CompletableFuture<>();
      Thread t =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try (AttachedProcess<Object> ctx = node.attach()) {
                      attached.complete(ctx.self());
                      stopped.await();
                      ctx.self();
                      afterStop.complete(null);
                    } catch (Throwable e) {
                      afterStop.complete(e);
                    }
                  });
      try {
        Pid<Object> pid = attached.get(5, TimeUnit.SECONDS);
        node.stop();
        assertThat(pid.isAlive()).isFalse();
        stopped.countDown();

        assertThat(afterStop.get(5, TimeUnit.SECONDS))
            .isInstanceOfSatisfying(
                ProcessExitedException.class,
                e -> assertThat(e.reason()).isEqualTo(ExitReason.KILLED));
        assertThat(t.join(WAIT)).isTrue();
      } finally {
        stopped.countDown();
        node.stop();
      }
    }

    @Test
    void refusesNewProcessesAndTimersAfterwards() {
      Node node = Node.start();
      Pid<Object> p = node.spawn(NodeTest::idle);
      node.stop();

      assertThatIllegalStateException()
          .isThrownBy(() -> node.spawn(ctx -> {}))
          .withMessageContaining("stopped");
      assertThatIllegalStateException().isThrownBy(node::attach).withMessageContaining("stopped");
      assertThatIllegalStateException()
          .isThrownBy(() -> node.sendAfter(Duration.ofMillis(1), p, "x"))
          .withMessageContaining("stopped");
      assertThat(node.processCount()).isZero();
    }

    @Test
    void sendingToAProcessOfAStoppedNodeIsSilent() {
      Node node = Node.start();
      Pid<Object> p = node.spawn(NodeTest::idle);
      node.stop();

      p.send("lost"); // CC-008: a dead pid
      assertThat(p.isAlive()).isFalse();
    }

    @Test
    void stoppingTwiceDoesNothingAndCloseIsStop() {
      Node node = Node.start();
      node.spawn(NodeTest::idle);
      node.close();
      assertThat(node.isRunning()).isFalse();
      assertThat(node.processCount()).isZero();

      node.stop();
      node.close();
      assertThat(node.isRunning()).isFalse();
    }
  }

  @Nested
  class Start {

    @Test
    void withoutANameIsNonodeAtNohost() {
      try (Node node = Node.start()) {
        assertThat(node.name()).isEqualTo("nonode@nohost");
        assertThat(node.isRunning()).isTrue();
        assertThat(node.uptime().isNegative()).isFalse();
        assertThat(node.processCount()).isZero();
        assertThat(node.toString()).contains("nonode@nohost");
      }
    }

    @ParameterizedTest
    @ValueSource(strings = {"kv@localhost", "a@b", "node_1@host-2.example.com", "A-b@10.0.0.1"})
    void acceptsNamesOfTheFormNameAtHost(String name) {
      try (Node node = Node.start(name)) {
        assertThat(node.name()).isEqualTo(name);
      }
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "",
          "kv",
          "@localhost",
          "kv@",
          "kv@@localhost",
          "kv@local@host",
          "k v@localhost",
          "kv@local host",
          "kv!@localhost",
          " kv@localhost"
        })
    void refusesOtherNamesNamingThem(String name) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Node.start(name))
          .withMessageContaining("\"" + name + "\"");
    }

    @Test
    void refusesANullName() {
      assertThatNullPointerException().isThrownBy(() -> Node.start(null)).withMessage("name");
    }
  }
}
