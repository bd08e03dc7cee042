package dev.banyan;

import static dev.banyan.SupervisorFixtures.WAIT;
import static dev.banyan.SupervisorFixtures.supAt;
import static dev.banyan.SupervisorFixtures.tell;
import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.Supervisor.ChildInfo;
import dev.banyan.Supervisor.ChildState;
import dev.banyan.Supervisor.Flags;
import dev.banyan.Supervisor.Strategy;
import dev.banyan.SupervisorFixtures.Crash;
import dev.banyan.SupervisorFixtures.Kids;
import dev.banyan.SupervisorFixtures.StopWith;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A property test of supervision trees: for each seed, a random tree (depth at most 4, mixed
 * strategies, restart types and intensities) is started, then random processes of it end in
 * random ways: one per step, or, in about a quarter of the steps, a burst of up to three at once in
 * branches whose restarts cannot touch each other (their supervisors differ, are not ancestors of
 * one another and have intensity to spare). A model of OTP's rules (otp-semantics §5.3, §5.5, §5.6)
 * predicts each step: which processes die, which workers and supervisors start again and in what
 * order, and which terminate. After each step the test checks:
 *
 * <ul>
 *   <li>the {@code init} log of the step equals the model's, as an exact sequence (a restart
 *       starts children in start order, a supervisor before its children); in a burst, each
 *       ending's sequence is kept within the interleaving;
 *   <li>the {@code terminate} log of the step equals the model's as a multiset (the children of a
 *       killed supervisor end concurrently);
 *   <li>every supervisor's {@code whichChildren} matches the model: ids, running or not, and the
 *       same pid for every process the step did not touch;
 *   <li>every permanent child of a live supervisor runs (a supervisor that gave up for intensity is
 *       gone with its children);
 *   <li>no process outside the tree: {@code node.processes()} is the tree's processes plus the
 *       test's own; no process died that the model did not expect;
 *   <li>at the end, no leaked thread: {@code node.stop()} leaves no zombie.
 * </ul>
 *
 * <p>Supervisors use an injected clock that never moves, so every restart of a supervisor's
 * incarnation counts toward its intensity and the model can say exactly when it gives up.
 *
 * <p>Run one seed with {@code -Dtree.seed=N}; a failure names its seed and the steps so far.
 */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SupervisionTreePropertyTest {
  private static final int SEEDS = 40;
  private static final int MAX_PROCESSES = 24;
  private static final int GENEROUS = 1000;
  private static final LongSupplier FROZEN = () -> 0;

  static LongStream seeds() {
    String one = System.getProperty("tree.seed");
    if (one != null && !one.isBlank()) {
      return LongStream.of(Long.parseLong(one.trim()));
    }
    return LongStream.rangeClosed(1, SEEDS);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void aRandomTreeFollowsItsRestartRules(long seed) {
    StringBuilder trace = new StringBuilder();
    try {
      run(seed, trace);
    } catch (Throwable t) {
      AssertionError e =
          new AssertionError(
              "seed " + seed + " failed (rerun with -Dtree.seed=" + seed + "): " + t.getMessage() + "\n" + trace, t);
      System.err.println(e.getMessage());
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The specification of a tree

  private sealed interface Spec {
    String id();

    Restart restart();
  }

  private record WorkerSpec(String id, Restart restart) implements Spec {}

  private record SupSpec(String id, Restart restart, Strategy strategy, int intensity, List<Spec> children)
      implements Spec {
    Flags flags() {
      return Flags.of(strategy).withIntensity(intensity, Duration.ofSeconds(3600));
    }
  }

  private static final class Generator {
    private final Random rnd;
    private int budget = MAX_PROCESSES;

    Generator(Random rnd) {
      this.rnd = rnd;
    }

    SupSpec top() {
      budget--;
      int intensity = rnd.nextInt(6) == 0 ? 1 + rnd.nextInt(3) : GENEROUS; // sometimes the whole tree may go
      return new SupSpec("S", Restart.PERMANENT, strategy(), intensity, children("S", 1));
    }

    private List<Spec> children(String parent, int depth) {
      int n = depth == 1 ? 2 + rnd.nextInt(3) : 1 + rnd.nextInt(3);
      List<Spec> out = new ArrayList<>();
      for (int i = 0; i < n && budget > 0; i++) {
        budget--;
        String id = parent + "." + i;
        if (depth < 4 && budget > 2 && rnd.nextInt(depth + 1) == 0) { // 1/2, 1/3, 1/4 by depth
          int intensity = rnd.nextInt(3) == 0 ? rnd.nextInt(3) : GENEROUS;
          out.add(new SupSpec(id, restart(), strategy(), intensity, children(id, depth + 1)));
        } else {
          out.add(new WorkerSpec(id, restart()));
        }
      }
      return List.copyOf(out);
    }

    private Strategy strategy() {
      return Strategy.values()[rnd.nextInt(3)];
    }

    private Restart restart() {
      int r = rnd.nextInt(4);
      return r < 2 ? Restart.PERMANENT : r == 2 ? Restart.TRANSIENT : Restart.TEMPORARY;
    }
  }

  private static ChildSpec childSpec(Spec spec, Kids kids) {
    return switch (spec) {
      case WorkerSpec w ->
          new ChildSpec(w.id(), kids.start(w.id(), true), w.restart(), ChildSpec.WORKER_SHUTDOWN, ChildSpec.Type.WORKER, false);
      case SupSpec s -> {
        List<ChildSpec> children = s.children().stream().map(c -> childSpec(c, kids)).toList();
        ChildStart start =
            parent -> {
              kids.log.add("init " + s.id());
              return Supervisor.startLink(parent, s.flags(), children, FROZEN);
            };
        yield new ChildSpec(s.id(), start, s.restart(), Shutdown.INFINITY, ChildSpec.Type.SUPERVISOR, false);
      }
    };
  }

  // ---------------------------------------------------------------------------------------------
  // The model

  /** One incarnation slot of a child in the model. */
  private static final class Inst {
    final Spec spec;
    final Inst parent;
    boolean running;
    Pid<?> pid; // known once the tree was walked after it started; null while not running
    List<Inst> children = new ArrayList<>();
    int restarts; // restarts of this supervisor's incarnation (the clock never moves)

    Inst(Spec spec, Inst parent) {
      this.spec = spec;
      this.parent = parent;
    }

    boolean isSup() {
      return spec instanceof SupSpec;
    }

    @Override
    public String toString() {
      return spec.id() + (running ? "@" + pid : "(down)");
    }
  }

  /** What one step should do. */
  private static final class Expect {
    final List<String> inits = new ArrayList<>();
    final List<String> terminates = new ArrayList<>();
    final Set<Pid<?>> dead = new HashSet<>();
    boolean topGone;
  }

  /** How a process is made to end. */
  private enum Blow {
    KILL(ExitReason.KILLED, true),
    NORMAL(ExitReason.NORMAL, false),
    SHUTDOWN(ExitReason.SHUTDOWN, false),
    SHUTDOWN_WITH_DETAIL(ExitReason.shutdown("prop"), false),
    EXIT_ABNORMAL(ExitReason.of("prop-boom"), true),
    CRASH(null, true);

    final ExitReason reason; // null: a crash, whatever exception
    final boolean abnormal;

    Blow(ExitReason reason, boolean abnormal) {
      this.reason = reason;
      this.abnormal = abnormal;
    }

    void apply(ProcessContext<Object> me, Pid<?> pid) {
      switch (this) {
        case KILL -> me.exit(pid, ExitReason.KILL);
        case CRASH -> tell(pid, new Crash("prop-crash"));
        default -> tell(pid, new StopWith(reason));
      }
    }
  }

  private static final class Model {
    final Inst top;

    Model(SupSpec spec, Expect e) {
      top = new Inst(spec, null);
      start(top, e);
    }

    /** Starts a fresh incarnation of {@code c} in place, its subtree in start order. */
    void start(Inst c, Expect e) {
      e.inits.add("init " + c.spec.id());
      c.running = true;
      c.pid = null;
      c.restarts = 0;
      c.children = new ArrayList<>();
      if (c.spec instanceof SupSpec s) {
        for (Spec childSpec : s.children()) {
          Inst child = new Inst(childSpec, c);
          c.children.add(child);
          start(child, e);
        }
      }
    }

    /** {@code c} ends, with its subtree; a worker logs terminate unless {@code killed}. */
    void die(Inst c, boolean killed, Expect e) {
      e.dead.add(c.pid);
      if (!c.isSup() && !killed) {
        e.terminates.add("terminate " + c.spec.id());
      }
      for (Inst child : c.children) {
        if (child.running) {
          die(child, false, e); // stopped with shutdown, or told of its killed parent: terminate runs
        }
      }
      c.running = false;
    }

    void blow(Inst c, Blow blow, Expect e) {
      die(c, blow == Blow.KILL, e);
      exited(c.parent, c, blow.abnormal, e);
    }

    /** §5.5: supervisor {@code s} handles the end of its child {@code c}. */
    void exited(Inst s, Inst c, boolean abnormal, Expect e) {
      boolean restart =
          switch (c.spec.restart()) {
            case PERMANENT -> true;
            case TRANSIENT -> abnormal;
            case TEMPORARY -> false;
          };
      if (!restart) {
        if (c.spec.restart() == Restart.TEMPORARY) {
          s.children.remove(c);
        }
        return;
      }
      s.restarts++;
      if (s.restarts > ((SupSpec) s.spec).intensity()) { // §5.6: give up
        for (int i = s.children.size() - 1; i >= 0; i--) {
          if (s.children.get(i).running) {
            die(s.children.get(i), false, e);
          }
        }
        e.dead.add(s.pid);
        s.running = false;
        if (s.parent == null) {
          e.topGone = true;
        } else {
          exited(s.parent, s, false, e); // it exits shutdown
        }
        return;
      }
      int at = s.children.indexOf(c);
      List<Inst> group =
          switch (((SupSpec) s.spec).strategy()) {
            case ONE_FOR_ONE -> new ArrayList<>(List.of(c));
            case ONE_FOR_ALL -> new ArrayList<>(s.children);
            case REST_FOR_ONE -> new ArrayList<>(s.children.subList(at, s.children.size()));
          };
      for (int i = group.size() - 1; i >= 0; i--) { // §5.3: the others stop in reverse order
        Inst other = group.get(i);
        if (other != c && other.running) {
          die(other, false, e);
        }
        if (other != c && other.spec.restart() == Restart.TEMPORARY) {
          s.children.remove(other);
          group.remove(i);
        }
      }
      for (Inst g : group) { // then start in start order
        start(g, e);
      }
    }

    List<Inst> running() {
      List<Inst> out = new ArrayList<>();
      collect(top, out);
      out.remove(top);
      return out;
    }

    private void collect(Inst c, List<Inst> out) {
      if (c.running) {
        out.add(c);
        c.children.forEach(ch -> collect(ch, out));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The run

  private void run(long seed, StringBuilder trace) throws Exception {
    Random rnd = new Random(seed);
    SupSpec spec = new Generator(rnd).top();
    trace.append("tree: ").append(spec).append('\n');
    Kids kids = new Kids();
    Node node = Node.start();
    try {
      try (AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Map<Pid<?>, MonitorRef> monitors = new HashMap<>();

        Expect startup = new Expect();
        Model model = new Model(spec, startup);
        kids.log.add("init S");
        List<ChildSpec> children = spec.children().stream().map(c -> childSpec(c, kids)).toList();
        Pid<?> topPid = Supervisor.startLink(me, spec.flags(), children, FROZEN).orElseThrow().whereis().orElseThrow();
        model.top.pid = topPid;
        assertThat(kids.log.snapshot()).as("the start").containsExactlyElementsOf(startup.inits);
        check(node, me, model, monitors);

        int steps = 8 + rnd.nextInt(10);
        for (int step = 1; step <= steps; step++) {
          List<Inst> candidates = model.running();
          if (candidates.isEmpty()) {
            trace.append("step ").append(step).append(": nothing left to kill\n");
            break;
          }
          List<Inst> victims = new ArrayList<>(List.of(candidates.get(rnd.nextInt(candidates.size()))));
          if (rnd.nextInt(4) == 0 && hasHeadroom(victims.getFirst())) {
            // a burst: more processes end at once, in branches that cannot affect each other
            for (int tries = 0; tries < 8 && victims.size() < 3; tries++) {
              Inst v = candidates.get(rnd.nextInt(candidates.size()));
              if (independent(v, victims)) {
                victims.add(v);
              }
            }
          }
          List<Blow> blows = new ArrayList<>();
          List<Pid<?>> targets = new ArrayList<>();
          trace.append("step ").append(step).append(':');
          for (Inst v : victims) {
            Blow blow = v.isSup() ? Blow.KILL : Blow.values()[rnd.nextInt(Blow.values().length)];
            blows.add(blow);
            targets.add(v.pid); // the model's restart forgets it
            trace.append(' ').append(blow).append(' ').append(v);
          }
          trace.append('\n');

          List<Expect> events = new ArrayList<>();
          for (int i = 0; i < victims.size(); i++) {
            Expect e = new Expect();
            model.blow(victims.get(i), blows.get(i), e);
            events.add(e);
          }
          int mark = kids.log.size();
          for (int i = 0; i < victims.size(); i++) {
            blows.get(i).apply(me, targets.get(i));
          }

          for (Expect e : events) {
            for (Pid<?> dead : e.dead) {
              MonitorRef ref = monitors.remove(dead);
              me.receive(Down.class, d -> d.ref().equals(ref), WAIT)
                  .orElseThrow(() -> new AssertionError("no Down of " + dead + ", expected dead"));
            }
          }
          if (events.getFirst().topGone) { // never in a burst: its supervisors have headroom
            assertThat(me.receive(Exit.class, x -> x.from().equals(topPid), WAIT))
                .as("the top's exit")
                .hasValueSatisfying(x -> assertThat(x.reason()).isEqualTo(ExitReason.SHUTDOWN));
            assertThat(node.processes()).as("no process outside the tree").containsExactly(me.self());
            assertThat(inits(kids.log.since(mark))).as("inits").containsExactlyElementsOf(events.getFirst().inits);
            trace.append("  the top gave up\n");
            break;
          }
          check(node, me, model, monitors); // walks the tree: every supervisor has handled its Exits
          List<String> entries = kids.log.since(mark);
          List<String> inits = inits(entries);
          List<String> expectedTerminates = new ArrayList<>();
          int expectedInits = 0;
          for (Expect e : events) {
            // the events touch disjoint subtrees: each one's inits are in order among the step's
            Set<String> mine = new HashSet<>(e.inits);
            assertThat(inits.stream().filter(mine::contains).toList())
                .as("the inits of the step, for %s", e.inits)
                .containsExactlyElementsOf(e.inits);
            expectedInits += e.inits.size();
            expectedTerminates.addAll(e.terminates);
          }
          assertThat(inits).as("the inits of the step").hasSize(expectedInits);
          assertThat(terminates(entries)).as("the terminates of the step").containsExactlyInAnyOrderElementsOf(expectedTerminates);
        }
      }
      node.stop();
      assertThat(node.zombies()).as("leaked threads").isEmpty();
    } finally {
      node.stop();
    }
  }

  /** {@return whether one more restart of {@code v}'s supervisor stays within its intensity} */
  private static boolean hasHeadroom(Inst v) {
    return v.parent.restarts + 1 <= ((SupSpec) v.parent.spec).intensity();
  }

  /**
   * {@return whether {@code v} can end at the same time as {@code others}}: its supervisor has
   * headroom and is neither one of theirs nor an ancestor or descendant of one, so the restarts
   * touch disjoint subtrees and none gives up.
   */
  private static boolean independent(Inst v, List<Inst> others) {
    if (!hasHeadroom(v)) {
      return false;
    }
    for (Inst o : others) {
      if (v.parent == o.parent || isAncestor(v.parent, o.parent) || isAncestor(o.parent, v.parent)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAncestor(Inst a, Inst b) {
    for (Inst p = b.parent; p != null; p = p.parent) {
      if (p == a) {
        return true;
      }
    }
    return false;
  }

  private static List<String> inits(List<String> entries) {
    return entries.stream().filter(s -> s.startsWith("init ")).toList();
  }

  private static List<String> terminates(List<String> entries) {
    return entries.stream().filter(s -> s.startsWith("terminate ")).toList();
  }

  /**
   * Walks the real tree from the top, comparing it with the model and learning the pids of new
   * incarnations; then checks that the node runs exactly the tree and that nobody died unexpectedly.
   */
  private static void check(Node node, AttachedProcess<Object> me, Model model, Map<Pid<?>, MonitorRef> monitors) {
    Set<Pid<?>> tree = new HashSet<>();
    walk(model.top, tree);
    for (Pid<?> pid : tree) {
      monitors.computeIfAbsent(pid, me::monitor);
    }
    Optional<Down> unexpected = me.receive(Down.class, Duration.ZERO);
    assertThat(unexpected).as("a process died that the model did not expect").isEmpty();
    Set<Pid<?>> expected = new HashSet<>(tree);
    expected.add(me.self());
    assertThat(new HashSet<>(node.processes())).as("the node's processes are the tree's").isEqualTo(expected);
  }

  private static void walk(Inst sup, Set<Pid<?>> tree) {
    tree.add(sup.pid);
    List<ChildInfo> which = new ArrayList<>(supAt(sup.pid).whichChildren());
    Collections.reverse(which); // start order
    assertThat(which.stream().map(ChildInfo::id).toList())
        .as("the children of %s", sup.spec.id())
        .containsExactlyElementsOf(sup.children.stream().map(c -> (Object) c.spec.id()).toList());
    for (int i = 0; i < which.size(); i++) {
      Inst model = sup.children.get(i);
      ChildState state = which.get(i).state();
      if (model.spec.restart() == Restart.PERMANENT) {
        assertThat(state).as("permanent child %s of a live supervisor", model.spec.id()).isInstanceOf(ChildState.Running.class);
      }
      if (!model.running) {
        assertThat(state).as("child %s", model.spec.id()).isEqualTo(new ChildState.Undefined());
        continue;
      }
      assertThat(state).as("child %s", model.spec.id()).isInstanceOf(ChildState.Running.class);
      Pid<?> pid = ((ChildState.Running) state).pid();
      if (model.pid != null) {
        assertThat(pid).as("the untouched child %s keeps its pid", model.spec.id()).isEqualTo(model.pid);
      }
      model.pid = pid;
      if (model.isSup()) {
        walk(model, tree);
      } else {
        tree.add(pid);
      }
    }
  }
}
