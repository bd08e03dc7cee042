package dev.banyan;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.banyan.GenServer.Init;
import dev.banyan.GenServer.Result;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * What the Supervisor tests share: children that append to a shared {@link Log} in {@code init}
 * and {@code terminate} (so a test can compare the exact order in which a supervisor starts and
 * stops them), a way to make their starts fail or ignore, and waiting helpers.
 *
 * <p>Synchronisation without sleeping: Banyan applies a dying process's link signals before its
 * monitor Downs, so once the test has a child's Down, the child's Exit is already in its
 * supervisor's mailbox, and any call to the supervisor ({@link #handled}) is answered after the
 * supervisor has handled that Exit.
 */
final class SupervisorFixtures {
  /** How long a test waits for something that must happen. */
  static final Duration WAIT = Duration.ofSeconds(5);

  /** How long a test waits to show that something does NOT happen. */
  static final Duration QUIET = Duration.ofMillis(200);

  private SupervisorFixtures() {}

  // ---------------------------------------------------------------------------------------------
  // The log

  /** A thread-safe list of events; a test can wait for it to reach a size (an event, not a sleep). */
  static final class Log {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition grew = lock.newCondition();
    private final List<String> entries = new ArrayList<>(); // guarded by lock

    void add(String entry) {
      lock.lock();
      try {
        entries.add(entry);
        grew.signalAll();
      } finally {
        lock.unlock();
      }
    }

    List<String> snapshot() {
      lock.lock();
      try {
        return List.copyOf(entries);
      } finally {
        lock.unlock();
      }
    }

    int size() {
      lock.lock();
      try {
        return entries.size();
      } finally {
        lock.unlock();
      }
    }

    /** {@return the entries from index {@code from} on} */
    List<String> since(int from) {
      List<String> all = snapshot();
      return all.subList(Math.min(from, all.size()), all.size());
    }

    /** Waits until the log has at least {@code n} entries; fails the test if it does not in time. */
    List<String> awaitSize(int n) throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      lock.lock();
      try {
        while (entries.size() < n) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            fail("the log did not reach " + n + " entries in " + WAIT + ": " + entries);
          }
          grew.await(left, TimeUnit.NANOSECONDS);
        }
        return List.copyOf(entries);
      } finally {
        lock.unlock();
      }
    }

    @Override
    public String toString() {
      return snapshot().toString();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The children

  /** What a child's next start does. */
  enum Mode {
    /** Starts: logs {@code init <id>}. */
    OK,
    /** Returns ignore: logs {@code init <id>: ignore}. */
    IGNORE,
    /** Fails with {@code Init.error("no-start <id>")}: logs {@code init <id>: fail}. */
    FAIL
  }

  /** The requests of a {@link Worker}. */
  sealed interface Cmd {}

  /** Cast: stop with this reason (terminate runs). */
  record StopWith(ExitReason reason) implements Cmd {}

  /** Cast: throw, crashing the server (terminate runs). */
  record Crash(String message) implements Cmd {}

  /** Cast: unlink from {@code pid}. */
  record UnlinkFrom(Pid<?> pid) implements Cmd {}

  /** Call: answers the worker's id. */
  record Ping(ReplyTo<String> replyTo) implements Cmd {}

  /** What a worker does in terminate, after logging; runs in the worker's process. */
  @FunctionalInterface
  interface TerminateHook {
    void run(ProcessContext<Object> self, ExitReason reason) throws Exception;
  }

  /** {@return a hook that blocks until the worker is killed: a child that ignores shutdown} */
  static TerminateHook stubborn() {
    return (self, reason) -> self.receive(String.class, "never sent"::equals);
  }

  /**
   * {@return a hook that tells {@code test} "terminating &lt;id&gt;" and waits for "go"}
   *
   * @param test the test process
   * @param id the worker
   */
  static TerminateHook gate(Pid<Object> test, String id) {
    return (self, reason) -> {
      test.send("terminating " + id);
      self.receive(String.class, "go"::equals);
    };
  }

  /**
   * The children of one test. Each worker logs {@code init <id>} when it starts and {@code
   * terminate <id>} in terminate; it traps exits (unless made with {@link #nonTrapping}), so a
   * supervisor's {@code shutdown} runs its terminate.
   */
  static final class Kids {
    final Log log = new Log();
    final Map<Object, Mode> modes = new ConcurrentHashMap<>();
    final Map<Object, AtomicInteger> failNext = new ConcurrentHashMap<>();
    final Map<Object, Pid<?>> pids = new ConcurrentHashMap<>(); // the latest started pid per id
    final Map<Object, ExitReason> terminated = new ConcurrentHashMap<>(); // terminate's reason
    final Map<Object, TerminateHook> hooks = new ConcurrentHashMap<>();

    /** {@return a permanent trapping worker with the default 5 s shutdown} */
    ChildSpec worker(String id) {
      return ChildSpec.worker(id, start(id, true));
    }

    /** {@return a worker of this restart type} */
    ChildSpec worker(String id, Restart restart) {
      return worker(id).withRestart(restart);
    }

    /** {@return a permanent worker that does not trap exits (shutdown kills it at once)} */
    ChildSpec nonTrapping(String id) {
      return ChildSpec.worker(id, start(id, false));
    }

    ChildStart start(String id, boolean trap) {
      return ChildStart.genServer(() -> new Worker(this, id, trap));
    }

    /** Makes the next {@code n} starts of {@code id} fail. */
    void failNext(String id, int n) {
      failNext.put(id, new AtomicInteger(n));
    }

    Mode nextMode(String id) {
      AtomicInteger n = failNext.get(id);
      if (n != null && n.getAndUpdate(v -> Math.max(0, v - 1)) > 0) {
        return Mode.FAIL;
      }
      return modes.getOrDefault(id, Mode.OK);
    }

    /** {@return how many times the log holds {@code entry}} */
    long count(String entry) {
      return log.snapshot().stream().filter(entry::equals).count();
    }
  }

  /** A child that logs its init and terminate; its behaviour is set through its {@link Kids}. */
  static final class Worker implements GenServer<String, Cmd> {
    private final Kids kids;
    private final String id;
    private final boolean trap;
    private ProcessContext<Object> self; // written by init, on the worker's thread

    Worker(Kids kids, String id, boolean trap) {
      this.kids = kids;
      this.id = id;
      this.trap = trap;
    }

    @Override
    public Init<String> init(ProcessContext<Object> self) {
      this.self = self;
      if (trap) {
        self.trapExit(true);
      }
      return switch (kids.nextMode(id)) {
        case OK -> {
          kids.pids.put(id, self.self());
          kids.log.add("init " + id);
          yield Init.ok(id);
        }
        case IGNORE -> {
          kids.log.add("init " + id + ": ignore");
          yield Init.ignore();
        }
        case FAIL -> {
          kids.log.add("init " + id + ": fail");
          yield Init.error(noStart(id));
        }
      };
    }

    @Override
    public Result<String> handleCall(Cmd request, String state) {
      if (request instanceof Ping p) {
        return Result.reply(p.replyTo(), id, state);
      }
      throw new IllegalArgumentException("not a call: " + request);
    }

    @Override
    public Result<String> handleCast(Cmd request, String state) {
      return switch (request) {
        case StopWith s -> Result.stop(s.reason(), state);
        case Crash c -> throw new IllegalStateException(c.message());
        case UnlinkFrom u -> {
          self.unlink(u.pid());
          yield Result.noreply(state);
        }
        case Ping p -> throw new IllegalArgumentException("not a cast: " + p);
      };
    }

    @Override
    public void terminate(ExitReason reason, String state) throws Exception {
      kids.log.add("terminate " + id);
      kids.terminated.put(id, reason);
      TerminateHook hook = kids.hooks.get(id);
      if (hook != null) {
        hook.run(self, reason);
      }
    }
  }

  /** {@return the reason a failing start of {@code id} gives} */
  static ExitReason noStart(String id) {
    return ExitReason.of("no-start " + id);
  }

  /** Sends a request to a worker. */
  static void tell(Pid<?> worker, Cmd cmd) {
    ServerRef.<Cmd>of(worker).cast(cmd);
  }

  // ---------------------------------------------------------------------------------------------
  // Supervisors

  static Supervisor startSup(ProcessContext<?> parent, Supervisor.Flags flags, List<ChildSpec> children) {
    return Supervisor.of(Supervisor.startLink(parent, flags, children).orElseThrow());
  }

  /** Starts a supervisor whose intensity window reads {@code clockSeconds}. */
  static Supervisor startSup(
      ProcessContext<?> parent, Supervisor.Flags flags, List<ChildSpec> children, LongSupplier clockSeconds) {
    return Supervisor.of(Supervisor.startLink(parent, flags, children, clockSeconds).orElseThrow());
  }

  /** {@return a handle on the supervisor with this pid} */
  static Supervisor supAt(Pid<?> pid) {
    return Supervisor.of(ServerRef.<Supervisor.Call>of(pid));
  }

  /** {@return the state of child {@code id}}, failing if the supervisor has no such child */
  static Supervisor.ChildState stateOf(Supervisor sup, Object id) {
    return sup.whichChildren().stream()
        .filter(c -> c.id().equals(id))
        .map(Supervisor.ChildInfo::state)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no child " + id + " in " + sup.whichChildren()));
  }

  /** {@return the pid of running child {@code id}} */
  static Pid<?> pidOf(Supervisor sup, Object id) {
    Supervisor.ChildState state = stateOf(sup, id);
    assertThat(state).as("child %s", id).isInstanceOf(Supervisor.ChildState.Running.class);
    return ((Supervisor.ChildState.Running) state).pid();
  }

  /** {@return the ids of which_children, in its order (newest first)} */
  static List<Object> idsOf(Supervisor sup) {
    return sup.whichChildren().stream().map(Supervisor.ChildInfo::id).toList();
  }

  /** {@return the Down of this monitor}, failing if none comes in {@link #WAIT} */
  static Down downOf(ProcessContext<Object> me, MonitorRef ref) {
    return me.receive(Down.class, d -> d.ref().equals(ref), WAIT)
        .orElseThrow(() -> new AssertionError("no Down for " + ref + " within " + WAIT));
  }

  /**
   * Waits for the Down of {@code ref} (a monitor on a child of {@code sup}), then makes a call to
   * the supervisor, which is answered only after it has handled the child's Exit.
   */
  static Down handled(ProcessContext<Object> me, Supervisor sup, MonitorRef ref) {
    Down down = downOf(me, ref);
    sup.countChildren();
    return down;
  }

  /** {@return the Exit from {@code from}}, failing if none comes in {@link #WAIT} */
  static Exit exitFrom(ProcessContext<Object> me, Pid<?> from) {
    return me.receive(Exit.class, x -> x.from().equals(from), WAIT)
        .orElseThrow(() -> new AssertionError("no Exit from " + from + " within " + WAIT));
  }

  // ---------------------------------------------------------------------------------------------
  // Logs

  @FunctionalInterface
  interface Body {
    void run() throws Exception;
  }

  /**
   * {@return what was written to System.err while {@code body} ran}. slf4j-simple looks the stream
   * up on every log call, so swapping it captures the supervisor reports; the body must wait for
   * whatever logs (e.g. with {@link #handled}) before it returns.
   */
  static String stderrOf(Body body) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(buffer, true, UTF_8);
    System.setErr(capture);
    try {
      body.run();
    } finally {
      System.setErr(original);
    }
    capture.flush();
    String out = buffer.toString(UTF_8);
    original.print(out); // keep it in the test's output too
    return out;
  }

  /**
   * {@return the supervisor reports of {@code context}} ({@code child_terminated}, {@code
   * start_error}, {@code shutdown_error}, {@code shutdown}) in captured output, one line each:
   * {@code Supervisor <pid> <context>: <reason> (offender <id>)}
   */
  static List<String> reports(String stderr, String context) {
    return stderr.lines().filter(l -> l.contains("dev.banyan.Supervisor") && l.contains(" " + context + ": ")).toList();
  }

  /** {@return the offender part of a supervisor report} */
  static String offender(Object id) {
    return "(offender " + id + ")";
  }
}
