package dev.banyan;

import static dev.banyan.SupervisorFixtures.downOf;
import static dev.banyan.SupervisorFixtures.exitFrom;
import static dev.banyan.SupervisorFixtures.handled;
import static dev.banyan.SupervisorFixtures.idsOf;
import static dev.banyan.SupervisorFixtures.offender;
import static dev.banyan.SupervisorFixtures.pidOf;
import static dev.banyan.SupervisorFixtures.reports;
import static dev.banyan.SupervisorFixtures.startSup;
import static dev.banyan.SupervisorFixtures.stateOf;
import static dev.banyan.SupervisorFixtures.stderrOf;
import static dev.banyan.SupervisorFixtures.supAt;
import static dev.banyan.SupervisorFixtures.tell;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.banyan.Supervisor.AutoShutdown;
import dev.banyan.Supervisor.ChildInfo;
import dev.banyan.Supervisor.ChildState;
import dev.banyan.Supervisor.Counts;
import dev.banyan.Supervisor.Flags;
import dev.banyan.Supervisor.Strategy;
import dev.banyan.SupervisorFixtures.Kids;
import dev.banyan.SupervisorFixtures.Mode;
import dev.banyan.SupervisorFixtures.StopWith;
import dev.banyan.SupervisorTest.How;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Restarts: the strategies (otp-semantics §5.3), the maximum restart intensity with an injected
 * clock (§5.6), restarts whose start fails (§5.7), and automatic shutdown (§5.11).
 */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SupervisorRestartTest {

  private static final Duration FIVE = Duration.ofSeconds(5);

  /** Kills child {@code id} and waits until the supervisor has handled its death. */
  private static Pid<?> kill(AttachedProcess<Object> me, Supervisor sup, String id) {
    Pid<?> pid = pidOf(sup, id);
    MonitorRef ref = me.monitor(pid);
    me.exit(pid, ExitReason.KILL);
    handled(me, sup, ref);
    return pid;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class OneForOne {
    @Test
    @DisplayName("CC-090: one_for_one: only the crashed child gets a new pid")
    void onlyTheCrashedChildIsRestarted() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup = startSup(me, Flags.oneForOne(), List.of(kids.worker("a"), kids.worker("b")));
        Pid<?> b = pidOf(sup, "b");

        Pid<?> a = kill(me, sup, "a");

        assertThat(pidOf(sup, "a")).isNotEqualTo(a);
        assertThat(pidOf(sup, "b")).isEqualTo(b);
        assertThat(sup.countChildren()).isEqualTo(new Counts(2, 2, 0, 2));
        assertThat(kids.log.snapshot()).containsExactly("init a", "init b", "init a");
      }
    }
  }

  @Nested
  class OneForAll {
    @Test
    @DisplayName("CC-089: one_for_all: the others stop in reverse order (3, then 1), then 1, 2, 3 start; no old pid survives")
    void theOthersStopInReverseOrderThenAllStartInOrder() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup =
            startSup(me, Flags.oneForAll(), List.of(kids.worker("c1"), kids.worker("c2"), kids.worker("c3")));
        Pid<?> c1 = pidOf(sup, "c1");
        Pid<?> c3 = pidOf(sup, "c3");

        Pid<?> c2 = kill(me, sup, "c2");

        assertThat(kids.log.snapshot())
            .containsExactly(
                "init c1", "init c2", "init c3",
                "terminate c3", "terminate c1", "init c1", "init c2", "init c3");
        assertThat(kids.terminated).containsEntry("c1", ExitReason.SHUTDOWN).containsEntry("c3", ExitReason.SHUTDOWN);
        assertThat(List.of(pidOf(sup, "c1"), pidOf(sup, "c2"), pidOf(sup, "c3"))).doesNotContain(c1, c2, c3);
        assertThat(List.<Pid<?>>of(c1, c2, c3)).noneMatch(Pid::isAlive);
      }
    }

    /** Why child b is not running when a crashes. */
    enum NotRunning {
      TERMINATED_BY_TERMINATE_CHILD,
      ITS_START_RETURNED_IGNORE,
      TRANSIENT_ENDED_NORMALLY
    }

    @ParameterizedTest
    @EnumSource(NotRunning.class)
    @DisplayName("§5.3: a one_for_all restart starts every non-temporary child, also one that was not running")
    void aOneForAllRestartStartsAChildThatWasNotRunning(NotRunning why) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        List<String> expected = new ArrayList<>();
        ChildSpec b = why == NotRunning.TRANSIENT_ENDED_NORMALLY ? kids.worker("b", Restart.TRANSIENT) : kids.worker("b");
        if (why == NotRunning.ITS_START_RETURNED_IGNORE) {
          kids.modes.put("b", Mode.IGNORE);
        }
        Supervisor sup = startSup(me, Flags.oneForAll(), List.of(kids.worker("a"), b, kids.worker("c")));
        switch (why) {
          case TERMINATED_BY_TERMINATE_CHILD -> {
            assertThat(sup.terminateChild("b")).isTrue();
            expected.addAll(List.of("init a", "init b", "init c", "terminate b"));
          }
          case ITS_START_RETURNED_IGNORE -> {
            kids.modes.put("b", Mode.OK);
            expected.addAll(List.of("init a", "init b: ignore", "init c"));
          }
          case TRANSIENT_ENDED_NORMALLY -> {
            MonitorRef ref = me.monitor(pidOf(sup, "b"));
            tell(pidOf(sup, "b"), new StopWith(ExitReason.NORMAL));
            handled(me, sup, ref);
            expected.addAll(List.of("init a", "init b", "init c", "terminate b"));
          }
        }
        assertThat(stateOf(sup, "b")).isEqualTo(new ChildState.Undefined());

        kill(me, sup, "a");

        assertThat(kids.log.snapshot())
            .containsExactlyElementsOf(concat(expected, List.of("terminate c", "init a", "init b", "init c")));
        assertThat(stateOf(sup, "b")).isInstanceOf(ChildState.Running.class);
        assertThat(sup.countChildren()).isEqualTo(new Counts(3, 3, 0, 3));
      }
    }

    @Test
    @DisplayName("CC-129: a tree: a child supervisor that gives up makes a one_for_all top restart all its child supervisors, also a stopped transient one; children added with start_child are not recreated")
    void aTreeRestartedByItsOneForAllTop() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Flags three = Flags.oneForOne().withIntensity(3, Duration.ofSeconds(3600));
        Supervisor top =
            startSup(
                me,
                Flags.oneForAll(),
                List.of(
                    ChildSpec.supervisor("sup1", Supervisor.childStart(three, List.of(kids.worker("w1")))),
                    ChildSpec.supervisor("sup2", Supervisor.childStart(three, List.of(kids.worker("w2")))),
                    ChildSpec.supervisor("sup3", Supervisor.childStart(three, List.of(kids.worker("w3"))))
                        .withRestart(Restart.TRANSIENT)));
        assertThat(top.terminateChild("sup3")).isTrue();
        Pid<?> sup2 = pidOf(top, "sup2");
        assertThat(supAt(sup2).startChild(kids.worker("extra"))).isInstanceOf(Supervisor.StartChild.Ok.class);
        Pid<?> w2 = pidOf(supAt(sup2), "w2");
        MonitorRef sup2Ref = me.monitor(sup2);
        kids.failNext("w2", 3); // sup2 makes 3 attempts, then gives up

        me.exit(w2, ExitReason.KILL);
        assertThat(handled(me, top, sup2Ref).reason()).isEqualTo(ExitReason.SHUTDOWN);

        assertThat(top.countChildren()).isEqualTo(new Counts(3, 3, 3, 0));
        assertThat(idsOf(supAt(pidOf(top, "sup2")))).containsExactly("w2");
        assertThat(kids.log.snapshot())
            .containsExactly(
                "init w1", "init w2", "init w3", "terminate w3", "init extra",
                "init w2: fail", "init w2: fail", "init w2: fail", "terminate extra",
                "terminate w1", "init w1", "init w2", "init w3");
      }
    }

    @ParameterizedTest
    @EnumSource(value = Strategy.class, names = {"ONE_FOR_ALL", "REST_FOR_ONE"})
    @DisplayName("CC-106: a temporary bystander is stopped and never restarted; the supervisor stays")
    void aTemporaryBystanderIsStoppedAndNotRestarted(Strategy strategy) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup =
            startSup(me, Flags.of(strategy), List.of(kids.worker("child1"), kids.worker("child2", Restart.TEMPORARY)));
        MonitorRef child2 = me.monitor(pidOf(sup, "child2"));

        kill(me, sup, "child1");

        assertThat(downOf(me, child2).reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(kids.log.snapshot()).containsExactly("init child1", "init child2", "terminate child2", "init child1");
        assertThat(idsOf(sup)).containsExactly("child1");
        assertThat(sup.countChildren()).isEqualTo(new Counts(1, 1, 0, 1));
      }
    }
  }

  @Nested
  class RestForOne {
    @Test
    @DisplayName("CC-088: rest_for_one: the 3rd of 5 crashes: 5 then 4 stop, then 3, 4, 5 start; 1 and 2 keep their pids")
    void theLaterChildrenStopInReverseThenRestartInOrder() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        List<String> ids = List.of("c1", "c2", "c3", "c4", "c5");
        Supervisor sup = startSup(me, Flags.restForOne(), ids.stream().map(kids::worker).toList());
        Pid<?> c1 = pidOf(sup, "c1");
        Pid<?> c2 = pidOf(sup, "c2");
        Pid<?> c4 = pidOf(sup, "c4");

        Pid<?> c3 = kill(me, sup, "c3");

        assertThat(kids.log.snapshot())
            .containsExactly(
                "init c1", "init c2", "init c3", "init c4", "init c5",
                "terminate c5", "terminate c4", "init c3", "init c4", "init c5");
        assertThat(pidOf(sup, "c1")).isEqualTo(c1);
        assertThat(pidOf(sup, "c2")).isEqualTo(c2);
        assertThat(pidOf(sup, "c3")).isNotEqualTo(c3);
        assertThat(pidOf(sup, "c4")).isNotEqualTo(c4);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class Intensity {
    /** A supervisor of children a and b whose intensity clock is {@code now}. */
    private Supervisor abSupervisor(AttachedProcess<Object> me, Kids kids, Flags flags, AtomicLong now) {
      return startSup(me, flags, List.of(kids.worker("a"), kids.worker("b")), now::get);
    }

    /** Kills a; asserts the supervisor gives up: exits shutdown, reporting reached_max_restart_intensity. */
    private void killAndExpectTheSupervisorToGiveUp(AttachedProcess<Object> me, Supervisor sup) throws Exception {
      Pid<?> supPid = sup.pid();
      Pid<?> a = pidOf(sup, "a");
      MonitorRef supRef = me.monitor(supPid);
      String err =
          stderrOf(
              () -> {
                me.exit(a, ExitReason.KILL);
                assertThat(downOf(me, supRef).reason()).isEqualTo(ExitReason.SHUTDOWN);
              });
      assertThat(exitFrom(me, supPid).reason()).isEqualTo(ExitReason.SHUTDOWN);
      assertThat(reports(err, "shutdown"))
          .singleElement()
          .asString()
          .contains("reached_max_restart_intensity", offender("a"));
    }

    @ParameterizedTest(name = "intensity {0}")
    @ValueSource(ints = {1, 2, 3})
    @DisplayName("CC-108: N restarts within the period are tolerated; the N+1th stops the supervisor with shutdown, its other children stopped")
    void nRestartsAreToleratedAndTheNextStopsTheSupervisor(int n) throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        AtomicLong now = new AtomicLong(1000);
        Supervisor sup = abSupervisor(me, kids, Flags.oneForOne().withIntensity(n, Duration.ofSeconds(3600)), now);
        List<String> expected = new ArrayList<>(List.of("init a", "init b"));
        for (int i = 0; i < n; i++) {
          kill(me, sup, "a");
          expected.add("init a");
          now.addAndGet(1);
        }
        assertThat(sup.pid().isAlive()).isTrue();

        killAndExpectTheSupervisorToGiveUp(me, sup);

        expected.add("terminate b"); // a is not restarted; b is stopped by the supervisor's terminate
        assertThat(kids.log.snapshot()).containsExactlyElementsOf(expected);
        assertThat(kids.terminated).containsEntry("b", ExitReason.SHUTDOWN);
      }
    }

    @Test
    @DisplayName("CC-110: intensity 0: the first crash stops the supervisor with shutdown; the child is not restarted")
    void intensityZeroStopsAtTheFirstCrash() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        Supervisor sup = abSupervisor(me, kids, Flags.oneForOne().withIntensity(0, FIVE), new AtomicLong());

        killAndExpectTheSupervisorToGiveUp(me, sup);

        assertThat(kids.log.snapshot()).containsExactly("init a", "init b", "terminate b");
      }
    }

    /** The clock at each crash; the last one tells whether the supervisor survives it. */
    static Stream<Arguments> windows() {
      return Stream.of(
          // intensity 1, period 5: the window is inclusive, whole seconds
          arguments(1, 5, List.of(0L, 4L), false),
          arguments(1, 5, List.of(0L, 5L), false),
          arguments(1, 5, List.of(0L, 6L), true),
          // intensity 2, period 10: older restarts fall out
          arguments(2, 10, List.of(0L, 0L, 0L), false),
          arguments(2, 10, List.of(0L, 0L, 11L), true),
          arguments(2, 10, List.of(0L, 6L, 10L), false),
          arguments(2, 10, List.of(0L, 6L, 11L), true),
          arguments(2, 10, List.of(0L, 6L, 11L, 16L), false),
          arguments(2, 10, List.of(0L, 6L, 11L, 17L), true),
          arguments(2, 10, List.of(0L, 6L, 11L, 17L, 22L, 28L, 28L), false),
          // CC-109: intensity 1, period 1, crashes 2 s apart never stop it
          arguments(1, 1, List.of(0L, 2L, 4L, 6L), true));
    }

    @ParameterizedTest(name = "intensity {0}, period {1} s, crashes at {2}: survives the last {3}")
    @MethodSource("windows")
    @DisplayName("CC-109 / §5.6: the exact window rule: keep restarts T >= now - period, add now, give up when more than the intensity")
    void theWindowRule(int intensity, int period, List<Long> crashes, boolean survivesTheLast) throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        AtomicLong now = new AtomicLong();
        Supervisor sup =
            abSupervisor(me, kids, Flags.oneForOne().withIntensity(intensity, Duration.ofSeconds(period)), now);
        for (int i = 0; i < crashes.size() - 1; i++) {
          now.set(crashes.get(i));
          kill(me, sup, "a");
        }
        now.set(crashes.getLast());
        if (survivesTheLast) {
          kill(me, sup, "a");
          assertThat(sup.countChildren()).isEqualTo(new Counts(2, 2, 0, 2));
          assertThat(kids.count("init a")).isEqualTo(crashes.size() + 1);
        } else {
          killAndExpectTheSupervisorToGiveUp(me, sup);
          assertThat(kids.count("init a")).isEqualTo(crashes.size());
        }
      }
    }

    @Test
    @DisplayName("§5.3: one restart event counts once, however many children it restarts")
    void oneRestartEventCountsOnce() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        Supervisor sup =
            startSup(
                me,
                Flags.oneForAll().withIntensity(1, FIVE),
                List.of(kids.worker("a"), kids.worker("b"), kids.worker("c")),
                () -> 0);
        kill(me, sup, "b"); // restarts three children: one restart
        assertThat(sup.countChildren()).isEqualTo(new Counts(3, 3, 0, 3));

        killAndExpectTheSupervisorToGiveUp(me, sup);
      }
    }

    @Test
    @DisplayName("CC-132: restart_child through the API does not count toward the intensity")
    void restartChildDoesNotCount() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        Supervisor sup = abSupervisor(me, kids, Flags.oneForOne().withIntensity(1, FIVE), new AtomicLong());
        for (int i = 0; i < 3; i++) {
          assertThat(sup.terminateChild("a")).isTrue();
          assertThat(sup.restartChild("a")).isInstanceOf(Supervisor.StartChild.Ok.class);
        }
        kill(me, sup, "a"); // the first automatic restart: tolerated
        assertThat(sup.countChildren()).isEqualTo(new Counts(2, 2, 0, 2));

        killAndExpectTheSupervisorToGiveUp(me, sup);
      }
    }

    @ParameterizedTest
    @EnumSource(value = Restart.class, names = {"PERMANENT", "TRANSIENT"})
    @DisplayName("CC-111: a child supervisor that gives up exits shutdown: restarted by its parent if permanent, not if transient")
    void aChildSupervisorThatGivesUp(Restart restart) throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        ChildSpec inner =
            ChildSpec.supervisor(
                    "inner",
                    Supervisor.childStart(Flags.oneForOne().withIntensity(0, FIVE), List.of(kids.worker("w"))))
                .withRestart(restart);
        Supervisor top = startSup(me, Flags.oneForOne(), List.of(inner));
        Pid<?> innerPid = pidOf(top, "inner");
        Pid<?> w = pidOf(supAt(innerPid), "w");
        MonitorRef innerRef = me.monitor(innerPid);

        String err =
            stderrOf(
                () -> {
                  me.exit(w, ExitReason.KILL);
                  assertThat(handled(me, top, innerRef).reason()).isEqualTo(ExitReason.SHUTDOWN);
                });

        assertThat(reports(err, "shutdown")).singleElement().asString().contains("reached_max_restart_intensity", offender("w"));
        if (restart == Restart.PERMANENT) {
          assertThat(pidOf(top, "inner")).isNotEqualTo(innerPid);
          assertThat(kids.log.snapshot()).containsExactly("init w", "init w");
          assertThat(reports(err, "child_terminated")) // w by inner; inner (shutdown, permanent) by top
              .hasSize(2)
              .anySatisfy(r -> assertThat(r).contains(offender("w")))
              .anySatisfy(r -> assertThat(r).contains(offender("inner")));
        } else {
          assertThat(stateOf(top, "inner")).isEqualTo(new ChildState.Undefined());
          assertThat(kids.log.snapshot()).containsExactly("init w");
          assertThat(reports(err, "child_terminated")) // a transient child ending shutdown is not reported
              .singleElement()
              .asString()
              .contains(offender("w"));
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class FailingRestart {
    private static final Flags FOREVER = Flags.oneForOne().withIntensity(Integer.MAX_VALUE, FIVE);

    @ParameterizedTest
    @EnumSource(Strategy.class)
    @DisplayName("CC-112, CC-113: a child failing every restart: intensity N gives N start attempts (N start_error reports), then the supervisor and its other children exit")
    void aChildFailingEveryRestartExhaustsTheIntensity(Strategy strategy) throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        Supervisor sup =
            startSup(me, Flags.of(strategy).withIntensity(4, FIVE), List.of(kids.worker("x"), kids.worker("y")), () -> 0);
        Pid<?> supPid = sup.pid();
        MonitorRef y = me.monitor(pidOf(sup, "y"));
        MonitorRef s = me.monitor(supPid);
        kids.modes.put("x", Mode.FAIL);

        Pid<?> x = pidOf(sup, "x");
        String err =
            stderrOf(
                () -> {
                  me.exit(x, ExitReason.KILL);
                  assertThat(downOf(me, s).reason()).isEqualTo(ExitReason.SHUTDOWN);
                });

        assertThat(downOf(me, y).reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(exitFrom(me, supPid).reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(kids.count("init x: fail")).isEqualTo(4);
        assertThat(reports(err, "start_error")).hasSize(4).allSatisfy(r -> assertThat(r).contains(offender("x")));
        assertThat(reports(err, "shutdown")).singleElement().asString().contains("reached_max_restart_intensity");
        assertThat(node.processes()).containsExactly(me.self());
      }
    }

    @Test
    @DisplayName("§5.7: one_for_one: a failed restart is retried until the start works")
    void aFailedRestartIsRetried() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup = startSup(me, FOREVER, List.of(kids.worker("a")), () -> 0);
        kids.failNext("a", 2);

        kill(me, sup, "a");

        assertThat(kids.log.awaitSize(4)).containsExactly("init a", "init a: fail", "init a: fail", "init a");
        assertThat(stateOf(sup, "a")).isInstanceOf(ChildState.Running.class);
      }
    }

    @Test
    @DisplayName("CC-114: while a child is restarting: which_children shows it, the API answers, terminate_child ends the retries")
    void whileAChildIsRestarting() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        ChildSpec spec = kids.worker("child1");
        Supervisor sup = startSup(me, FOREVER, List.of(spec), () -> 0);
        kids.modes.put("child1", Mode.FAIL);

        stderrOf(() -> kill(me, sup, "child1")); // the first attempt has failed; the retries go on

        assertThat(sup.whichChildren())
            .containsExactly(new ChildInfo("child1", new ChildState.Restarting(), ChildSpec.Type.WORKER));
        assertThat(sup.countChildren()).isEqualTo(new Counts(1, 0, 0, 1));
        assertThat(sup.startChild(spec)).isEqualTo(new Supervisor.StartChild.AlreadyPresent());
        assertThat(sup.restartChild("child1")).isEqualTo(new Supervisor.StartChild.Restarting());
        assertThat(sup.deleteChild("child1")).isEqualTo(Supervisor.DeleteChild.RESTARTING);

        assertThat(sup.terminateChild("child1")).isTrue();

        assertThat(stateOf(sup, "child1")).isEqualTo(new ChildState.Undefined());
        int attempts = kids.log.size();
        sup.countChildren(); // a retry queued before terminate_child is handled (and dropped) by now
        sup.countChildren();
        assertThat(kids.log.size()).isEqualTo(attempts);
        kids.modes.put("child1", Mode.OK);
        assertThat(sup.restartChild("child1"))
            .isEqualTo(new Supervisor.StartChild.Ok(Optional.of(kids.pids.get("child1"))));
        assertThat(stateOf(sup, "child1")).isInstanceOf(ChildState.Running.class);
      }
    }

    @Test
    @DisplayName("CC-115: rest_for_one: while child2 is restarting, child3 is undefined")
    void restForOneWhileRestarting() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup =
            startSup(
                me,
                Flags.restForOne().withIntensity(Integer.MAX_VALUE, FIVE),
                List.of(kids.worker("child1"), kids.worker("child2"), kids.worker("child3")),
                () -> 0);
        Pid<?> child1 = pidOf(sup, "child1");
        kids.modes.put("child2", Mode.FAIL);

        stderrOf(() -> kill(me, sup, "child2"));

        assertThat(sup.whichChildren())
            .containsExactly(
                new ChildInfo("child3", new ChildState.Undefined(), ChildSpec.Type.WORKER),
                new ChildInfo("child2", new ChildState.Restarting(), ChildSpec.Type.WORKER),
                new ChildInfo("child1", new ChildState.Running(child1), ChildSpec.Type.WORKER));
        assertThat(sup.countChildren()).isEqualTo(new Counts(3, 1, 0, 3));
        assertThat(kids.log.snapshot().subList(0, 5))
            .containsExactly("init child1", "init child2", "init child3", "terminate child3", "init child2: fail");
        assertThat(sup.terminateChild("child2")).isTrue();
      }
    }

    @Test
    @DisplayName("CC-116: a supervisor in a restart loop is shut down by its parent and its name unregistered")
    void aSupervisorInARestartLoopCanBeShutDown() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        Supervisor sup =
            Supervisor.of(
                Supervisor.startLink(
                        me,
                        self -> Optional.of(new Supervisor.Init(FOREVER, List.of(kids.worker("child1")))),
                        GenServer.Options.named("looping-sup"))
                    .orElseThrow());
        Pid<?> supPid = sup.pid();
        kids.modes.put("child1", Mode.FAIL);
        stderrOf(
            () -> {
              kill(me, sup, "child1");
              assertThat(stateOf(sup, "child1")).isEqualTo(new ChildState.Restarting());
              MonitorRef s = me.monitor(supPid);

              me.exit(supPid, ExitReason.SHUTDOWN);

              assertThat(downOf(me, s).reason()).isEqualTo(ExitReason.SHUTDOWN);
            });
        assertThat(node.whereis("looping-sup")).isEmpty();
        assertThat(exitFrom(me, supPid).reason()).isEqualTo(ExitReason.SHUTDOWN);
      }
    }

    @Test
    @DisplayName("CC-117: one_for_all: child1 restarts but child2 fails: the retry stops child1 again (shutdown) and starts both")
    void oneForAllRetryRedoesEveryChild() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup =
            startSup(
                me,
                Flags.oneForAll().withIntensity(10, FIVE),
                List.of(kids.worker("child1"), kids.worker("child2")),
                () -> 0);
        kids.failNext("child2", 1);

        kill(me, sup, "child2");

        assertThat(kids.log.awaitSize(8))
            .containsExactly(
                "init child1", "init child2",
                "terminate child1", "init child1", "init child2: fail",
                "terminate child1", "init child1", "init child2");
        assertThat(sup.countChildren()).isEqualTo(new Counts(2, 2, 0, 2));
        assertThat(kids.log.size()).isEqualTo(8);
        assertThat(kids.terminated).containsEntry("child1", ExitReason.SHUTDOWN);
      }
    }

    @Test
    @DisplayName("CC-118: rest_for_one: child1 restarts but child2 fails: the retry restarts only child2")
    void restForOneRetryRedoesOnlyTheFailedChildAndLater() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup =
            startSup(
                me,
                Flags.restForOne().withIntensity(10, FIVE),
                List.of(kids.worker("child1"), kids.worker("child2")),
                () -> 0);
        kids.failNext("child2", 1);

        kill(me, sup, "child1");

        assertThat(kids.log.awaitSize(6))
            .containsExactly(
                "init child1", "init child2",
                "terminate child2", "init child1", "init child2: fail", "init child2");
        assertThat(sup.countChildren()).isEqualTo(new Counts(2, 2, 0, 2));
        assertThat(kids.log.size()).isEqualTo(6);
        assertThat(pidOf(sup, "child1")).isEqualTo(kids.pids.get("child1"));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class AutoShutdownAndSignificantChildren {
    private static final Flags ANY = Flags.oneForOne().withAutoShutdown(AutoShutdown.ANY_SIGNIFICANT);
    private static final Flags ALL = Flags.oneForOne().withAutoShutdown(AutoShutdown.ALL_SIGNIFICANT);

    /** Makes child {@code id} end {@code how} and asserts the supervisor shuts itself down. */
    private void expectAutoShutdown(AttachedProcess<Object> me, Supervisor sup, String id, How how) {
      Pid<?> supPid = sup.pid();
      MonitorRef s = me.monitor(supPid);
      how.apply(me, pidOf(sup, id));
      assertThat(downOf(me, s).reason()).isEqualTo(ExitReason.SHUTDOWN); // CC-140
      assertThat(exitFrom(me, supPid).reason()).isEqualTo(ExitReason.SHUTDOWN);
    }

    @ParameterizedTest
    @EnumSource(value = How.class, names = {"KILLED", "CRASH", "NORMAL"})
    @DisplayName("CC-133, CC-140: any_significant: a temporary significant child ending any way stops its siblings and the supervisor, with shutdown")
    void aTemporarySignificantChildEndingStopsTheSupervisor(How how) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        Supervisor sup =
            startSup(
                me, ANY, List.of(kids.worker("child1", Restart.TEMPORARY).withSignificant(true), kids.worker("child2")));

        expectAutoShutdown(me, sup, "child1", how);

        List<String> expected = new ArrayList<>(List.of("init child1", "init child2"));
        if (how != How.KILLED) {
          expected.add("terminate child1"); // its own terminate, as it stopped or crashed
        }
        expected.add("terminate child2");
        assertThat(kids.log.snapshot()).containsExactlyElementsOf(expected);
        assertThat(node.processes()).containsExactly(me.self());
      }
    }

    @Test
    @DisplayName("CC-133: terminate_child of a significant child does not shut the supervisor down")
    void terminateChildDoesNotTriggerAutoShutdown() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup =
            startSup(
                me, ANY, List.of(kids.worker("child1", Restart.TEMPORARY).withSignificant(true), kids.worker("child2")));

        assertThat(sup.terminateChild("child1")).isTrue();

        assertThat(sup.countChildren()).isEqualTo(new Counts(1, 1, 0, 1));
        assertThat(sup.pid().isAlive()).isTrue();
      }
    }

    @ParameterizedTest
    @EnumSource(value = Restart.class, names = {"TEMPORARY", "TRANSIENT"})
    @DisplayName("CC-134: all_significant: the first significant child ending changes nothing; the last one stops the supervisor")
    void allSignificantWaitsForTheLastSignificantChild(Restart restart) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        Supervisor sup =
            startSup(
                me,
                ALL,
                List.of(
                    kids.worker("s1", restart).withSignificant(true),
                    kids.worker("s2", restart).withSignificant(true),
                    kids.worker("p")));
        MonitorRef s1 = me.monitor(pidOf(sup, "s1"));
        tell(pidOf(sup, "s1"), new StopWith(ExitReason.NORMAL));
        handled(me, sup, s1);
        assertThat(sup.countChildren().active()).isEqualTo(2);

        expectAutoShutdown(me, sup, "s2", How.NORMAL);

        assertThat(kids.log.snapshot())
            .containsExactly("init s1", "init s2", "init p", "terminate s1", "terminate s2", "terminate p");
      }
    }

    @ParameterizedTest
    @EnumSource(How.class)
    @DisplayName("CC-135: any_significant: a transient significant child that crashes is restarted; one that ends normally (or shutdown) stops the supervisor")
    void aTransientSignificantChild(How how) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        Supervisor sup =
            startSup(me, ANY, List.of(kids.worker("p"), kids.worker("t", Restart.TRANSIENT).withSignificant(true)));
        boolean abnormal = how == How.KILLED || how == How.CRASH;
        if (abnormal) {
          MonitorRef t = me.monitor(pidOf(sup, "t"));
          how.apply(me, pidOf(sup, "t"));
          handled(me, sup, t);
          assertThat(sup.countChildren()).isEqualTo(new Counts(2, 2, 0, 2));
          assertThat(kids.count("init t")).isEqualTo(2);
        } else {
          expectAutoShutdown(me, sup, "t", how);
          assertThat(kids.log.snapshot()).containsExactly("init p", "init t", "terminate t", "terminate p");
        }
      }
    }

    static Stream<Arguments> nonSignificant() {
      return Stream.of(
          arguments(AutoShutdown.ANY_SIGNIFICANT, Restart.TEMPORARY),
          arguments(AutoShutdown.ANY_SIGNIFICANT, Restart.TRANSIENT),
          arguments(AutoShutdown.ALL_SIGNIFICANT, Restart.TEMPORARY),
          arguments(AutoShutdown.ALL_SIGNIFICANT, Restart.TRANSIENT));
    }

    @ParameterizedTest
    @MethodSource("nonSignificant")
    @DisplayName("CC-136: a non-significant child never triggers an auto-shutdown")
    void aNonSignificantChildNeverTriggersIt(AutoShutdown mode, Restart restart) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup =
            startSup(
                me,
                Flags.oneForOne().withAutoShutdown(mode),
                List.of(kids.worker("p"), kids.worker("n", restart)));
        MonitorRef n = me.monitor(pidOf(sup, "n"));
        tell(pidOf(sup, "n"), new StopWith(ExitReason.NORMAL));
        handled(me, sup, n);
        assertThat(sup.countChildren().active()).isEqualTo(1);
        assertThat(sup.pid().isAlive()).isTrue();
      }
    }

    static Stream<Arguments> bystanders() {
      return Stream.of(
          arguments(Strategy.ONE_FOR_ALL, Restart.TRANSIENT),
          arguments(Strategy.ONE_FOR_ALL, Restart.TEMPORARY),
          arguments(Strategy.REST_FOR_ONE, Restart.TRANSIENT),
          arguments(Strategy.REST_FOR_ONE, Restart.TEMPORARY));
    }

    @ParameterizedTest
    @MethodSource("bystanders")
    @DisplayName("CC-137: a significant child stopped as a bystander of a restart does not trigger an auto-shutdown")
    void aSignificantBystanderDoesNotTriggerIt(Strategy strategy, Restart restart) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup =
            startSup(
                me,
                Flags.of(strategy).withAutoShutdown(AutoShutdown.ANY_SIGNIFICANT),
                List.of(kids.worker("p"), kids.worker("s", restart).withSignificant(true)));

        kill(me, sup, "p");

        assertThat(sup.pid().isAlive()).isTrue();
        if (restart == Restart.TRANSIENT) {
          assertThat(kids.log.snapshot()).containsExactly("init p", "init s", "terminate s", "init p", "init s");
          assertThat(sup.countChildren()).isEqualTo(new Counts(2, 2, 0, 2));
        } else {
          assertThat(kids.log.snapshot()).containsExactly("init p", "init s", "terminate s", "init p");
          assertThat(sup.countChildren()).isEqualTo(new Counts(1, 1, 0, 1));
        }
      }
    }

    @Test
    @DisplayName("CC-138: auto_shutdown never with a significant child: start_child returns bad_combination, init fails with {start_spec, {bad_combination, _}}")
    void significantWithAutoShutdownNeverIsABadCombination() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        ChildSpec significant = kids.worker("s", Restart.TRANSIENT).withSignificant(true);
        Supervisor sup = startSup(me, Flags.oneForOne(), List.of());
        assertThat(sup.startChild(significant))
            .isInstanceOfSatisfying(
                Supervisor.StartChild.Error.class,
                e -> assertThat(e.reason().toString()).contains("bad_combination", "auto_shutdown", "never", "significant"));
        assertThat(sup.whichChildren()).isEmpty();

        assertThat(Supervisor.startLink(me, Flags.oneForOne(), List.of(significant)))
            .isInstanceOfSatisfying(
                GenServer.Start.Error.class,
                e -> assertThat(e.reason().toString()).contains("start_spec", "bad_combination"));
        assertThat(kids.log.snapshot()).isEmpty();
      }
    }

    @ParameterizedTest(name = "B significant in A: {0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("CC-139: auto-shutdown escalates through a significant child supervisor; not through a non-significant one")
    void autoShutdownEscalates(boolean bSignificant) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        ChildSpec b =
            ChildSpec.supervisor("B", Supervisor.childStart(ANY, List.of(kids.worker("C", Restart.TRANSIENT).withSignificant(true))))
                .withRestart(Restart.TRANSIENT)
                .withSignificant(bSignificant);
        Supervisor a = startSup(me, ANY, List.of(kids.worker("other"), b));
        Pid<?> aPid = a.pid();
        Pid<?> bPid = pidOf(a, "B");
        MonitorRef aRef = me.monitor(aPid);
        MonitorRef bRef = me.monitor(bPid);

        tell(pidOf(supAt(bPid), "C"), new StopWith(ExitReason.NORMAL));

        assertThat(downOf(me, bRef).reason()).isEqualTo(ExitReason.SHUTDOWN);
        if (bSignificant) {
          assertThat(downOf(me, aRef).reason()).isEqualTo(ExitReason.SHUTDOWN);
          assertThat(kids.log.snapshot()).containsExactly("init other", "init C", "terminate C", "terminate other");
        } else {
          a.countChildren(); // B's Exit is handled
          assertThat(stateOf(a, "B")).isEqualTo(new ChildState.Undefined());
          assertThat(aPid.isAlive()).isTrue();
          assertThat(kids.log.snapshot()).containsExactly("init other", "init C", "terminate C");
        }
      }
    }
  }
}
