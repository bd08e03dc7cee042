package dev.banyan;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DynamicSupervisorTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Duration QUIET = Duration.ofMillis(200);

  /** What a test child tells the test when it starts. */
  record Started(Pid<Object> pid, Object tag) {}

  /** What a test start function tells the test each time it runs (after the first). */
  record Attempt(int n) {}

  /** The result of a call made by a helper process. */
  record Answer(Object value) {}

  /** How a test child is made to end. */
  enum Ending {
    NORMAL(ExitReason.NORMAL),
    SHUTDOWN(ExitReason.SHUTDOWN),
    SHUTDOWN_WITH_DETAIL(ExitReason.shutdown("detail")),
    OTHER(ExitReason.of("whatever")),
    CRASH(null),
    KILLED(ExitReason.KILLED);

    final ExitReason reason; // null: a thrown exception

    Ending(ExitReason reason) {
      this.reason = reason;
    }
  }

  /**
   * A child that tells the test its pid and tag, then ends as it is told: by returning ({@link
   * Ending#NORMAL}), by exiting with the reason, or by throwing ({@link Ending#CRASH}).
   */
  private static ChildStart worker(Pid<Object> test, Object tag) {
    return ChildStart.process(
        c -> {
          test.send(new Started(c.self(), tag));
          Ending ending = c.receive(Ending.class);
          switch (ending) {
            case NORMAL -> {}
            case CRASH -> throw new IllegalStateException("crash on request");
            default -> throw new ExitException(ending.reason);
          }
        });
  }

  private static Started started(AttachedProcess<Object> me, Object tag) {
    return me.receive(Started.class, s -> s.tag().equals(tag), WAIT).orElseThrow();
  }

  private static Pid<?> okPid(DynamicSupervisor.StartChild outcome) {
    assertThat(outcome).isInstanceOf(DynamicSupervisor.StartChild.Ok.class);
    return ((DynamicSupervisor.StartChild.Ok) outcome).pid();
  }

  /** Sends {@code message} to a test child, whatever its pid's type says. */
  @SuppressWarnings("unchecked")
  private static void tell(Pid<?> pid, Object message) {
    ((Pid<Object>) pid).send(message);
  }

  private static Down downOf(AttachedProcess<Object> me, Pid<?> pid) {
    MonitorRef ref = me.monitor(pid);
    return me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow();
  }

  interface Scenario {
    void run() throws Exception;
  }

  /** Runs {@code scenario} with stderr, where slf4j-simple writes the reports, captured. */
  private static String stderrOf(Scenario scenario) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(bytes, true, UTF_8));
    try {
      scenario.run();
    } finally {
      System.setErr(original);
    }
    return bytes.toString(UTF_8);
  }

  private static List<String> reportLines(String log, String context) {
    return log.lines().filter(l -> l.contains("errorContext=" + context + " ")).toList();
  }

  @Nested
  class Options {
    @Test
    @DisplayName("CC-141: defaults are 3 restarts in 5 seconds, no limit on children, no name")
    void defaultsAreElixirs() {
      DynamicSupervisor.Options d = DynamicSupervisor.Options.DEFAULTS;
      assertThat(d.maxRestarts()).isEqualTo(3);
      assertThat(d.maxSeconds()).isEqualTo(Duration.ofSeconds(5));
      assertThat(d.maxChildren()).isEqualTo(OptionalInt.empty());
      assertThat(d.name()).isEmpty();
    }

    @Test
    void invalidValuesAreRejectedNamingTheValue() {
      DynamicSupervisor.Options d = DynamicSupervisor.Options.DEFAULTS;
      assertThatThrownBy(() -> d.withIntensity(-1, Duration.ofSeconds(5)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("-1");
      assertThatThrownBy(() -> d.withIntensity(3, Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("PT0S");
      assertThatThrownBy(() -> d.withMaxChildren(-2))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("-2");
      assertThatThrownBy(() -> d.withName((String) null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aNamedSupervisorIsRegisteredAndItsNameCannotBeTakenTwice() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup =
            DynamicSupervisor.startLink(me, DynamicSupervisor.Options.DEFAULTS.withName("buckets"));
        assertThat(node.whereis("buckets")).contains(sup.pid());
        assertThatThrownBy(
                () -> DynamicSupervisor.start(node, DynamicSupervisor.Options.DEFAULTS.withName("buckets")))
            .isInstanceOf(IllegalStateException.class);
      }
    }
  }

  @Nested
  class StartChild {
    @Test
    @DisplayName("CC-142: {ok, pid}: the child runs linked to the supervisor only, and is counted")
    void okGivesThePidOfAChildLinkedToTheSupervisor() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup = DynamicSupervisor.startLink(me);
        Pid<?> child = okPid(sup.startChild(ChildSpec.worker("w", worker(me.self(), "w"))));
        assertThat(started(me, "w").pid()).isEqualTo(child);
        assertThat(node.processInfo(child).orElseThrow().links()).containsExactly(sup.pid());
        assertThat(sup.countChildren()).isEqualTo(new DynamicSupervisor.Counts(1, 1, 0, 1));
      }
    }

    @Test
    @DisplayName("CC-142: a start returning ignore gives Ignore and keeps nothing")
    void ignoreKeepsNothing() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup = DynamicSupervisor.startLink(me);
        var outcome = sup.startChild(ChildSpec.worker("i", s -> new GenServer.Start.Ignore<>()));
        assertThat(outcome).isEqualTo(new DynamicSupervisor.StartChild.Ignore());
        assertThat(sup.whichChildren()).isEmpty();
        assertThat(sup.countChildren()).isEqualTo(new DynamicSupervisor.Counts(0, 0, 0, 0));
      }
    }

    @Test
    @DisplayName("CC-142: a start returning an error gives its reason unwrapped; null is a bad return")
    void anErrorIsReturnedUnwrapped() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup = DynamicSupervisor.startLink(me);
        assertThat(sup.startChild(ChildSpec.worker("e", s -> new GenServer.Start.Error<>(ExitReason.of("found")))))
            .isEqualTo(new DynamicSupervisor.StartChild.Error(ExitReason.of("found")));
        assertThat(sup.startChild(ChildSpec.worker("n", s -> null)))
            .isEqualTo(
                new DynamicSupervisor.StartChild.Error(
                    ExitReason.of(new GenServer.BadReturnValue("ChildStart.start"))));
        assertThat(sup.whichChildren()).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-143: a start that throws gives Crashed with the exception; exit(reason) gives the reason")
    void aThrowingStartGivesItsReason() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup = DynamicSupervisor.startLink(me);
        IllegalStateException oops = new IllegalStateException("oops");
        assertThat(sup.startChild(ChildSpec.worker("t", s -> { throw oops; })))
            .isEqualTo(new DynamicSupervisor.StartChild.Error(new ExitReason.Crashed(oops)));
        assertThat(sup.startChild(ChildSpec.worker("x", s -> { throw new ExitException(ExitReason.of("oops")); })))
            .isEqualTo(new DynamicSupervisor.StartChild.Error(ExitReason.of("oops")));
        assertThat(sup.pid().isAlive()).isTrue();
        assertThat(sup.whichChildren()).isEmpty();
      }
    }

    @Test
    void aGenServerChildWhoseInitFailsGivesTheInitReasonAndATakenNameGivesAlreadyStarted() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup = DynamicSupervisor.startLink(me);
        ChildStart failing =
            ChildStart.genServer(() -> (GenServer<Object, Object>) self -> GenServer.Init.stop(ExitReason.of("no db")));
        assertThat(sup.startChild(ChildSpec.worker("db", failing)))
            .isEqualTo(new DynamicSupervisor.StartChild.Error(ExitReason.of("no db")));

        ChildStart named =
            ChildStart.genServer(
                () -> (GenServer<Object, Object>) self -> GenServer.Init.ok("state"),
                GenServer.Options.named("single"));
        Pid<?> first = okPid(sup.startChild(ChildSpec.worker("single", named)));
        var second = sup.startChild(ChildSpec.worker("single", named));
        assertThat(second)
            .isEqualTo(
                new DynamicSupervisor.StartChild.Error(
                    ExitReason.of(new GenServer.Start.AlreadyStarted<>(ServerRef.of(first)))));
        assertThat(sup.countChildren().specs()).isEqualTo(1);
      }
    }

    @Test
    void idsAreIgnoredSoTwoChildrenMayShareOne() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup = DynamicSupervisor.startLink(me);
        Pid<?> a = okPid(sup.startChild(ChildSpec.worker("same", worker(me.self(), "a"))));
        Pid<?> b = okPid(sup.startChild(ChildSpec.worker("same", worker(me.self(), "b"))));
        assertThat(a).isNotEqualTo(b);
        assertThat(sup.countChildren().active()).isEqualTo(2);
      }
    }

    @Test
    void aSignificantChildIsRejectedInTheCallerNamingIt() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup = DynamicSupervisor.startLink(me);
        AtomicInteger starts = new AtomicInteger();
        ChildSpec spec =
            ChildSpec.worker("the-significant-one", s -> {
                  starts.incrementAndGet();
                  return new GenServer.Start.Ignore<>();
                })
                .withRestart(Restart.TRANSIENT)
                .withSignificant(true);
        assertThatThrownBy(() -> sup.startChild(spec))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("the-significant-one")
            .hasMessageContaining("invalid_significant");
        assertThat(starts).hasValue(0);
      }
    }

    @Test
    void aChildThatDiesBeforeItsStartReturnsIsStillJudgedByItsRestartType() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup = DynamicSupervisor.startLink(me);
        Pid<Object> test = me.self();
        AtomicInteger runs = new AtomicInteger();
        // The start returns only once its child is dead: the supervisor cannot look the pid up.
        ChildStart diesAtOnce =
            s -> {
              int run = runs.incrementAndGet();
              Pid<Object> child =
                  s.spawnLink(
                      c -> {
                        test.send(new Started(c.self(), "run " + run));
                        if (run == 1) {
                          throw new IllegalStateException("dead on arrival");
                        }
                        c.receive(); // the restarted child stays
                      });
              if (run == 1) {
                MonitorRef ref = s.monitor(child);
                s.receive(Down.class, d -> d.ref().equals(ref));
              }
              return new GenServer.Start.Ok<>(ServerRef.of(child));
            };
        Pid<?> first = okPid(sup.startChild(ChildSpec.worker("doa", diesAtOnce)));
        assertThat(started(me, "run 1").pid()).isEqualTo(first);
        Pid<Object> second = started(me, "run 2").pid();
        assertThat(sup.whichChildren())
            .containsExactly(new DynamicSupervisor.Child(Optional.of(second), ChildSpec.Type.WORKER, Restart.PERMANENT));
      }
    }
  }

  @Nested
  class MaxChildren {
    @Test
    @DisplayName("CC-144: maxChildren 0 refuses every child, without running its start")
    void zeroRefusesEveryChild() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup =
            DynamicSupervisor.startLink(me, DynamicSupervisor.Options.DEFAULTS.withMaxChildren(0));
        AtomicInteger starts = new AtomicInteger();
        var outcome =
            sup.startChild(ChildSpec.worker("w", s -> {
              starts.incrementAndGet();
              return new GenServer.Start.Ignore<>();
            }));
        assertThat(outcome).isEqualTo(new DynamicSupervisor.StartChild.MaxChildren());
        assertThat(starts).hasValue(0);
      }
    }

    @Test
    @DisplayName("CC-144: with maxChildren 1, a second child is refused until the first has ended")
    void aSlotIsFreedWhenAChildEnds() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup =
            DynamicSupervisor.startLink(me, DynamicSupervisor.Options.DEFAULTS.withMaxChildren(1));
        ChildSpec temporary = ChildSpec.worker("w", worker(me.self(), "first")).withRestart(Restart.TEMPORARY);
        Pid<?> first = okPid(sup.startChild(temporary));
        assertThat(sup.startChild(ChildSpec.worker("w", worker(me.self(), "second"))))
            .isEqualTo(new DynamicSupervisor.StartChild.MaxChildren());
        MonitorRef ref = me.monitor(first);
        tell(first, Ending.NORMAL);
        me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow();
        okPid(sup.startChild(ChildSpec.worker("w", worker(me.self(), "second"))));
      }
    }

    @Test
    @DisplayName("CC-144: a child waiting for a restart still occupies its slot")
    void aRestartingChildOccupiesItsSlot() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Semaphore permits = new Semaphore(0);
        DynamicSupervisor sup =
            DynamicSupervisor.startLinkWithClock(
                me,
                DynamicSupervisor.Options.DEFAULTS.withMaxChildren(1).withIntensity(1000, Duration.ofSeconds(5)),
                () -> 0);
        Pid<?> child = okPid(sup.startChild(ChildSpec.worker("r", failingRestarts(me.self(), permits))));
        node.exit(child, ExitReason.KILL);
        ChildSpec another = ChildSpec.worker("w", worker(me.self(), "w"));
        Object refused = callReleasingAttempts(node, me, permits, () -> sup.startChild(another));
        assertThat(refused).isEqualTo(new DynamicSupervisor.StartChild.MaxChildren());
        assertThat(callReleasingAttempts(node, me, permits, () -> sup.terminateChild(child))).isEqualTo(true);
      }
    }
  }

  @Nested
  class ExtraArgument {
    @Test
    @DisplayName("CC-145: the supervisor's argument reaches each child's start, and again on restart")
    void theArgumentReachesEveryStartAndRestart() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor.WithArgument<String> sup =
            DynamicSupervisor.startLink(me, DynamicSupervisor.Options.DEFAULTS, "a");
        Pid<Object> test = me.self();
        // Elixir: extra_arguments: [:a] and a spec with args [:b] start the child with [:a, :b].
        var outcome =
            sup.startChild(a -> ChildSpec.worker("w", worker(test, List.of(a, "b"))));
        Pid<?> first = okPid(outcome);
        assertThat(started(me, List.of("a", "b")).pid()).isEqualTo(first);
        tell(first, Ending.CRASH);
        Pid<Object> restarted = started(me, List.of("a", "b")).pid();
        assertThat(restarted).isNotEqualTo(first);
        assertThat(sup.supervisor().whichChildren())
            .extracting(DynamicSupervisor.Child::pid)
            .containsExactly(Optional.of(restarted));
      }
    }

    @Test
    void aSupervisorStartedWithoutALinkAlsoTakesAnArgument() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor.WithArgument<Integer> sup =
            DynamicSupervisor.start(node, DynamicSupervisor.Options.DEFAULTS, 42);
        sup.startChild(n -> ChildSpec.worker("w", worker(me.self(), n + 1)));
        assertThat(started(me, 43)).isNotNull();
        assertThatThrownBy(() -> sup.startChild(n -> null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> DynamicSupervisor.start(node, DynamicSupervisor.Options.DEFAULTS, (Object) null))
            .isInstanceOf(NullPointerException.class);
        sup.supervisor().stop();
      }
    }
  }

  @Nested
  class Restarts {
    /** The grid of otp-semantics §5.5, written out: restart type x how the child ended. */
    @ParameterizedTest(name = "{0} child ending {1}: restarted {2}, reported {3}")
    @CsvSource({
      "PERMANENT, NORMAL,               true,  true",
      "PERMANENT, SHUTDOWN,             true,  true",
      "PERMANENT, SHUTDOWN_WITH_DETAIL, true,  true",
      "PERMANENT, OTHER,                true,  true",
      "PERMANENT, CRASH,                true,  true",
      "PERMANENT, KILLED,               true,  true",
      "TRANSIENT, NORMAL,               false, false",
      "TRANSIENT, SHUTDOWN,             false, false",
      "TRANSIENT, SHUTDOWN_WITH_DETAIL, false, false",
      "TRANSIENT, OTHER,                true,  true",
      "TRANSIENT, CRASH,                true,  true",
      "TRANSIENT, KILLED,               true,  true",
      "TEMPORARY, NORMAL,               false, false",
      "TEMPORARY, SHUTDOWN,             false, false",
      "TEMPORARY, SHUTDOWN_WITH_DETAIL, false, false",
      "TEMPORARY, OTHER,                false, true",
      "TEMPORARY, CRASH,                false, true",
      "TEMPORARY, KILLED,               false, true",
    })
    @DisplayName("CC-146: the restart type and the exit reason decide restart and report")
    void restartTypeAndReasonDecide(Restart restart, Ending ending, boolean restarted, boolean reported)
        throws Exception {
      List<Object> seen = new ArrayList<>();
      String log =
          stderrOf(
              () -> {
                try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
                  DynamicSupervisor sup = DynamicSupervisor.startLink(me);
                  Pid<?> child =
                      okPid(sup.startChild(ChildSpec.worker("w", worker(me.self(), "w")).withRestart(restart)));
                  started(me, "w");
                  MonitorRef ref = me.monitor(child);
                  if (ending == Ending.KILLED) {
                    node.exit(child, ExitReason.KILL);
                  } else {
                    tell(child, ending);
                  }
                  ExitReason reason = me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow().reason();
                  if (ending == Ending.CRASH) {
                    assertThat(reason).isInstanceOf(ExitReason.Crashed.class);
                  } else {
                    assertThat(reason).isEqualTo(ending.reason);
                  }
                  // The supervisor got the Exit before the Down reached us: this call is answered
                  // after the decision.
                  List<DynamicSupervisor.Child> children = sup.whichChildren();
                  if (restarted) {
                    Pid<Object> again = started(me, "w").pid();
                    assertThat(again).isNotEqualTo(child);
                    assertThat(children)
                        .containsExactly(new DynamicSupervisor.Child(Optional.of(again), ChildSpec.Type.WORKER, restart));
                  } else {
                    assertThat(children).isEmpty();
                  }
                  seen.add(DynamicSupervisor.afterExit(restart, reason));
                }
              });
      assertThat(reportLines(log, "child_terminated")).hasSize(reported ? 1 : 0);
      DynamicSupervisor.AfterExit expected =
          restarted
              ? DynamicSupervisor.AfterExit.RESTART
              : reported ? DynamicSupervisor.AfterExit.DELETE_REPORTED : DynamicSupervisor.AfterExit.DELETE;
      assertThat(seen).containsExactly(expected);
    }

    @Test
    @DisplayName("CC-147: a restart returning ignore removes the child")
    void aRestartReturningIgnoreRemovesTheChild() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup = DynamicSupervisor.startLink(me);
        AtomicInteger starts = new AtomicInteger();
        ChildStart w = worker(me.self(), "w");
        ChildStart once = s -> starts.incrementAndGet() == 1
            ? w.start(s)
            : new GenServer.Start.Ignore<>();
        Pid<?> child = okPid(sup.startChild(ChildSpec.worker("w", once)));
        started(me, "w");
        tell(child, Ending.CRASH);
        downOf(me, child);
        assertThat(sup.whichChildren()).isEmpty();
        assertThat(starts).hasValue(2);
      }
    }

    @Test
    @DisplayName("CC-147: a failed restart is retried through a message, reported as start_error, until it succeeds")
    void aFailedRestartIsRetriedUntilItSucceeds() throws Exception {
      List<Pid<?>> pids = new ArrayList<>();
      String log =
          stderrOf(
              () -> {
                try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
                  DynamicSupervisor sup =
                      DynamicSupervisor.startLinkWithClock(
                          me, DynamicSupervisor.Options.DEFAULTS.withIntensity(5, Duration.ofSeconds(5)), () -> 0);
                  AtomicInteger starts = new AtomicInteger();
                  ChildStart w = worker(me.self(), "w");
                  // Start 1 works, restarts 2 and 3 fail, restart 4 works.
                  ChildStart flaky =
                      s -> {
                        int n = starts.incrementAndGet();
                        return n == 2 || n == 3
                            ? new GenServer.Start.Error<>(ExitReason.of("try " + n + " failed"))
                            : w.start(s);
                      };
                  Pid<?> child = okPid(sup.startChild(ChildSpec.worker("w", flaky)));
                  started(me, "w");
                  pids.add(child);
                  tell(child, Ending.CRASH);
                  Pid<Object> restarted = started(me, "w").pid();
                  pids.add(restarted);
                  assertThat(starts).hasValue(4);
                  assertThat(sup.whichChildren())
                      .containsExactly(
                          new DynamicSupervisor.Child(Optional.of(restarted), ChildSpec.Type.WORKER, Restart.PERMANENT));
                }
              });
      List<String> startErrors = reportLines(log, "start_error");
      assertThat(startErrors).hasSize(2);
      assertThat(startErrors.get(0)).contains("try 2 failed").contains("{restarting, " + pids.get(0) + "}");
      assertThat(startErrors.get(1)).contains("try 3 failed").contains("{restarting, " + pids.get(0) + "}");
      assertThat(reportLines(log, "child_terminated")).hasSize(1);
    }

    @Test
    @DisplayName("CC-147: while its restart fails, a child is listed as restarting, counted but not active")
    void aChildWhoseRestartFailsIsRestarting() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Semaphore permits = new Semaphore(0);
        DynamicSupervisor sup =
            DynamicSupervisor.startLinkWithClock(
                me, DynamicSupervisor.Options.DEFAULTS.withIntensity(1000, Duration.ofSeconds(5)), () -> 0);
        Pid<?> failing = okPid(sup.startChild(ChildSpec.worker("r", failingRestarts(me.self(), permits))));
        Pid<?> healthy = okPid(sup.startChild(ChildSpec.worker("h", worker(me.self(), "h"))));
        node.exit(failing, ExitReason.KILL);

        Object which = callReleasingAttempts(node, me, permits, sup::whichChildren);
        assertThat(which)
            .isEqualTo(
                List.of(
                    new DynamicSupervisor.Child(Optional.empty(), ChildSpec.Type.WORKER, Restart.PERMANENT),
                    new DynamicSupervisor.Child(Optional.of(healthy), ChildSpec.Type.WORKER, Restart.PERMANENT)));
        assertThat(((List<?>) which).get(0))
            .isInstanceOfSatisfying(DynamicSupervisor.Child.class, c -> assertThat(c.isRestarting()).isTrue());
        assertThat(callReleasingAttempts(node, me, permits, sup::countChildren))
            .isEqualTo(new DynamicSupervisor.Counts(2, 1, 0, 2));

        // terminateChild with the old pid removes it and ends the retries.
        assertThat(callReleasingAttempts(node, me, permits, () -> sup.terminateChild(failing))).isEqualTo(true);
        assertThat(sup.countChildren()).isEqualTo(new DynamicSupervisor.Counts(1, 1, 0, 1));
        assertThat(me.receive(Attempt.class, QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("§5.7: stopping the supervisor works while a child is restarting (OTP-9549)")
    void stopWorksWhileAChildIsRestarting() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Semaphore permits = new Semaphore(0);
        DynamicSupervisor sup =
            DynamicSupervisor.startLinkWithClock(
                me, DynamicSupervisor.Options.DEFAULTS.withIntensity(1000, Duration.ofSeconds(5)), () -> 0);
        Pid<?> supPid = sup.pid();
        Pid<?> failing = okPid(sup.startChild(ChildSpec.worker("r", failingRestarts(me.self(), permits))));
        node.exit(failing, ExitReason.KILL);
        assertThat(callReleasingAttempts(node, me, permits, () -> { sup.stop(); return "stopped"; }))
            .isEqualTo("stopped");
        Exit exit = me.receive(Exit.class, e -> e.from().equals(supPid), WAIT).orElseThrow();
        assertThat(exit.reason()).isEqualTo(ExitReason.NORMAL);
      }
    }
  }

  /**
   * A permanent child whose first start works and whose every restart fails, each attempt first
   * telling the test and then waiting for a permit.
   */
  private static ChildStart failingRestarts(Pid<Object> test, Semaphore permits) {
    AtomicInteger starts = new AtomicInteger();
    return s -> {
      int n = starts.incrementAndGet();
      if (n == 1) {
        return ChildStart.process(c -> c.receive()).start(s);
      }
      test.send(new Attempt(n));
      permits.acquire();
      return new GenServer.Start.Error<>(ExitReason.of("attempt " + n + " failed"));
    };
  }

  /**
   * Makes a call to a supervisor that is retrying a {@link #failingRestarts} child, from a helper
   * process, and lets one failing attempt finish for every attempt that starts until the call is
   * answered. The call reaches the mailbox between two attempts, and is served before the next
   * retry, which it precedes: so it sees the child restarting. No timing is involved.
   */
  private static Object callReleasingAttempts(
      Node node, AttachedProcess<Object> me, Semaphore permits, Callable<?> call) {
    Pid<Object> test = me.self();
    node.spawn(
        c -> {
          Object value;
          try {
            value = call.call();
          } catch (Exception e) {
            value = e;
          }
          test.send(new Answer(value));
        });
    for (; ; ) {
      Object m = me.receive(Object.class, x -> x instanceof Answer || x instanceof Attempt, WAIT).orElseThrow();
      if (m instanceof Answer a) {
        return a.value();
      }
      permits.release();
    }
  }

  @Nested
  class Intensity {
    @Test
    @DisplayName("CC-148: maxRestarts 1 and a child whose restart fails: the supervisor exits shutdown")
    void aRestartThatKeepsFailingExhaustsTheIntensity() throws Exception {
      AtomicInteger starts = new AtomicInteger();
      List<Pid<?>> pids = new ArrayList<>();
      String log =
          stderrOf(
              () -> {
                try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
                  me.trapExit(true);
                  DynamicSupervisor sup =
                      DynamicSupervisor.startLinkWithClock(
                          me, DynamicSupervisor.Options.DEFAULTS.withIntensity(1, Duration.ofSeconds(5)), () -> 0);
                  Pid<?> supPid = sup.pid();
                  ChildStart onlyOnce =
                      s -> starts.incrementAndGet() == 1
                          ? ChildStart.process(c -> c.receive()).start(s)
                          : new GenServer.Start.Error<>(ExitReason.of("no luck"));
                  Pid<?> child = okPid(sup.startChild(ChildSpec.worker("w", onlyOnce)));
                  pids.add(child);
                  node.exit(child, ExitReason.KILL);
                  Exit exit = me.receive(Exit.class, e -> e.from().equals(supPid), WAIT).orElseThrow();
                  assertThat(exit.reason()).isEqualTo(ExitReason.SHUTDOWN);
                }
              });
      // The first start, then one restart (allowed, failed); its retry exceeds the intensity.
      assertThat(starts).hasValue(2);
      assertThat(reportLines(log, "start_error")).hasSize(1);
      assertThat(reportLines(log, "shutdown"))
          .singleElement()
          .asString()
          .contains("reached_max_restart_intensity")
          .contains("pid: " + pids.get(0));
    }

    @Test
    @DisplayName("§5.6: with maxRestarts N, N restarts within the window are tolerated, the next stops it")
    void theRestartAfterMaxRestartsStopsTheSupervisorAndItsChildren() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        AtomicLong clock = new AtomicLong(1000);
        DynamicSupervisor sup =
            DynamicSupervisor.startLinkWithClock(
                me, DynamicSupervisor.Options.DEFAULTS.withIntensity(3, Duration.ofSeconds(5)), clock::get);
        Pid<?> supPid = sup.pid();
        Pid<?> bystander = okPid(sup.startChild(ChildSpec.worker("b", worker(me.self(), "b"))));
        MonitorRef bystanderRef = me.monitor(bystander);
        Pid<?> child = okPid(sup.startChild(ChildSpec.worker("c", worker(me.self(), "c"))));
        started(me, "c");
        for (int restart = 1; restart <= 3; restart++) {
          tell(child, Ending.CRASH);
          child = started(me, "c").pid();
          clock.addAndGet(1);
        }
        tell(child, Ending.CRASH); // a 4th restart within 5 s
        Exit exit = me.receive(Exit.class, e -> e.from().equals(supPid), WAIT).orElseThrow();
        assertThat(exit.reason()).isEqualTo(ExitReason.SHUTDOWN);
        Down down = me.receive(Down.class, d -> d.ref().equals(bystanderRef), WAIT).orElseThrow();
        assertThat(down.reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(me.receive(Started.class, st -> st.tag().equals("c"), QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("§5.6: a restart exactly maxSeconds after the last still counts; one second later it does not")
    void theWindowIsInclusiveAndCountedInWholeSeconds() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        AtomicLong clock = new AtomicLong(1000);
        DynamicSupervisor sup =
            DynamicSupervisor.startLinkWithClock(
                me, DynamicSupervisor.Options.DEFAULTS.withIntensity(1, Duration.ofSeconds(5)), clock::get);
        Pid<?> supPid = sup.pid();
        Pid<?> child = okPid(sup.startChild(ChildSpec.worker("c", worker(me.self(), "c"))));
        started(me, "c");
        tell(child, Ending.CRASH); // restart at 1000
        child = started(me, "c").pid();
        clock.set(1006);
        tell(child, Ending.CRASH); // 1000 < 1006 - 5: alone in its window
        child = started(me, "c").pid();
        assertThat(sup.pid().isAlive()).isTrue();
        clock.set(1011);
        tell(child, Ending.CRASH); // 1006 >= 1011 - 5: two in the window
        Exit exit = me.receive(Exit.class, e -> e.from().equals(supPid), WAIT).orElseThrow();
        assertThat(exit.reason()).isEqualTo(ExitReason.SHUTDOWN);
      }
    }

    @Test
    void zeroMaxRestartsStopsTheSupervisorAtTheFirstRestart() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        DynamicSupervisor sup =
            DynamicSupervisor.startLink(me, DynamicSupervisor.Options.DEFAULTS.withIntensity(0, Duration.ofSeconds(5)));
        Pid<?> supPid = sup.pid();
        Pid<?> child = okPid(sup.startChild(ChildSpec.worker("c", worker(me.self(), "c"))));
        started(me, "c");
        tell(child, Ending.CRASH);
        Exit exit = me.receive(Exit.class, e -> e.from().equals(supPid), WAIT).orElseThrow();
        assertThat(exit.reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(me.receive(Started.class, QUIET)).isEmpty();
      }
    }
  }

  @Nested
  class TerminateChild {
    @Test
    @DisplayName("CC-149: a child is stopped with shutdown and not restarted; any other pid is not found")
    void aChildIsStoppedAndNotRestarted() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup = DynamicSupervisor.startLink(me);
        Pid<?> child = okPid(sup.startChild(ChildSpec.worker("w", worker(me.self(), "w"))));
        started(me, "w");
        MonitorRef ref = me.monitor(child);
        assertThat(sup.terminateChild(child)).isTrue();
        assertThat(me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow().reason())
            .isEqualTo(ExitReason.SHUTDOWN);
        assertThat(sup.whichChildren()).isEmpty();
        assertThat(me.receive(Started.class, QUIET)).isEmpty();
        assertThat(sup.terminateChild(child)).isFalse();
        assertThat(sup.terminateChild(me.self())).isFalse();
      }
    }

    @Test
    void itUsesTheChildsShutdownAndReportsAnUnexpectedEnd() throws Exception {
      List<Pid<?>> pids = new ArrayList<>();
      String log =
          stderrOf(
              () -> {
                try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
                  DynamicSupervisor sup = DynamicSupervisor.startLink(me);
                  Pid<?> brutal =
                      trapping(sup, me, "brutal", Cleanup.CLEAN, Restart.PERMANENT, Shutdown.BRUTAL_KILL);
                  Pid<?> late =
                      trapping(sup, me, "late", Cleanup.HANG, Restart.PERMANENT, Shutdown.timeout(Duration.ofMillis(100)));
                  pids.add(late);
                  MonitorRef brutalRef = me.monitor(brutal);
                  MonitorRef lateRef = me.monitor(late);
                  assertThat(sup.terminateChild(brutal)).isTrue();
                  assertThat(sup.terminateChild(late)).isTrue();
                  assertThat(me.receive(Down.class, d -> d.ref().equals(brutalRef), WAIT).orElseThrow().reason())
                      .isEqualTo(ExitReason.KILLED);
                  assertThat(me.receive(Down.class, d -> d.ref().equals(lateRef), WAIT).orElseThrow().reason())
                      .isEqualTo(ExitReason.KILLED);
                  assertThat(me.receive(String.class, s -> s.startsWith("brutal"), QUIET)).isEmpty();
                }
              });
      assertThat(reportLines(log, "shutdown_error")).singleElement().asString().contains("pid: " + pids.get(0));
    }
  }

  @Nested
  class WhichAndCountChildren {
    @Test
    void workersAndSupervisorsAreListedInStartOrderAndCounted() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup = DynamicSupervisor.startLink(me);
        Pid<?> w1 = okPid(sup.startChild(ChildSpec.worker("w1", worker(me.self(), "w1"))));
        ChildStart nested =
            s -> new GenServer.Start.Ok<>(ServerRef.of(DynamicSupervisor.startLink(s).pid()));
        Pid<?> s1 = okPid(sup.startChild(ChildSpec.supervisor("s1", nested)));
        Pid<?> w2 =
            okPid(sup.startChild(ChildSpec.worker("w2", worker(me.self(), "w2")).withRestart(Restart.TRANSIENT)));
        assertThat(sup.whichChildren())
            .containsExactly(
                new DynamicSupervisor.Child(Optional.of(w1), ChildSpec.Type.WORKER, Restart.PERMANENT),
                new DynamicSupervisor.Child(Optional.of(s1), ChildSpec.Type.SUPERVISOR, Restart.PERMANENT),
                new DynamicSupervisor.Child(Optional.of(w2), ChildSpec.Type.WORKER, Restart.TRANSIENT));
        assertThat(sup.countChildren()).isEqualTo(new DynamicSupervisor.Counts(3, 3, 1, 2));
        assertThat(sup.whichChildren()).noneMatch(DynamicSupervisor.Child::isRestarting);
      }
    }
  }

  /** What a trapping test child does when it gets its shutdown signal. */
  enum Cleanup {
    /** Tells the test, then exits with the signal's reason. */
    CLEAN,
    /** Tells the test, then returns: exits normal. */
    RETURN,
    /** Ignores it, waiting for ever. */
    HANG
  }

  /** Starts a child that traps exits; returns once it traps. */
  private static Pid<?> trapping(
      DynamicSupervisor sup, AttachedProcess<Object> me, String tag, Cleanup cleanup, Restart restart, Shutdown how) {
    Pid<Object> test = me.self();
    ChildStart start =
        ChildStart.process(
            c -> {
              c.trapExit(true);
              test.send(new Started(c.self(), tag));
              Exit exit = c.receive(Exit.class);
              switch (cleanup) {
                case CLEAN -> {
                  test.send(tag + " cleaned up after " + exit.reason());
                  throw new ExitException(exit.reason());
                }
                case RETURN -> test.send(tag + " cleaned up after " + exit.reason());
                case HANG -> new CountDownLatch(1).await();
              }
            });
    Pid<?> pid = okPid(sup.startChild(ChildSpec.worker(tag, start).withRestart(restart).withShutdown(how)));
    started(me, tag);
    return pid;
  }

  @Nested
  class Stop {
    @Test
    @DisplayName("§5.8: on stop, children get their shutdown time, late ones are killed, brutal_kill kills at once")
    void childrenGetTheirShutdownTimeThenLateOnesAreKilled() throws Exception {
      List<Pid<?>> errors = new ArrayList<>();
      String log =
          stderrOf(
              () -> {
                try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
                  DynamicSupervisor sup = DynamicSupervisor.startLink(me);
                  Pid<?> clean = trapping(sup, me, "clean", Cleanup.CLEAN, Restart.PERMANENT, Shutdown.timeout(WAIT));
                  Pid<?> returns = trapping(sup, me, "returns", Cleanup.RETURN, Restart.TEMPORARY, Shutdown.INFINITY);
                  Pid<?> normalPermanent =
                      trapping(sup, me, "normal-permanent", Cleanup.RETURN, Restart.PERMANENT, Shutdown.timeout(WAIT));
                  Pid<?> late =
                      trapping(sup, me, "late", Cleanup.HANG, Restart.TEMPORARY, Shutdown.timeout(Duration.ofMillis(100)));
                  Pid<?> brutal = trapping(sup, me, "brutal", Cleanup.CLEAN, Restart.TEMPORARY, Shutdown.BRUTAL_KILL);
                  Pid<?> plain = okPid(sup.startChild(ChildSpec.worker("plain", worker(me.self(), "plain"))));
                  started(me, "plain");
                  errors.add(normalPermanent);
                  errors.add(late);
                  List<Pid<?>> all = List.of(clean, returns, normalPermanent, late, brutal, plain);
                  List<MonitorRef> refs = all.stream().map(me::monitor).toList();
                  sup.stop();
                  List<ExitReason> reasons =
                      refs.stream()
                          .map(r -> me.receive(Down.class, d -> d.ref().equals(r), WAIT).orElseThrow().reason())
                          .toList();
                  assertThat(reasons)
                      .containsExactly(
                          ExitReason.SHUTDOWN,
                          ExitReason.NORMAL,
                          ExitReason.NORMAL,
                          ExitReason.KILLED,
                          ExitReason.KILLED,
                          ExitReason.SHUTDOWN);
                  assertThat(me.receive(String.class, "clean cleaned up after shutdown"::equals, WAIT)).isPresent();
                  assertThat(me.receive(String.class, "returns cleaned up after shutdown"::equals, WAIT)).isPresent();
                  assertThat(me.receive(String.class, s -> s.startsWith("brutal"), QUIET)).isEmpty();
                }
              });
      // Unexpected: normal from a permanent child, killed after a timed shutdown (§5.8 step 5).
      List<String> shutdownErrors = reportLines(log, "shutdown_error");
      assertThat(shutdownErrors).hasSize(2);
      assertThat(shutdownErrors).anySatisfy(l -> assertThat(l).contains("pid: " + errors.get(0) + ","));
      assertThat(shutdownErrors).anySatisfy(l -> assertThat(l).contains("pid: " + errors.get(1) + ","));
    }

    @Test
    @DisplayName("CC-150: children are stopped concurrently: each gets its signal before any has ended")
    void childrenAreStoppedConcurrently() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup = DynamicSupervisor.startLink(me);
        int n = 4;
        CountDownLatch allSignalled = new CountDownLatch(n);
        Pid<Object> test = me.self();
        List<MonitorRef> refs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          String tag = "slow " + i;
          // Each child, once told to stop, waits until every child has been told. Stopped one
          // after the other, the first would wait in vain and be killed after its 2 s.
          ChildStart slow =
              ChildStart.process(
                  c -> {
                    c.trapExit(true);
                    test.send(new Started(c.self(), tag));
                    Exit exit = c.receive(Exit.class);
                    allSignalled.countDown();
                    allSignalled.await();
                    throw new ExitException(exit.reason());
                  });
          Pid<?> pid = okPid(sup.startChild(ChildSpec.worker(tag, slow).withShutdown(Shutdown.timeout(Duration.ofSeconds(2)))));
          started(me, tag);
          refs.add(me.monitor(pid));
        }
        sup.stop();
        for (MonitorRef ref : refs) {
          assertThat(me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow().reason())
              .isEqualTo(ExitReason.SHUTDOWN);
        }
      }
    }

    @Test
    void whenTheParentExitsTheSupervisorStopsItsChildrenAndExitsWithTheSameReason() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Pid<Object> parent =
            node.spawn(
                c -> {
                  DynamicSupervisor sup = DynamicSupervisor.startLink(c);
                  test.send(sup);
                  c.receive(String.class, "go"::equals);
                  throw new ExitException(ExitReason.of("parent gone"));
                });
        DynamicSupervisor sup = me.receive(DynamicSupervisor.class, WAIT).orElseThrow();
        Pid<?> supPid = sup.pid();
        Pid<?> child = okPid(sup.startChild(ChildSpec.worker("w", worker(me.self(), "w"))));
        started(me, "w");
        MonitorRef supRef = me.monitor(supPid);
        MonitorRef childRef = me.monitor(child);
        parent.send("go");
        assertThat(me.receive(Down.class, d -> d.ref().equals(childRef), WAIT).orElseThrow().reason())
            .isEqualTo(ExitReason.SHUTDOWN);
        assertThat(me.receive(Down.class, d -> d.ref().equals(supRef), WAIT).orElseThrow().reason())
            .isEqualTo(ExitReason.of("parent gone"));
      }
    }

    @Test
    @DisplayName("§5.5: a shutdown signal from a stranger does nothing; kill kills it and its children through the links")
    void onlyTheParentsSignalStopsItButKillAlwaysDoes() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup = DynamicSupervisor.start(node);
        Pid<?> supPid = sup.pid();
        Pid<?> child = okPid(sup.startChild(ChildSpec.worker("w", worker(me.self(), "w"))));
        started(me, "w");
        Spawned<Object> stranger =
            me.spawnMonitor(
                c -> {
                  c.link(supPid);
                  c.exit(supPid, ExitReason.SHUTDOWN);
                  throw new ExitException(ExitReason.of("stranger crashed"));
                });
        me.receive(Down.class, d -> d.ref().equals(stranger.ref()), WAIT).orElseThrow();
        assertThat(sup.countChildren()).isEqualTo(new DynamicSupervisor.Counts(1, 1, 0, 1));

        MonitorRef childRef = me.monitor(child);
        node.exit(supPid, ExitReason.KILL);
        assertThat(me.receive(Down.class, d -> d.ref().equals(childRef), WAIT).orElseThrow().reason())
            .isEqualTo(ExitReason.KILLED);
        assertThatThrownBy(sup::countChildren)
            .isInstanceOfSatisfying(CallException.class, e -> assertThat(e.failure()).isEqualTo(ExitReason.NOPROC));
      }
    }

    @Test
    void anUnexpectedMessageIsLoggedAndDropped() throws Exception {
      String log =
          stderrOf(
              () -> {
                try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
                  DynamicSupervisor sup = DynamicSupervisor.startLink(me);
                  @SuppressWarnings("unchecked")
                  Pid<Object> supPid = (Pid<Object>) sup.pid();
                  supPid.send("hello?");
                  assertThat(sup.countChildren().specs()).isZero();
                }
              });
      assertThat(log).contains("received an unexpected message: hello?");
    }
  }

  @Nested
  class JfrEvents {
    @Test
    void aRestartAndTheIntensityExceededAreRecorded() throws Exception {
      BlockingQueue<RecordedEvent> events = new LinkedBlockingQueue<>();
      try (RecordingStream rs = new RecordingStream();
          Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        rs.enable("dev.banyan.ChildRestart");
        rs.enable("dev.banyan.IntensityExceeded");
        rs.onEvent(events::add);
        rs.startAsync();
        me.trapExit(true);
        // A supervisor is named in its events by its name, else its pid: a name unique to this
        // test keeps other tests' events out.
        String name = "jfr-dynamic-supervisor";
        DynamicSupervisor sup =
            DynamicSupervisor.startLinkWithClock(
                me,
                DynamicSupervisor.Options.DEFAULTS.withName(name).withIntensity(1, Duration.ofSeconds(7)),
                () -> 0);
        Pid<?> supPid = sup.pid();
        Pid<?> first = okPid(sup.startChild(ChildSpec.worker("c", worker(me.self(), "c"))));
        started(me, "c");
        tell(first, Ending.CRASH);
        Pid<?> second = started(me, "c").pid();
        tell(second, Ending.OTHER);
        me.receive(Exit.class, e -> e.from().equals(supPid), WAIT).orElseThrow();

        RecordedEvent restart = next(events, "dev.banyan.ChildRestart", name);
        assertThat(restart.getString("child")).isEqualTo(first.toString());
        assertThat(restart.getString("reason")).contains("crash on request");
        assertThat(restart.getString("outcome")).isEqualTo(second.toString());
        RecordedEvent exceeded = next(events, "dev.banyan.IntensityExceeded", name);
        assertThat(exceeded.getString("child")).isEqualTo(second.toString());
        assertThat(exceeded.getInt("maxRestarts")).isEqualTo(1);
        assertThat(exceeded.getDuration("maxSeconds")).isEqualTo(Duration.ofSeconds(7));
      }
    }

    private RecordedEvent next(BlockingQueue<RecordedEvent> events, String type, String supervisor)
        throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); // JFR flushes about once a second
      for (; ; ) {
        RecordedEvent e = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertThat(e).as("a %s event", type).isNotNull();
        if (e.getEventType().getName().equals(type) && supervisor.equals(e.getString("supervisor"))) {
          return e;
        }
      }
    }
  }

  @Nested
  class GeneralExceptions {
    @Test
    void nullArgumentsThrowNullPointerException() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup = DynamicSupervisor.startLink(me);
        assertThatThrownBy(() -> sup.startChild(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> sup.terminateChild(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> DynamicSupervisor.start(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> DynamicSupervisor.startLink(me, null)).isInstanceOf(NullPointerException.class);
      }
    }

    @Test
    void callsToAStoppedSupervisorFailWithNoproc() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        DynamicSupervisor sup = DynamicSupervisor.startLink(me);
        sup.stop();
        assertThatThrownBy(sup::whichChildren)
            .isInstanceOfSatisfying(CallException.class, e -> assertThat(e.failure()).isEqualTo(ExitReason.NOPROC));
        assertThatThrownBy(sup::pid).isInstanceOf(IllegalStateException.class);
      }
    }
  }
}
