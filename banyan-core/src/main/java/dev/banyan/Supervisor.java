package dev.banyan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * A supervisor: a process that starts children, watches them, and restarts them as its
 * strategy says when they end — Erlang's {@code supervisor} and Elixir's {@code Supervisor}.
 *
 * {@snippet :
 * List<ChildSpec> children = List.of(
 *     ChildSpec.worker("a", ChildStart.genServer(Counter::new)),
 *     ChildSpec.worker("b", ChildStart.genServer(Counter::new)),
 *     ChildSpec.worker("c", ChildStart.genServer(Counter::new)));
 * Supervisor sup = Supervisor.of(
 *     Supervisor.startLink(me, Supervisor.Flags.restForOne(), children).orElseThrow());
 * // kill "b": "b" and "c" restart, "a" keeps its pid
 * }
 *
 * <h2>Start and shutdown</h2>
 * Children start one at a time in list order; {@code startLink} returns once all have started.
 * If one fails to start, the ones already started are stopped in reverse order and the start
 * fails with {@code {shutdown, {failed_to_start_child, Id, Reason}}} (a {@link
 * FailedToStartChild} in a {@link ExitReason.Shutdown}). A child whose start returns {@link
 * GenServer.Start.Ignore} is kept, not running (a temporary one is dropped). When the supervisor
 * stops, its children stop in reverse start order, one at a time, each as its {@link Shutdown}
 * says: {@code shutdown}, wait, then kill.
 *
 * <h2>Exit reasons and restarts</h2>
 * A child that ends is restarted or not by its {@link Restart} type (permanent: always;
 * transient: after an abnormal exit; temporary: never) and the {@link Strategy}: {@code
 * ONE_FOR_ONE} restarts it alone; {@code ONE_FOR_ALL} stops all others (reverse order) and
 * restarts all; {@code REST_FOR_ONE} stops and restarts those started after it. More than
 * {@code maxRestarts} restarts within {@code maxSeconds} (default 3 in 5 s, as Elixir's) stop
 * the supervisor with reason {@code shutdown}. A restart that fails to start is retried, each
 * retry counting as a restart. Reports (logger {@code dev.banyan.Supervisor}): {@code
 * child_terminated}, {@code start_error}, {@code shutdown_error}, and {@code shutdown} with
 * {@code reached_max_restart_intensity}.
 *
 * <h2>Thread safety</h2>
 * A handle: thread-safe; every method is a call into the supervisor process (no timeout, as in
 * OTP).
 *
 * @since 0.1
 */
public final class Supervisor {

  /**
   * How a supervisor restarts.
   *
   * @since 0.1
   */
  public enum Strategy {
    /** Restart only the child that ended. */
    ONE_FOR_ONE,
    /** Stop all other children and restart all. */
    ONE_FOR_ALL,
    /** Stop and restart the children started after the one that ended, and it. */
    REST_FOR_ONE
  }

  /**
   * When a supervisor shuts itself down because significant children ended (OTP 24).
   *
   * @since 0.1
   */
  public enum AutoShutdown {
    /** Never (the default). */
    NEVER,
    /** When any significant child ends by itself and is not restarted. */
    ANY_SIGNIFICANT,
    /** When no significant child is left running. */
    ALL_SIGNIFICANT
  }

  /**
   * A supervisor's flags.
   *
   * @param strategy the restart strategy (no default: Elixir requires it)
   * @param maxRestarts restarts allowed within {@code maxSeconds}; default 3 (Elixir)
   * @param maxSeconds the intensity window; default 5 s
   * @param autoShutdown default {@link AutoShutdown#NEVER}
   * @since 0.1
   */
  public record Flags(
      Strategy strategy, int maxRestarts, Duration maxSeconds, AutoShutdown autoShutdown) {
    /** Validates the components, naming a bad value. */
    public Flags {
      Objects.requireNonNull(strategy, "strategy");
      Objects.requireNonNull(maxSeconds, "maxSeconds");
      Objects.requireNonNull(autoShutdown, "autoShutdown");
      if (maxRestarts < 0) {
        throw new IllegalArgumentException("maxRestarts must not be negative (invalid_intensity): " + maxRestarts);
      }
      if (maxSeconds.isNegative() || maxSeconds.isZero()) {
        throw new IllegalArgumentException("maxSeconds must be positive (invalid_period): " + maxSeconds);
      }
    }

    /** {@return one_for_one, 3 restarts in 5 s} */
    public static Flags oneForOne() {
      return of(Strategy.ONE_FOR_ONE);
    }

    /** {@return one_for_all, 3 restarts in 5 s} */
    public static Flags oneForAll() {
      return of(Strategy.ONE_FOR_ALL);
    }

    /** {@return rest_for_one, 3 restarts in 5 s} */
    public static Flags restForOne() {
      return of(Strategy.REST_FOR_ONE);
    }

    /**
     * {@return the strategy with Elixir's defaults}
     *
     * @param strategy the strategy
     */
    public static Flags of(Strategy strategy) {
      return new Flags(strategy, 3, Duration.ofSeconds(5), AutoShutdown.NEVER);
    }

    /**
     * {@return these flags with another intensity}
     *
     * @param restarts restarts allowed within {@code within}
     * @param within the window
     */
    public Flags withIntensity(int restarts, Duration within) {
      return new Flags(strategy, restarts, within, autoShutdown);
    }

    /**
     * {@return these flags with an auto-shutdown}
     *
     * @param mode when to shut down
     */
    public Flags withAutoShutdown(AutoShutdown mode) {
      return new Flags(strategy, maxRestarts, maxSeconds, mode);
    }
  }

  /**
   * A module-based supervisor: its {@code init} returns the flags and the children, in the
   * supervisor's process, like Erlang's {@code Mod:init/1}.
   *
   * @since 0.1
   */
  @FunctionalInterface
  public interface Module {
    /**
     * Describes the supervisor.
     *
     * @param self the supervisor's process (it already traps exits)
     * @return the flags and children, or empty to {@code ignore} the start
     * @throws Exception anything: the start fails with it
     */
    Optional<Init> init(ProcessContext<Object> self) throws Exception;
  }

  /**
   * What a {@link Module} returns.
   *
   * @param flags the flags
   * @param children the children, in start order
   * @since 0.1
   */
  public record Init(Flags flags, List<ChildSpec> children) {
    /** Validates and copies the components. */
    public Init {
      Objects.requireNonNull(flags, "flags");
      children = List.copyOf(children);
    }
  }

  /**
   * The {@code {failed_to_start_child, Id, Reason}} detail of a failed supervisor start.
   *
   * @param id the child that failed
   * @param reason why
   * @since 0.1
   */
  public record FailedToStartChild(Object id, ExitReason reason) {
    @Override
    public String toString() {
      return "{failed_to_start_child, " + id + ", " + reason + "}";
    }
  }

  /**
   * A child's state, as {@link #whichChildren()} shows it.
   *
   * @since 0.1
   */
  public sealed interface ChildState {
    /**
     * Running.
     *
     * @param pid its process
     */
    record Running(Pid<?> pid) implements ChildState {}

    /** Its restart failed and is being retried. */
    record Restarting() implements ChildState {}

    /** Not running: terminated, or its start returned ignore (Erlang's {@code undefined}). */
    record Undefined() implements ChildState {}
  }

  /**
   * One child, as {@link #whichChildren()} lists it.
   *
   * @param id its id
   * @param state running (with its pid), restarting or undefined
   * @param type worker or supervisor
   * @since 0.1
   */
  public record ChildInfo(Object id, ChildState state, ChildSpec.Type type) {}

  /**
   * {@link #countChildren()}: Elixir's map.
   *
   * @param specs all children
   * @param active the running ones
   * @param supervisors the children that are supervisors
   * @param workers the children that are workers
   * @since 0.1
   */
  public record Counts(int specs, int active, int supervisors, int workers) {}

  /**
   * The outcome of {@link #startChild(ChildSpec)} and {@link #restartChild(Object)}.
   *
   * @since 0.1
   */
  public sealed interface StartChild {
    /**
     * Started (or ignored: no pid).
     *
     * @param pid the child, empty if its start returned ignore
     */
    record Ok(Optional<Pid<?>> pid) implements StartChild {}

    /**
     * The id exists and runs.
     *
     * @param pid the running child
     */
    record AlreadyStarted(Pid<?> pid) implements StartChild {}

    /** The id exists and does not run ({@code already_present}). */
    record AlreadyPresent() implements StartChild {}

    /** {@code restart_child}: the child runs. */
    record Running() implements StartChild {}

    /** {@code restart_child}: the child is being restarted. */
    record Restarting() implements StartChild {}

    /** {@code restart_child}: no child with this id. */
    record NotFound() implements StartChild {}

    /**
     * The start failed.
     *
     * @param reason why
     */
    record Error(ExitReason reason) implements StartChild {}
  }

  /**
   * The outcome of {@link #deleteChild(Object)}.
   *
   * @since 0.1
   */
  public enum DeleteChild {
    /** Deleted. */
    OK,
    /** Not deleted: the child runs. */
    RUNNING,
    /** Not deleted: the child is being restarted. */
    RESTARTING,
    /** No child with this id. */
    NOT_FOUND
  }

  private final ServerRef<Call> server;

  private Supervisor(ServerRef<Call> server) {
    this.server = server;
  }

  /**
   * {@return the handle of a started supervisor}
   *
   * @param server what {@code start} or {@code startLink} returned in {@link GenServer.Start.Ok}
   */
  public static Supervisor of(ServerRef<Call> server) {
    return new Supervisor(Objects.requireNonNull(server, "server"));
  }

  /**
   * {@return the handle of the supervisor registered under {@code name}}
   *
   * @param node its node
   * @param name its name
   */
  public static Supervisor named(Node node, String name) {
    return new Supervisor(ServerRef.named(node, name));
  }

  // ---------------------------------------------------------------------------------------------
  // Starting

  /**
   * Starts a supervisor with these children, linked to the calling process.
   *
   * @param parent the calling process
   * @param flags the flags
   * @param children the children, in start order
   * @return the outcome; {@link GenServer.Start.Ok} once every child has started
   */
  public static GenServer.Start<Call> startLink(
      ProcessContext<?> parent, Flags flags, List<ChildSpec> children) {
    return startLink(parent, inline(flags, children), GenServer.Options.DEFAULTS);
  }

  /**
   * Starts a module-based supervisor, linked to the calling process, with options (a name).
   *
   * @param parent the calling process
   * @param module describes the supervisor
   * @param options the name, if any
   * @return the outcome
   */
  public static GenServer.Start<Call> startLink(
      ProcessContext<?> parent, Module module, GenServer.Options options) {
    return GenServer.startLink(parent, new Callbacks(module, RestartIntensity.MONOTONIC_SECONDS), options);
  }

  /**
   * Starts a supervisor with these children, not linked to the caller.
   *
   * @param node the node
   * @param flags the flags
   * @param children the children, in start order
   * @return the outcome
   */
  public static GenServer.Start<Call> start(Node node, Flags flags, List<ChildSpec> children) {
    return start(node, inline(flags, children), GenServer.Options.DEFAULTS);
  }

  /**
   * Starts a module-based supervisor, not linked to the caller, with options (a name).
   *
   * @param node the node
   * @param module describes the supervisor
   * @param options the name, if any
   * @return the outcome
   */
  public static GenServer.Start<Call> start(Node node, Module module, GenServer.Options options) {
    return GenServer.start(node, new Callbacks(module, RestartIntensity.MONOTONIC_SECONDS), options);
  }

  /** For tests: a supervisor whose intensity window reads {@code clockSeconds}. */
  static GenServer.Start<Call> startLink(
      ProcessContext<?> parent, Flags flags, List<ChildSpec> children, LongSupplier clockSeconds) {
    return GenServer.startLink(parent, new Callbacks(inline(flags, children), clockSeconds));
  }

  /**
   * {@return a {@link ChildStart} that starts this supervisor as a child of another}
   *
   * @param flags the flags
   * @param children the children
   */
  public static ChildStart childStart(Flags flags, List<ChildSpec> children) {
    Module m = inline(flags, children);
    return sup -> startLink(sup, m, GenServer.Options.DEFAULTS);
  }

  private static Module inline(Flags flags, List<ChildSpec> children) {
    Init init = new Init(flags, children);
    return self -> Optional.of(init);
  }

  // ---------------------------------------------------------------------------------------------
  // The API

  /** {@return the supervisor's pid} */
  public Pid<?> pid() {
    return server.whereis().orElseThrow(() -> new IllegalStateException("the supervisor is not running"));
  }

  /**
   * Adds a child at the end of the start order and starts it: Erlang's {@code start_child/2}.
   *
   * @param spec the child
   * @return {@code Ok}, {@code AlreadyStarted}, {@code AlreadyPresent} or {@code Error}
   */
  public StartChild startChild(ChildSpec spec) {
    Objects.requireNonNull(spec, "spec");
    return call(r -> new StartChildCall(spec, r));
  }

  /**
   * Stops a child; it is not restarted and its spec is kept (a temporary one is dropped).
   *
   * @param id the child's id
   * @return {@code false} if there is no such child ({@code not_found})
   */
  public boolean terminateChild(Object id) {
    Objects.requireNonNull(id, "id");
    return call(r -> new TerminateChildCall(id, r));
  }

  /**
   * Starts a child that is not running.
   *
   * @param id the child's id
   * @return {@code Ok}, {@code Running}, {@code Restarting}, {@code NotFound} or {@code Error}
   */
  public StartChild restartChild(Object id) {
    Objects.requireNonNull(id, "id");
    return call(r -> new RestartChildCall(id, r));
  }

  /**
   * Removes the spec of a child that is not running.
   *
   * @param id the child's id
   * @return the outcome
   */
  public DeleteChild deleteChild(Object id) {
    Objects.requireNonNull(id, "id");
    return call(r -> new DeleteChildCall(id, r));
  }

  /** {@return the children, most recently started first}: Erlang's {@code which_children/1} */
  public List<ChildInfo> whichChildren() {
    return call(WhichChildrenCall::new);
  }

  /** {@return the children counted}: Erlang's {@code count_children/1} */
  public Counts countChildren() {
    return call(CountChildrenCall::new);
  }

  /**
   * {@return a child's spec}
   *
   * @param id the child's id
   */
  public Optional<ChildSpec> getChildspec(Object id) {
    Objects.requireNonNull(id, "id");
    return call(r -> new GetChildspecCall(id, r));
  }

  /** Stops the supervisor and its children (reverse start order), as long as it takes. */
  public void stop() {
    server.stop();
  }

  private <R> R call(java.util.function.Function<ReplyTo<R>, ? extends Call> request) {
    return server.call(request, Duration.ofNanos(Long.MAX_VALUE));
  }

  @Override
  public String toString() {
    return "Supervisor " + server;
  }

  // ---------------------------------------------------------------------------------------------
  // Requests

  /** The requests a supervisor accepts; opaque to users, who call the methods of {@link Supervisor}. */
  public sealed interface Call {}

  record StartChildCall(ChildSpec spec, ReplyTo<StartChild> replyTo) implements Call {}

  record TerminateChildCall(Object id, ReplyTo<Boolean> replyTo) implements Call {}

  record RestartChildCall(Object id, ReplyTo<StartChild> replyTo) implements Call {}

  record DeleteChildCall(Object id, ReplyTo<DeleteChild> replyTo) implements Call {}

  record WhichChildrenCall(ReplyTo<List<ChildInfo>> replyTo) implements Call {}

  record CountChildrenCall(ReplyTo<Counts> replyTo) implements Call {}

  record GetChildspecCall(Object id, ReplyTo<Optional<ChildSpec>> replyTo) implements Call {}

  /** The supervisor's message to itself to retry a failed restart (Elixir's {@code $gen_restart}). */
  private record RetryRestart(Object id) {}

  /** A child's start returned {@code {error, {already_started, Pid}}}: the reason, with the pid. */
  record AlreadyStartedBy(Pid<?> pid) {
    @Override
    public String toString() {
      return "{already_started, " + pid + "}";
    }
  }

  /** The supervisor's timer message: a child's backoff delay has passed. */
  private record DelayedRestart(Object id) {}

  // ---------------------------------------------------------------------------------------------
  // The supervisor process

  /** A child, as the supervisor keeps it. Confined to the supervisor's process. */
  private static final class Child {
    ChildSpec spec;
    Pid<?> pid; // null unless running
    boolean restarting;
    int restartsInARow; // for the backoff
    long startedNanos; // when it last started
    Pid<?> lastPid; // the pid it had when it last ended, and why: for the JFR events
    ExitReason lastReason;
    int restarts; // how many times it was restarted: for Introspection

    Child(ChildSpec spec) {
      this.spec = spec;
    }

    ChildState state() {
      return pid != null ? new ChildState.Running(pid) : restarting ? new ChildState.Restarting() : new ChildState.Undefined();
    }
  }

  /**
   * The supervisor's callbacks. Its state — the children in start order — is mutable and
   * confined to its process, so every result returns the same object.
   */
  private static final class Callbacks
      implements GenServer<List<Child>, Call>, Introspection.Described<List<Child>> {
    private final Module module;
    private final LongSupplier clock;
    private ProcessContext<Object> self;
    private Flags flags;
    private RestartIntensity intensity;
    private long restarts; // all restarts made: for Introspection

    Callbacks(Module module, LongSupplier clock) {
      this.module = module;
      this.clock = clock;
    }

    @Override
    public Init<List<Child>> init(ProcessContext<Object> self) throws Exception {
      this.self = self;
      self.trapExit(true); // a supervisor always traps exits, before Mod:init (§5.1)
      Optional<Supervisor.Init> described = module.init(self);
      if (described == null) {
        return Init.stop(ExitReason.of(new GenServer.BadReturnValue("Supervisor.Module.init")));
      }
      if (described.isEmpty()) {
        return Init.ignore();
      }
      flags = described.get().flags();
      intensity = new RestartIntensity(flags.maxRestarts(), flags.maxSeconds(), clock);
      Optional<ExitReason> invalid = validate(described.get().children());
      if (invalid.isPresent()) {
        return Init.stop(invalid.get());
      }
      List<Child> children = new ArrayList<>(described.get().children().size());
      for (ChildSpec spec : described.get().children()) {
        Child child = new Child(spec);
        Optional<ExitReason> failed = startChild(child, true);
        if (failed.isPresent()) {
          ChildShutdown.report(supervisorName(), "start_error", failed.get(), spec.id());
          stopAll(children);
          return Init.stop(ExitReason.shutdown(new FailedToStartChild(spec.id(), failed.get())));
        }
        if (child.pid != null || spec.restart() != Restart.TEMPORARY) {
          children.add(child);
        }
      }
      return Init.ok(children);
    }

    /** Checks the specs as a supervisor start does: duplicate ids, significant children. */
    private Optional<ExitReason> validate(List<ChildSpec> specs) {
      Set<Object> ids = new HashSet<>();
      for (ChildSpec spec : specs) {
        if (!ids.add(spec.id())) {
          return Optional.of(ExitReason.of("{start_spec, {duplicate_child_name, " + spec.id() + "}}"));
        }
        Optional<ExitReason> bad = checkSignificant(spec);
        if (bad.isPresent()) {
          return Optional.of(ExitReason.of("{start_spec, " + bad.get() + "}"));
        }
      }
      return Optional.empty();
    }

    private Optional<ExitReason> checkSignificant(ChildSpec spec) {
      if (spec.significant() && flags.autoShutdown() == AutoShutdown.NEVER) {
        return Optional.of(ExitReason.of("{bad_combination, [{auto_shutdown, never}, {significant, true}]}"));
      }
      return Optional.empty();
    }

    /**
     * Starts one child; returns why it failed, if it did. Ignore leaves it not running. A child
     * started by the supervisor itself (not through the startChild API) gets a progress report.
     */
    private Optional<ExitReason> startChild(Child child, boolean progress) {
      GenServer.Start<?> started;
      try {
        started = child.spec.start().start(self);
      } catch (ProcessExitedException dead) {
        throw dead;
      } catch (ExitException e) {
        return Optional.of(e.reason());
      } catch (Throwable t) {
        return Optional.of(new ExitReason.Crashed(t));
      }
      child.restarting = false;
      switch (started) {
        case null -> {
          return Optional.of(ExitReason.of(new GenServer.BadReturnValue("ChildStart.start")));
        }
        case GenServer.Start.Ok<?> ok -> {
          child.pid = ok.server().pidOrNull() != null ? ok.server().pidOrNull() : ok.server().whereis().orElse(null);
          child.startedNanos = System.nanoTime();
          if (progress && ChildShutdown.REPORTS.isInfoEnabled()) {
            ChildShutdown.REPORTS.atInfo()
                .addKeyValue("supervisor", supervisorName())
                .addKeyValue("started", child.spec.id())
                .addKeyValue("pid", child.pid)
                .log("Supervisor {} started child {} as {}", supervisorName(), child.spec.id(), child.pid);
          }
          return Optional.empty();
        }
        case GenServer.Start.Ignore<?> i -> {
          child.pid = null;
          return Optional.empty();
        }
        case GenServer.Start.AlreadyStarted<?> a -> {
          Pid<?> holder = a.server().pidOrNull();
          return Optional.of(ExitReason.of(new AlreadyStartedBy(holder != null ? holder : a.server().whereis().orElse(null))));
        }
        case GenServer.Start.Error<?> e -> {
          return Optional.of(e.reason());
        }
      }
    }

    private Object supervisorName() {
      return self.self();
    }

    // ---- child exits ----

    @Override
    public Result<List<Child>> handleInfo(Object message, List<Child> children) {
      switch (message) {
        case Exit exit -> {
          Child child = find(children, exit.from());
          if (child == null) {
            return Result.noreply(children); // not a current child (§5.5)
          }
          return childExited(child, exit.reason(), children);
        }
        case RetryRestart retry -> {
          Child child = findId(children, retry.id());
          if (child == null || !child.restarting) {
            return Result.noreply(children); // terminated or deleted meanwhile: stop retrying
          }
          return restart(child, children);
        }
        case DelayedRestart delayed -> {
          Child child = findId(children, delayed.id());
          if (child == null || !child.restarting) {
            return Result.noreply(children); // terminated or deleted while it waited
          }
          applyStrategy(child, children); // counted toward the intensity when it ended
          return Result.noreply(children);
        }
        default -> {
          ChildShutdown.REPORTS.error("Supervisor {} received an unexpected message: {}", supervisorName(), message);
          return Result.noreply(children);
        }
      }
    }

    private Result<List<Child>> childExited(Child child, ExitReason reason, List<Child> children) {
      child.lastPid = child.pid;
      child.lastReason = reason;
      child.pid = null;
      Restart restart = child.spec.restart();
      if (restart == Restart.PERMANENT || reason.isAbnormal()) {
        ChildShutdown.report(supervisorName(), "child_terminated", reason, child.spec.id()); // §5.5
      }
      if (!restart.restarts(reason)) {
        if (restart == Restart.TEMPORARY) {
          children.remove(child);
        }
        if (child.spec.significant() && autoShutdownNow(children)) {
          return Result.stop(ExitReason.SHUTDOWN, children); // §5.11
        }
        return Result.noreply(children);
      }
      return restart(child, children);
    }

    private boolean autoShutdownNow(List<Child> children) {
      return switch (flags.autoShutdown()) {
        case NEVER -> false;
        case ANY_SIGNIFICANT -> true;
        case ALL_SIGNIFICANT -> children.stream().noneMatch(c -> c.spec.significant() && c.pid != null);
      };
    }

    /**
     * One restart event: counts once toward the intensity, then applies the strategy — at once,
     * or after the child's backoff delay (beyond OTP, off by default).
     */
    private Result<List<Child>> restart(Child failed, List<Child> children) {
      if (!intensity.allowRestart()) {
        ChildShutdown.report(supervisorName(), "shutdown", "reached_max_restart_intensity", failed.spec.id());
        SupervisorEvents.intensityExceeded(
            supervisorName(), failed.lastPid, flags.maxRestarts(), flags.maxSeconds().toSeconds());
        self.node().journal.intensityExceeded(self.self(), failed.spec.id(), failed.lastPid);
        failed.restarting = false;
        return Result.stop(ExitReason.SHUTDOWN, children);
      }
      Backoff backoff = failed.spec.backoff();
      if (!backoff.isOff()) {
        if (System.nanoTime() - failed.startedNanos > backoff.max().toNanos()) {
          failed.restartsInARow = 0; // it ran long enough: start again from the initial delay
        }
        failed.restartsInARow++;
        long nanos = backoff.delay(failed.restartsInARow).toNanos();
        double factor = 1 + backoff.jitter() * (2 * java.util.concurrent.ThreadLocalRandom.current().nextDouble() - 1);
        failed.restarting = true;
        self.node().sendAfter(Duration.ofNanos((long) (nanos * factor)), self.self(), new DelayedRestart(failed.spec.id()));
        return Result.noreply(children);
      }
      applyStrategy(failed, children);
      return Result.noreply(children);
    }

    /** Stops and restarts the failed child's group, as the strategy says. */
    private void applyStrategy(Child failed, List<Child> children) {
      int at = children.indexOf(failed);
      List<Child> redo =
          switch (flags.strategy()) {
            case ONE_FOR_ONE -> List.of(failed);
            case ONE_FOR_ALL -> new ArrayList<>(children);
            case REST_FOR_ONE -> new ArrayList<>(children.subList(at, children.size()));
          };
      // Stop the others of the group in reverse start order; temporary ones are dropped.
      for (int i = redo.size() - 1; i >= 0; i--) {
        Child c = redo.get(i);
        if (c != failed && c.pid != null) {
          stopChild(c);
        }
        if (c != failed && c.spec.restart() == Restart.TEMPORARY) {
          children.remove(c);
          redo.remove(i);
        }
      }
      // Start the group in start order; a failure marks that child restarting and retries.
      for (Child c : redo) {
        if (c.spec.restart() == Restart.TEMPORARY) {
          continue;
        }
        Optional<ExitReason> failedToStart = startChild(c, true);
        if (c == failed) {
          c.restarts++;
          restarts++;
          self.node().journal.restarted(self.self(), c.spec.id(), failed.lastPid, failed.lastReason, c.pid);
          SupervisorEvents.restarted(
              supervisorName(),
              failed.lastPid,
              failed.lastReason,
              failedToStart.<Object>map(r -> "{error, " + r + "}")
                  .orElse(c.pid == null ? "ignore" : c.pid));
        }
        if (failedToStart.isPresent()) {
          ChildShutdown.report(supervisorName(), "start_error", failedToStart.get(), c.spec.id());
          c.restarting = true;
          self.send(self.self(), new RetryRestart(c.spec.id()));
          break; // the children after it stay stopped until the retry (§5.7)
        }
      }
    }

    /** Stops one running child with its shutdown; a shutdown_error is logged if unexpected. */
    private void stopChild(Child c) {
      Pid<?> pid = c.pid;
      c.pid = null;
      ExitReason reason = ChildShutdown.one(self, pid, c.spec.shutdown());
      if (!ChildShutdown.expected(reason, c.spec.shutdown(), c.spec.restart())) {
        ChildShutdown.report(supervisorName(), "shutdown_error", reason, c.spec.id());
      }
    }

    private void stopAll(List<Child> children) {
      for (int i = children.size() - 1; i >= 0; i--) {
        Child c = children.get(i);
        if (c.pid != null) {
          stopChild(c);
        }
      }
    }

    @Override
    public void terminate(ExitReason reason, List<Child> children) {
      stopAll(children);
    }

    // ---- introspection ----

    @Override
    public Introspection.ProcessLabel.Kind kind() {
      return Introspection.ProcessLabel.Kind.SUPERVISOR;
    }

    @Override
    public Class<?> implementation() {
      return module.getClass().isSynthetic() ? Supervisor.class : module.getClass();
    }

    @Override
    public Object describe(List<Child> children, Introspection.Query query) {
      List<Introspection.ChildReport> out = new ArrayList<>();
      for (Child c : children.subList(0, Math.min(children.size(), query.limit()))) {
        out.add(new Introspection.ChildReport(c.spec.id(), Optional.ofNullable(c.pid), c.spec.type(),
            c.spec.restart(), c.restarts, Optional.ofNullable(c.lastReason)));
      }
      return new Introspection.SupervisorReport(Introspection.ProcessLabel.Kind.SUPERVISOR,
          flags.strategy(), flags.maxRestarts(), flags.maxSeconds(), restarts, children.size(), out);
    }

    // ---- the API ----

    @Override
    public Result<List<Child>> handleCall(Call call, List<Child> children) {
      return switch (call) {
        case StartChildCall c -> Result.reply(c.replyTo(), startChildCall(c.spec(), children), children);
        case TerminateChildCall c -> {
          Child child = findId(children, c.id());
          if (child != null) {
            if (child.pid != null) {
              stopChild(child);
            }
            child.restarting = false;
            if (child.spec.restart() == Restart.TEMPORARY) {
              children.remove(child);
            }
          }
          yield Result.reply(c.replyTo(), child != null, children);
        }
        case RestartChildCall c -> Result.reply(c.replyTo(), restartChildCall(c.id(), children), children);
        case DeleteChildCall c -> {
          Child child = findId(children, c.id());
          DeleteChild outcome =
              child == null
                  ? DeleteChild.NOT_FOUND
                  : child.pid != null
                      ? DeleteChild.RUNNING
                      : child.restarting ? DeleteChild.RESTARTING : DeleteChild.OK;
          if (outcome == DeleteChild.OK) {
            children.remove(child);
          }
          yield Result.reply(c.replyTo(), outcome, children);
        }
        case WhichChildrenCall c -> {
          List<ChildInfo> out = new ArrayList<>();
          for (int i = children.size() - 1; i >= 0; i--) {
            Child child = children.get(i);
            out.add(new ChildInfo(child.spec.id(), child.state(), child.spec.type()));
          }
          yield Result.reply(c.replyTo(), List.copyOf(out), children);
        }
        case CountChildrenCall c -> {
          int active = (int) children.stream().filter(ch -> ch.pid != null && ch.pid.isAlive()).count();
          int sups = (int) children.stream().filter(ch -> ch.spec.type() == ChildSpec.Type.SUPERVISOR).count();
          yield Result.reply(c.replyTo(), new Counts(children.size(), active, sups, children.size() - sups), children);
        }
        case GetChildspecCall c -> {
          Child child = findId(children, c.id());
          yield Result.reply(c.replyTo(), Optional.ofNullable(child).map(ch -> ch.spec), children);
        }
      };
    }

    private StartChild startChildCall(ChildSpec spec, List<Child> children) {
      Child existing = findId(children, spec.id());
      if (existing != null) {
        return existing.pid != null ? new StartChild.AlreadyStarted(existing.pid) : new StartChild.AlreadyPresent();
      }
      Optional<ExitReason> bad = checkSignificant(spec);
      if (bad.isPresent()) {
        return new StartChild.Error(bad.get());
      }
      Child child = new Child(spec);
      Optional<ExitReason> failed = startChild(child, false);
      if (failed.isPresent()) {
        if (failed.get() instanceof ExitReason.Other(AlreadyStartedBy(Pid<?> holder)) && holder != null) {
          return new StartChild.AlreadyStarted(holder); // CC-130
        }
        return new StartChild.Error(failed.get());
      }
      if (child.pid != null || spec.restart() != Restart.TEMPORARY) {
        children.add(child); // at the end of the start order (§5.4)
      }
      return new StartChild.Ok(Optional.ofNullable(child.pid));
    }

    private StartChild restartChildCall(Object id, List<Child> children) {
      Child child = findId(children, id);
      if (child == null) {
        return new StartChild.NotFound();
      }
      if (child.pid != null) {
        return new StartChild.Running();
      }
      if (child.restarting) {
        return new StartChild.Restarting();
      }
      Optional<ExitReason> failed = startChild(child, false);
      return failed.<StartChild>map(StartChild.Error::new).orElseGet(() -> new StartChild.Ok(Optional.ofNullable(child.pid)));
    }

    private static Child find(List<Child> children, Pid<?> pid) {
      for (Child c : children) {
        if (pid.equals(c.pid)) {
          return c;
        }
      }
      return null;
    }

    private static Child findId(List<Child> children, Object id) {
      for (Child c : children) {
        if (c.spec.id().equals(id)) {
          return c;
        }
      }
      return null;
    }
  }
}
