package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class TaskTest {
  /** How long to wait for something that must not come. */
  private static final Duration NOTHING = Duration.ofMillis(150);

  /** How long to wait for something that must come. */
  private static final Duration LONG = Duration.ofSeconds(5);

  /** Blocks until {@code gate} opens, or the task is killed (its thread is then interrupted). */
  private static void pass(CountDownLatch gate) throws InterruptedException {
    gate.await();
  }

  /** Waits until the process has ended, with a monitor of its own. */
  private static Down awaitDeath(ProcessContext<?> me, Pid<?> pid) {
    MonitorRef watch = me.monitor(pid);
    return me.receive(Down.class, d -> d.ref().equals(watch), LONG).orElseThrow();
  }

  /** Runs {@code action} in another process and returns what it sent back. */
  private static String fromAnotherProcess(
      Node node, AttachedProcess<Object> me, ProcessBody<Object> action) {
    node.spawn(action);
    return me.receive(String.class, LONG).orElseThrow();
  }

  @Nested
  class Async {
    @Test
    void theReplyIsAMessageTaggedWithTheRefFollowedByANormalDown() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Task<String> task = Task.async(me, () -> "hi");
        Task.Reply reply =
            me.receive(Task.Reply.class, r -> r.ref().equals(task.ref()), LONG).orElseThrow();
        assertThat(reply.result()).isEqualTo("hi");
        Down down = me.receive(Down.class, d -> d.ref().equals(task.ref()), LONG).orElseThrow();
        assertThat(down.target()).isEqualTo(task.pid());
        assertThat(down.reason()).isEqualTo(ExitReason.NORMAL);
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    void theTaskIsLinkedToItsOwner() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        CountDownLatch release = new CountDownLatch(1);
        Task<String> task =
            Task.async(
                me,
                () -> {
                  pass(release);
                  return "done";
                });
        assertThat(task.owner()).isEqualTo(me.self());
        assertThat(node.processInfo(task.pid()).orElseThrow().links()).containsExactly(me.self());
        release.countDown();
        assertThat(task.await(LONG)).isEqualTo("done");
      }
    }

    @Test
    @DisplayName("CC-165: a crashing task kills its non-trapping owner with the same reason")
    void aCrashingTaskKillsItsNonTrappingOwnerWithTheSameReason() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        IllegalStateException boom = new IllegalStateException("boom");
        Spawned<Object> owner =
            me.spawnMonitor(
                ctx -> {
                  Task<Object> task =
                      Task.async(
                          ctx,
                          () -> {
                            throw boom;
                          });
                  task.await(LONG);
                });
        Down down = me.receive(Down.class, d -> d.ref().equals(owner.ref()), LONG).orElseThrow();
        assertThat(down.reason()).isEqualTo(new ExitReason.Crashed(boom));
      }
    }

    @Test
    void anOwnerThatTrapsExitsGetsTheExitAndAwaitThrowsTheReason() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        IllegalStateException boom = new IllegalStateException("boom");
        Task<Object> task =
            Task.async(
                me,
                () -> {
                  throw boom;
                });
        CallException e = assertThrows(CallException.class, () -> task.await(LONG));
        assertThat(e.failure()).isEqualTo(new ExitReason.Crashed(boom));
        assertThat(e.call().function()).isEqualTo("Task.await");
        assertThat(me.receive(Exit.class, NOTHING))
            .contains(new Exit(task.pid(), new ExitReason.Crashed(boom)));
      }
    }

    @Test
    void aBodyRunsWithItsOwnProcessContext() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Task<String> task = Task.async(me, self -> "got " + self.receive(String.class));
        task.pid().send("hello");
        assertThat(task.await(LONG)).isEqualTo("got hello");
      }
    }

    @Test
    void onlyTheOwnersThreadCanStartATaskForIt() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        String answer =
            fromAnotherProcess(
                node,
                me,
                c -> {
                  try {
                    Task.async(me, () -> 1);
                    c.send(test, "started"); // not reached
                  } catch (WrongThreadException e) {
                    c.send(test, "refused");
                  }
                });
        assertThat(answer).isEqualTo("refused");
      }
    }
  }

  @Nested
  class Await {
    @Test
    @DisplayName("CC-159: await returns the result and leaves neither the reply nor the Down")
    void returnsTheResultAndLeavesNeitherTheReplyNorTheDown() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Task<Integer> task = Task.async(me, () -> 6 * 7);
        assertThat(task.await()).isEqualTo(42);
        awaitDeath(me, task.pid());
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    void aNullResultIsReturnedAsNull() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Task<String> task = Task.async(me, () -> null);
        assertThat(task.await(LONG)).isNull();
      }
    }

    @Test
    @DisplayName("CC-160: await(0) on a blocked task times out; its reply and Down never arrive")
    void aTimeoutThrowsAndTheLateReplyAndDownNeverArrive() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        CountDownLatch release = new CountDownLatch(1);
        Task<String> task =
            Task.async(
                me,
                () -> {
                  pass(release);
                  return "done";
                });
        CallException e = assertThrows(CallException.class, () -> task.await(Duration.ZERO));
        assertThat(e.failure()).isEqualTo(CallException.TIMEOUT);
        assertThat(e.call().function()).isEqualTo("Task.await");
        assertThat(e.call().args()).containsExactly(task, Duration.ZERO);
        MonitorRef watch = me.monitor(task.pid());
        release.countDown();
        Down down = me.receive(Down.class, d -> d.ref().equals(watch), LONG).orElseThrow();
        assertThat(down.reason()).isEqualTo(ExitReason.NORMAL);
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    void anUncaughtTimeoutEndsTheOwnerAndTheLinkTakesTheTaskWithIt() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Spawned<Object> owner =
            me.spawnMonitor(
                ctx -> {
                  Task<Object> task =
                      Task.async(
                          ctx,
                          () -> {
                            pass(new CountDownLatch(1));
                            return "never";
                          });
                  test.send(task.pid());
                  ctx.receive(String.class);
                  task.await(Duration.ofMillis(10));
                });
        Pid<?> taskPid = me.receive(Pid.class, LONG).orElseThrow();
        MonitorRef watchTask = me.monitor(taskPid);
        owner.pid().send("go");
        Down ownerDown =
            me.receive(Down.class, d -> d.ref().equals(owner.ref()), LONG).orElseThrow();
        Down taskDown = me.receive(Down.class, d -> d.ref().equals(watchTask), LONG).orElseThrow();
        assertThat(ownerDown.reason()).isInstanceOf(ExitReason.Other.class);
        CallException.Failed failed =
            (CallException.Failed) ((ExitReason.Other) ownerDown.reason()).value();
        assertThat(failed.failure()).isEqualTo(CallException.TIMEOUT);
        assertThat(failed.function()).isEqualTo("Task.await");
        assertThat(taskDown.reason()).isEqualTo(ownerDown.reason());
      }
    }

    @Test
    @DisplayName("CC-161: a task that exits normal without replying makes await fail with normal")
    void aNormalExitWithoutReplyFailsWithReasonNormal() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Task<Object> task =
            Task.async(
                me,
                () -> {
                  throw new ExitException(ExitReason.NORMAL);
                });
        CallException e = assertThrows(CallException.class, () -> task.await());
        assertThat(e.failure()).isEqualTo(ExitReason.NORMAL);
        assertThat(e.call().function()).isEqualTo("Task.await");
        assertThat(e.call().args()).containsExactly(task, Duration.ofSeconds(5));
        // A normal exit reason in a failed call is still abnormal for the process.
        assertThat(e.reason().isAbnormal()).isTrue();
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-162: await from a process other than the owner is refused, naming both")
    void aProcessOtherThanTheOwnerIsRefused() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Task<Integer> task = Task.async(me, () -> 1);
        List<Object> caller = new ArrayList<>();
        String answer =
            fromAnotherProcess(
                node,
                me,
                c -> {
                  caller.add(c.self());
                  try {
                    task.await(LONG);
                    c.send(test, "awaited");
                  } catch (IllegalArgumentException e) {
                    c.send(test, e.getMessage());
                  }
                });
        assertThat(answer)
            .contains(me.self().toString(), caller.get(0).toString(), task.toString());
        assertThat(task.await(LONG)).isEqualTo(1);
      }
    }

    @Test
    void aSecondAwaitWaitsOutItsTimeout() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Task<Integer> task = Task.async(me, () -> 1);
        assertThat(task.await(LONG)).isEqualTo(1);
        CallException e = assertThrows(CallException.class, () -> task.await(NOTHING));
        assertThat(e.failure()).isEqualTo(CallException.TIMEOUT);
      }
    }

    @Test
    void aNegativeTimeoutIsRefused() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Task<Integer> task = Task.async(me, () -> 1);
        IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> task.await(Duration.ofMillis(-1)));
        assertThat(e.getMessage()).contains("PT-0.001S");
        assertThat(task.await(Task.INFINITY)).isEqualTo(1);
      }
    }
  }

  @Nested
  class AwaitMany {
    @Test
    void resultsComeInTheOrderOfTheTasks() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        CountDownLatch secondDone = new CountDownLatch(1);
        Task<String> first =
            Task.async(
                me,
                () -> {
                  pass(secondDone);
                  return "first";
                });
        Task<String> second =
            Task.async(
                me,
                () -> {
                  secondDone.countDown();
                  return "second";
                });
        assertThat(Task.awaitMany(List.of(first, second), LONG))
            .containsExactly("first", "second");
        awaitDeath(me, first.pid());
        awaitDeath(me, second.pid());
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    void anEmptyListGivesAnEmptyList() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        assertThat(Task.<Object>awaitMany(List.of())).isEmpty();
        assertThat(me.receive(Duration.ZERO)).isEmpty();
      }
    }

    @Test
    void theExitOfAnyTaskFailsAtOnceAndTheOthersRepliesAreDropped() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        CountDownLatch release = new CountDownLatch(1);
        Task<String> slow =
            Task.async(
                me,
                () -> {
                  pass(release);
                  return "slow";
                });
        Task<String> quitter =
            Task.async(
                me,
                () -> {
                  throw new ExitException(ExitReason.NORMAL);
                });
        List<Task<String>> tasks = List.of(slow, quitter);
        CallException e = assertThrows(CallException.class, () -> Task.awaitMany(tasks, LONG));
        assertThat(e.failure()).isEqualTo(ExitReason.NORMAL);
        assertThat(e.call().function()).isEqualTo("Task.await_many");
        assertThat(e.call().args()).containsExactly(tasks, LONG);
        release.countDown();
        awaitDeath(me, slow.pid());
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    void aTimeoutFailsAndTheLateRepliesAreDropped() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        CountDownLatch release = new CountDownLatch(1);
        Task<String> done = Task.async(me, () -> "done");
        Task<String> slow =
            Task.async(
                me,
                () -> {
                  pass(release);
                  return "slow";
                });
        CallException e =
            assertThrows(
                CallException.class,
                () -> Task.awaitMany(List.of(done, slow), Duration.ofMillis(50)));
        assertThat(e.failure()).isEqualTo(CallException.TIMEOUT);
        assertThat(e.call().function()).isEqualTo("Task.await_many");
        release.countDown();
        awaitDeath(me, slow.pid());
        awaitDeath(me, done.pid());
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-162: awaitMany from a process other than the owner is refused")
    void aProcessOtherThanTheOwnerIsRefused() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Task<Integer> task = Task.async(me, () -> 1);
        String answer =
            fromAnotherProcess(
                node,
                me,
                c -> {
                  try {
                    Task.awaitMany(List.of(task), LONG);
                  } catch (IllegalArgumentException e) {
                    c.send(test, "refused");
                  }
                });
        assertThat(answer).isEqualTo("refused");
      }
    }
  }

  @Nested
  class Yield {
    @Test
    @DisplayName("CC-163: yield times out with empty, the task keeps running, a later yield gets it")
    void aTimeoutGivesEmptyAndALaterYieldGetsTheResult() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        CountDownLatch release = new CountDownLatch(1);
        Task<String> task =
            Task.async(
                me,
                () -> {
                  pass(release);
                  return "done";
                });
        assertThat(task.yield(Duration.ZERO)).isEmpty();
        assertThat(task.pid().isAlive()).isTrue();
        release.countDown();
        assertThat(task.yield(LONG)).contains(new Task.Ok<>("done"));
        awaitDeath(me, task.pid());
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    void aTaskThatExitedGivesExitedWithItsReason() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        ExitReason reason = ExitReason.of("gave_up");
        Task<Object> task =
            Task.async(
                me,
                () -> {
                  throw new ExitException(reason);
                });
        assertThat(task.yield()).contains(new Task.Exited<>(reason));
        assertThat(me.receive(Exit.class, LONG)).contains(new Exit(task.pid(), reason));
      }
    }

    @Test
    @DisplayName("CC-162: yield from a process other than the owner is refused")
    void aProcessOtherThanTheOwnerIsRefused() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Task<Integer> task = Task.async(me, () -> 1);
        String answer =
            fromAnotherProcess(
                node,
                me,
                c -> {
                  try {
                    task.yield(LONG);
                  } catch (IllegalArgumentException e) {
                    c.send(test, e.getMessage());
                  }
                });
        assertThat(answer).contains("must be queried from its owner " + me.self());
      }
    }
  }

  @Nested
  class Shutdown {
    @Test
    @DisplayName("CC-164: shutting down a running task that does not trap exits gives empty")
    void aRunningTaskIsShutDown() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Task<String> task =
            Task.async(
                me,
                () -> {
                  pass(new CountDownLatch(1));
                  return "never";
                });
        assertThat(task.shutdown()).isEmpty();
        assertThat(task.pid().isAlive()).isFalse();
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-164: a trapping task that ignores shutdown is killed after the timeout")
    void aTaskThatIgnoresShutdownIsKilledAfterTheTimeout() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Task<String> task =
            Task.async(
                me,
                self -> {
                  self.trapExit(true);
                  test.send("trapping");
                  return self.receive(String.class); // the shutdown Exit is not a String
                });
        assertThat(me.receive(String.class, LONG)).contains("trapping");
        assertThat(task.shutdown(Duration.ofMillis(1)))
            .contains(new Task.Exited<>(ExitReason.KILLED));
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-164: shutdownBrutalKill of a running task gives empty")
    void brutalKillGivesEmpty() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Task<String> task =
            Task.async(
                me,
                self -> {
                  self.trapExit(true);
                  test.send("trapping");
                  return self.receive(String.class);
                });
        assertThat(me.receive(String.class, LONG)).contains("trapping");
        assertThat(task.shutdownBrutalKill()).isEmpty();
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-164: with the reply already queued, shutdown gives it")
    void aQueuedReplyIsReturned() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Task<String> task = Task.async(me, () -> "done");
        awaitDeath(me, task.pid()); // the reply was sent before the task ended
        assertThat(task.shutdown()).contains(new Task.Ok<>("done"));
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-164: with a normal Down queued, shutdown gives Exited(normal)")
    void aQueuedNormalDownGivesExitedNormal() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Task<Object> task =
            Task.async(
                me,
                () -> {
                  throw new ExitException(ExitReason.NORMAL);
                });
        awaitDeath(me, task.pid());
        assertThat(task.shutdown()).contains(new Task.Exited<>(ExitReason.NORMAL));
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    void aReplySentWhileShuttingDownIsReturned() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Task<String> task =
            Task.async(
                me,
                self -> {
                  self.trapExit(true);
                  test.send("trapping");
                  Exit exit = self.receive(Exit.class);
                  return "cleaned up after " + exit.reason();
                });
        assertThat(me.receive(String.class, LONG)).contains("trapping");
        assertThat(task.shutdown(LONG)).contains(new Task.Ok<>("cleaned up after shutdown"));
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    void aTaskStillRunningAfterACaughtAwaitTimeoutIsShutDown() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Task<String> task =
            Task.async(
                me,
                () -> {
                  pass(new CountDownLatch(1));
                  return "never";
                });
        assertThrows(CallException.class, () -> task.await(Duration.ZERO));
        assertThat(task.shutdown()).isEmpty();
        assertThat(task.pid().isAlive()).isFalse();
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    void anAwaitedTaskGivesExitedNoproc() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Task<Integer> task = Task.async(me, () -> 1);
        assertThat(task.await(LONG)).isEqualTo(1);
        awaitDeath(me, task.pid());
        Optional<Task.Result<Integer>> r = task.shutdown();
        assertThat(r).contains(new Task.Exited<>(ExitReason.NOPROC));
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-162: shutdown from a process other than the owner is refused")
    void aProcessOtherThanTheOwnerIsRefused() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Task<String> task =
            Task.async(
                me,
                () -> {
                  pass(new CountDownLatch(1));
                  return "never";
                });
        String answer =
            fromAnotherProcess(
                node,
                me,
                c -> {
                  try {
                    task.shutdown();
                  } catch (IllegalArgumentException e) {
                    try {
                      task.shutdownBrutalKill();
                    } catch (IllegalArgumentException again) {
                      c.send(test, "refused twice");
                    }
                  }
                });
        assertThat(answer).isEqualTo("refused twice");
        assertThat(task.pid().isAlive()).isTrue();
        assertThat(task.shutdownBrutalKill()).isEmpty();
      }
    }
  }
}
