package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TaskSupervisorTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Duration QUIET = Duration.ofMillis(200);

  private static Down downOf(AttachedProcess<Object> me, Pid<?> pid) {
    MonitorRef ref = me.monitor(pid);
    return me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow();
  }

  @Nested
  class StartChild {
    @Test
    @DisplayName("CC-167: children are temporary by default: a crash is not restarted")
    void temporaryByDefault() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TaskSupervisor sup = TaskSupervisor.startLink(me);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        var started =
            sup.startChild(
                () -> {
                  runs.incrementAndGet();
                  release.await();
                  throw new IllegalStateException("boom");
                });
        Pid<Object> child = ((TaskSupervisor.StartChild.Ok) started).pid();
        MonitorRef ref = me.monitor(child);
        release.countDown();
        Down down = me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow();
        assertThat(down.reason()).isInstanceOf(ExitReason.Crashed.class);
        assertThat(sup.children()).isEmpty();
        assertThat(runs).hasValue(1);
      }
    }

    @Test
    @DisplayName("CC-167: a transient child is restarted after an abnormal exit, not after a normal one")
    void transientIsRestartedAfterACrash() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TaskSupervisor sup = TaskSupervisor.startLink(me);
        AtomicInteger runs = new AtomicInteger();
        Pid<Object> test = me.self();
        sup.startChild(
            () -> {
              int run = runs.incrementAndGet();
              test.send("run " + run);
              if (run < 3) {
                throw new IllegalStateException("failing run " + run);
              }
              return null; // the third run ends normally: no more restarts
            },
            new TaskSupervisor.ChildOptions(Restart.TRANSIENT, Shutdown.timeout(WAIT)));
        assertThat(me.receive(String.class, WAIT)).contains("run 1");
        assertThat(me.receive(String.class, WAIT)).contains("run 2");
        assertThat(me.receive(String.class, WAIT)).contains("run 3");
        assertThat(me.receive(String.class, QUIET)).isEmpty();
        assertThat(sup.children()).isEmpty();
      }
    }

    @Test
    void startChildIsNotLinkedToTheCaller() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TaskSupervisor sup = TaskSupervisor.startLink(me);
        Pid<Object> child =
            ((TaskSupervisor.StartChild.Ok)
                    sup.startChild(
                        () -> {
                          throw new IllegalStateException("boom");
                        }))
                .pid();
        assertThat(downOf(me, child).reason()).isNotEqualTo(ExitReason.NORMAL);
        assertThat(me.self().isAlive()).isTrue();
        assertThat(node.processInfo(me.self()).orElseThrow().links()).containsExactly(sup.pid());
      }
    }

    @Test
    void maxChildrenIsAValue() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TaskSupervisor sup =
            TaskSupervisor.startLink(me, TaskSupervisor.Options.DEFAULTS.withMaxChildren(1));
        CountDownLatch release = new CountDownLatch(1);
        assertThat(sup.startChild(() -> {
              release.await();
              return null;
            }))
            .isInstanceOf(TaskSupervisor.StartChild.Ok.class);
        assertThat(sup.startChild(() -> null)).isEqualTo(new TaskSupervisor.StartChild.MaxChildren());
        assertThatThrownBy(() -> sup.async(me, () -> 1))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("maxChildren");
        release.countDown();
      }
    }
  }

  @Nested
  class Async {
    @Test
    void anAsyncTaskIsAwaitedAndIsAChildOfTheSupervisor() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TaskSupervisor sup = TaskSupervisor.startLink(me);
        CountDownLatch release = new CountDownLatch(1);
        Task<Integer> task =
            sup.async(
                me,
                () -> {
                  release.await();
                  return 42;
                });
        assertThat(sup.children()).containsExactly(task.pid());
        assertThat(node.processInfo(task.pid()).orElseThrow().links())
            .containsExactlyInAnyOrder(sup.pid(), me.self());
        release.countDown();
        int result = task.await(WAIT);
        assertThat(result).isEqualTo(42);
        assertThat(me.receive(QUIET)).isEmpty();
      }
    }

    @Test
    void aCrashingAsyncTaskKillsANonTrappingOwnerThroughTheLink() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TaskSupervisor sup = TaskSupervisor.start(node);
        Spawned<Object> owner =
            me.spawnMonitor(
                c -> {
                  Task<Object> t =
                      sup.async(
                          c,
                          () -> {
                            throw new IllegalStateException("boom");
                          });
                  t.await(WAIT);
                });
        Down down = me.receive(Down.class, d -> d.ref().equals(owner.ref()), WAIT).orElseThrow();
        assertThat(down.reason()).isInstanceOfSatisfying(
            ExitReason.Crashed.class,
            c -> assertThat(c.cause()).hasMessage("boom"));
        assertThat(sup.pid().isAlive()).isTrue();
        sup.stop();
      }
    }

    @Test
    @DisplayName("CC-168: async_nolink: a crash only shows as the task's Down")
    void asyncNolinkCrashIsADown() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TaskSupervisor sup = TaskSupervisor.startLink(me);
        Task<Object> task =
            sup.asyncNolink(
                me,
                () -> {
                  throw new IllegalStateException("boom");
                });
        Optional<Task.Result<Object>> result = task.yield(WAIT);
        assertThat(result).hasValueSatisfying(
            r -> assertThat(r).isInstanceOfSatisfying(
                Task.Exited.class,
                e -> assertThat(e.reason()).isInstanceOf(ExitReason.Crashed.class)));
        assertThat(me.self().isAlive()).isTrue();
        assertThat(node.processInfo(me.self()).orElseThrow().links()).containsExactly(sup.pid());
      }
    }

    @Test
    @DisplayName("CC-168: async_nolink on success: the Reply, then a normal Down")
    void asyncNolinkSuccessIsAReplyThenANormalDown() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TaskSupervisor sup = TaskSupervisor.startLink(me);
        Task<String> task = sup.asyncNolink(me, () -> "done");
        Task.Reply reply =
            me.receive(Task.Reply.class, r -> r.ref().equals(task.ref()), WAIT).orElseThrow();
        assertThat(reply.result()).isEqualTo("done");
        Down down = me.receive(Down.class, d -> d.ref().equals(task.ref()), WAIT).orElseThrow();
        assertThat(down.reason()).isEqualTo(ExitReason.NORMAL);
      }
    }
  }

  @Nested
  class ChildrenAndTerminateChild {
    @Test
    void terminateChildStopsItWithoutRestartAndUnknownPidsAreNotFound() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TaskSupervisor sup = TaskSupervisor.startLink(me);
        Pid<Object> child =
            ((TaskSupervisor.StartChild.Ok)
                    sup.startChild(
                        () -> {
                          new CountDownLatch(1).await();
                          return null;
                        },
                        new TaskSupervisor.ChildOptions(Restart.PERMANENT, Shutdown.timeout(WAIT))))
                .pid();
        MonitorRef ref = me.monitor(child);
        assertThat(sup.children()).containsExactly(child);
        assertThat(sup.terminateChild(child)).isTrue();
        Down down = me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow();
        assertThat(down.reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(sup.children()).isEmpty();
        assertThat(sup.terminateChild(child)).isFalse();
        assertThat(sup.terminateChild(me.self())).isFalse();
      }
    }
  }

  @Nested
  class Stop {
    @Test
    void stoppingTheSupervisorGivesChildrenTheirShutdownTimeThenKillsTheLateOnes() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TaskSupervisor sup = TaskSupervisor.startLink(me);
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        // One child traps exits and cleans up; one traps and never ends (killed after its
        // 100 ms); one is killed at once; one does not trap and dies of the shutdown signal.
        List<Pid<Object>> children =
            List.of(
                trapping(sup, me, seen, true, Shutdown.timeout(WAIT)),
                trapping(sup, me, seen, false, Shutdown.timeout(Duration.ofMillis(100))),
                trapping(sup, me, seen, false, Shutdown.BRUTAL_KILL),
                ((TaskSupervisor.StartChild.Ok)
                        sup.startChild(
                            () -> {
                              new CountDownLatch(1).await();
                              return null;
                            }))
                    .pid());
        List<MonitorRef> refs = children.stream().map(me::monitor).toList();
        sup.stop();
        List<ExitReason> reasons =
            refs.stream()
                .map(r -> me.receive(Down.class, d -> d.ref().equals(r), WAIT).orElseThrow().reason())
                .toList();
        assertThat(reasons)
            .containsExactly(ExitReason.NORMAL, ExitReason.KILLED, ExitReason.KILLED, ExitReason.SHUTDOWN);
        assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("cleaned up after shutdown");
      }
    }

    /** A child that traps exits, tells the test it is ready, and on shutdown cleans up or not. */
    private Pid<Object> trapping(
        TaskSupervisor sup,
        AttachedProcess<Object> me,
        BlockingQueue<String> seen,
        boolean cleanUp,
        Shutdown how) {
      Pid<Object> test = me.self();
      var started =
          sup.startChild(
              (Task.Body<Object>)
                  self -> {
                    self.trapExit(true);
                    test.send("trapping");
                    Exit exit = self.receive(Exit.class);
                    if (cleanUp) {
                      seen.add("cleaned up after " + exit.reason());
                      return null;
                    }
                    new CountDownLatch(1).await(); // ignores the shutdown
                    return null;
                  },
              new TaskSupervisor.ChildOptions(Restart.TEMPORARY, how));
      assertThat(me.receive(String.class, "trapping"::equals, WAIT)).isPresent();
      return ((TaskSupervisor.StartChild.Ok) started).pid();
    }
  }

  @Nested
  class Intensity {
    @Test
    @DisplayName("more than maxRestarts restarts within maxSeconds stop the supervisor with shutdown")
    void tooManyRestartsStopTheSupervisor() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        AtomicLong clock = new AtomicLong(1000);
        TaskSupervisor sup =
            TaskSupervisor.startLink(
                me, TaskSupervisor.Options.DEFAULTS.withIntensity(2, Duration.ofSeconds(5)), clock::get);
        Pid<?> supPid = sup.pid();
        Pid<Object> test = me.self();
        AtomicInteger runs = new AtomicInteger();
        sup.startChild(
            () -> {
              test.send("run " + runs.incrementAndGet());
              throw new IllegalStateException("always failing");
            },
            new TaskSupervisor.ChildOptions(Restart.PERMANENT, Shutdown.timeout(WAIT)));
        // The first run and two restarts are allowed; the third restart is not.
        for (int i = 1; i <= 3; i++) {
          assertThat(me.receive(String.class, WAIT)).contains("run " + i);
        }
        Exit exit = me.receive(Exit.class, e -> e.from().equals(supPid), WAIT).orElseThrow();
        assertThat(exit.reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(me.receive(String.class, QUIET)).isEmpty();
      }
    }

    @Test
    void restartsOlderThanTheWindowDoNotCount() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        AtomicLong clock = new AtomicLong(1000);
        TaskSupervisor sup =
            TaskSupervisor.startLink(
                me, TaskSupervisor.Options.DEFAULTS.withIntensity(1, Duration.ofSeconds(5)), clock::get);
        Pid<Object> test = me.self();
        sup.startChild(
            (Task.Body<Object>)
                self -> {
                  test.send(self.self());
                  self.receive(String.class, "crash"::equals);
                  throw new IllegalStateException("crashing on request");
                },
            new TaskSupervisor.ChildOptions(Restart.PERMANENT, Shutdown.timeout(WAIT)));
        // Each crash is one restart; one restart per 5 s window is allowed. Moving the clock by
        // 6 s between crashes keeps every restart alone in its window.
        for (int crash = 1; crash <= 4; crash++) {
          @SuppressWarnings("unchecked")
          Pid<Object> child = me.receive(Pid.class, WAIT).orElseThrow();
          clock.addAndGet(6);
          child.send("crash");
        }
        @SuppressWarnings("unchecked")
        Pid<Object> fifth = me.receive(Pid.class, WAIT).orElseThrow(); // restarted a fourth time
        assertThat(sup.pid().isAlive()).isTrue();
        // A crash in the same window as the last restart: two restarts in 5 s, one too many.
        me.trapExit(true);
        Pid<?> supPid = sup.pid();
        fifth.send("crash");
        Exit exit = me.receive(Exit.class, e -> e.from().equals(supPid), WAIT).orElseThrow();
        assertThat(exit.reason()).isEqualTo(ExitReason.SHUTDOWN);
      }
    }
  }
}
