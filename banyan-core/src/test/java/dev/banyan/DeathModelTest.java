package dev.banyan;

import static dev.banyan.SignalProbe.QUIET;
import static dev.banyan.SignalProbe.WAIT;
import static dev.banyan.SignalProbe.await;
import static dev.banyan.SignalProbe.awaitDown;
import static dev.banyan.SignalProbe.forwarder;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * "Death is a state change of the runtime, not of the thread" (see {@link Node}): a killed process
 * is dead for links, monitors and names at once, even if its thread keeps running; that thread is
 * a zombie whose runtime calls throw {@link ProcessExitedException}.
 *
 * <p>Processes that ignore their death here end when the test sets {@code stop}, in a finally
 * block: a CPU loop would otherwise keep one of the (two) carrier threads for good.
 */
@Timeout(20)
class DeathModelTest {

  /** The runtime calls a zombie tries, in this order, once it is released. */
  private static final List<String> CALLS =
      List.of("send", "Pid.send", "send by name", "receive", "link", "monitor", "register", "spawn");

  /** A process that does not notice its death. */
  enum Stubborn {
    /** Spins without any runtime call or blocking: it cannot be interrupted. */
    CPU_LOOP {
      @Override
      void loop(AtomicBoolean stop, BlockingQueue<String> log) {
        long spins = 0;
        while (!stop.get()) {
          spins++;
          Thread.onSpinWait();
        }
        log.add("spun " + (spins > 0 ? "some" : "none"));
      }
    },
    /** Sleeps in a loop and swallows the interrupt its death causes. */
    IGNORES_INTERRUPTS {
      @Override
      void loop(AtomicBoolean stop, BlockingQueue<String> log) {
        while (!stop.get()) {
          try {
            Thread.sleep(10); // the behaviour under test, not synchronization
          } catch (InterruptedException e) {
            log.add("interrupted");
          }
        }
      }
    };

    abstract void loop(AtomicBoolean stop, BlockingQueue<String> log);

    /**
     * A body that sends its thread to the test, runs the stubborn loop, then tries every runtime
     * call and logs what each did, then logs "done".
     */
    ProcessBody<Object> body(Pid<Object> test, AtomicBoolean stop, BlockingQueue<String> log) {
      return ctx -> {
        ctx.send(test, Thread.currentThread());
        ctx.receive(); // "go": the test sets up links and monitors while carriers are free
        ctx.send(test, "looping");
        loop(stop, log);
        attempt(log, "send", () -> ctx.send(test, "late message"));
        attempt(log, "Pid.send", () -> test.send("late message"));
        attempt(log, "send by name", () -> ctx.send("test", "late message"));
        attempt(log, "receive", () -> ctx.receive(Duration.ZERO));
        attempt(log, "link", () -> ctx.link(test));
        attempt(log, "monitor", () -> ctx.monitor(test));
        attempt(log, "register", () -> ctx.register("zombie"));
        attempt(log, "spawn", () -> ctx.spawn(c -> test.send("spawned by a zombie")));
        log.add("done");
      };
    }
  }

  private static void attempt(BlockingQueue<String> log, String call, Runnable r) {
    try {
      r.run();
      log.add(call + " returned");
    } catch (ProcessExitedException e) {
      log.add(call + " threw ProcessExitedException: " + e.reason());
    } catch (Throwable t) {
      log.add(call + " threw " + t);
    }
  }

  /** Takes the log entries up to "done", failing if it does not come. */
  private static List<String> logUntilDone(BlockingQueue<String> log) throws InterruptedException {
    List<String> out = new ArrayList<>();
    for (; ; ) {
      String s = log.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(s).as("log entry after %s", out).isNotNull();
      if (s.equals("done")) {
        return out;
      }
      out.add(s);
    }
  }

  private static List<String> allThrew(ExitReason reason) {
    return CALLS.stream().map(c -> c + " threw ProcessExitedException: " + reason).toList();
  }

  /** Ways a process blocks: in each, a kill must end its thread. */
  static Stream<Named<ProcessBody<Object>>> blockingCalls() {
    return Stream.of(
        Named.of("receive()", ctx -> ctx.receive()),
        Named.of("receive(1 hour)", ctx -> ctx.receive(Duration.ofHours(1))),
        Named.of("receive(Class)", ctx -> ctx.receive(Integer.class)),
        Named.of("receive(Class, Predicate)", ctx -> ctx.receive(String.class, s -> false)),
        Named.of(
            "receive(Class, Predicate, 1 hour)",
            ctx -> ctx.receive(String.class, s -> false, Duration.ofHours(1))),
        Named.of("Thread.sleep(1 hour)", ctx -> Thread.sleep(Duration.ofHours(1))));
  }

  @Nested
  class KilledWhileRunning {

    @ParameterizedTest(name = "{0}")
    @EnumSource(Stubborn.class)
    @DisplayName("a killed process that does not notice is dead at once for links, monitors and names")
    void stubbornProcessIsDeadAtOnceForLinksMonitorsAndNames(Stubborn kind) throws Exception {
      AtomicBoolean stop = new AtomicBoolean();
      BlockingQueue<String> log = new LinkedBlockingQueue<>();
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        try {
          me.register("test");
          me.trapExit(true);
          Pid<Object> p = node.spawn(kind.body(me.self(), stop, log));
          Thread thread = await(me, Thread.class, t -> true);
          me.link(p);
          Pid<Object> nonTrapping = forwarder(me, false, p);
          MonitorRef ref = me.monitor(p);
          MonitorRef nonTrappingRef = me.monitor(nonTrapping);
          node.register("worker", p);
          p.send("go");
          await(me, String.class, "looping"::equals);

          me.exit(p, ExitReason.KILL);

          assertThat(me.receive(Exit.class, WAIT)).contains(new Exit(p, ExitReason.KILLED));
          assertThat(awaitDown(me, ref)).isEqualTo(new Down(ref, p, ExitReason.KILLED));
          assertThat(awaitDown(me, nonTrappingRef).reason()).isEqualTo(ExitReason.KILLED);
          assertThat(p.isAlive()).isFalse();
          assertThat(node.whereis("worker")).isEmpty();
          Pid<Object> heir = node.spawn(ctx -> ctx.receive());
          node.register("worker", heir); // the name is free at once
          assertThat(node.whereis("worker")).contains(heir);
          assertThat(node.processInfo(p)).isEmpty();
          assertThat(node.processes()).doesNotContain(p);
          assertThat(node.zombies()).contains(p);
          assertThat(thread.isAlive()).isTrue();
          if (kind == Stubborn.IGNORES_INTERRUPTS) {
            // The runtime interrupted the thread; the process ignored it.
            assertThat(log.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("interrupted");
          }

          stop.set(true);

          List<String> calls = logUntilDone(log);
          if (kind == Stubborn.CPU_LOOP) {
            // How far it spun before the kill is the scheduler's business, not ours.
            assertThat(calls.remove(0)).startsWith("spun ");
          }
          assertThat(calls).containsExactlyElementsOf(allThrew(ExitReason.KILLED));
          assertThat(thread.join(WAIT)).as("zombie thread ended").isTrue();
          assertThat(node.zombies()).doesNotContain(p);
          // Nothing it tried to send, and nothing from the process it tried to spawn, arrived.
          assertThat(me.receive(String.class, QUIET)).isEmpty();
          assertThat(node.whereis("zombie")).isEmpty();
        } finally {
          stop.set(true);
        }
      }
    }

    @Test
    @DisplayName("a zombie that was killed with a trappable reason reports that reason")
    void zombieRuntimeCallsReportTheReasonItDiedWith() throws Exception {
      AtomicBoolean stop = new AtomicBoolean();
      BlockingQueue<String> log = new LinkedBlockingQueue<>();
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        try {
          me.register("test");
          Pid<Object> p = node.spawn(Stubborn.CPU_LOOP.body(me.self(), stop, log));
          Thread thread = await(me, Thread.class, t -> true);
          MonitorRef ref = me.monitor(p);
          p.send("go");
          await(me, String.class, "looping"::equals);

          me.exit(p, ExitReason.SHUTDOWN);

          assertThat(awaitDown(me, ref).reason()).isEqualTo(ExitReason.SHUTDOWN);
          assertThat(node.zombies()).containsExactly(p);
          stop.set(true);
          List<String> calls = logUntilDone(log);
          assertThat(calls.subList(1, calls.size()))
              .containsExactlyElementsOf(allThrew(ExitReason.SHUTDOWN));
          assertThat(thread.join(WAIT)).isTrue();
        } finally {
          stop.set(true);
        }
      }
    }

    @Test
    @DisplayName("messages sent to a zombie are dropped; they are never received")
    void messagesToAZombieAreDropped() throws Exception {
      AtomicBoolean stop = new AtomicBoolean();
      BlockingQueue<String> log = new LinkedBlockingQueue<>();
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        try {
          Pid<Object> test = me.self();
          Pid<Object> p = node.spawn(ctx -> {
            ctx.send(test, Thread.currentThread());
            ctx.send(test, "looping");
            Stubborn.CPU_LOOP.loop(stop, log);
            attempt(log, "receive", () -> ctx.receive(Duration.ZERO));
            log.add("done");
          });
          Thread thread = await(me, Thread.class, t -> true);
          MonitorRef ref = me.monitor(p);
          await(me, String.class, "looping"::equals);
          me.exit(p, ExitReason.KILL);
          awaitDown(me, ref);

          p.send("to a zombie");
          me.send(p, "to a zombie");

          assertThat(node.processInfo(p)).isEmpty();
          stop.set(true);
          List<String> calls = logUntilDone(log);
          assertThat(calls.remove(0)).startsWith("spun "); // how far: the scheduler's business
          assertThat(calls).containsExactly("receive threw ProcessExitedException: killed");
          assertThat(thread.join(WAIT)).isTrue();
        } finally {
          stop.set(true);
        }
      }
    }
  }

  @Nested
  class KilledWhileBlocked {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.banyan.DeathModelTest#blockingCalls")
    @DisplayName("a process killed while blocked has its thread end")
    void processKilledWhileBlockedHasItsThreadEnd(ProcessBody<Object> blocking) throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Pid<Object> p = node.spawn(ctx -> {
          ctx.send(test, Thread.currentThread());
          blocking.run(ctx);
        });
        Thread thread = await(me, Thread.class, t -> true);
        MonitorRef ref = me.monitor(p);
        awaitBlocked(thread);

        me.exit(p, ExitReason.KILL);

        assertThat(awaitDown(me, ref)).isEqualTo(new Down(ref, p, ExitReason.KILLED));
        assertThat(thread.join(WAIT)).as("thread of %s ended", p).isTrue();
        assertThat(node.zombies()).doesNotContain(p);
      }
    }

    @Test
    @DisplayName("a process blocked in receive and killed by a trappable reason has its thread end")
    void processKilledInReceiveByAnOrdinaryReasonHasItsThreadEnd() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Pid<Object> p = node.spawn(ctx -> {
          ctx.send(test, Thread.currentThread());
          ctx.receive();
        });
        Thread thread = await(me, Thread.class, t -> true);
        MonitorRef ref = me.monitor(p);
        awaitBlocked(thread);

        me.exit(p, ExitReason.SHUTDOWN);

        assertThat(awaitDown(me, ref).reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(thread.join(WAIT)).isTrue();
        assertThat(node.zombies()).isEmpty();
      }
    }

    /** Waits until {@code t} is parked or sleeping (bounded by the test's @Timeout). */
    private static void awaitBlocked(Thread t) {
      while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
        Thread.yield();
      }
    }
  }
}
