package dev.banyan;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Read-only views of a node for tools — the observer, dashboards, tests: what kind of process
 * each one is, a bounded summary of a server's state, a supervisor's children with their restart
 * types and restart counts, the recent crashes and restarts, and a cheap per-process summary.
 * Erlang finds the same facts with {@code proc_lib:initial_call/1} and process labels, {@code
 * sys:get_state/1}, {@code supervisor:which_children/1} and the logger.
 *
 * {@snippet :
 * Introspection look = Introspection.of(node);
 * for (Pid<?> sup : look.supervisors()) {
 *   look.supervisor(sup, 100, Duration.ofSeconds(1))
 *       .ifPresent(r -> System.out.println(sup + " " + r.strategy() + " " + r.children().size()));
 * }
 * look.forEachProcess(p -> {
 *   if (p.mailboxLength() > 1000) {
 *     System.out.println(p.pid() + " is behind: " + p.mailboxLength());
 *   }
 * });
 * }
 *
 * <h2>Cost</h2>
 * Nothing here adds work to sending, receiving or spawning. A {@link GenServer} (and so every
 * supervisor and {@link Agent}) records its {@link ProcessLabel} in its process once when it
 * starts and drops it when its thread ends; {@link #supervisors} visits every process. The node keeps the last {@value #EVENTS} crashes and restarts. {@link
 * #forEachProcess} visits every process (a million take a fraction of a second): page or sample
 * its output, do not ship it whole. {@link #state} and {@link #supervisor} are calls into the
 * process, answered between two of its messages, and bounded in size.
 *
 * <h2>Thread safety</h2>
 * Thread-safe: any thread may use it, a process or not. Everything it returns is a snapshot
 * taken while processes keep running: for monitoring, not for synchronization.
 *
 * <h2>General exceptions</h2>
 * Passing {@code null} to any method throws {@link NullPointerException}; a pid of another node
 * throws {@link BadArgException}.
 *
 * @since 0.1
 */
public final class Introspection {

  /** How many crashes and restarts a node remembers: {@value}. */
  public static final int EVENTS = 256;

  private final Node node;

  private Introspection(Node node) {
    this.node = node;
  }

  /**
   * {@return the introspection of {@code node}}
   *
   * @param node the node
   */
  public static Introspection of(Node node) {
    return new Introspection(Objects.requireNonNull(node, "node"));
  }

  /** {@return the node} */
  public Node node() {
    return node;
  }

  // ------------------------------------------------------------------------------------------
  // Processes

  /**
   * Calls {@code action} with a summary of every live process, in no particular order. The
   * summaries are read without taking the processes' locks, so each field is an estimate.
   *
   * @param action what to do with each summary; it runs on the calling thread
   */
  public void forEachProcess(Consumer<? super ProcessSummary> action) {
    Objects.requireNonNull(action, "action");
    node.forEachRecord(
        p -> {
          ProcessSummary s = p.summary();
          if (s != null) {
            action.accept(s);
          }
        });
  }

  /**
   * {@return a summary of a live process}, or empty if it is dead
   *
   * @param pid a process of this node
   */
  public Optional<ProcessSummary> summary(Pid<?> pid) {
    return Optional.ofNullable(node.local(pid, "summary").summary());
  }

  /**
   * {@return the live process whose pid prints as {@code <0.id.serial>}}, or empty. It looks at
   * every process: for a tool resolving a pid typed or sent as text, not for a loop.
   *
   * @param id the pid's {@link Pid#id()}
   * @param serial the pid's {@link Pid#serial()}
   */
  public Optional<Pid<?>> find(int id, int serial) {
    Pid<?>[] found = new Pid<?>[1];
    node.forEachRecord(
        p -> {
          if (p.pid.id() == id && p.pid.serial() == serial && p.isAliveNow()) {
            found[0] = p.pid;
          }
        });
    return Optional.ofNullable(found[0]);
  }

  /**
   * {@return the reason a process ended}, or empty while it is alive
   *
   * @param pid a process of this node
   */
  public Optional<ExitReason> exitReason(Pid<?> pid) {
    return Optional.ofNullable(node.local(pid, "exitReason").exitReasonOrNull());
  }

  /**
   * {@return what kind of process {@code pid} is}: empty for a plain process (one started with
   * {@code spawn}, a task) or a dead one
   *
   * @param pid a process of this node
   */
  public Optional<ProcessLabel> label(Pid<?> pid) {
    ProcessRecord<?> p = node.local(pid, "label");
    Introspection.ProcessLabel l = p.label;
    return p.isAliveNow() ? Optional.ofNullable(l) : Optional.empty();
  }

  /**
   * {@return the live supervisors of the node}: {@link Supervisor}s and {@link DynamicSupervisor}s.
   * It visits every process.
   */
  public List<Pid<?>> supervisors() {
    List<Pid<?>> out = new ArrayList<>();
    node.forEachRecord(
        p -> {
          ProcessLabel label = p.label;
          if (label != null && label.kind().isSupervisor() && p.isAliveNow()) {
            out.add(p.pid);
          }
        });
    return out;
  }

  /**
   * {@return a text summary of a server's state}: Erlang's {@code sys:get_state/1}, bounded. It
   * asks the server, which answers between two messages; a {@link GenServer}'s state is shown by
   * its {@code toString}, maps and collections element by element, cut at {@code maxChars}.
   * Empty if {@code pid} is not a live {@link GenServer}. As with {@code sys:get_state}, the
   * question restarts the server's idle timeout, if it has one.
   *
   * @param pid the server
   * @param maxChars the longest answer, at least 16
   * @param timeout how long to wait for the server
   * @throws CallException if the server does not answer in time or dies meanwhile
   * @throws IllegalArgumentException if {@code maxChars} is less than 16
   */
  public Optional<String> state(Pid<?> pid, int maxChars, Duration timeout) {
    checkLimit("maxChars", maxChars, 16);
    if (label(pid).isEmpty()) {
      return Optional.empty();
    }
    Object answer = ServerRef.of(pid).call(r -> new Query(false, maxChars, r), timeout);
    return Optional.of(String.valueOf(answer));
  }

  /**
   * {@return a supervisor's strategy, intensity and children}, at most {@code maxChildren} of
   * them (a {@link DynamicSupervisor} may have millions), or empty if {@code pid} is not a live
   * supervisor. It asks the supervisor, which answers between two messages.
   *
   * @param pid the supervisor
   * @param maxChildren how many children to list, at least 1
   * @param timeout how long to wait for the supervisor
   * @throws CallException if the supervisor does not answer in time or dies meanwhile
   * @throws IllegalArgumentException if {@code maxChildren} is less than 1
   */
  public Optional<SupervisorReport> supervisor(Pid<?> pid, int maxChildren, Duration timeout) {
    checkLimit("maxChildren", maxChildren, 1);
    if (!label(pid).map(l -> l.kind().isSupervisor()).orElse(false)) {
      return Optional.empty();
    }
    Object answer = ServerRef.of(pid).call(r -> new Query(true, maxChildren, r), timeout);
    return answer instanceof SupervisorReport r ? Optional.of(r) : Optional.empty();
  }

  /**
   * {@return the recent crashes and restarts}, oldest first: at most {@value #EVENTS}, those
   * with a sequence number greater than {@code afterSeq}
   *
   * @param afterSeq 0 for all; the last {@link NodeEvent#seq()} seen, for the newer ones
   */
  public List<NodeEvent> events(long afterSeq) {
    return node.journal.events(afterSeq);
  }

  /**
   * {@return how many messages the node's processes have taken from their mailboxes}, since the
   * node started, the dead processes included: an estimate, for a messages-per-second rate. It
   * visits every process.
   */
  public long messagesReceived() {
    long[] sum = {node.journal.deadReceived.sum()};
    node.forEachRecord(
        p -> {
          if (p.isAliveNow()) {
            sum[0] += p.receivedCount();
          }
        });
    return sum[0];
  }

  private static void checkLimit(String what, int value, int least) {
    if (value < least) {
      throw new IllegalArgumentException(what + " must be at least " + least + ": " + value);
    }
  }

  // ------------------------------------------------------------------------------------------
  // The scheduler

  /**
   * {@return which scheduler runs the processes of this JVM}: Banyan's own or the JDK's, and its
   * carriers (see docs/processes.md, "Schedulers"). The same for every node of the JVM.
   */
  public static SchedulerReport scheduler() {
    Scheduler s = Scheduler.instance();
    if (s != null) {
      return new SchedulerReport(
          SchedulerReport.Kind.BANYAN, s.parallelism(), s.carriers(), Optional.empty());
    }
    int parallelism = Runtime.getRuntime().availableProcessors();
    String value = System.getProperty("jdk.virtualThreadScheduler.parallelism");
    if (value != null) {
      try {
        parallelism = Integer.parseInt(value.trim());
      } catch (NumberFormatException ignored) {
        // the JDK refuses it at its own start; the cores then
      }
    }
    return new SchedulerReport(
        SchedulerReport.Kind.JDK, parallelism, parallelism, Optional.of(Scheduler.whyNot()));
  }

  // ------------------------------------------------------------------------------------------
  // The records

  /**
   * A summary of a live process, read without its lock: every field is an estimate.
   *
   * {@snippet :
   * look.summary(pid).ifPresent(s -> System.out.println(s.pid() + " queue " + s.mailboxLength()));
   * }
   *
   * <h2>Thread safety</h2>
   * Immutable.
   *
   * @param pid the process
   * @param registeredName its registered name, if any
   * @param status what it is doing
   * @param mailboxLength messages waiting in its mailbox
   * @param messagesReceived messages it has taken from its mailbox
   * @param links how many processes it is linked to
   * @param monitors how many processes it monitors
   * @param trapExit whether it traps exits
   * @since 0.1
   */
  public record ProcessSummary(
      Pid<?> pid,
      Optional<String> registeredName,
      ProcessInfo.Status status,
      int mailboxLength,
      long messagesReceived,
      int links,
      int monitors,
      boolean trapExit) {
    /** Checks the components. */
    public ProcessSummary {
      Objects.requireNonNull(pid, "pid");
      Objects.requireNonNull(registeredName, "registeredName");
      Objects.requireNonNull(status, "status");
    }
  }

  /**
   * The scheduler that runs processes: {@link #scheduler()}.
   *
   * {@snippet :
   * SchedulerReport r = Introspection.scheduler();
   * System.out.println(r.kind() + " scheduler, " + r.carriers() + " carriers");
   * }
   *
   * <h2>Thread safety</h2>
   * Immutable.
   *
   * @param kind Banyan's scheduler or the JDK's
   * @param parallelism its carriers, spares not counted
   * @param carriers its carriers now: on Banyan's scheduler, spares included (started while
   *     every carrier is held by a computing or blocked process); on the JDK's, the parallelism
   * @param whyNotBanyan on the JDK's scheduler, why Banyan's does not run
   * @since 0.1
   */
  public record SchedulerReport(
      Kind kind, int parallelism, int carriers, Optional<String> whyNotBanyan) {
    /** Checks the components. */
    public SchedulerReport {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(whyNotBanyan, "whyNotBanyan");
    }

    /** The schedulers. */
    public enum Kind {
      /** Banyan's own: hand-offs stay on the sender's carrier. */
      BANYAN,
      /** The JDK's {@code ForkJoinPool}. */
      JDK
    }
  }

  /**
   * What kind of process this is and what it runs: Erlang's initial call and process label.
   *
   * {@snippet :
   * boolean supervises = look.label(pid).map(l -> l.kind().isSupervisor()).orElse(false);
   * }
   *
   * <h2>Thread safety</h2>
   * Immutable.
   *
   * @param kind the behaviour
   * @param implementation the class that implements it: the {@link GenServer}, the {@link
   *     Supervisor.Module}; the behaviour's own class for an inline supervisor or an {@link Agent}
   * @param parent the process that started it, if it was a process
   * @since 0.1
   */
  public record ProcessLabel(Kind kind, Class<?> implementation, Optional<Pid<?>> parent) {
    /** Checks the components. */
    public ProcessLabel {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(implementation, "implementation");
      Objects.requireNonNull(parent, "parent");
    }

    /**
     * The behaviours.
     *
     * @since 0.1
     */
    public enum Kind {
      /** A {@link GenServer}. */
      GEN_SERVER,
      /** An {@link Agent}. */
      AGENT,
      /** A {@link Supervisor}. */
      SUPERVISOR,
      /** A {@link DynamicSupervisor} (a {@link TaskSupervisor} is one). */
      DYNAMIC_SUPERVISOR;

      /** {@return whether this kind supervises children} */
      public boolean isSupervisor() {
        return this == SUPERVISOR || this == DYNAMIC_SUPERVISOR;
      }
    }
  }

  /**
   * A supervisor as it sees itself.
   *
   * {@snippet :
   * SupervisorReport r = look.supervisor(sup, 100, Duration.ofSeconds(1)).orElseThrow();
   * System.out.println(r.strategy() + ", " + r.restarts() + " restarts, " + r.childCount() + " children");
   * }
   *
   * <h2>Thread safety</h2>
   * Immutable.
   *
   * @param kind {@link ProcessLabel.Kind#SUPERVISOR} or {@link
   *     ProcessLabel.Kind#DYNAMIC_SUPERVISOR}
   * @param strategy its strategy ({@code ONE_FOR_ONE} for a dynamic supervisor)
   * @param maxRestarts the restart intensity: restarts allowed within {@code maxSeconds}
   * @param maxSeconds the intensity's window
   * @param restarts how many restarts it has made since it started
   * @param childCount how many children it has, listed or not
   * @param children its children in start order, the first {@code maxChildren} asked for
   * @since 0.1
   */
  public record SupervisorReport(
      ProcessLabel.Kind kind,
      Supervisor.Strategy strategy,
      int maxRestarts,
      Duration maxSeconds,
      long restarts,
      int childCount,
      List<ChildReport> children) {
    /** Checks and copies the components. */
    public SupervisorReport {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(strategy, "strategy");
      Objects.requireNonNull(maxSeconds, "maxSeconds");
      children = List.copyOf(children);
    }
  }

  /**
   * One child of a supervisor, in a {@link SupervisorReport}.
   *
   * {@snippet :
   * for (ChildReport c : report.children()) {
   *   System.out.println(c.id() + " " + c.restart() + " restarted " + c.restarts() + " times");
   * }
   * }
   *
   * <h2>Thread safety</h2>
   * Immutable.
   *
   * @param id its id (a dynamic supervisor's children keep their spec's id, which need not be
   *     unique)
   * @param pid its process, if running
   * @param type worker or supervisor
   * @param restart its restart type
   * @param restarts how many times the supervisor has restarted it
   * @param lastExit why it last ended, if it has
   * @since 0.1
   */
  public record ChildReport(
      Object id,
      Optional<Pid<?>> pid,
      ChildSpec.Type type,
      Restart restart,
      int restarts,
      Optional<ExitReason> lastExit) {
    /** Checks the components. */
    public ChildReport {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(pid, "pid");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(restart, "restart");
      Objects.requireNonNull(lastExit, "lastExit");
    }
  }

  /**
   * A crash or a restart, as the node remembers it.
   *
   * {@snippet :
   * for (NodeEvent e : look.events(0)) {
   *   System.out.println(e.at() + " " + e.kind() + " " + e.pid() + ": " + e.reason());
   * }
   * }
   *
   * <h2>Thread safety</h2>
   * Immutable.
   *
   * @param seq its number: increasing, from 1
   * @param at when it happened
   * @param kind what happened
   * @param pid the process that crashed or the child that ended
   * @param name the crashed process's registered name, or the restarted child's id; empty if none
   * @param reason why it ended
   * @param supervisor for a restart: the supervisor
   * @param newPid for a restart: the new process, if the restart started one
   * @since 0.1
   */
  public record NodeEvent(
      long seq,
      Instant at,
      Kind kind,
      Pid<?> pid,
      String name,
      ExitReason reason,
      Optional<Pid<?>> supervisor,
      Optional<Pid<?>> newPid) {
    /** Checks the components. */
    public NodeEvent {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(pid, "pid");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(supervisor, "supervisor");
      Objects.requireNonNull(newPid, "newPid");
    }

    /**
     * What happened.
     *
     * @since 0.1
     */
    public enum Kind {
      /** A process ended with an abnormal reason. */
      CRASH,
      /** A supervisor restarted a child (or tried to: see {@code newPid}). */
      RESTART,
      /** A supervisor gave up: too many restarts; it exits with {@code shutdown}. */
      INTENSITY_EXCEEDED
    }
  }

  // ------------------------------------------------------------------------------------------
  // Internals

  /** The introspection request a {@link GenServer}'s loop answers itself, without a callback. */
  record Query(boolean supervisor, int limit, ReplyTo<Object> replyTo) {
    @Override
    public String toString() {
      return "{system, get_state}";
    }
  }

  /**
   * A {@link GenServer} that tells what it is and describes its state itself (the supervisors,
   * the agent). Others are labelled {@code GEN_SERVER} and described by {@link BoundedText}.
   */
  interface Described<S> {
    /** {@return the kind of process} */
    ProcessLabel.Kind kind();

    /** {@return the class users know it by} */
    Class<?> implementation();

    /** {@return the answer to a {@link Query}}, on the server's own thread */
    default Object describe(S state, Query query) {
      return BoundedText.of(state, query.limit());
    }
  }

  /** {@return the label of a server that runs {@code impl}} */
  static ProcessLabel labelOf(Object impl, Pid<?> parent) {
    return impl instanceof Described<?> d
        ? new ProcessLabel(d.kind(), d.implementation(), Optional.ofNullable(parent))
        : new ProcessLabel(ProcessLabel.Kind.GEN_SERVER, impl.getClass(), Optional.ofNullable(parent));
  }

  /**
   * What a node keeps for introspection: its recent crashes and restarts, and the messages its
   * dead processes had received. A server's label is in its {@link ProcessRecord}.
   */
  static final class Journal {
    final LongAdder deadReceived = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    private final NodeEvent[] ring = new NodeEvent[EVENTS]; // guarded by lock
    private long seq; // guarded by lock

    /** Notes a death: its messages, and a crash event if abnormal. Called once per death. */
    void died(Node node, ProcessRecord<?> p, ExitReason reason, String name) {
      deadReceived.add(p.receivedCount());
      if (reason.isAbnormal() && node.isRunning()) {
        add(NodeEvent.Kind.CRASH, p.pid, name == null ? "" : name, reason, null, null);
      }
    }

    void restarted(Pid<?> supervisor, Object childId, Pid<?> old, ExitReason why, Pid<?> now) {
      if (old != null) {
        add(NodeEvent.Kind.RESTART, old, String.valueOf(childId), why, supervisor, now);
      }
    }

    void intensityExceeded(Pid<?> supervisor, Object childId, Pid<?> child) {
      add(NodeEvent.Kind.INTENSITY_EXCEEDED, child == null ? supervisor : child,
          String.valueOf(childId), ExitReason.SHUTDOWN, supervisor, null);
    }

    private void add(
        NodeEvent.Kind kind, Pid<?> pid, String name, ExitReason reason, Pid<?> sup, Pid<?> now) {
      Instant at = Instant.now();
      lock.lock();
      try {
        seq++;
        ring[(int) (seq % EVENTS)] =
            new NodeEvent(seq, at, kind, pid, name, reason, Optional.ofNullable(sup), Optional.ofNullable(now));
      } finally {
        lock.unlock();
      }
    }

    List<NodeEvent> events(long afterSeq) {
      List<NodeEvent> out = new ArrayList<>();
      lock.lock();
      try {
        for (long s = Math.max(afterSeq + 1, seq - EVENTS + 1); s <= seq; s++) {
          if (s > 0) {
            out.add(ring[(int) (s % EVENTS)]);
          }
        }
      } finally {
        lock.unlock();
      }
      return out;
    }
  }
}
