package dev.banyan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A supervisor that starts its children on demand: Elixir's {@code DynamicSupervisor} (and OTP's
 * {@code simple_one_for_one}, as a type of its own). It starts with no children; {@link
 * #startChild(ChildSpec)} adds one at a time, each restarted on its own ({@code one_for_one})
 * according to its {@link Restart} type, and when the supervisor stops it stops them all at once.
 *
 * {@snippet :
 * DynamicSupervisor buckets = DynamicSupervisor.startLink(me);
 *
 * ChildSpec bucket = ChildSpec.worker("bucket", ChildStart.genServer(() -> new Bucket()));
 * if (buckets.startChild(bucket) instanceof DynamicSupervisor.StartChild.Ok ok) {
 *   ServerRef<BucketMsg> shopping = ServerRef.of(ok.pid());
 * }
 * buckets.countChildren();   // Counts[specs=1, active=1, supervisors=0, workers=1]
 * }
 *
 * <h2>In a supervision tree</h2>
 * {@link #childSpec(Object, Options)} is the child spec of a dynamic supervisor, to put in a {@link
 * Supervisor}'s children as Elixir's {@code {DynamicSupervisor, name: KV.BucketSupervisor,
 * strategy: :one_for_one}}; give it a name ({@link Options#named(String)}) and reach it, after
 * any restart, with {@link #named(Node, String)}:
 *
 * {@snippet :
 * Supervisor.start(node, Supervisor.Flags.oneForOne(),
 *     List.of(DynamicSupervisor.childSpec(DynamicSupervisor.Options.named("buckets"))));
 * DynamicSupervisor.named(node, "buckets").startChild(bucket);
 * }
 *
 * {@link #of(Pid)} and {@link #of(ServerRef)} make a handle from a pid or a server handle, {@link
 * #via(NameRegistry, Object)} from a via name.
 *
 * <h2>Starting children</h2>
 * {@link #startChild(ChildSpec)} runs the spec's {@link ChildStart} inside the supervisor (which
 * serves nothing else meanwhile) and returns a {@link StartChild}: {@link StartChild.Ok} with the
 * child's pid; {@link StartChild.Ignore} if the start returned {@link GenServer.Start.Ignore}
 * (nothing is kept); {@link StartChild.MaxChildren} if the supervisor already has {@link
 * Options#maxChildren()} children, those waiting for a restart included (CC-144); or {@link
 * StartChild.Error} with the start's reason, unwrapped — a {@link GenServer.Start.Error}'s
 * reason, the reason of an {@link ExitException} it threw, {@link ExitReason.Crashed} for any
 * other exception (CC-142, CC-143). The spec's {@code id} is ignored (ids need not be unique);
 * {@code significant} must be false.
 *
 * <h2>Exit reasons and restarts</h2>
 * A child that ends is judged by its restart type and its reason (otp-semantics §5.5, CC-146):
 * <table class="striped">
 * <caption>What happens when a child ends by itself</caption>
 * <thead><tr><th>reason</th><th>{@link Restart#PERMANENT}</th><th>{@link Restart#TRANSIENT}</th>
 *     <th>{@link Restart#TEMPORARY}</th></tr></thead>
 * <tbody>
 * <tr><td>{@code normal}, {@code shutdown}, {@code {shutdown, _}}</td><td>restarted, reported</td>
 *     <td>removed</td><td>removed</td></tr>
 * <tr><td>anything else</td><td>restarted, reported</td><td>restarted, reported</td>
 *     <td>removed, reported</td></tr>
 * </tbody>
 * </table>
 * "Reported" is a supervisor report {@code child_terminated} (logger {@code
 * dev.banyan.Supervisor}, level error). A restart runs the same {@link ChildStart} again. If it
 * returns {@link GenServer.Start.Ignore} the child is removed; if it fails, a {@code start_error}
 * is reported, the child is listed as restarting (no pid, not active, still counted) and the
 * supervisor tries again through a message to itself, serving other requests in between (§5.7,
 * CC-147). Every restart attempt, retries included, is a JFR {@code dev.banyan.ChildRestart}
 * event and counts toward the restart intensity: more than {@link Options#maxRestarts()}
 * restarts within {@link Options#maxSeconds()} (§5.6; default 3 in 5 s) make the supervisor give
 * up — a {@code shutdown} report with reason {@code reached_max_restart_intensity}, a JFR {@code
 * dev.banyan.IntensityExceeded} event — and exit with reason {@code shutdown} after stopping its
 * other children (CC-148).
 *
 * <h2>Start and shutdown</h2>
 * The supervisor is a {@link GenServer} that traps exits. It stops when its parent (the process
 * that started it with {@code startLink}) exits, on {@link #stop()}, or when the restart
 * intensity is exceeded. It then sends every child its exit signal at once — {@code shutdown},
 * or {@code kill} for {@link Shutdown#BRUTAL_KILL} — waits for each up to its own {@link
 * Shutdown} time, and kills those still running then: stopping N children that each take a
 * second takes about a second (CC-150). A child ending with a reason other than the expected
 * one (§5.8) is reported as {@code shutdown_error}. {@link #terminateChild(Pid)} stops one child
 * the same way and does not restart it (CC-149).
 *
 * <h2>Extra arguments</h2>
 * Elixir's {@code extra_arguments} are values given to the supervisor when it starts and
 * prepended to the arguments of every child's start function, at every start and restart
 * (CC-145). In Java a start function is a closure, so the typed equivalent is a supervisor
 * started with an argument of type {@code A} ({@link #startLink(ProcessContext, Options,
 * Object)}), which returns a {@link WithArgument WithArgument&lt;A&gt;} whose {@link
 * WithArgument#startChild(Function)} takes a function from {@code A} to the child's spec:
 *
 * {@snippet :
 * DynamicSupervisor.WithArgument<DataSource> pool =
 *     DynamicSupervisor.startLink(me, DynamicSupervisor.Options.DEFAULTS, dataSource);
 * pool.startChild(db -> ChildSpec.worker("conn", ChildStart.genServer(() -> new Connection(db))));
 * }
 *
 * The argument is fixed for the supervisor's life, as {@code extra_arguments} are; the {@link
 * ChildStart} built from it is the one called at every restart, so a restarted child gets the
 * same argument again.
 *
 * <h2>Thread safety</h2>
 * Thread-safe: a handle any thread (a process or not) may use; every method is a call to the
 * supervisor process, which handles them one at a time.
 *
 * <h2>Memory consistency effects</h2>
 * Actions before {@code startChild} happen-before the child's start function runs; the child's
 * start happens-before {@code startChild} returns. {@link #whichChildren()} and {@link
 * #countChildren()} are exact at the moment the supervisor answers, but children may end at any
 * time: use them for monitoring, not for synchronisation.
 *
 * <h2>General exceptions</h2>
 * Passing {@code null} to any method throws {@link NullPointerException}. Calling a supervisor
 * that is no longer running throws {@link CallException} with {@link ExitReason#NOPROC}.
 *
 * @since 0.1
 */
public final class DynamicSupervisor {

  /**
   * How a {@link DynamicSupervisor} behaves. Elixir's {@code strategy} option has one valid value,
   * {@code :one_for_one}, which is what this supervisor does, so there is no such option (CC-141).
   *
   * @param name the name to register it under, local or via a {@link NameRegistry}; default none
   * @param maxRestarts restarts allowed within {@code maxSeconds}; default 3; not negative
   * @param maxSeconds the window of the restart intensity, counted in whole seconds (at least
   *     one); default 5 s; positive
   * @param maxChildren how many children it may have at once, those waiting for a restart
   *     included; default no limit; not negative
   * @since 0.1
   */
  public record Options(
      Optional<ProcessName> name, int maxRestarts, Duration maxSeconds, OptionalInt maxChildren) {
    /** Elixir's defaults: no name, 3 restarts in 5 seconds, no limit on children (CC-141). */
    public static final Options DEFAULTS =
        new Options(Optional.empty(), 3, Duration.ofSeconds(5), OptionalInt.empty());

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if {@code maxRestarts} or {@code maxChildren} is negative,
     *     or {@code maxSeconds} is not positive
     */
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
        throw new IllegalArgumentException(
            "maxChildren must not be negative: " + maxChildren.getAsInt());
      }
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
      return new Options(
          Optional.of(Objects.requireNonNull(name, "name")), maxRestarts, maxSeconds, maxChildren);
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
   * The outcome of {@link #startChild(ChildSpec)}: Elixir's {@code on_start_child}.
   *
   * @since 0.1
   */
  public sealed interface StartChild {
    /**
     * Started and supervised: Elixir's {@code {:ok, pid}}.
     *
     * @param pid the child
     */
    record Ok(Pid<?> pid) implements StartChild {
      /** Validates the component. */
      public Ok {
        Objects.requireNonNull(pid, "pid");
      }
    }

    /** The start returned {@link GenServer.Start.Ignore}; nothing is kept: Elixir's {@code :ignore}. */
    record Ignore() implements StartChild {}

    /** Not started: the supervisor has {@code maxChildren} children (Elixir's {@code {:error, :max_children}}). */
    record MaxChildren() implements StartChild {}

    /**
     * The start failed; nothing is kept: Elixir's {@code {:error, reason}}.
     *
     * @param reason the reason of a returned {@link GenServer.Start.Error} or of a thrown {@link
     *     ExitException}; {@link ExitReason.Crashed} for any other exception; an {@link
     *     ExitReason.Other} holding the {@link GenServer.Start.AlreadyStarted} when the child's
     *     name is taken, or a {@link GenServer.BadReturnValue} when the start returned null
     */
    record Error(ExitReason reason) implements StartChild {
      /** Validates the component. */
      public Error {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }

  /**
   * One child, as {@link #whichChildren()} lists it: Elixir's {@code {:undefined, pid |
   * :restarting, type, modules}}.
   *
   * @param pid the child's pid; empty while it is restarting (its last restart failed and the
   *     supervisor will try again)
   * @param type worker or supervisor, from its spec
   * @param restart its restart type, from its spec
   * @since 0.1
   */
  public record Child(Optional<Pid<?>> pid, ChildSpec.Type type, Restart restart) {
    /** Validates the components. */
    public Child {
      Objects.requireNonNull(pid, "pid");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(restart, "restart");
    }

    /** {@return whether the child is waiting for a restart}: Elixir's {@code :restarting} */
    public boolean isRestarting() {
      return pid.isEmpty();
    }
  }

  /**
   * The counts of {@link #countChildren()}: Elixir's {@code count_children} map.
   *
   * @param specs how many children, restarting ones included
   * @param active how many are running (not restarting)
   * @param supervisors how many are supervisors, restarting ones included
   * @param workers how many are workers, restarting ones included
   * @since 0.1
   */
  public record Counts(int specs, int active, int supervisors, int workers) {}

  /**
   * A dynamic supervisor started with an argument for its children: the typed form of Elixir's
   * {@code extra_arguments} (see "Extra arguments" in {@link DynamicSupervisor}).
   *
   * {@snippet :
   * DynamicSupervisor.WithArgument<DataSource> pool =
   *     DynamicSupervisor.startLink(me, DynamicSupervisor.Options.DEFAULTS, dataSource);
   * pool.startChild(db -> ChildSpec.worker("conn", ChildStart.genServer(() -> new Connection(db))));
   * pool.supervisor().countChildren();
   * }
   *
   * <h2>Thread safety</h2>
   * Thread-safe, as the supervisor's handle; the argument is shared by every child, so it should
   * be immutable or thread-safe itself.
   *
   * @param <A> the type of the argument
   * @since 0.1
   */
  public static final class WithArgument<A> {
    private final DynamicSupervisor supervisor;
    private final A argument;

    private WithArgument(DynamicSupervisor supervisor, A argument) {
      this.supervisor = supervisor;
      this.argument = argument;
    }

    /**
     * Starts a child whose spec is made from the supervisor's argument: Elixir's {@code
     * start_child} with {@code extra_arguments ++ args}. {@code spec} is applied on the calling
     * thread; the {@link ChildStart} of the spec it returns is what the supervisor calls at the
     * start and at every restart.
     *
     * @param spec makes the child's spec from the argument
     * @return the outcome, as {@link DynamicSupervisor#startChild(ChildSpec)}
     * @throws IllegalArgumentException if the spec is significant
     * @throws NullPointerException if {@code spec} returns null
     */
    public StartChild startChild(Function<? super A, ChildSpec> spec) {
      Objects.requireNonNull(spec, "spec");
      return supervisor.startChild(
          Objects.requireNonNull(spec.apply(argument), "the spec function returned null"));
    }

    /** {@return the supervisor}, for everything else: children, counts, terminate, stop */
    public DynamicSupervisor supervisor() {
      return supervisor;
    }

    @Override
    public String toString() {
      return supervisor + " with " + argument;
    }
  }

  private final ServerRef<Msg> server;

  private DynamicSupervisor(ServerRef<Msg> server) {
    this.server = server;
  }

  // ---------------------------------------------------------------------------------------------
  // Starting

  /**
   * Starts a dynamic supervisor not linked to the caller, with the default options.
   *
   * @param node the node
   * @return its handle
   */
  public static DynamicSupervisor start(Node node) {
    return start(node, Options.DEFAULTS);
  }

  /**
   * Starts a dynamic supervisor not linked to the caller.
   *
   * @param node the node
   * @param options the options
   * @return its handle
   * @throws IllegalStateException if it did not start (its name is taken)
   */
  public static DynamicSupervisor start(Node node, Options options) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(options, "options");
    return started(GenServer.start(node, new Sup(options, RestartIntensity.MONOTONIC_SECONDS), genOptions(options)));
  }

  /**
   * Starts a dynamic supervisor linked to the calling process, with the default options: Elixir's
   * {@code DynamicSupervisor.start_link/1}.
   *
   * @param parent the calling process, which becomes the supervisor's parent
   * @return its handle
   */
  public static DynamicSupervisor startLink(ProcessContext<?> parent) {
    return startLink(parent, Options.DEFAULTS);
  }

  /**
   * Starts a dynamic supervisor linked to the calling process. When the parent exits, the
   * supervisor stops its children and exits with the same reason.
   *
   * @param parent the calling process, which becomes the supervisor's parent
   * @param options the options
   * @return its handle
   * @throws IllegalStateException if it did not start (its name is taken)
   */
  public static DynamicSupervisor startLink(ProcessContext<?> parent, Options options) {
    return startLinkWithClock(parent, options, RestartIntensity.MONOTONIC_SECONDS);
  }

  /**
   * Starts a dynamic supervisor not linked to the caller, whose children are made from {@code
   * argument}: Elixir's {@code extra_arguments: [argument]}.
   *
   * @param node the node
   * @param options the options
   * @param argument the argument of every child's spec
   * @param <A> the type of the argument
   * @return its handle, typed by the argument
   * @throws IllegalStateException if it did not start (its name is taken)
   */
  public static <A> WithArgument<A> start(Node node, Options options, A argument) {
    Objects.requireNonNull(argument, "argument");
    return new WithArgument<>(start(node, options), argument);
  }

  /**
   * Starts a dynamic supervisor linked to the calling process, whose children are made from
   * {@code argument}: Elixir's {@code extra_arguments: [argument]}.
   *
   * @param parent the calling process, which becomes the supervisor's parent
   * @param options the options
   * @param argument the argument of every child's spec
   * @param <A> the type of the argument
   * @return its handle, typed by the argument
   * @throws IllegalStateException if it did not start (its name is taken)
   */
  public static <A> WithArgument<A> startLink(ProcessContext<?> parent, Options options, A argument) {
    Objects.requireNonNull(argument, "argument");
    return new WithArgument<>(startLink(parent, options), argument);
  }

  /** For tests: a supervisor whose restart intensity reads {@code clockSeconds}. */
  static DynamicSupervisor startLinkWithClock(
      ProcessContext<?> parent, Options options, LongSupplier clockSeconds) {
    Objects.requireNonNull(parent, "parent");
    Objects.requireNonNull(options, "options");
    return started(GenServer.startLink(parent, new Sup(options, clockSeconds), genOptions(options)));
  }

  private static GenServer.Options genOptions(Options options) {
    return options.name().map(GenServer.Options.DEFAULTS::withName).orElse(GenServer.Options.DEFAULTS);
  }

  private static DynamicSupervisor started(GenServer.Start<Msg> start) {
    return new DynamicSupervisor(start.orElseThrow());
  }

  /** The id of {@link #childSpec(Options)} for a supervisor without a name: Elixir's module name. */
  static final String DEFAULT_ID = "DynamicSupervisor";

  /**
   * {@return the child spec of a dynamic supervisor with these options}, to put it in a {@link
   * Supervisor}'s children: Elixir's {@code {DynamicSupervisor, name: ..., strategy:
   * :one_for_one}}. As Elixir's {@code child_spec/1}, its id is the supervisor's name — the local
   * name, or the key of a via name — or {@code "DynamicSupervisor"} without a name; see {@link
   * #childSpec(Object, Options)} for the rest.
   *
   * @param options the options, usually with a name
   */
  public static ChildSpec childSpec(Options options) {
    Objects.requireNonNull(options, "options");
    return childSpec(idOf(options.name(), DEFAULT_ID), options);
  }

  /**
   * {@return the child spec of a dynamic supervisor with these options, under {@code id}}: a
   * {@linkplain ChildSpec.Type#SUPERVISOR supervisor} child, {@link Restart#PERMANENT}, stopped
   * with {@link Shutdown#INFINITY} (it stops its own children first), as Elixir's {@code
   * child_spec/1}. Each (re)start starts a new supervisor linked to its parent, with no children,
   * registered under the options' name if there is one; a handle made by {@link #named(Node,
   * String)} or {@link #via(NameRegistry, Object)} reaches whichever supervisor has the name now.
   * If the name is taken, the start fails with {@link GenServer.Start.AlreadyStarted}.
   *
   * {@snippet :
   * // Elixir: children = [{DynamicSupervisor, name: KV.BucketSupervisor, strategy: :one_for_one}]
   * Supervisor.start(node, Supervisor.Flags.oneForOne(),
   *     List.of(DynamicSupervisor.childSpec("buckets", DynamicSupervisor.Options.named("KV.BucketSupervisor"))));
   * DynamicSupervisor.named(node, "KV.BucketSupervisor").startChild(bucketSpec);
   * }
   *
   * @param id the child's id in its supervisor
   * @param options the options, usually with a name
   */
  public static ChildSpec childSpec(Object id, Options options) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(options, "options");
    GenServer.Options genOptions = genOptions(options);
    return ChildSpec.supervisor(
        id, parent -> GenServer.startLink(parent, new Sup(options, RestartIntensity.MONOTONIC_SECONDS), genOptions));
  }

  /** Elixir's {@code child_spec/1} id: the local name, the via key, or {@code fallback}. */
  static Object idOf(Optional<ProcessName> name, Object fallback) {
    return name.<Object>map(
            n -> switch (n) {
              case ProcessName.Local l -> l.name();
              case ProcessName.Via v -> v.key();
            })
        .orElse(fallback);
  }

  // ---------------------------------------------------------------------------------------------
  // Handles

  /**
   * {@return a handle on the dynamic supervisor with this pid}: Elixir passes a pid to every
   * {@code DynamicSupervisor} function. Whether the pid is a dynamic supervisor is not checked: a
   * call to another kind of process fails (a GenServer crashes on the request, the call gets its
   * reason) or times out.
   *
   * @param pid the supervisor's pid, for example from {@link DynamicSupervisor.StartChild.Ok} of a
   *     parent dynamic supervisor or {@link Supervisor#whichChildren()}
   */
  public static DynamicSupervisor of(Pid<?> pid) {
    return new DynamicSupervisor(ServerRef.of(pid));
  }

  /**
   * {@return a handle on the dynamic supervisor that {@code server} names}: by pid, local name or
   * via name, as the handle was made; for example what a {@link ChildStart} returned. Not checked,
   * as {@link #of(Pid)}.
   *
   * @param server the supervisor's server handle
   */
  @SuppressWarnings("unchecked")
  public static DynamicSupervisor of(ServerRef<?> server) {
    return new DynamicSupervisor((ServerRef<Msg>) Objects.requireNonNull(server, "server"));
  }

  /**
   * {@return a handle on the dynamic supervisor registered under {@code name} on {@code node}},
   * looked up at every call, so that it reaches the supervisor restarted under the same name:
   * Elixir's {@code DynamicSupervisor.start_child(KV.BucketSupervisor, spec)}. A call when nobody
   * has the name throws {@link CallException} with {@link ExitReason#NOPROC}.
   *
   * @param node the node
   * @param name the registered name ({@link Options#named(String)})
   */
  public static DynamicSupervisor named(Node node, String name) {
    return new DynamicSupervisor(ServerRef.named(node, name));
  }

  /**
   * {@return a handle on the dynamic supervisor registered under {@code key} in {@code
   * registry}}, looked up at every call: Elixir's {@code {:via, Registry, {registry, key}}}.
   *
   * @param registry the registry
   * @param key the key
   */
  public static DynamicSupervisor via(NameRegistry registry, Object key) {
    return new DynamicSupervisor(ServerRef.via(registry, key));
  }

  /**
   * {@return the supervisor's pid}, to link to it or monitor it
   *
   * @throws IllegalStateException if it is not running
   */
  public Pid<?> pid() {
    return server.whereis()
        .orElseThrow(() -> new IllegalStateException("the dynamic supervisor " + server + " is not running"));
  }

  // ---------------------------------------------------------------------------------------------
  // Children

  /**
   * Starts a child and supervises it: Elixir's {@code DynamicSupervisor.start_child/2}. The
   * supervisor runs {@code spec.start()} — which must start the child linked to it — and waits
   * for it, however long it takes.
   *
   * @param spec the child's spec; its id is ignored
   * @return the outcome (see the class description)
   * @throws IllegalArgumentException if the spec is significant (Elixir's {@code
   *     {:invalid_significant, true}}): a dynamic supervisor has no automatic shutdown
   */
  public StartChild startChild(ChildSpec spec) {
    Objects.requireNonNull(spec, "spec");
    if (spec.significant()) {
      throw new IllegalArgumentException(
          "child " + spec.id() + ": a dynamic supervisor's child cannot be significant (invalid_significant)");
    }
    return server.call(r -> new StartChildReq(spec, r), FOREVER);
  }

  /**
   * Stops a child as the supervisor would on shutdown (its {@link Shutdown}), and does not
   * restart it: Elixir's {@code terminate_child/2}. A child waiting for a restart is simply
   * removed.
   *
   * @param pid the child
   * @return {@code true}, or {@code false} if it is not a child of this supervisor (Elixir's
   *     {@code {:error, :not_found}})
   */
  public boolean terminateChild(Pid<?> pid) {
    Objects.requireNonNull(pid, "pid");
    return server.call(r -> new TerminateChildReq(pid, r), FOREVER);
  }

  /**
   * {@return the children, in start order}: Elixir's {@code which_children/1}. A child whose
   * restart failed is listed as restarting, without a pid.
   */
  public List<Child> whichChildren() {
    return server.call(WhichChildren::new, FOREVER);
  }

  /** {@return how many children there are, and of which kind}: Elixir's {@code count_children/1} */
  public Counts countChildren() {
    return server.call(CountChildren::new, FOREVER);
  }

  /**
   * Stops the supervisor with reason {@code normal}, after it has stopped its children, waiting as
   * long as it takes: Elixir's {@code DynamicSupervisor.stop/1}.
   *
   * @throws CallException if it is not running, or exited with another reason
   */
  public void stop() {
    server.stop();
  }

  /** {@return the supervisor's pid or name, as its calls name it} */
  String address() {
    return server.toString();
  }

  @Override
  public String toString() {
    return "DynamicSupervisor " + server;
  }

  // ---------------------------------------------------------------------------------------------
  // The supervisor process

  /*
   * Implementation overview
   *
   * The process is a GenServer (Sup) that traps exits. Its state is the children table, a
   * LinkedHashMap from pid to Entry (the spec, and whether the child is restarting), confined to
   * the process and mutated in place. A restarting child stays under its old, dead pid, as in
   * Elixir, until a restart succeeds (the entry moves to the new pid), returns ignore, or
   * terminateChild removes it.
   *
   * Transitions:
   *   startChild       start(spec) -> Ok: put(pid); Ignore / Error: nothing kept
   *   Exit(pid, r)     afterExit(restart, r): DELETE | DELETE_REPORTED | RESTART (reported)
   *   restart(pid)     intensity exceeded -> report 'shutdown', remove, stop(shutdown)
   *                    else start(spec) -> Ok: move to the new pid; Ignore: remove;
   *                    Error: report start_error, mark restarting, send self Retry(pid)
   *   Retry(pid)       still restarting -> restart(pid); gone -> nothing
   *   terminate        ChildShutdown.all over the running children, shutdown_error reports
   *
   * A child that dies before its start function returns is still recorded under the pid its
   * start returned; its Exit, which the link brings, is then handled in order like any other.
   */

  private static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE);


  sealed interface Msg {}

  record StartChildReq(ChildSpec spec, ReplyTo<StartChild> replyTo) implements Msg {}

  record TerminateChildReq(Pid<?> pid, ReplyTo<Boolean> replyTo) implements Msg {}

  record WhichChildren(ReplyTo<List<Child>> replyTo) implements Msg {}

  record CountChildren(ReplyTo<Counts> replyTo) implements Msg {}

  /** The self-message of a failed restart: Elixir's {@code {:"$gen_restart", pid}}. */
  private record Retry(Pid<?> child, ExitReason lastFailure) {
    @Override
    public String toString() {
      return "{'$gen_restart', " + child + "}";
    }
  }

  private record Entry(ChildSpec spec, boolean restarting, int restarts, ExitReason lastExit) {
    Entry(ChildSpec spec) {
      this(spec, false, 0, null);
    }
  }

  /** What happens to a child that ended by itself (otp-semantics §5.5). */
  enum AfterExit {
    /** Removed, nothing reported. */
    DELETE,
    /** Removed, {@code child_terminated} reported. */
    DELETE_REPORTED,
    /** Restarted, {@code child_terminated} reported. */
    RESTART
  }

  /** The restart decision, Elixir's {@code maybe_restart_child/5}: a pure function. */
  static AfterExit afterExit(Restart restart, ExitReason reason) {
    if (restart == Restart.PERMANENT) {
      return AfterExit.RESTART;
    }
    if (!reason.isAbnormal()) {
      return AfterExit.DELETE; // normal, shutdown, {shutdown, _}
    }
    return restart == Restart.TRANSIENT ? AfterExit.RESTART : AfterExit.DELETE_REPORTED;
  }

  /** A child as supervisor reports show it: OTP's offender. */
  private record Offender(Object pid, ChildSpec spec) {
    @Override
    public String toString() {
      return "[pid: " + pid + ", id: " + spec.id() + ", restart_type: "
          + spec.restart().name().toLowerCase(java.util.Locale.ROOT) + ", shutdown: " + spec.shutdown()
          + ", child_type: " + spec.type().name().toLowerCase(java.util.Locale.ROOT) + "]";
    }
  }

  /** {@code {restarting, Pid}} in a report. */
  private record Restarting(Pid<?> pid) {
    @Override
    public String toString() {
      return "{restarting, " + pid + "}";
    }
  }

  /**
   * The supervisor's callbacks. Its state is mutable and confined to its process (the children
   * table), so every result returns the same object.
   */
  private static final class Sup
      implements GenServer<Map<Pid<?>, Entry>, Msg>, Introspection.Described<Map<Pid<?>, Entry>> {
    private final DynamicSupervisor.Options options;
    private final RestartIntensity intensity;
    private ProcessContext<Object> self; // set in init; the supervisor's own context
    private long restarts; // restart attempts made: for Introspection

    Sup(DynamicSupervisor.Options options, LongSupplier clockSeconds) {
      this.options = options;
      this.intensity = new RestartIntensity(options.maxRestarts(), options.maxSeconds(), clockSeconds);
    }

    @Override
    public Init<Map<Pid<?>, Entry>> init(ProcessContext<Object> self) {
      this.self = self;
      self.trapExit(true);
      return Init.ok(new LinkedHashMap<>());
    }

    /** The supervisor in reports: its name, or its pid. */
    private Object name() {
      return options.name().<Object>map(n -> n).orElse(self.self());
    }

    @Override
    public Result<Map<Pid<?>, Entry>> handleCall(Msg msg, Map<Pid<?>, Entry> children) {
      return switch (msg) {
        case StartChildReq req -> {
          if (options.maxChildren().isPresent()
              && children.size() >= options.maxChildren().getAsInt()) {
            yield Result.reply(req.replyTo(), new StartChild.MaxChildren(), children);
          }
          StartChild outcome = start(req.spec());
          if (outcome instanceof StartChild.Ok ok) {
            children.put(ok.pid(), new Entry(req.spec()));
          }
          yield Result.reply(req.replyTo(), outcome, children);
        }
        case TerminateChildReq req -> {
          Entry entry = children.remove(req.pid());
          if (entry != null && !entry.restarting()) {
            Map<Pid<?>, Entry> one = new HashMap<>();
            one.put(req.pid(), entry);
            shutdown(one);
          }
          yield Result.reply(req.replyTo(), entry != null, children);
        }
        case WhichChildren req -> {
          List<Child> list = new ArrayList<>(children.size());
          children.forEach(
              (pid, e) ->
                  list.add(
                      new Child(
                          e.restarting() ? Optional.empty() : Optional.of(pid),
                          e.spec().type(),
                          e.spec().restart())));
          yield Result.reply(req.replyTo(), List.copyOf(list), children);
        }
        case CountChildren req -> {
          int active = 0;
          int supervisors = 0;
          for (Entry e : children.values()) {
            active += e.restarting() ? 0 : 1;
            supervisors += e.spec().type() == ChildSpec.Type.SUPERVISOR ? 1 : 0;
          }
          Counts counts =
              new Counts(children.size(), active, supervisors, children.size() - supervisors);
          yield Result.reply(req.replyTo(), counts, children);
        }
      };
    }

    @Override
    public Result<Map<Pid<?>, Entry>> handleInfo(Object message, Map<Pid<?>, Entry> children) {
      switch (message) {
        case Exit exit -> {
          Entry entry = children.get(exit.from());
          if (entry == null || entry.restarting()) {
            return Result.noreply(children); // not a child (the parent's Exit goes to terminate)
          }
          ChildSpec spec = entry.spec();
          return switch (afterExit(spec.restart(), exit.reason())) {
            case DELETE -> {
              children.remove(exit.from());
              yield Result.noreply(children);
            }
            case DELETE_REPORTED -> {
              ChildShutdown.report(name(), "child_terminated", exit.reason(), new Offender(exit.from(), spec));
              children.remove(exit.from());
              yield Result.noreply(children);
            }
            case RESTART -> {
              ChildShutdown.report(name(), "child_terminated", exit.reason(), new Offender(exit.from(), spec));
              yield restart(exit.from(), spec, exit.reason(), children);
            }
          };
        }
        case Retry retry -> {
          Entry entry = children.get(retry.child());
          if (entry == null || !entry.restarting()) {
            return Result.noreply(children); // terminated meanwhile
          }
          return restart(retry.child(), entry.spec(), retry.lastFailure(), children);
        }
        default -> {
          ChildShutdown.REPORTS.error("DynamicSupervisor {} received an unexpected message: {}", name(), message);
          return Result.noreply(children);
        }
      }
    }

    @Override
    public Introspection.ProcessLabel.Kind kind() {
      return Introspection.ProcessLabel.Kind.DYNAMIC_SUPERVISOR;
    }

    @Override
    public Class<?> implementation() {
      return DynamicSupervisor.class;
    }

    @Override
    public Object describe(Map<Pid<?>, Entry> children, Introspection.Query query) {
      List<Introspection.ChildReport> out = new ArrayList<>();
      for (Map.Entry<Pid<?>, Entry> c : children.entrySet()) {
        if (out.size() == query.limit()) {
          break;
        }
        Entry e = c.getValue();
        out.add(new Introspection.ChildReport(e.spec().id(),
            e.restarting() ? Optional.empty() : Optional.of(c.getKey()), e.spec().type(),
            e.spec().restart(), e.restarts(), Optional.ofNullable(e.lastExit())));
      }
      return new Introspection.SupervisorReport(Introspection.ProcessLabel.Kind.DYNAMIC_SUPERVISOR,
          Supervisor.Strategy.ONE_FOR_ONE, options.maxRestarts(), options.maxSeconds(), restarts,
          children.size(), out);
    }

    /** Restarts the child that was {@code old} (§5.6, §5.7). */
    private Result<Map<Pid<?>, Entry>> restart(
        Pid<?> old, ChildSpec spec, ExitReason why, Map<Pid<?>, Entry> children) {
      Entry before = children.get(old);
      int count = before == null ? 1 : before.restarts() + 1;
      restarts++;
      if (!intensity.allowRestart()) {
        ChildShutdown.report(name(), "shutdown", "reached_max_restart_intensity", new Offender(old, spec));
        SupervisorEvents.intensityExceeded(
            name(), old, options.maxRestarts(), Math.max(1, options.maxSeconds().toSeconds()));
        self.node().journal.intensityExceeded(self.self(), spec.id(), old);
        children.remove(old);
        return Result.stop(ExitReason.SHUTDOWN, children);
      }
      StartChild outcome = start(spec);
      switch (outcome) {
        case StartChild.Ok ok -> {
          SupervisorEvents.restarted(name(), old, why, ok.pid());
          self.node().journal.restarted(self.self(), spec.id(), old, why, ok.pid());
          children.remove(old);
          children.put(ok.pid(), new Entry(spec, false, count, why));
        }
        case StartChild.Ignore ignore -> {
          SupervisorEvents.restarted(name(), old, why, "ignore");
          self.node().journal.restarted(self.self(), spec.id(), old, why, null);
          children.remove(old);
        }
        case StartChild.Error error -> {
          SupervisorEvents.restarted(name(), old, why, "{error, " + error.reason() + "}");
          ChildShutdown.report(name(), "start_error", error.reason(), new Offender(new Restarting(old), spec));
          self.node().journal.restarted(self.self(), spec.id(), old, why, null);
          children.put(old, new Entry(spec, true, count, why));
          self.send(self.self(), new Retry(old, error.reason()));
        }
        case StartChild.MaxChildren max -> throw new AssertionError("a start cannot return " + max);
      }
      return Result.noreply(children);
    }

    /** Runs a child's start function, on this process: Elixir's {@code start_child/3}. */
    private StartChild start(ChildSpec spec) {
      GenServer.Start<?> started;
      try {
        started = spec.start().start(self);
      } catch (ProcessExitedException dead) {
        throw dead; // the supervisor itself was killed meanwhile
      } catch (ExitException e) {
        return new StartChild.Error(e.reason());
      } catch (Throwable t) {
        return new StartChild.Error(new ExitReason.Crashed(t));
      }
      return switch (started) {
        case null -> new StartChild.Error(ExitReason.of(new GenServer.BadReturnValue("ChildStart.start")));
        case GenServer.Start.Ok<?> ok ->
            pidOf(ok.server())
                .<StartChild>map(StartChild.Ok::new)
                .orElseGet(() -> new StartChild.Error(ExitReason.NOPROC));
        case GenServer.Start.Ignore<?> i -> new StartChild.Ignore();
        case GenServer.Start.AlreadyStarted<?> a -> new StartChild.Error(ExitReason.of(a));
        case GenServer.Start.Error<?> e -> new StartChild.Error(e.reason());
      };
    }

    /**
     * The pid of a child just started: the one its start returned, even if the child has died
     * meanwhile (its Exit then comes through the link, in order, like any other); for a named
     * handle, whoever has the name now.
     */
    private static Optional<Pid<?>> pidOf(ServerRef<?> child) {
      Pid<?> pid = child.pidOrNull();
      return pid != null ? Optional.of(pid) : child.whereis();
    }

    @Override
    public void terminate(ExitReason reason, Map<Pid<?>, Entry> children) {
      shutdown(children);
      children.clear();
    }

    /** Stops the running children among {@code children} at once (§5.8, CC-150). */
    private void shutdown(Map<Pid<?>, Entry> children) {
      Map<Pid<?>, Shutdown> how = new HashMap<>();
      children.forEach(
          (pid, e) -> {
            if (!e.restarting()) {
              how.put(pid, e.spec().shutdown());
            }
          });
      ChildShutdown.all(self, how)
          .forEach(
              (pid, reason) -> {
                ChildSpec spec = children.get(pid).spec();
                if (!ChildShutdown.expected(reason, spec.shutdown(), spec.restart())) {
                  ChildShutdown.report(name(), "shutdown_error", reason, new Offender(pid, spec));
                }
              });
    }
  }
}
