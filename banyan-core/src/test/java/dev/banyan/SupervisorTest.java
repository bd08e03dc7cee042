package dev.banyan;

import static dev.banyan.SupervisorFixtures.QUIET;
import static dev.banyan.SupervisorFixtures.downOf;
import static dev.banyan.SupervisorFixtures.handled;
import static dev.banyan.SupervisorFixtures.offender;
import static dev.banyan.SupervisorFixtures.pidOf;
import static dev.banyan.SupervisorFixtures.reports;
import static dev.banyan.SupervisorFixtures.startSup;
import static dev.banyan.SupervisorFixtures.stateOf;
import static dev.banyan.SupervisorFixtures.stderrOf;
import static dev.banyan.SupervisorFixtures.tell;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.banyan.SupervisorFixtures.Crash;
import dev.banyan.SupervisorFixtures.Kids;
import dev.banyan.SupervisorFixtures.StopWith;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Supervisor conformance suite (otp-semantics §5; cases CC-079..CC-140 of §11 "Supervisor"):
 * flags and child specs, the module's init, the restart decision of §5.5, temporary children and
 * exit signals from others. The rest is in {@link SupervisorStartTest} (§5.4), {@link
 * SupervisorRestartTest} (§5.3, §5.6, §5.7, §5.11), {@link SupervisorShutdownTest} (§5.8) and
 * {@link SupervisorApiTest} (§5.9); the random trees are {@link SupervisionTreePropertyTest}.
 *
 * <p>Cases not checked, and why:
 *
 * <ul>
 *   <li>CC-079 — Erlang's defaults for a flags map with missing keys (intensity 1): Banyan's
 *       {@link Supervisor.Flags} has no omitted keys; it follows Elixir, whose defaults CC-080
 *       checks.
 *   <li>CC-082, in part — {@code {invalid_child_spec, child4}} and unknown map keys: a {@link
 *       ChildSpec} is a typed record, neither can be written. The missing id and start are
 *       checked.
 *   <li>CC-083, in part — {@code invalid_mfa}, {@code invalid_restart_type}, {@code
 *       invalid_child_type}, {@code invalid_modules}/{@code invalid_module} and {@code
 *       check_childspecs}: ruled out by the types (a function, enums) and by the absence of the
 *       {@code modules} field, which only serves code upgrades. The invalid shutdown and the
 *       duplicate id are checked.
 *   <li>CC-084, in part — {@code invalid_strategy}, {@code invalid_auto_shutdown}, {@code
 *       invalid_type} and unknown flag keys: enums and a record. Negative intensity, a zero
 *       period and a missing strategy are checked.
 *   <li>CC-085, CC-095, CC-102, CC-122, CC-127, CC-128, and the {@code simple_one_for_one} parts
 *       of CC-096, CC-112 and CC-138 — {@code simple_one_for_one}: Banyan has no such strategy
 *       (house style rule 6); DynamicSupervisor does its job.
 *   <li>CC-096, in part — a start returning the bare term {@code error_reason}: a {@link
 *       ChildStart} returns a typed {@link GenServer.Start}; its one bad value, {@code null}, is
 *       checked.
 *   <li>CC-098 — {@code {ok, Pid, Info}}: {@link GenServer.Start.Ok} carries no extra term.
 *   <li>Code change and hot upgrade (§5.12), global names and Elixir's {@code use Supervisor}:
 *       no case in CC-079..CC-140 needs them; CC-080's {@code Supervisor.init(children, [])}
 *       without a strategy is checked as the {@code Flags} constructor requiring one.
 * </ul>
 */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SupervisorTest {

  @Nested
  class Flags {
    @Test
    @DisplayName("CC-080: the strategy is required; with one, the defaults are Elixir's: 3 restarts in 5 s, auto_shutdown never")
    void theStrategyIsRequiredAndTheDefaultsAreElixirs() {
      Duration five = Duration.ofSeconds(5);
      assertThat(Supervisor.Flags.oneForOne())
          .isEqualTo(new Supervisor.Flags(Supervisor.Strategy.ONE_FOR_ONE, 3, five, Supervisor.AutoShutdown.NEVER));
      assertThat(Supervisor.Flags.oneForAll())
          .isEqualTo(new Supervisor.Flags(Supervisor.Strategy.ONE_FOR_ALL, 3, five, Supervisor.AutoShutdown.NEVER));
      assertThat(Supervisor.Flags.restForOne())
          .isEqualTo(new Supervisor.Flags(Supervisor.Strategy.REST_FOR_ONE, 3, five, Supervisor.AutoShutdown.NEVER));
      assertThatThrownBy(() -> new Supervisor.Flags(null, 3, five, Supervisor.AutoShutdown.NEVER))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("strategy");
      assertThatThrownBy(() -> Supervisor.Flags.of(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("strategy");
    }

    @Test
    @DisplayName("CC-084: a negative intensity and a zero or negative period are rejected, naming the value")
    void badIntensityAndPeriodAreRejectedNamingTheValue() {
      Supervisor.Flags flags = Supervisor.Flags.oneForOne();
      assertThatThrownBy(() -> flags.withIntensity(-1, Duration.ofSeconds(5)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("invalid_intensity")
          .hasMessageContaining("-1");
      assertThatThrownBy(() -> flags.withIntensity(1, Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("invalid_period")
          .hasMessageContaining("PT0S");
      assertThatThrownBy(() -> flags.withIntensity(1, Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("invalid_period");
      assertThat(flags.withIntensity(0, Duration.ofSeconds(1)).maxRestarts()).isZero();
    }

    @Test
    void withIntensityAndWithAutoShutdownKeepTheOtherFlags() {
      Supervisor.Flags flags =
          Supervisor.Flags.restForOne()
              .withIntensity(7, Duration.ofSeconds(60))
              .withAutoShutdown(Supervisor.AutoShutdown.ALL_SIGNIFICANT);
      assertThat(flags)
          .isEqualTo(
              new Supervisor.Flags(
                  Supervisor.Strategy.REST_FOR_ONE, 7, Duration.ofSeconds(60), Supervisor.AutoShutdown.ALL_SIGNIFICANT));
    }
  }

  @Nested
  class ChildSpecs {
    @Test
    @DisplayName("CC-081: a worker defaults to permanent, 5000 ms shutdown, not significant; a supervisor to infinity")
    void theDefaultsOfAWorkerAndOfASupervisor() {
      ChildStart start = sup -> new GenServer.Start.Ignore<>();
      ChildSpec worker = ChildSpec.worker("w", start);
      assertThat(worker)
          .isEqualTo(
              new ChildSpec("w", start, Restart.PERMANENT, Shutdown.timeout(Duration.ofMillis(5000)), ChildSpec.Type.WORKER, false));
      ChildSpec sup = ChildSpec.supervisor("s", start);
      assertThat(sup)
          .isEqualTo(new ChildSpec("s", start, Restart.PERMANENT, Shutdown.INFINITY, ChildSpec.Type.SUPERVISOR, false));
    }

    @Test
    @DisplayName("CC-082: a spec without an id or without a start is rejected")
    void anIdAndAStartAreRequired() {
      ChildStart start = sup -> new GenServer.Start.Ignore<>();
      assertThatThrownBy(() -> ChildSpec.worker(null, start))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("id");
      assertThatThrownBy(() -> ChildSpec.worker("w", null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("start");
    }

    @Test
    @DisplayName("CC-083: a negative shutdown is rejected, naming the value (invalid_shutdown -10)")
    void aNegativeShutdownIsRejected() {
      assertThatThrownBy(() -> Shutdown.timeout(Duration.ofMillis(-10)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("-0.01");
    }

    @Test
    @DisplayName("CC-138: a permanent child cannot be significant (bad_combination)")
    void aPermanentChildCannotBeSignificant() {
      ChildSpec worker = ChildSpec.worker("w", sup -> new GenServer.Start.Ignore<>());
      assertThatThrownBy(() -> worker.withSignificant(true))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("bad_combination")
          .hasMessageContaining("w");
      assertThat(worker.withRestart(Restart.TRANSIENT).withSignificant(true).significant()).isTrue();
    }

    @Test
    @DisplayName("CC-083: two children with one id fail the start with {start_spec, {duplicate_child_name, Id}}, starting none")
    void aDuplicateIdFailsTheStart() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        GenServer.Start<Supervisor.Call> started =
            Supervisor.startLink(me, Supervisor.Flags.oneForOne(), List.of(kids.worker("dup"), kids.worker("dup")));
        assertThat(started)
            .isInstanceOfSatisfying(
                GenServer.Start.Error.class,
                e -> assertThat(e.reason().toString()).contains("start_spec", "duplicate_child_name", "dup"));
        assertThat(kids.log.snapshot()).isEmpty();
        assertThat(me.receive(Exit.class, QUIET)).isEmpty(); // no leftover Exit (CC-086)
        assertThat(node.processes()).containsExactly(me.self());
      }
    }
  }

  @Nested
  class ModuleInit {
    @Test
    @DisplayName("§5.1: a supervisor traps exits before its module's init runs")
    void theSupervisorTrapsExitsBeforeInit() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        AtomicBoolean trapping = new AtomicBoolean();
        AtomicReference<Pid<?>> initPid = new AtomicReference<>();
        Supervisor sup =
            Supervisor.of(
                Supervisor.startLink(
                        me,
                        self -> {
                          trapping.set(self.trapsExits());
                          initPid.set(self.self());
                          return Optional.of(new Supervisor.Init(Supervisor.Flags.oneForOne(), List.of()));
                        },
                        GenServer.Options.DEFAULTS)
                    .orElseThrow());
        assertThat(trapping).isTrue();
        assertThat(initPid.get()).isEqualTo(sup.pid());
      }
    }

    @Test
    @DisplayName("CC-086: init returning a bad value (null) fails the start with bad_return; a trapping caller has no leftover Exit")
    void initReturningNullIsABadReturn() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        GenServer.Start<Supervisor.Call> started = Supervisor.startLink(me, self -> null, GenServer.Options.DEFAULTS);
        assertThat(started)
            .isEqualTo(
                new GenServer.Start.Error<>(ExitReason.of(new GenServer.BadReturnValue("Supervisor.Module.init"))));
        assertThat(me.receive(Exit.class, QUIET)).isEmpty();
        assertThat(node.processes()).containsExactly(me.self());
      }
    }

    @Test
    @DisplayName("CC-086: init throwing fails the start with the exception; a trapping caller has no leftover Exit")
    void initThrowingFailsTheStart() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        GenServer.Start<Supervisor.Call> started =
            Supervisor.startLink(
                me,
                self -> {
                  throw new IllegalStateException("fail");
                },
                GenServer.Options.DEFAULTS);
        assertThat(started)
            .isInstanceOfSatisfying(
                GenServer.Start.Error.class,
                e ->
                    assertThat(e.reason())
                        .isInstanceOfSatisfying(
                            ExitReason.Crashed.class, c -> assertThat(c.cause()).hasMessage("fail")));
        assertThat(me.receive(Exit.class, QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("§5.1: init returning ignore: start returns ignore and the supervisor is gone")
    void initIgnoring() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        GenServer.Start<Supervisor.Call> started =
            Supervisor.startLink(me, self -> Optional.empty(), GenServer.Options.named("ignoring-sup"));
        assertThat(started).isEqualTo(new GenServer.Start.Ignore<>());
        assertThat(node.processes()).containsExactly(me.self());
        assertThat(node.whereis("ignoring-sup")).isEmpty();
        assertThat(me.receive(Exit.class, QUIET)).isEmpty(); // it exited normal, and that is flushed
      }
    }
  }

  @Nested
  class ExitSignalsFromOthers {
    @Test
    @DisplayName("CC-131: exit(Sup, shutdown) from a process that is neither parent nor child has no effect")
    void anExitFromANonParentHasNoEffect() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup = startSup(me, Supervisor.Flags.oneForOne(), List.of(kids.worker("a"), kids.worker("b")));
        List<Supervisor.ChildInfo> before = sup.whichChildren();
        Pid<?> supPid = sup.pid();
        Spawned<Object> stranger =
            me.spawnMonitor(
                ctx -> {
                  ctx.exit(supPid, ExitReason.SHUTDOWN);
                  ctx.exit(supPid, ExitReason.of("other"));
                });
        assertThat(downOf(me, stranger.ref()).reason()).isEqualTo(ExitReason.NORMAL);

        assertThat(sup.whichChildren()).isEqualTo(before); // queued after the signals
        assertThat(supPid.isAlive()).isTrue();
        assertThat(kids.log.snapshot()).containsExactly("init a", "init b");
      }
    }

    @Test
    @DisplayName("CC-131: exit(Sup, kill) kills it, and its children get killed through their links")
    void killKillsTheSupervisorAndItsChildren() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        Supervisor sup =
            startSup(me, Supervisor.Flags.oneForOne(), List.of(kids.worker("a"), kids.nonTrapping("b")));
        Pid<?> supPid = sup.pid();
        MonitorRef a = me.monitor(pidOf(sup, "a"));
        MonitorRef b = me.monitor(pidOf(sup, "b"));
        MonitorRef s = me.monitor(supPid);

        me.exit(supPid, ExitReason.KILL);

        assertThat(downOf(me, s).reason()).isEqualTo(ExitReason.KILLED);
        assertThat(downOf(me, a).reason()).isEqualTo(ExitReason.KILLED);
        assertThat(downOf(me, b).reason()).isEqualTo(ExitReason.KILLED);
        assertThat(SupervisorFixtures.exitFrom(me, supPid).reason()).isEqualTo(ExitReason.KILLED);
      }
    }

    @Test
    @DisplayName("§5.5: an unexpected message is logged and dropped; the supervisor goes on")
    void anUnexpectedMessageIsLoggedAndDropped() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup = startSup(me, Supervisor.Flags.oneForOne(), List.of(kids.worker("a")));
        String err =
            stderrOf(
                () -> {
                  @SuppressWarnings("unchecked")
                  Pid<Object> supPid = (Pid<Object>) sup.pid();
                  me.send(supPid, "stray-message-1234");
                  sup.countChildren(); // answered after the stray message was handled
                });
        assertThat(err).contains("unexpected message", "stray-message-1234");
        assertThat(sup.countChildren()).isEqualTo(new Supervisor.Counts(1, 1, 0, 1));
      }
    }
  }

  /** How a child ends, in the §5.5 matrix. */
  enum How {
    NORMAL,
    SHUTDOWN,
    SHUTDOWN_WITH_DETAIL,
    KILLED,
    CRASH;

    /** Makes the child end this way; returns the reason it ends with. */
    void apply(AttachedProcess<Object> me, Pid<?> child) {
      switch (this) {
        case NORMAL -> tell(child, new StopWith(ExitReason.NORMAL));
        case SHUTDOWN -> tell(child, new StopWith(ExitReason.SHUTDOWN));
        case SHUTDOWN_WITH_DETAIL -> tell(child, new StopWith(ExitReason.shutdown("x")));
        case KILLED -> me.exit(child, ExitReason.KILL);
        case CRASH -> tell(child, new Crash("matrix crash"));
      }
    }

    boolean matches(ExitReason reason) {
      return switch (this) {
        case NORMAL -> reason.equals(ExitReason.NORMAL);
        case SHUTDOWN -> reason.equals(ExitReason.SHUTDOWN);
        case SHUTDOWN_WITH_DETAIL -> reason.equals(ExitReason.shutdown("x"));
        case KILLED -> reason.equals(ExitReason.KILLED);
        case CRASH -> reason instanceof ExitReason.Crashed c && "matrix crash".equals(c.cause().getMessage());
      };
    }
  }

  @Nested
  class RestartDecision {
    /** The table of §5.5: restart type × how the child ended → restarted?, spec kept?, reported? */
    static Stream<Arguments> table() {
      return Stream.of(
          arguments(Restart.PERMANENT, How.NORMAL, true, true, true),
          arguments(Restart.PERMANENT, How.SHUTDOWN, true, true, true),
          arguments(Restart.PERMANENT, How.SHUTDOWN_WITH_DETAIL, true, true, true),
          arguments(Restart.PERMANENT, How.KILLED, true, true, true),
          arguments(Restart.PERMANENT, How.CRASH, true, true, true),
          arguments(Restart.TRANSIENT, How.NORMAL, false, true, false),
          arguments(Restart.TRANSIENT, How.SHUTDOWN, false, true, false),
          arguments(Restart.TRANSIENT, How.SHUTDOWN_WITH_DETAIL, false, true, false),
          arguments(Restart.TRANSIENT, How.KILLED, true, true, true),
          arguments(Restart.TRANSIENT, How.CRASH, true, true, true),
          arguments(Restart.TEMPORARY, How.NORMAL, false, false, false),
          arguments(Restart.TEMPORARY, How.SHUTDOWN, false, false, false),
          arguments(Restart.TEMPORARY, How.SHUTDOWN_WITH_DETAIL, false, false, false),
          arguments(Restart.TEMPORARY, How.KILLED, false, false, true),
          arguments(Restart.TEMPORARY, How.CRASH, false, false, true));
    }

    @ParameterizedTest(name = "{0} child ending {1}: restarted {2}, spec kept {3}, child_terminated {4}")
    @MethodSource("table")
    @DisplayName("CC-103, CC-104, CC-105: the restart decision of §5.5")
    void theRestartDecision(Restart restart, How how, boolean restarted, boolean kept, boolean reported)
        throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        String id = "m-" + restart + "-" + how;
        Supervisor sup =
            startSup(me, Supervisor.Flags.oneForOne(), List.of(kids.worker("bystander"), kids.worker(id, restart)));
        Pid<?> before = pidOf(sup, id);
        Pid<?> bystander = pidOf(sup, "bystander");
        MonitorRef ref = me.monitor(before);

        String err = stderrOf(() -> {
          how.apply(me, before);
          assertThat(how.matches(handled(me, sup, ref).reason())).isTrue();
        });

        Optional<Supervisor.ChildState> state =
            sup.whichChildren().stream().filter(c -> c.id().equals(id)).map(Supervisor.ChildInfo::state).findFirst();
        if (restarted) {
          assertThat(state).hasValueSatisfying(s -> assertThat(s).isInstanceOf(Supervisor.ChildState.Running.class));
          assertThat(pidOf(sup, id)).isNotEqualTo(before);
          assertThat(kids.count("init " + id)).isEqualTo(2);
        } else {
          assertThat(kids.count("init " + id)).isEqualTo(1);
          if (kept) {
            assertThat(state).contains(new Supervisor.ChildState.Undefined());
          } else {
            assertThat(state).isEmpty();
          }
        }
        assertThat(sup.getChildspec(id).isPresent()).isEqualTo(kept);
        assertThat(sup.countChildren())
            .isEqualTo(new Supervisor.Counts(kept ? 2 : 1, restarted ? 2 : 1, 0, kept ? 2 : 1));
        List<String> childTerminated = reports(err, "child_terminated");
        if (reported) {
          assertThat(childTerminated).singleElement().asString().contains(offender(id));
        } else {
          assertThat(childTerminated).isEmpty();
        }
        assertThat(pidOf(sup, "bystander")).isEqualTo(bystander); // one_for_one
      }
    }
  }

  @Nested
  class TemporaryChildren {
    @ParameterizedTest
    @EnumSource(How.class)
    @DisplayName("CC-105 / §5.10: a temporary child that ended is gone, and the same spec can be started again")
    void theSameSpecCanBeStartedAgain(How how) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        ChildSpec temp = kids.worker("temp", Restart.TEMPORARY);
        Supervisor sup = startSup(me, Supervisor.Flags.oneForOne(), List.of(temp));
        MonitorRef ref = me.monitor(pidOf(sup, "temp"));
        how.apply(me, pidOf(sup, "temp"));
        handled(me, sup, ref);

        assertThat(sup.whichChildren()).isEmpty();
        assertThat(sup.countChildren()).isEqualTo(new Supervisor.Counts(0, 0, 0, 0));
        assertThat(sup.startChild(temp)).isInstanceOf(Supervisor.StartChild.Ok.class);
        assertThat(stateOf(sup, "temp")).isInstanceOf(Supervisor.ChildState.Running.class);
      }
    }

    @Test
    @DisplayName("§5.10 / §5.9: terminate_child deletes a temporary child's spec: restart_child then finds nothing")
    void terminateChildDeletesATemporarySpec() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        ChildSpec temp = kids.worker("temp", Restart.TEMPORARY);
        Supervisor sup = startSup(me, Supervisor.Flags.oneForOne(), List.of(temp));

        assertThat(sup.terminateChild("temp")).isTrue();

        assertThat(sup.getChildspec("temp")).isEmpty();
        assertThat(sup.restartChild("temp")).isEqualTo(new Supervisor.StartChild.NotFound());
        assertThat(sup.deleteChild("temp")).isEqualTo(Supervisor.DeleteChild.NOT_FOUND);
        assertThat(sup.startChild(temp)).isInstanceOf(Supervisor.StartChild.Ok.class);
        assertThat(kids.log.snapshot()).containsExactly("init temp", "terminate temp", "init temp");
      }
    }
  }
}
