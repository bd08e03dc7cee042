package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.banyan.Introspection.ChildReport;
import dev.banyan.Introspection.NodeEvent;
import dev.banyan.Introspection.ProcessLabel;
import dev.banyan.Introspection.ProcessSummary;
import dev.banyan.Introspection.SupervisorReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Introspection}: what the observer reads — labels (initial call), bounded state
 * ({@code sys:get_state}), supervisor reports with restart counts, recent crashes and restarts.
 *
 * <p>Synchronisation: a dying child's link signal reaches its supervisor before its Down reaches
 * the test, so once the test has the Down, a call to the supervisor is answered after the
 * supervisor has handled the exit.
 */
@Timeout(30)
class IntrospectionTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private Node node;
  private AttachedProcess<Object> me;
  private Introspection look;

  @BeforeEach
  void start() {
    node = Node.start();
    me = node.attach();
    look = Introspection.of(node);
  }

  @AfterEach
  void stop() {
    me.close();
    node.stop();
  }

  /** Counts the messages it gets; its state is a map of counts. */
  static final class Tally implements GenServer<Map<String, Integer>, Object> {
    @Override
    public Init<Map<String, Integer>> init(ProcessContext<Object> self) {
      return Init.ok(new HashMap<>());
    }

    @Override
    public Result<Map<String, Integer>> handleInfo(Object message, Map<String, Integer> state) {
      state.merge(String.valueOf(message), 1, Integer::sum);
      return Result.noreply(state);
    }
  }

  private Pid<?> startTally() {
    GenServer.Start<Object> s = GenServer.start(node, new Tally());
    return ((GenServer.Start.Ok<Object>) s).server().whereis().orElseThrow();
  }

  private void killAndAwaitDown(Pid<?> pid) {
    MonitorRef ref = me.monitor(pid);
    node.exit(pid, ExitReason.KILL);
    me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow();
  }

  @Test
  void theSchedulerReportSaysWhichSchedulerRunsProcesses() {
    Introspection.SchedulerReport r = Introspection.scheduler();
    if ("jdk".equals(System.getProperty("banyan.scheduler"))) {
      assertThat(r.kind()).isEqualTo(Introspection.SchedulerReport.Kind.JDK);
      assertThat(r.whyNotBanyan()).contains("-Dbanyan.scheduler=jdk");
    } else {
      assertThat(r.kind()).isEqualTo(Introspection.SchedulerReport.Kind.BANYAN);
      assertThat(r.whyNotBanyan()).isEmpty();
      assertThat(r.parallelism()).isEqualTo(Scheduler.instance().parallelism());
    }
    assertThat(r.carriers()).isGreaterThanOrEqualTo(r.parallelism()).isPositive();
  }

  @Nested
  class Labels {
    @Test
    void aGenServerIsLabelledWithItsClassAndParent() {
      Pid<?> tally =
          ((GenServer.Start.Ok<Object>) GenServer.startLink(me, new Tally())).server().whereis().orElseThrow();
      ProcessLabel label = look.label(tally).orElseThrow();
      assertThat(label.kind()).isEqualTo(ProcessLabel.Kind.GEN_SERVER);
      assertThat(label.implementation()).isEqualTo(Tally.class);
      assertThat(label.parent()).contains(me.self());
    }

    @Test
    void supervisorsAndAgentsHaveTheirOwnKinds() {
      Supervisor sup = Supervisor.of((ServerRef<Supervisor.Call>) ((GenServer.Start.Ok<Supervisor.Call>)
          Supervisor.startLink(me, Supervisor.Flags.oneForOne(), List.of())).server());
      DynamicSupervisor dyn = DynamicSupervisor.startLink(me);
      Agent<Integer> agent = Agent.startLink(me, () -> 1);
      assertThat(look.label(sup.pid()).map(ProcessLabel::kind)).contains(ProcessLabel.Kind.SUPERVISOR);
      assertThat(look.label(dyn.pid()).map(ProcessLabel::kind)).contains(ProcessLabel.Kind.DYNAMIC_SUPERVISOR);
      assertThat(look.label(agent.server().whereis().orElseThrow()).map(ProcessLabel::kind))
          .contains(ProcessLabel.Kind.AGENT);
      assertThat(look.supervisors()).containsExactlyInAnyOrder(sup.pid(), dyn.pid());
    }

    @Test
    void aPlainProcessHasNoLabelAndADeadServerLosesIt() {
      Pid<String> plain = node.spawn(ctx -> ctx.receive(String.class));
      assertThat(look.label(plain)).isEmpty();
      Pid<?> tally = startTally();
      killAndAwaitDown(tally);
      assertThat(look.label(tally)).isEmpty();
    }
  }

  @Nested
  class State {
    @Test
    @DisplayName("state is sys:get_state: the server's state, unchanged by asking (CC-075)")
    void theStateOfAServerIsItsStateAsText() {
      Pid<?> tally = startTally();
      @SuppressWarnings("unchecked")
      Pid<Object> p = (Pid<Object>) tally;
      p.send("a");
      p.send("a");
      assertThat(look.state(tally, 100, WAIT)).contains("{a=2}");
      assertThat(look.state(tally, 100, WAIT)).contains("{a=2}"); // asking changes nothing
    }

    @Test
    void aHugeStateIsCutAtTheLimitWithoutWritingItWhole() {
      Agent<List<Integer>> big = Agent.start(node, () -> {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < 1_000_000; i++) {
          l.add(i);
        }
        return l;
      });
      String text = look.state(big.server().whereis().orElseThrow(), 200, WAIT).orElseThrow();
      assertThat(text).hasSizeLessThanOrEqualTo(200).startsWith("[0, 1, 2").endsWith("…");
    }

    @Test
    void aPlainProcessHasNoState() {
      Pid<String> plain = node.spawn(ctx -> ctx.receive(String.class));
      assertThat(look.state(plain, 100, WAIT)).isEmpty();
    }

    @Test
    void aLimitBelowSixteenIsRefusedWithItsValue() {
      assertThatIllegalArgumentException().isThrownBy(() -> look.state(me.self(), 3, WAIT)).withMessageContaining("3");
    }
  }

  @Nested
  class Supervisors {
    @Test
    @DisplayName("a report counts the restarts of each child and keeps its last exit (CC-105: temporary ones go)")
    void aReportCountsRestartsPerChild() {
      List<ChildSpec> specs = List.of(
          ChildSpec.worker("a", ChildStart.genServer(Tally::new)),
          ChildSpec.worker("b", ChildStart.genServer(Tally::new)).withRestart(Restart.TEMPORARY));
      Supervisor sup = Supervisor.of(((GenServer.Start.Ok<Supervisor.Call>)
          Supervisor.startLink(me, Supervisor.Flags.oneForOne(), specs)).server());
      SupervisorReport before = look.supervisor(sup.pid(), 10, WAIT).orElseThrow();
      assertThat(before.strategy()).isEqualTo(Supervisor.Strategy.ONE_FOR_ONE);
      assertThat(before.maxRestarts()).isEqualTo(3);
      assertThat(before.children()).extracting(ChildReport::id).containsExactly("a", "b");
      Pid<?> a = before.children().get(0).pid().orElseThrow();
      Pid<?> b = before.children().get(1).pid().orElseThrow();

      killAndAwaitDown(a);
      killAndAwaitDown(b);
      SupervisorReport after = look.supervisor(sup.pid(), 10, WAIT).orElseThrow();
      assertThat(after.restarts()).isEqualTo(1);
      assertThat(after.children()).hasSize(1);
      ChildReport ra = after.children().get(0);
      assertThat(ra.restarts()).isEqualTo(1);
      assertThat(ra.restart()).isEqualTo(Restart.PERMANENT);
      assertThat(ra.lastExit()).contains(ExitReason.KILLED);
      assertThat(ra.pid()).isPresent().isNotEqualTo(Optional.of(a));
    }

    @Test
    void aDynamicSupervisorListsAtMostTheChildrenAskedFor() {
      DynamicSupervisor dyn = DynamicSupervisor.startLink(me);
      for (int i = 0; i < 20; i++) {
        dyn.startChild(ChildSpec.worker("w", ChildStart.genServer(Tally::new)));
      }
      SupervisorReport r = look.supervisor(dyn.pid(), 5, WAIT).orElseThrow();
      assertThat(r.kind()).isEqualTo(ProcessLabel.Kind.DYNAMIC_SUPERVISOR);
      assertThat(r.childCount()).isEqualTo(20);
      assertThat(r.children()).hasSize(5);

      Pid<?> first = r.children().get(0).pid().orElseThrow();
      killAndAwaitDown(first);
      SupervisorReport after = look.supervisor(dyn.pid(), 100, WAIT).orElseThrow();
      assertThat(after.restarts()).isEqualTo(1);
      assertThat(after.children()).filteredOn(c -> c.restarts() == 1).singleElement()
          .satisfies(c -> assertThat(c.lastExit()).contains(ExitReason.KILLED));
    }

    @Test
    void aServerThatIsNotASupervisorHasNoReport() {
      assertThat(look.supervisor(startTally(), 10, WAIT)).isEmpty();
    }
  }

  @Nested
  class Events {
    @Test
    void crashesAndRestartsAreRemembered() {
      List<ChildSpec> specs = List.of(ChildSpec.worker("a", ChildStart.genServer(Tally::new)));
      Supervisor sup = Supervisor.of(((GenServer.Start.Ok<Supervisor.Call>)
          Supervisor.startLink(me, Supervisor.Flags.oneForOne(), specs)).server());
      Pid<?> a = sup.whichChildren().get(0).state() instanceof Supervisor.ChildState.Running r ? r.pid() : null;
      long seen = look.events(0).stream().mapToLong(NodeEvent::seq).max().orElse(0);
      killAndAwaitDown(a);
      Pid<?> now = ((Supervisor.ChildState.Running) sup.whichChildren().get(0).state()).pid();
      List<NodeEvent> events = look.events(seen);
      assertThat(events).extracting(NodeEvent::kind)
          .containsExactly(NodeEvent.Kind.CRASH, NodeEvent.Kind.RESTART);
      NodeEvent restart = events.get(1);
      assertThat(restart.pid()).isEqualTo(a);
      assertThat(restart.name()).isEqualTo("a");
      assertThat(restart.reason()).isEqualTo(ExitReason.KILLED);
      assertThat(restart.supervisor()).contains(sup.pid());
      assertThat(restart.newPid()).contains(now);
      assertThat(look.events(restart.seq())).isEmpty();
    }

    @Test
    void aNormalExitIsNoCrash() {
      Pid<Object> quick = node.spawn(ctx -> {});
      MonitorRef ref = me.monitor(quick);
      me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow();
      assertThat(look.events(0)).isEmpty();
    }

    @Test
    void onlyTheLastFewHundredAreKept() {
      for (int i = 0; i < Introspection.EVENTS + 10; i++) {
        Pid<Object> crash = node.spawn(ctx -> {
          throw new ExitException(ExitReason.of("boom"));
        });
        MonitorRef ref = me.monitor(crash);
        me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow();
      }
      List<NodeEvent> events = look.events(0);
      assertThat(events).hasSize(Introspection.EVENTS);
      assertThat(events.get(0).seq()).isEqualTo(11);
    }
  }

  @Nested
  class Processes {
    @Test
    void summariesAndMessageCountsCoverEveryProcessTheDeadIncluded() {
      Pid<String> waiting = node.spawn(ctx -> {
        ctx.receive(String.class);
        ctx.receive(Integer.class);
      });
      waiting.send("one");
      waiting.send("two");
      node.register("waiter", waiting);
      ProcessSummary s = look.summary(waiting).orElseThrow();
      assertThat(s.registeredName()).contains("waiter");
      List<Pid<?>> all = new ArrayList<>();
      look.forEachProcess(p -> all.add(p.pid()));
      assertThat(all).contains(waiting, me.self());
      assertThat(look.find(waiting.id(), waiting.serial())).contains(waiting);

      long before = look.messagesReceived();
      Pid<Object> eater = node.spawn(ctx -> {
        ctx.receive(String.class);
        ctx.receive(String.class);
      });
      MonitorRef ref = me.monitor(eater);
      eater.send("a");
      eater.send("b");
      me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow();
      assertThat(look.messagesReceived()).isGreaterThanOrEqualTo(before + 2); // the dead one's count stays
      assertThat(look.summary(eater)).isEmpty();
      assertThat(look.exitReason(eater)).contains(ExitReason.NORMAL);
    }
  }
}
