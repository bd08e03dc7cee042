package dev.banyan;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * once, waits for each up to its shutdown time, then kills the rest. Until the Supervisor issue
 * lands it is its own kind of process; {@link #pid()} links and monitors it like any other.
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
   * @param name a name to register it under; default none
   * @param maxRestarts restarts allowed within {@code maxSeconds}; default 3
   * @param maxSeconds the window of the restart intensity; default 5 s
   * @param maxChildren how many children it may have at once; default no limit
   * @since 0.1
   */
  public record Options(
      Optional<String> name, int maxRestarts, Duration maxSeconds, OptionalInt maxChildren) {
    /** Elixir's defaults: no name, 3 restarts in 5 seconds, no limit on children. */
    public static final Options DEFAULTS =
        new Options(Optional.empty(), 3, Duration.ofSeconds(5), OptionalInt.empty());

    /** Validates the components. */
    public Options {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(maxSeconds, "maxSeconds");
      Objects.requireNonNull(maxChildren, "maxChildren");
      if (maxRestarts < 0) {
        throw new IllegalArgumentException("maxRestarts must not be negative: " + maxRestarts);
      }
      if (maxSeconds.isNegative() || maxSeconds.isZero()) {
        throw new IllegalArgumentException("maxSeconds must be positive: " + maxSeconds);
      }
      if (maxChildren.isPresent() && maxChildren.getAsInt() < 0) {
        throw new IllegalArgumentException("maxChildren must not be negative: " + maxChildren.getAsInt());
      }
    }

    /**
     * {@return these options with a registered name}
     *
     * @param name the name
     */
    public Options withName(String name) {
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

  private final ServerRef<Msg> server;

  private TaskSupervisor(ServerRef<Msg> server) {
    this.server = server;
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
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(options, "options");
    return of(GenServer.start(node, new Sup(options, RestartIntensity.MONOTONIC_SECONDS), genOptions(options)));
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
    return startLink(parent, options, RestartIntensity.MONOTONIC_SECONDS);
  }

  /** For tests: a supervisor whose restart intensity reads {@code clockSeconds}. */
  static TaskSupervisor startLink(ProcessContext<?> parent, Options options, LongSupplier clockSeconds) {
    return of(GenServer.startLink(parent, new Sup(options, clockSeconds), genOptions(options)));
  }

  private static GenServer.Options genOptions(Options options) {
    return options.name().map(GenServer.Options::named).orElse(GenServer.Options.DEFAULTS);
  }

  private static TaskSupervisor of(GenServer.Start<Msg> start) {
    return new TaskSupervisor(start.orElseThrow());
  }

  /** {@return the supervisor's pid}, to link to it or monitor it */
  public Pid<?> pid() {
    return server.whereis().orElseThrow(() -> new IllegalStateException("the task supervisor is not running"));
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
    ProcessBody<Object> child = self -> body.run(self);
    return server.call(r -> new StartChildReq(child, options, r), Duration.ofNanos(Long.MAX_VALUE));
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
    StartChild started =
        server.call(
            r -> new StartChildReq(Task.childBody(body), ChildOptions.DEFAULTS, r),
            Duration.ofNanos(Long.MAX_VALUE));
    if (!(started instanceof StartChild.Ok ok)) {
      throw new IllegalStateException("the task supervisor " + server + " has reached its maxChildren");
    }
    if (link) {
      owner.link(ok.pid());
    }
    return Task.adopt(owner, ok.pid());
  }

  /** {@return the supervisor's children}: Elixir's {@code Task.Supervisor.children/1} */
  public List<Pid<?>> children() {
    return server.call(Children::new, Duration.ofNanos(Long.MAX_VALUE));
  }

  /**
   * Stops a child as the supervisor would on shutdown, and does not restart it.
   *
   * @param pid the child
   * @return {@code true}, or {@code false} if it is not a child of this supervisor (Elixir's
   *     {@code {:error, :not_found}})
   */
  public boolean terminateChild(Pid<?> pid) {
    Objects.requireNonNull(pid, "pid");
    return server.call(r -> new TerminateChild(pid, r), Duration.ofNanos(Long.MAX_VALUE));
  }

  /** Stops the supervisor and its children, waiting as long as it takes. */
  public void stop() {
    server.stop();
  }

  @Override
  public String toString() {
    return "TaskSupervisor " + server;
  }

  // ---------------------------------------------------------------------------------------------
  // The supervisor process

  sealed interface Msg {}

  record StartChildReq(ProcessBody<Object> body, ChildOptions options, ReplyTo<StartChild> replyTo)
      implements Msg {}

  record Children(ReplyTo<List<Pid<?>>> replyTo) implements Msg {}

  record TerminateChild(Pid<?> pid, ReplyTo<Boolean> replyTo) implements Msg {}

  private record Child(ProcessBody<Object> body, ChildOptions options) {}

  /**
   * The supervisor's callbacks. Its state is mutable and confined to its process (the children
   * table), so every result returns the same object.
   */
  private static final class Sup implements GenServer<Map<Pid<Object>, Child>, Msg> {
    private final TaskSupervisor.Options options;
    private final RestartIntensity intensity;
    private ProcessContext<Object> self; // set in init; the supervisor's own context

    Sup(TaskSupervisor.Options options, LongSupplier clockSeconds) {
      this.options = options;
      this.intensity = new RestartIntensity(options.maxRestarts(), options.maxSeconds(), clockSeconds);
    }

    @Override
    public Init<Map<Pid<Object>, Child>> init(ProcessContext<Object> self) {
      this.self = self;
      self.trapExit(true);
      return Init.ok(new LinkedHashMap<>());
    }

    @Override
    public Result<Map<Pid<Object>, Child>> handleCall(Msg msg, Map<Pid<Object>, Child> children) {
      return switch (msg) {
        case StartChildReq req -> {
          if (options.maxChildren().isPresent()
              && children.size() >= options.maxChildren().getAsInt()) {
            yield Result.reply(req.replyTo(), new StartChild.MaxChildren(), children);
          }
          Child child = new Child(req.body(), req.options());
          Pid<Object> pid = self.spawnLink(child.body());
          children.put(pid, child);
          yield Result.reply(req.replyTo(), new StartChild.Ok(pid), children);
        }
        case Children req -> Result.reply(req.replyTo(), List.copyOf(children.keySet()), children);
        case TerminateChild req -> {
          @SuppressWarnings("unchecked")
          Child child = children.remove((Pid<Object>) req.pid());
          if (child != null) {
            Map<Pid<Object>, Child> one = new HashMap<>();
            one.put(asObjectPid(req.pid()), child);
            shutdownAll(one);
          }
          yield Result.reply(req.replyTo(), child != null, children);
        }
      };
    }

    @Override
    public Result<Map<Pid<Object>, Child>> handleInfo(Object message, Map<Pid<Object>, Child> children) {
      if (message instanceof Exit exit) {
        @SuppressWarnings("unchecked")
        Pid<Object> pid = (Pid<Object>) exit.from();
        Child child = children.remove(pid);
        if (child == null) {
          return Result.noreply(children); // an unknown link (the parent's Exit goes to terminate)
        }
        ExitReason reason = exit.reason();
        Restart restart = child.options().restart();
        if (reason.isAbnormal() || restart == Restart.PERMANENT) {
          ChildShutdown.report(self.self(), "child_terminated", reason, pid); // §5.5
        }
        if (!restart.restarts(reason)) {
          return Result.noreply(children);
        }
        if (!intensity.allowRestart()) {
          ChildShutdown.report(self.self(), "shutdown", "reached_max_restart_intensity", pid);
          return Result.stop(ExitReason.SHUTDOWN, children);
        }
        children.put(self.spawnLink(child.body()), child);
        return Result.noreply(children);
      }
      ChildShutdown.REPORTS.error("Task supervisor {} received an unexpected message: {}", self.self(), message);
      return Result.noreply(children);
    }

    @Override
    public void terminate(ExitReason reason, Map<Pid<Object>, Child> children) {
      shutdownAll(children);
      children.clear();
    }

    private void shutdownAll(Map<Pid<Object>, Child> children) {
      Map<Pid<?>, Shutdown> how = new HashMap<>();
      children.forEach((pid, child) -> how.put(pid, child.options().shutdown()));
      ChildShutdown.all(self, how)
          .forEach(
              (pid, reason) -> {
                Child child = children.get(pid);
                if (!ChildShutdown.expected(reason, child.options().shutdown(), child.options().restart())) {
                  ChildShutdown.report(self.self(), "shutdown_error", reason, pid);
                }
              });
    }

    @SuppressWarnings("unchecked")
    private static Pid<Object> asObjectPid(Pid<?> pid) {
      return (Pid<Object>) pid;
    }
  }

}
