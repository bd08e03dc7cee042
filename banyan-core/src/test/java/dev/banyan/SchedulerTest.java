package dev.banyan;

import static dev.banyan.SignalProbe.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scheduler of process threads: Banyan's own when {@code java.lang} is open to it (the test
 * JVMs open it), the JDK's with {@code -Dbanyan.scheduler=jdk} (a second run of this module's
 * tests). Whichever runs, processes keep Erlang's guarantees: a woken process runs even if the
 * one that woke it computes, timed waits end at their deadline and not before, a message ends a
 * timed wait, and no task is lost when a carrier's queue overflows.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SchedulerTest {

  private static boolean jdkWanted() {
    return "jdk".equals(System.getProperty(Scheduler.PROPERTY));
  }

  @Test
  @DisplayName("processes run on the scheduler the JVM was configured for")
  void theConfiguredSchedulerRunsProcesses() throws Exception {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> test = me.self();
      node.spawn(ctx -> ctx.send(test, Thread.currentThread().toString()));
      String thread = me.receive(String.class, WAIT).orElseThrow();
      if (jdkWanted()) {
        assertThat(Scheduler.instance()).isNull();
        assertThat(thread).doesNotContain("banyan-carrier-");
      } else {
        assertThat(Scheduler.instance()).isNotNull();
        assertThat(thread).contains("@banyan-carrier-");
      }
    }
  }

  @Test
  @DisplayName("a process that computes after waking another does not hold the woken one back")
  void aComputingProcessDoesNotHoldBackTheOneItWoke() throws Exception {
    assumeTrue(
        Runtime.getRuntime().availableProcessors() >= 2,
        "a computing process holds its carrier: needs a second one");
    AtomicBoolean seen = new AtomicBoolean();
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> test = me.self();
      Pid<Object> woken = wakeable(node, seen, test);
      Pid<Object> computer =
          node.spawn(
              ctx -> {
                ctx.receive(String.class); // "go"
                woken.send("wake up"); // the hand-off: on this carrier, next
                while (!seen.get()) {
                  Thread.onSpinWait(); // never parks until the woken process has run
                }
                ctx.send(test, "computer done");
              });
      // Wait until the woken process waits in receive, so that the send below wakes it.
      awaitWaiting(node, woken);
      computer.send("go");
      assertThat(me.receive(String.class, WAIT)).contains("woken ran");
      assertThat(me.receive(String.class, WAIT)).contains("computer done");
    }
  }

  @Test
  @DisplayName("a process that yields lets the process it woke run")
  void yieldLetsTheWokenProcessRun() throws Exception {
    AtomicBoolean seen = new AtomicBoolean();
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> test = me.self();
      Pid<Object> woken = wakeable(node, seen, null);
      awaitWaiting(node, woken);
      node.spawn(
          ctx -> {
            woken.send("wake up");
            int yields = 0;
            while (!seen.get()) {
              Thread.yield();
              yields++;
            }
            ctx.send(test, yields);
          });
      assertThat(me.receive(Integer.class, WAIT)).isPresent();
    }
  }

  @Test
  @DisplayName(
      "CC-006: a receive with a timeout ends at its deadline, never before, and a message ends it"
          + " first")
  void timedWaitsEndAtTheirDeadlineOrWithAMessage() throws Exception {
    Random random = new Random(0x71AE5L);
    int n = 2_000;
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> test = me.self();
      List<Pid<Object>> messaged = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Duration timeout = Duration.ofMillis(1 + random.nextInt(40));
        boolean getsMessage = i % 2 == 0;
        Pid<Object> p =
            node.spawn(
                ctx -> {
                  long start = System.nanoTime();
                  Optional<String> got =
                      ctx.receive(String.class, getsMessage ? Duration.ofMinutes(5) : timeout);
                  long waited = System.nanoTime() - start;
                  if (getsMessage) {
                    ctx.send(test, got.isPresent() ? "message" : "timed out early");
                  } else if (got.isPresent()) {
                    ctx.send(test, "a message nobody sent");
                  } else {
                    ctx.send(test, waited >= timeout.toNanos() ? "deadline" : "too early");
                  }
                });
        if (getsMessage) {
          messaged.add(p);
        }
      }
      for (Pid<Object> p : messaged) {
        p.send("hello");
      }
      List<String> answers = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        answers.add(me.receive(String.class, WAIT).orElseThrow());
      }
      assertThat(answers).filteredOn("message"::equals).hasSize(n / 2);
      assertThat(answers).filteredOn("deadline"::equals).hasSize(n / 2);
    }
  }

  @Test
  @DisplayName(
      "CC-006: a short timed wait after a long one ends at its own deadline, not at the long one's")
  void aShortWaitAfterALongOneEndsOnTime() throws Exception {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> test = me.self();
      Pid<Object> p =
          node.spawn(
              ctx -> {
                ctx.receive(String.class, Duration.ofMinutes(10)); // ended by a message
                for (int i = 0; i < 3; i++) {
                  // Each must end after 20 ms: the 10-minute wait's entry must not stand for it.
                  ctx.send(test, ctx.receive(Integer.class, Duration.ofMillis(20)).isEmpty());
                  ctx.receive(String.class, Duration.ofMinutes(10));
                }
              });
      p.send("end the long wait");
      for (int i = 0; i < 3; i++) {
        assertThat(me.receive(Boolean.class, WAIT)).as("short wait %d ended", i).contains(true);
        p.send("end the long wait");
      }
    }
  }

  @Test
  @DisplayName("a process killed in a long timed wait dies at once, and its thread ends")
  void aKilledTimedWaitEnds() throws Exception {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      List<Pid<Object>> waiting = new ArrayList<>();
      for (int i = 0; i < 3_000; i++) {
        waiting.add(node.spawn(ctx -> ctx.receive(String.class, Duration.ofHours(1))));
      }
      for (Pid<Object> p : waiting) {
        awaitWaiting(node, p);
      }
      List<MonitorRef> refs = new ArrayList<>();
      for (Pid<Object> p : waiting) {
        refs.add(me.monitor(p));
        node.exit(p, ExitReason.KILLED);
      }
      for (int i = 0; i < waiting.size(); i++) {
        Down d = me.receive(Down.class, WAIT).orElseThrow();
        assertThat(d.reason()).isEqualTo(ExitReason.KILLED);
      }
      assertThat(node.processes()).doesNotContainAnyElementsOf(waiting);
      for (Pid<Object> p : waiting) {
        Thread t = p.record.thread;
        t.join(WAIT);
        assertThat(t.isAlive()).as("thread of %s", p).isFalse();
      }
    }
  }

  @Test
  @DisplayName(
      "threads woken only to end are unwound while the process that killed them keeps its carrier")
  void threadsWokenToEndUnwindWhileTheirKillerComputes() throws Exception {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> test = me.self();
      List<Pid<Object>> waiting = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        waiting.add(node.spawn(ctx -> ctx.receive()));
      }
      for (Pid<Object> p : waiting) {
        awaitWaiting(node, p);
      }
      // The killer does not wait after the kills (a supervisor stopping its children does not
      // either): on Banyan's scheduler its carrier wakes no other for the threads woken to end,
      // and the monitor's tick must hand them to an idle carrier (or a spare, with one carrier).
      node.spawn(
          ctx -> {
            for (Pid<Object> p : waiting) {
              ctx.exit(p, ExitReason.KILLED);
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            boolean allEnded = false;
            while (!allEnded && System.nanoTime() < deadline) {
              allEnded = waiting.stream().noneMatch(p -> p.record.thread.isAlive());
            }
            test.send(allEnded);
          });
      assertThat(me.receive(Boolean.class, WAIT.multipliedBy(2)))
          .as("every killed thread ended while the killer computed")
          .contains(true);
      assertThat(node.zombies()).isEmpty();
    }
  }

  @Test
  @DisplayName("one process starting 20,000 at once (more than a carrier's queue holds) loses none")
  void aBurstOfSpawnsLosesNothing() throws Exception {
    int n = 20_000;
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> test = me.self();
      node.spawn(
          ctx -> {
            for (int i = 0; i < n; i++) {
              int id = i;
              ctx.spawn(child -> test.send(id));
            }
          });
      boolean[] got = new boolean[n];
      for (int i = 0; i < n; i++) {
        int id = me.receive(Integer.class, WAIT).orElseThrow();
        assertThat(got[id]).as("message %d twice", id).isFalse();
        got[id] = true;
      }
    }
  }

  @Test
  @DisplayName(
      "Banyan's scheduler: processes still run while every carrier is held by a computing one,"
          + " and the spare carriers end after")
  void spareCarriersWhileEveryCarrierIsHeld() throws Exception {
    Scheduler scheduler = Scheduler.instance();
    assumeTrue(scheduler != null, "the JDK's scheduler does not compensate for computing threads");
    int carriers = scheduler.parallelism();
    AtomicBoolean release = new AtomicBoolean();
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> test = me.self();
      for (int i = 0; i < carriers; i++) {
        node.spawn(
            ctx -> {
              test.send("holding");
              while (!release.get()) {
                Thread.onSpinWait();
              }
            });
      }
      for (int i = 0; i < carriers; i++) {
        assertThat(me.receive(String.class, WAIT)).contains("holding");
      }
      // Every carrier is held; these need a spare.
      for (int i = 0; i < 10; i++) {
        int id = i;
        node.spawn(ctx -> test.send(id));
      }
      for (int i = 0; i < 10; i++) {
        assertThat(me.receive(Integer.class, WAIT)).isPresent();
      }
      assertThat(scheduler.carriers()).isGreaterThan(carriers);
      release.set(true);
    }
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (scheduler.carriers() > carriers && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // a poll: spares end by time
    }
    assertThat(scheduler.carriers()).as("carriers after the spares' idle second").isEqualTo(carriers);
  }

  /**
   * A process that, woken by a string, tells {@code test} (if not null) and then sets {@code
   * seen}: the message is delivered before anyone can see the flag.
   */
  private static Pid<Object> wakeable(Node node, AtomicBoolean seen, Pid<Object> test) {
    return node.spawn(
        ctx -> {
          ctx.receive(String.class);
          if (test != null) {
            ctx.send(test, "woken ran");
          }
          seen.set(true);
        });
  }

  /** Waits until {@code p} is parked in receive (its thread WAITING or TIMED_WAITING). */
  private static void awaitWaiting(Node node, Pid<?> p) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      ProcessRecord<?> r = p.record;
      Thread.State s = r.thread.getState();
      if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) {
        return;
      }
      Thread.onSpinWait();
    }
    throw new AssertionError(p + " did not wait in receive");
  }
}
