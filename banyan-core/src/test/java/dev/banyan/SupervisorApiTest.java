package dev.banyan;

import static dev.banyan.SupervisorFixtures.QUIET;
import static dev.banyan.SupervisorFixtures.downOf;
import static dev.banyan.SupervisorFixtures.handled;
import static dev.banyan.SupervisorFixtures.idsOf;
import static dev.banyan.SupervisorFixtures.noStart;
import static dev.banyan.SupervisorFixtures.pidOf;
import static dev.banyan.SupervisorFixtures.startSup;
import static dev.banyan.SupervisorFixtures.stateOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banyan.Supervisor.ChildInfo;
import dev.banyan.Supervisor.ChildState;
import dev.banyan.Supervisor.Counts;
import dev.banyan.Supervisor.DeleteChild;
import dev.banyan.Supervisor.Flags;
import dev.banyan.Supervisor.StartChild;
import dev.banyan.SupervisorFixtures.Kids;
import dev.banyan.SupervisorFixtures.Mode;
import dev.banyan.SupervisorFixtures.Worker;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The runtime API of a supervisor and its return values (otp-semantics §5.9). */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SupervisorApiTest {

  private static final Flags ONE_FOR_ONE = Flags.oneForOne();

  @Nested
  class StartChildMethod {
    @Test
    @DisplayName("§5.4 / CC-126: start_child appends the child at the end of the start order: listed first, stopped first, after every other for rest_for_one")
    void appendsAtTheEndOfTheStartOrder() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup = startSup(me, Flags.restForOne(), List.of(kids.worker("a"), kids.worker("b")));

        StartChild started = sup.startChild(kids.worker("c"));

        Pid<?> c = pidOf(sup, "c");
        assertThat(started).isEqualTo(new StartChild.Ok(Optional.of(c)));
        assertThat(node.processInfo(c).orElseThrow().links()).containsExactly(sup.pid());
        assertThat(idsOf(sup)).containsExactly("c", "b", "a");
        Pid<?> b = pidOf(sup, "b");
        MonitorRef ref = me.monitor(b);
        me.exit(b, ExitReason.KILL);
        handled(me, sup, ref);
        sup.stop();
        assertThat(kids.log.snapshot())
            .containsExactly(
                "init a", "init b", "init c",
                "terminate c", "init b", "init c",
                "terminate c", "terminate b", "terminate a");
      }
    }

    @Test
    @DisplayName("CC-093: a permanent child whose start returns ignore: {ok, undefined}, kept as undefined")
    void anIgnoredPermanentChildIsKept() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        kids.modes.put("child1", Mode.IGNORE);
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of());

        assertThat(sup.startChild(kids.worker("child1"))).isEqualTo(new StartChild.Ok(Optional.empty()));
        assertThat(sup.startChild(kids.worker("child2"))).isInstanceOf(StartChild.Ok.class);

        assertThat(sup.whichChildren())
            .containsExactly(
                new ChildInfo("child2", new ChildState.Running(pidOf(sup, "child2")), ChildSpec.Type.WORKER),
                new ChildInfo("child1", new ChildState.Undefined(), ChildSpec.Type.WORKER));
        assertThat(sup.countChildren()).isEqualTo(new Counts(2, 1, 0, 2));
      }
    }

    @Test
    @DisplayName("CC-094: a temporary child whose start returns ignore: {ok, undefined}, not stored")
    void anIgnoredTemporaryChildIsNotStored() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        kids.modes.put("child1", Mode.IGNORE);
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of());

        assertThat(sup.startChild(kids.worker("child1", Restart.TEMPORARY))).isEqualTo(new StartChild.Ok(Optional.empty()));
        sup.startChild(kids.worker("child2"));

        assertThat(idsOf(sup)).containsExactly("child2");
        assertThat(sup.countChildren()).isEqualTo(new Counts(1, 1, 0, 1));
      }
    }

    @Test
    @DisplayName("CC-096: a start that fails, throws or returns null gives an error, and the spec is discarded")
    void aFailedStartGivesAnErrorAndDiscardsTheSpec() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        kids.modes.put("failing", Mode.FAIL);
        IllegalStateException boom = new IllegalStateException("boom");
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of());

        assertThat(sup.startChild(kids.worker("failing"))).isEqualTo(new StartChild.Error(noStart("failing")));
        assertThat(
                sup.startChild(
                    ChildSpec.worker(
                        "throwing",
                        s -> {
                          throw boom;
                        })))
            .isEqualTo(new StartChild.Error(new ExitReason.Crashed(boom)));
        assertThat(sup.startChild(ChildSpec.worker("null", s -> null)))
            .isEqualTo(new StartChild.Error(ExitReason.of(new GenServer.BadReturnValue("ChildStart.start"))));

        assertThat(sup.whichChildren()).isEmpty();
        assertThat(sup.getChildspec("failing")).isEmpty();
        assertThat(node.processes()).containsExactlyInAnyOrder(me.self(), sup.pid());
      }
    }

    @Test
    @DisplayName("CC-099: start_child of a running id gives already_started with its pid; of a stopped id, already_present")
    void anExistingId() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        ChildSpec a = kids.worker("a");
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of(a));

        assertThat(sup.startChild(kids.worker("a", Restart.TEMPORARY)))
            .isEqualTo(new StartChild.AlreadyStarted(pidOf(sup, "a")));
        sup.terminateChild("a");
        assertThat(sup.startChild(a)).isEqualTo(new StartChild.AlreadyPresent());
        assertThat(kids.log.snapshot()).containsExactly("init a", "terminate a");
      }
    }

    @Test
    @DisplayName("CC-107: after terminate_child the spec stays (already_present; restart_child works); after a crash and restart, already_started")
    void afterTerminateAndAfterACrash() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        ChildSpec a = kids.worker("a");
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of(a));

        sup.terminateChild("a");
        assertThat(sup.startChild(a)).isEqualTo(new StartChild.AlreadyPresent());
        assertThat(sup.restartChild("a")).isEqualTo(new StartChild.Ok(Optional.of(pidOf(sup, "a"))));

        Pid<?> before = pidOf(sup, "a");
        MonitorRef ref = me.monitor(before);
        me.exit(before, ExitReason.KILL);
        handled(me, sup, ref);
        assertThat(sup.startChild(a)).isEqualTo(new StartChild.AlreadyStarted(pidOf(sup, "a")));
        assertThat(pidOf(sup, "a")).isNotEqualTo(before);
      }
    }

    @Test
    @DisplayName("CC-130: a start returning already_started (its name is taken by an unrelated process) gives {already_started, Pid}, unwrapped")
    void aStartReturningAlreadyStarted() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Pid<Object> holder = me.spawn(ctx -> ctx.receive(String.class, "never sent"::equals));
        node.register("taken", holder);
        ChildSpec named =
            ChildSpec.worker(
                "named", ChildStart.genServer(() -> new Worker(kids, "named", true), GenServer.Options.named("taken")));
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of());

        assertThat(sup.startChild(named)).isEqualTo(new StartChild.AlreadyStarted(holder));
        assertThat(sup.whichChildren()).isEmpty();
        assertThat(holder.isAlive()).isTrue();
        me.exit(holder, ExitReason.KILL);
      }
    }
  }

  @Nested
  class TerminateChildMethod {
    @Test
    @DisplayName("§5.9: terminate_child stops the child with its shutdown, keeps the spec, and does not restart it")
    void stopsTheChildKeepsTheSpecAndDoesNotRestart() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        ChildSpec a = kids.worker("a");
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of(a, kids.worker("b")));
        MonitorRef ref = me.monitor(pidOf(sup, "a"));

        assertThat(sup.terminateChild("a")).isTrue();

        assertThat(downOf(me, ref).reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(stateOf(sup, "a")).isEqualTo(new ChildState.Undefined());
        assertThat(sup.getChildspec("a")).contains(a);
        assertThat(sup.countChildren()).isEqualTo(new Counts(2, 1, 0, 2));
        assertThat(me.receive(Down.class, QUIET)).isEmpty();
        assertThat(kids.log.snapshot()).containsExactly("init a", "init b", "terminate a");
      }
    }

    @Test
    @DisplayName("CC-099: terminate_child twice: ok, ok; an unknown id: not_found")
    void twiceAndUnknown() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of(kids.worker("a")));
        assertThat(sup.terminateChild("a")).isTrue();
        assertThat(sup.terminateChild("a")).isTrue();
        assertThat(sup.terminateChild("nobody")).isFalse();
      }
    }

    @Test
    @DisplayName("CC-100: terminate_child given a child's pid is not_found, and the child is untouched")
    void aPidIsNotAnId() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of(kids.worker("a")));
        Pid<?> a = pidOf(sup, "a");

        assertThat(sup.terminateChild(a)).isFalse();

        assertThat(pidOf(sup, "a")).isEqualTo(a);
        assertThat(a.isAlive()).isTrue();
      }
    }
  }

  @Nested
  class RestartChildMethod {
    @Test
    @DisplayName("CC-099: restart_child of an unknown id: not_found; of a running child: running")
    void unknownAndRunning() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of(kids.worker("a")));
        assertThat(sup.restartChild("nobody")).isEqualTo(new StartChild.NotFound());
        assertThat(sup.restartChild("a")).isEqualTo(new StartChild.Running());
      }
    }

    @Test
    @DisplayName("§5.9: restart_child starts a stopped child: {ok, Pid}; ignore gives {ok, undefined}")
    void startsAStoppedChild() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of(kids.worker("a")));
        sup.terminateChild("a");

        StartChild restarted = sup.restartChild("a");

        assertThat(restarted).isEqualTo(new StartChild.Ok(Optional.of(pidOf(sup, "a"))));
        sup.terminateChild("a");
        kids.modes.put("a", Mode.IGNORE);
        assertThat(sup.restartChild("a")).isEqualTo(new StartChild.Ok(Optional.empty()));
        assertThat(stateOf(sup, "a")).isEqualTo(new ChildState.Undefined());
        assertThat(kids.log.snapshot())
            .containsExactly("init a", "terminate a", "init a", "terminate a", "init a: ignore");
      }
    }

    @Test
    @DisplayName("CC-097: restart_child whose start fails gives the error; the spec stays, undefined")
    void aFailingRestart() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of(kids.worker("a")));
        sup.terminateChild("a");
        kids.modes.put("a", Mode.FAIL);

        assertThat(sup.restartChild("a")).isEqualTo(new StartChild.Error(noStart("a")));

        assertThat(sup.whichChildren()).containsExactly(new ChildInfo("a", new ChildState.Undefined(), ChildSpec.Type.WORKER));
        assertThat(sup.countChildren()).isEqualTo(new Counts(1, 0, 0, 1));
      }
    }
  }

  @Nested
  class DeleteChildMethod {
    @Test
    @DisplayName("CC-099: delete_child: not_found, running, then ok after terminate_child; after it restart_child is not_found")
    void deleteChild() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        ChildSpec a = kids.worker("a");
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of(a));
        assertThat(sup.deleteChild("nobody")).isEqualTo(DeleteChild.NOT_FOUND);
        assertThat(sup.deleteChild("a")).isEqualTo(DeleteChild.RUNNING);
        sup.terminateChild("a");

        assertThat(sup.deleteChild("a")).isEqualTo(DeleteChild.OK);

        assertThat(sup.getChildspec("a")).isEmpty();
        assertThat(sup.restartChild("a")).isEqualTo(new StartChild.NotFound());
        assertThat(sup.countChildren()).isEqualTo(new Counts(0, 0, 0, 0));
        assertThat(sup.startChild(a)).isInstanceOf(StartChild.Ok.class); // the id is free again
      }
    }
  }

  @Nested
  class WhichChildrenMethod {
    @Test
    @DisplayName("CC-126: which_children lists the newest first, with each child's state and type")
    void newestFirstWithStateAndType() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of());
        sup.startChild(kids.worker("child1"));
        sup.startChild(ChildSpec.supervisor("child2", Supervisor.childStart(ONE_FOR_ONE, List.of())));
        sup.startChild(kids.worker("child3"));
        sup.terminateChild("child3");

        assertThat(sup.whichChildren())
            .containsExactly(
                new ChildInfo("child3", new ChildState.Undefined(), ChildSpec.Type.WORKER),
                new ChildInfo("child2", new ChildState.Running(pidOf(sup, "child2")), ChildSpec.Type.SUPERVISOR),
                new ChildInfo("child1", new ChildState.Running(pidOf(sup, "child1")), ChildSpec.Type.WORKER));
      }
    }
  }

  @Nested
  class CountChildrenMethod {
    @Test
    @DisplayName("§5.9: count_children: specs, active (running), supervisors, workers")
    void counts() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup =
            startSup(
                me,
                ONE_FOR_ONE,
                List.of(
                    kids.worker("a"),
                    ChildSpec.supervisor("s", Supervisor.childStart(ONE_FOR_ONE, List.of(kids.worker("deep")))),
                    kids.worker("b")));
        assertThat(sup.countChildren()).isEqualTo(new Counts(3, 3, 1, 2));
        sup.terminateChild("b");
        assertThat(sup.countChildren()).isEqualTo(new Counts(3, 2, 1, 2));
        sup.terminateChild("s");
        assertThat(sup.countChildren()).isEqualTo(new Counts(3, 1, 1, 2));
      }
    }
  }

  @Nested
  class GetChildspecMethod {
    @Test
    @DisplayName("CC-081: get_childspec returns the spec with all its fields; an unknown id gives not_found")
    void returnsTheSpec() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        ChildSpec worker = kids.worker("w");
        ChildSpec sub = ChildSpec.supervisor("s", Supervisor.childStart(ONE_FOR_ONE, List.of()));
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of(worker, sub));

        assertThat(sup.getChildspec("w")).contains(worker);
        assertThat(sup.getChildspec("w").orElseThrow())
            .extracting(ChildSpec::restart, ChildSpec::shutdown, ChildSpec::type, ChildSpec::significant)
            .containsExactly(Restart.PERMANENT, ChildSpec.WORKER_SHUTDOWN, ChildSpec.Type.WORKER, false);
        assertThat(sup.getChildspec("s").orElseThrow())
            .extracting(ChildSpec::restart, ChildSpec::shutdown, ChildSpec::type, ChildSpec::significant)
            .containsExactly(Restart.PERMANENT, Shutdown.INFINITY, ChildSpec.Type.SUPERVISOR, false);
        assertThat(sup.getChildspec("nobody")).isEmpty();
      }
    }
  }

  @Nested
  class CallsWithoutASupervisor {
    @Test
    @DisplayName("CC-101: any call on an unregistered supervisor name fails with noproc")
    void anUnregisteredName() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Supervisor foo = Supervisor.named(node, "foo");
        assertThatThrownBy(foo::whichChildren)
            .isInstanceOfSatisfying(CallException.class, e -> assertThat(e.failure()).isEqualTo(ExitReason.NOPROC));
        assertThatThrownBy(foo::countChildren).isInstanceOf(CallException.class);
        assertThatThrownBy(() -> foo.terminateChild("x")).isInstanceOf(CallException.class);
        assertThatThrownBy(foo::pid).isInstanceOf(IllegalStateException.class);
      }
    }

    @Test
    @DisplayName("§5.9: stop returns once the supervisor and its children are gone; calls then fail with noproc")
    void afterStop() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup = startSup(me, ONE_FOR_ONE, List.of(kids.worker("a")));

        sup.stop();

        assertThat(node.processes()).containsExactly(me.self());
        assertThatThrownBy(sup::countChildren)
            .isInstanceOfSatisfying(CallException.class, e -> assertThat(e.failure()).isEqualTo(ExitReason.NOPROC));
      }
    }
  }
}
