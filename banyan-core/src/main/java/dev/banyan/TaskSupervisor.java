package dev.banyan;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;

/**
 * A supervisor of tasks: Elixir's {@code Task.Supervisor}. It starts tasks on demand — fire and
 * forget with {@link #startChild}, or awaited with {@link #async} and {@link #asyncNolink} —
 * restarts those that ask for it, and stops them all when it stops.
 *
 * {@snippet :
 * TaskSupervisor tasks = TaskSupervisor.startLink(me);
 *
 * // A crash of this task is the supervisor's business only: the caller gets a Down.
 * Task<Integer> answer = tasks.asyncNolink(me, () -> compute());
 * Optional<Task.Result<Integer>> result = answer.yield(Duration.ofSeconds(1));
 *
 * // Fire and forget, retried by the supervisor while it fails (transient).
 * tasks.startChild(() -> sendEmail(), new TaskSupervisor.ChildOptions(Restart.TRANSIENT, Shutdown.timeout(Duration.ofSeconds(5))));
 * }
 *
 * <h2>In a supervision tree</h2>
 * {@link #childSpec(Object, Options)} puts a task supervisor in a {@link Supervisor}'s children,
 * as Elixir's {@code {Task.Supervisor, name: KVServer.TaskSupervisor}}; {@link #named(Node,
 * String)} reaches it by its name after any restart, and {@link #of(Pid)} by its pid.
 *
 * <h2>Children</h2>
 * <ul>
 *   <li>{@link #startChild(Callable, ChildOptions)} runs a function in a new child, not linked to
 *       the caller; it is {@link Restart#TEMPORARY} by default and stopped with a 5 s {@link
 *       Shutdown} (CC-167).
 *   <li>{@link #async} starts a temporary child linked to and monitored by the caller, awaited
 *       like {@link Task#async}: a crash kills a caller that does not trap exits.
 *   <li>{@link #asyncNolink} starts a temporary child monitored but not linked: a crash only
 *       shows as the task's {@link Down}; on success the caller gets the {@link Task.Reply} and
 *       then a {@code normal} Down (CC-168).
 * </ul>
 * A child that ends abnormally is logged as a supervisor report ({@code child_terminated},
 * logger {@code dev.banyan.Supervisor}). Restarts are limited as in OTP: more than {@code
 * maxRestarts} restarts within {@code maxSeconds} stop the supervisor with reason {@code
 * shutdown} (defaults 3 in 5 s, as Elixir's).
 *
 * <h2>Start and shutdown</h2>
 * When the supervisor stops (its parent's exit signal, {@link #stop()}, or too many restarts) it
 * sends {@code shutdown} (or {@code kill} for {@link Shutdown#BRUTAL_KILL}) to every child at
 * once, waits for each up to its shutdown time, then kills the rest. It is a {@link
 * DynamicSupervisor} underneath, as in Elixir; {@link #pid()} links and monitors it like any
 * other process.
 *
 * <h2>Thread safety</h2>
 * Thread-safe: a handle any thread may use. {@link #async} and {@link #asyncNolink} must be
 * called on the owner's thread, since the returned task belongs to it.
 *
 * @since 0.1
 */
public final class TaskSupervisor {

  /**
   * How a {@link TaskSupervisor} behaves.
   *
   * {@snippet :
   * TaskSupervisor.Options options = TaskSupervisor.Options.named("KVServer.TaskSupervisor").withMaxChildren(100);
   * }
   *
   * @param name the name to register it under, local or via a {@link NameRegistry}; default none
   * @param maxRestarts restarts allowed within {@code maxSeconds}; default 3
   * @param maxSeconds the window of the restart intensity; default 5 s
   * @param maxChildren how many children it may have at once; default no limit
   * @since 0.1
   */
  public record Options(
      Optional<ProcessName> name, int maxRestarts, Duration maxSeconds, OptionalInt maxChildren) {
    /** Elixir's defaults: no name, 3 restarts in 5 seconds, no limit on children. */
    public static final Options DEFAULTS =
        new Options(Optional.empty(), 3, Duration.ofSeconds(5), OptionalInt.empty());

    /**
     * Validates the components, by the rules of {@link DynamicSupervisor.Options}, which a task
     * supervisor runs on.
     *
     * @throws IllegalArgumentException if {@code maxRestarts} or {@code maxChildren} is negative,
     *     or {@code maxSeconds} is not positive
     */
    public Options {
      Objects.requireNonNull(name, "name");
      dynamicOptions(name, maxRestarts, maxSeconds, maxChildren);
    }

    /**
     * {@return the default options with a local registered name}: Elixir's {@code name: ...}
     *
     * @param name the name
     */
    public static Options named(String name) {
      return DEFAULTS.withName(name);
    }

    /**
     * {@return these options with a local registered name}
     *
     * @param name the name
     */
    public Options withName(String name) {
      return withName(ProcessName.local(name));
    }

    /**
     * {@return these options with a name, local or via a registry}
     *
     * @param name the name
     */
    public Options withName(ProcessName name) {
      return new Options(Optional.of(Objects.requireNonNull(name, "name")), maxRestarts, maxSeconds, maxChildren);
    }

    /**
     * {@return these options with another restart intensity}
     *
     * @param restarts restarts allowed within {@code within}
     * @param within the window
     */
    public Options withIntensity(int restarts, Duration within) {
      return new Options(name, restarts, within, maxChildren);
    }

    /**
     * {@return these options with a limit on children}
     *
     * @param max the most children at once
     */
    public Options withMaxChildren(int max) {
      return new Options(name, maxRestarts, maxSeconds, OptionalInt.of(max));
    }
  }

  /**
   * How one child of {@link #startChild(Callable, ChildOptions)} is treated.
   *
   * @param restart when it is restarted; default {@link Restart#TEMPORARY}
   * @param shutdown how it is stopped; default 5 seconds
   * @since 0.1
   */
  public record ChildOptions(Restart restart, Shutdown shutdown) {
    /** Temporary, 5 seconds to stop. */
    public static final ChildOptions DEFAULTS =
        new ChildOptions(Restart.TEMPORARY, Shutdown.timeout(Duration.ofSeconds(5)));

    /** Validates the components. */
    public ChildOptions {
      Objects.requireNonNull(restart, "restart");
      Objects.requireNonNull(shutdown, "shutdown");
    }
  }

  /**
   * The outcome of {@link #startChild}.
   *
   * @since 0.1
   */
  public sealed interface StartChild {
    /**
     * Started.
     *
     * @param pid the child
     */
    record Ok(Pid<Object> pid) implements StartChild {}

    /** Not started: the supervisor has {@code maxChildren} children (Elixir's {@code {:error, :max_children}}). */
    record MaxChildren() implements StartChild {}
  }

  private final DynamicSupervisor supervisor;

  private TaskSupervisor(DynamicSupervisor supervisor) {
    this.supervisor = supervisor;
  }

  // ---------------------------------------------------------------------------------------------
  // Starting

  /**
   * Starts a task supervisor not linked to the caller, with the default options.
   *
   * @param node the node
   * @return its handle
   */
  public static TaskSupervisor start(Node node) {
    return start(node, Options.DEFAULTS);
  }

  /**
   * Starts a task supervisor not linked to the caller.
   *
   * @param node the node
   * @param options the options
   * @return its handle
   * @throws IllegalStateException if it did not start (its name is taken)
   */
  public static TaskSupervisor start(Node node, Options options) {
    Objects.requireNonNull(options, "options");
    return new TaskSupervisor(DynamicSupervisor.start(node, dynamicOptions(options)));
  }

  /**
   * Starts a task supervisor linked to the calling process, with the default options.
   *
   * @param parent the calling process
   * @return its handle
   */
  public static TaskSupervisor startLink(ProcessContext<?> parent) {
    return startLink(parent, Options.DEFAULTS);
  }

  /**
   * Starts a task supervisor linked to the calling process.
   *
   * @param parent the calling process
   * @param options the options
   * @return its handle
   * @throws IllegalStateException if it did not start (its name is taken)
   */
  public static TaskSupervisor startLink(ProcessContext<?> parent, Options options) {
    Objects.requireNonNull(options, "options");
    return new TaskSupervisor(DynamicSupervisor.startLink(parent, dynamicOptions(options)));
  }

  /** For tests: a supervisor whose restart intensity reads {@code clockSeconds}. */
  static TaskSupervisor startLink(ProcessContext<?> parent, Options options, LongSupplier clockSeconds) {
    return new TaskSupervisor(
        DynamicSupervisor.startLinkWithClock(parent, dynamicOptions(options), clockSeconds));
  }

  private static DynamicSupervisor.Options dynamicOptions(Options options) {
    return dynamicOptions(options.name(), options.maxRestarts(), options.maxSeconds(), options.maxChildren());
  }

  private static DynamicSupervisor.Options dynamicOptions(
      Optional<ProcessName> name, int maxRestarts, Duration maxSeconds, OptionalInt maxChildren) {
    return new DynamicSupervisor.Options(name, maxRestarts, maxSeconds, maxChildren);
  }

  /** The id of {@link #childSpec(Options)} for a supervisor without a name: Elixir's module name. */
  static final String DEFAULT_ID = "TaskSupervisor";

  /**
   * {@return the child spec of a task supervisor with these options}, to put it in a {@link
   * Supervisor}'s children: Elixir's {@code {Task.Supervisor, name: KVServer.TaskSupervisor}}. As
   * Elixir's {@code child_spec/1}, its id is the supervisor's name — the local name, or the key
   * of a via name — or {@code "TaskSupervisor"} without a name; see {@link #childSpec(Object,
   * Options)} for the rest.
   *
   * @param options the options, usually with a name
   */
  public static ChildSpec childSpec(Options options) {
    Objects.requireNonNull(options, "options");
    return childSpec(DynamicSupervisor.idOf(options.name(), DEFAULT_ID), options);
  }

  /**
   * {@return the child spec of a task supervisor with these options, under {@code id}}: a
   * {@linkplain ChildSpec.Type#SUPERVISOR supervisor} child, {@link Restart#PERMANENT}, stopped
   * with {@link Shutdown#INFINITY} (it stops its tasks first), as Elixir's {@code child_spec/1}.
   * Each (re)start starts a new task supervisor linked to its parent, with no children,
   * registered under the options' name if there is one; {@link #named(Node, String)} reaches
   * whichever supervisor has the name now. If the name is taken, the start fails with {@link
   * GenServer.Start.AlreadyStarted}.
   *
   * {@snippet :
   * // Elixir: children = [{Task.Supervisor, name: KVServer.TaskSupervisor}, ...]
   * Supervisor.start(node, Supervisor.Flags.oneForOne(),
   *     List.of(TaskSupervisor.childSpec("tasks", TaskSupervisor.Options.named("KVServer.TaskSupervisor"))));
   * TaskSupervisor.named(node, "KVServer.TaskSupervisor").startChild(() -> serve(client));
   * }
   *
   * @param id the child's id in its supervisor
   * @param options the options, usually with a name
   */
  public static ChildSpec childSpec(Object id, Options options) {
    Objects.requireNonNull(options, "options");
    return DynamicSupervisor.childSpec(id, dynamicOptions(options));
  }

  /**
   * {@return a handle on the task supervisor with this pid}: Elixir passes a pid to every {@code
   * Task.Supervisor} function. Whether the pid is a task supervisor is not checked: a call to
   * another kind of process fails or times out.
   *
   * @param pid the supervisor's pid
   */
  public static TaskSupervisor of(Pid<?> pid) {
    return new TaskSupervisor(DynamicSupervisor.of(pid));
  }

  /**
   * {@return a handle on the task supervisor that {@code server} names}: by pid, local name or
   * via name, as the handle was made. Not checked, as {@link #of(Pid)}.
   *
   * @param server the supervisor's server handle
   */
  public static TaskSupervisor of(ServerRef<?> server) {
    return new TaskSupervisor(DynamicSupervisor.of(server));
  }

  /**
   * {@return a handle on the task supervisor registered under {@code name} on {@code node}},
   * looked up at every call, so that it reaches the supervisor restarted under the same name:
   * Elixir's {@code Task.Supervisor.start_child(KVServer.TaskSupervisor, fun)}. A call when
   * nobody has the name throws {@link CallException} with {@link ExitReason#NOPROC}.
   *
   * @param node the node
   * @param name the registered name ({@link Options#named(String)})
   */
  public static TaskSupervisor named(Node node, String name) {
    return new TaskSupervisor(DynamicSupervisor.named(node, name));
  }

  /**
   * {@return a handle on the task supervisor registered under {@code key} in {@code registry}},
   * looked up at every call: Elixir's {@code {:via, Registry, {registry, key}}}.
   *
   * @param registry the registry
   * @param key the key
   */
  public static TaskSupervisor via(NameRegistry registry, Object key) {
    return new TaskSupervisor(DynamicSupervisor.via(registry, key));
  }


  /** {@return the supervisor's pid}, to link to it or monitor it */
  public Pid<?> pid() {
    return supervisor.pid();
  }

  // ---------------------------------------------------------------------------------------------
  // Children

  /**
   * Starts a temporary child that runs {@code fun}, not linked to the caller.
   *
   * @param fun what the child runs; its result is dropped
   * @return the child's pid, or {@link StartChild.MaxChildren}
   */
  public StartChild startChild(Callable<?> fun) {
    return startChild(fun, ChildOptions.DEFAULTS);
  }

  /**
   * Starts a child that runs {@code fun}, not linked to the caller.
   *
   * @param fun what the child runs; its result is dropped
   * @param options its restart type and shutdown
   * @return the child's pid, or {@link StartChild.MaxChildren}
   */
  public StartChild startChild(Callable<?> fun, ChildOptions options) {
    Objects.requireNonNull(fun, "fun");
    return startChild((Task.Body<?>) self -> fun.call(), options);
  }

  /**
   * Starts a child whose code gets its own process context (to trap exits, to receive), not
   * linked to the caller.
   *
   * @param body what the child runs; its result is dropped
   * @param options its restart type and shutdown
   * @return the child's pid, or {@link StartChild.MaxChildren}
   */
  public StartChild startChild(Task.Body<?> body, ChildOptions options) {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(options, "options");
    return startBody(self -> body.run(self), options);
  }

  /** Starts a child running {@code body}: a worker (its id, "task", is ignored). */
  private StartChild startBody(ProcessBody<Object> body, ChildOptions options) {
    ChildSpec spec =
        ChildSpec.worker("task", ChildStart.process(body))
            .withRestart(options.restart())
            .withShutdown(options.shutdown());
    return switch (supervisor.startChild(spec)) {
      case DynamicSupervisor.StartChild.Ok ok -> new StartChild.Ok(asObjectPid(ok.pid()));
      case DynamicSupervisor.StartChild.MaxChildren max -> new StartChild.MaxChildren();
      // A spawn neither ignores nor fails while the supervisor runs.
      case DynamicSupervisor.StartChild.Ignore ignore ->
          throw new IllegalStateException("a task's start returned ignore");
      case DynamicSupervisor.StartChild.Error error ->
          throw new IllegalStateException("a task's start failed: " + error.reason());
    };
  }

  @SuppressWarnings("unchecked")
  private static Pid<Object> asObjectPid(Pid<?> pid) {
    return (Pid<Object>) pid; // the pid of a ProcessBody<Object>
  }

  /**
   * Starts a task under this supervisor, linked to and monitored by {@code owner}: Elixir's
   * {@code Task.Supervisor.async/3}. Await it like a {@link Task#async} task.
   *
   * @param owner the calling process, which owns the task
   * @param fun the computation
   * @param <R> the result type
   * @return the task
   * @throws IllegalStateException if the supervisor has {@code maxChildren} children
   */
  public <R> Task<R> async(ProcessContext<?> owner, Callable<? extends R> fun) {
    Objects.requireNonNull(fun, "fun");
    return startTask(owner, self -> fun.call(), true);
  }

  /**
   * Starts a task under this supervisor, monitored but not linked: Elixir's {@code
   * Task.Supervisor.async_nolink/3}. Its crash reaches the owner only as a {@link Down}.
   *
   * @param owner the calling process, which owns the task
   * @param fun the computation
   * @param <R> the result type
   * @return the task
   * @throws IllegalStateException if the supervisor has {@code maxChildren} children
   */
  public <R> Task<R> asyncNolink(ProcessContext<?> owner, Callable<? extends R> fun) {
    Objects.requireNonNull(fun, "fun");
    return startTask(owner, self -> fun.call(), false);
  }

  /**
   * As {@link #async(ProcessContext, Callable)}, for code that needs its own process context.
   *
   * @param owner the calling process, which owns the task
   * @param body the computation
   * @param <R> the result type
   * @return the task
   */
  public <R> Task<R> async(ProcessContext<?> owner, Task.Body<? extends R> body) {
    return startTask(owner, Objects.requireNonNull(body, "body"), true);
  }

  /**
   * As {@link #asyncNolink(ProcessContext, Callable)}, for code that needs its own process
   * context.
   *
   * @param owner the calling process, which owns the task
   * @param body the computation
   * @param <R> the result type
   * @return the task
   */
  public <R> Task<R> asyncNolink(ProcessContext<?> owner, Task.Body<? extends R> body) {
    return startTask(owner, Objects.requireNonNull(body, "body"), false);
  }

  private <R> Task<R> startTask(ProcessContext<?> owner, Task.Body<? extends R> body, boolean link) {
    Objects.requireNonNull(owner, "owner");
    owner.self(); // must run on the owner's thread
    StartChild started = startBody(Task.childBody(body), ChildOptions.DEFAULTS);
    if (!(started instanceof StartChild.Ok ok)) {
      throw new IllegalStateException("the task supervisor " + supervisor + " has reached its maxChildren");
    }
    if (link) {
      owner.link(ok.pid());
    }
    return Task.adopt(owner, ok.pid());
  }

  /** {@return the supervisor's children}: Elixir's {@code Task.Supervisor.children/1} */
  public List<Pid<?>> children() {
    return supervisor.whichChildren().stream()
        .flatMap(c -> c.pid().stream()) // restarting ones are not listed, as in Elixir
        .toList();
  }

  /**
   * Stops a child as the supervisor would on shutdown, and does not restart it.
   *
   * @param pid the child
   * @return {@code true}, or {@code false} if it is not a child of this supervisor (Elixir's
   *     {@code {:error, :not_found}})
   */
  public boolean terminateChild(Pid<?> pid) {
    return supervisor.terminateChild(pid);
  }

  /** Stops the supervisor and its children, waiting as long as it takes. */
  public void stop() {
    supervisor.stop();
  }

  @Override
  public String toString() {
    return "TaskSupervisor " + supervisor.address();
  }
}
