package dev.banyan;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Application#start} is given: the application's name, spec, type and environment,
 * its node, and the context of its application master process, to which the top supervisor must
 * be linked.
 *
 * {@snippet :
 * public Started start(ApplicationContext app) {
 *   int port = app.fetchEnv("port", Integer.class);
 *   return app.startSupervisor(Supervisor.Flags.oneForOne(), List.of(
 *       ChildSpec.worker("listener", ChildStart.genServer(() -> new Listener(port)))));
 * }
 * }
 *
 * <h2>Thread safety</h2>
 * The environment methods and {@link #node()}, {@link #name()}, {@link #spec()}, {@link #type()}
 * are thread-safe (the object may be kept and read by the application's processes). {@link
 * #process()} and {@link #startSupervisor} are confined to the application master, that is, to
 * the thread running {@link Application#start}.
 *
 * @since 0.1
 */
public final class ApplicationContext {

  private final Applications controller;
  private final ApplicationSpec spec;
  private final Application.Type type;
  private final ProcessContext<Object> master;

  ApplicationContext(
      Applications controller, ApplicationSpec spec, Application.Type type, ProcessContext<Object> master) {
    this.controller = controller;
    this.spec = spec;
    this.type = type;
    this.master = master;
  }

  /** {@return the node the application runs on} */
  public Node node() {
    return master.node();
  }

  /**
   * {@return the application master's process}: link the top supervisor to it. It traps exits.
   * Confined to the thread running {@link Application#start}.
   */
  public ProcessContext<Object> process() {
    return master;
  }

  /** {@return the application's name} */
  public String name() {
    return spec.name();
  }

  /** {@return the application's spec} */
  public ApplicationSpec spec() {
    return spec;
  }

  /** {@return the type it is started with} */
  public Application.Type type() {
    return type;
  }

  /**
   * {@return the value of an environment key of this application}, or empty: {@link
   * Applications#getEnv(String, String)}.
   *
   * @param key the key
   */
  public Optional<Object> getEnv(String key) {
    return controller.getEnv(spec.name(), key);
  }

  /**
   * {@return the value of an environment key of this application, of the given type}: {@link
   * Applications#fetchEnv(String, String, Class)}.
   *
   * @param key the key
   * @param valueType the value's type
   * @param <T> the value's type
   * @throws java.util.NoSuchElementException naming the application and key, if the key has no
   *     value
   * @throws ClassCastException naming the application, key and types, if the value is of another
   *     type
   */
  public <T> T fetchEnv(String key, Class<T> valueType) {
    return controller.fetchEnv(spec.name(), key, valueType);
  }

  /** {@return a snapshot of this application's whole environment} */
  public Map<String, Object> env() {
    return controller.env(spec.name());
  }

  /**
   * Starts the top supervisor, linked to the master, and returns it as the start's result (no
   * state). If the supervisor fails to start, this throws an {@link ExitException} with its
   * reason, so the application's start fails with that reason: for a child that failed, {@code
   * {shutdown, {failed_to_start_child, Id, Reason}}} (CC-171).
   *
   * @param flags the supervisor's flags
   * @param children its children, in start order
   * @return the supervisor, as {@link Application#start} returns it
   * @throws ExitException with the supervisor's start error
   */
  public Application.Started startSupervisor(Supervisor.Flags flags, List<ChildSpec> children) {
    Objects.requireNonNull(flags, "flags");
    Objects.requireNonNull(children, "children");
    return started(Supervisor.startLink(master, flags, children));
  }

  /**
   * Starts a module-based top supervisor, linked to the master, with options (a name); see {@link
   * #startSupervisor(Supervisor.Flags, List)}.
   *
   * @param module describes the supervisor
   * @param options its name, if any
   * @return the supervisor, as {@link Application#start} returns it
   * @throws ExitException with the supervisor's start error, or {@code ignore} if its {@code init}
   *     ignored the start
   */
  public Application.Started startSupervisor(Supervisor.Module module, GenServer.Options options) {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(options, "options");
    return started(Supervisor.startLink(master, module, options));
  }

  private static Application.Started started(GenServer.Start<Supervisor.Call> start) {
    return switch (start) {
      case GenServer.Start.Ok<Supervisor.Call> ok ->
          Application.Started.of(ok.server().whereis().orElseThrow(() -> new ExitException(ExitReason.NOPROC)));
      case GenServer.Start.Error<Supervisor.Call> error -> throw new ExitException(error.reason());
      case GenServer.Start.Ignore<Supervisor.Call> ignore ->
          throw new ExitException(ExitReason.of("ignore"));
      case GenServer.Start.AlreadyStarted<Supervisor.Call> already ->
          throw new ExitException(
              ExitReason.of(
                  already.server().whereis()
                      .<Object>map(Supervisor.AlreadyStartedBy::new)
                      .orElse("already_started")));
    };
  }

  @Override
  public String toString() {
    return "ApplicationContext[" + spec.name() + ", " + type + "]";
  }
}
