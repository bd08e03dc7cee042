package dev.banyan;

import static dev.banyan.SupervisorFixtures.QUIET;
import static dev.banyan.SupervisorFixtures.downOf;
import static dev.banyan.SupervisorFixtures.noStart;
import static dev.banyan.SupervisorFixtures.offender;
import static dev.banyan.SupervisorFixtures.pidOf;
import static dev.banyan.SupervisorFixtures.reports;
import static dev.banyan.SupervisorFixtures.startSup;
import static dev.banyan.SupervisorFixtures.stderrOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.Supervisor.ChildInfo;
import dev.banyan.Supervisor.ChildState;
import dev.banyan.Supervisor.FailedToStartChild;
import dev.banyan.SupervisorFixtures.Kids;
import dev.banyan.SupervisorFixtures.Mode;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How a supervisor starts its children (otp-semantics §5.4): order, failure, ignore. */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SupervisorStartTest {

  private static final Supervisor.Flags ONE_FOR_ONE = Supervisor.Flags.oneForOne();

  @Nested
  class StartOrder {
    @Test
    @DisplayName("CC-087: children start in list order and stop in exactly the reverse order")
    void childrenStartInListOrderAndStopInReverse() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        List<String> ids = List.of("ch7", "ch3", "ch10", "ch2", "ch5");
        Supervisor sup = startSup(me, ONE_FOR_ONE, ids.stream().map(kids::worker).toList());
        // startLink returns only once every child has started
        assertThat(kids.log.snapshot()).containsExactly("init ch7", "init ch3", "init ch10", "init ch2", "init ch5");

        sup.stop();

        assertThat(kids.log.snapshot())
            .containsExactly(
                "init ch7", "init ch3", "init ch10", "init ch2", "init ch5",
                "terminate ch5", "terminate ch2", "terminate ch10", "terminate ch3", "terminate ch7");
        assertThat(kids.terminated.values()).containsOnly(ExitReason.SHUTDOWN);
        assertThat(node.processes()).containsExactly(me.self());
      }
    }

    @Test
    @DisplayName("CC-092: a child's start function runs inside the supervisor's process, which it links the child to")
    void theStartFunctionRunsInTheSupervisorProcess() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        AtomicReference<Pid<?>> ranIn = new AtomicReference<>();
        AtomicReference<String> threadName = new AtomicReference<>();
        ChildStart start = kids.start("a", true);
        ChildSpec spec =
            ChildSpec.worker(
                "a",
                supervisor -> {
                  ranIn.set(supervisor.self());
                  threadName.set(Thread.currentThread().getName());
                  return start.start(supervisor);
                });
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of(spec));
        assertThat(ranIn.get()).isEqualTo(sup.pid());
        assertThat(threadName.get()).isEqualTo(sup.pid().toString());
        assertThat(node.processInfo(pidOf(sup, "a")).orElseThrow().links()).containsExactly(sup.pid());
      }
    }

    @Test
    @DisplayName("§5.12: a supervisor's registered name exists before its children start")
    void theNameIsRegisteredBeforeTheChildrenStart() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        AtomicReference<Optional<Pid<?>>> seen = new AtomicReference<>();
        ChildStart start = kids.start("a", true);
        ChildSpec spec =
            ChildSpec.worker(
                "a",
                supervisor -> {
                  seen.set(node.whereis("named-sup"));
                  return start.start(supervisor);
                });
        Supervisor sup =
            Supervisor.of(
                Supervisor.startLink(
                        me,
                        self -> Optional.of(new Supervisor.Init(ONE_FOR_ONE, List.of(spec))),
                        GenServer.Options.named("named-sup"))
                    .orElseThrow());
        assertThat(seen.get()).contains(sup.pid());
        assertThat(Supervisor.named(node, "named-sup").pid()).isEqualTo(sup.pid());
      }
    }
  }

  @Nested
  class StartFailure {
    @Test
    @DisplayName("CC-091: a failing child stops the started ones in reverse order; start fails with {shutdown, {failed_to_start_child, Id, Reason}}; a trapping caller gets it and no Exit")
    void aFailingChildStopsTheStartedOnesInReverseOrder() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        kids.modes.put("c", Mode.FAIL);
        List<ChildSpec> children = List.of(kids.worker("a"), kids.worker("b"), kids.worker("c"), kids.worker("d"));
        AtomicReference<GenServer.Start<Supervisor.Call>> started = new AtomicReference<>();

        String err = stderrOf(() -> started.set(Supervisor.startLink(me, ONE_FOR_ONE, children)));

        assertThat(started.get())
            .isEqualTo(
                new GenServer.Start.Error<>(ExitReason.shutdown(new FailedToStartChild("c", noStart("c")))));
        assertThat(kids.log.snapshot())
            .containsExactly("init a", "init b", "init c: fail", "terminate b", "terminate a");
        assertThat(kids.terminated).containsEntry("a", ExitReason.SHUTDOWN).containsEntry("b", ExitReason.SHUTDOWN);
        assertThat(reports(err, "start_error")).singleElement().asString().contains(offender("c"), "no-start c");
        assertThat(me.receive(Exit.class, QUIET)).isEmpty();
        assertThat(node.processes()).containsExactly(me.self());
      }
    }

    @Test
    @DisplayName("§5.4: a non-trapping startLink caller is killed by the failed start's {shutdown, _} reason")
    void aNonTrappingCallerIsKilled() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        kids.modes.put("b", Mode.FAIL);
        List<ChildSpec> children = List.of(kids.worker("a"), kids.worker("b"));
        Pid<Object> test = me.self();
        Spawned<Object> caller =
            me.spawnMonitor(
                ctx -> {
                  GenServer.Start<Supervisor.Call> s = Supervisor.startLink(ctx, ONE_FOR_ONE, children);
                  test.send("startLink returned " + s);
                });

        assertThat(downOf(me, caller.ref()).reason())
            .isEqualTo(ExitReason.shutdown(new FailedToStartChild("b", noStart("b"))));
        assertThat(me.receive(String.class, QUIET)).isEmpty();
        assertThat(kids.log.snapshot()).containsExactly("init a", "init b: fail", "terminate a");
      }
    }

    @Test
    @DisplayName("§5.4: a start function that throws fails the child's start with the exception")
    void aStartThatThrowsFailsWithTheException() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        IllegalStateException boom = new IllegalStateException("start-boom");
        ChildSpec bad =
            ChildSpec.worker(
                "bad",
                sup -> {
                  throw boom;
                });
        assertThat(Supervisor.startLink(me, ONE_FOR_ONE, List.of(bad)))
            .isEqualTo(
                new GenServer.Start.Error<>(
                    ExitReason.shutdown(new FailedToStartChild("bad", new ExitReason.Crashed(boom)))));
      }
    }

    @Test
    @DisplayName("§5.2: a start function returning a bad value (null) is a failed start")
    void aStartReturningNullIsABadReturnValue() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        ChildSpec bad = ChildSpec.worker("bad", sup -> null);
        assertThat(Supervisor.startLink(me, ONE_FOR_ONE, List.of(bad)))
            .isEqualTo(
                new GenServer.Start.Error<>(
                    ExitReason.shutdown(
                        new FailedToStartChild("bad", ExitReason.of(new GenServer.BadReturnValue("ChildStart.start"))))));
      }
    }
  }

  @Nested
  class Ignore {
    @Test
    @DisplayName("CC-093: a permanent child whose start returns ignore is kept, not running; the start goes on")
    void anIgnoredPermanentChildIsKept() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        kids.modes.put("child1", Mode.IGNORE);
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of(kids.worker("child1"), kids.worker("child2")));

        List<ChildInfo> which = sup.whichChildren();
        assertThat(which)
            .containsExactly(
                new ChildInfo("child2", new ChildState.Running(pidOf(sup, "child2")), ChildSpec.Type.WORKER),
                new ChildInfo("child1", new ChildState.Undefined(), ChildSpec.Type.WORKER));
        assertThat(sup.countChildren()).isEqualTo(new Supervisor.Counts(2, 1, 0, 2));
        assertThat(kids.log.snapshot()).containsExactly("init child1: ignore", "init child2");
      }
    }

    @Test
    @DisplayName("CC-094: a temporary child whose start returns ignore is not stored")
    void anIgnoredTemporaryChildIsDiscarded() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        kids.modes.put("child1", Mode.IGNORE);
        Supervisor sup =
            startSup(me, ONE_FOR_ONE, List.of(kids.worker("child1", Restart.TEMPORARY), kids.worker("child2")));

        assertThat(SupervisorFixtures.idsOf(sup)).containsExactly("child2");
        assertThat(sup.countChildren()).isEqualTo(new Supervisor.Counts(1, 1, 0, 1));
        assertThat(sup.getChildspec("child1")).isEmpty();
      }
    }
  }
}
