package dev.banyan;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * A node's application controller: loads, starts and stops {@linkplain Application applications}
 * and holds their environments — Erlang's {@code application} module and {@code
 * application_controller}. Every node has one: {@link Node#applications()}.
 *
 * {@snippet :
 * Applications apps = node.applications();
 * apps.load(ApplicationSpec.library("util"));
 * apps.load(ApplicationSpec.of("kv", KvApp::new).withDependencies("util").withEnv("port", 4040));
 * List<String> started = apps.ensureAllStarted("kv", Application.Type.PERMANENT); // [util, kv]
 * apps.stop("kv");
 * }
 *
 * <h2>Lifecycle</h2>
 * An application is <em>loaded</em> ({@link #load}: its spec is known and its environment built),
 * then <em>started</em> ({@link #start}: every application it depends on must already run, else
 * {@link ApplicationException.NotStarted} naming the first missing one, CC-170), then
 * <em>stopped</em> ({@link #stop}: {@link Application#prepStop}, the whole tree shut down, {@link
 * Application#stop}, CC-172). {@link #ensureAllStarted} starts the dependencies first, in
 * dependency order, and returns the applications it started (CC-170). An application started
 * with a {@link Application.Type} reacts to its top supervisor's own exit as that type says
 * (CC-173); an explicit stop never affects other applications. Stopping the node ({@link
 * Node#stop()}) first stops every running application in reverse start order.
 *
 * <h2>Environment</h2>
 * Each loaded application has an environment: key to value. When the application is loaded it is
 * built from, by increasing precedence:
 *
 * <ol>
 *   <li>the spec's defaults ({@link ApplicationSpec#withEnv});
 *   <li>the environment variable {@code BANYAN_<APP>_<KEY>}: the application name and the key
 *       upper-cased, every character that is not a letter or digit replaced by {@code _} (key
 *       {@code http.port} of {@code kv_server}: {@code BANYAN_KV_SERVER_HTTP_PORT});
 *   <li>the system property {@code banyan.<app>.<key>}, as written ({@code
 *       -Dbanyan.kv_server.http.port=8080}).
 * </ol>
 *
 * Only keys that have a default can be overridden this way (an environment variable's name cannot
 * be mapped back to a key), and the string is converted to the default's type: {@code String},
 * {@code Integer}, {@code Long}, {@code Double}, {@code Boolean} ({@code true}/{@code false}),
 * {@link java.time.Duration} (ISO-8601, {@code PT5S}) or an enum (its constant's name, any case).
 * A string that does not convert fails the load with an {@link IllegalArgumentException} naming
 * the application, key, variable or property, and value. After loading, {@link #putEnv} and the
 * map given to {@link #start(String, Application.Type, Map)} override any of these; the
 * environment lives as long as the application is loaded.
 *
 * <h2>Running a node from {@code main}</h2>
 * {@link #runMain(String, ApplicationSpec...)} starts a node and an application with its
 * dependencies (all {@link Application.Type#PERMANENT}, as in an Erlang release), blocks until
 * the application or the node stops, and stops everything in reverse order on SIGTERM or Ctrl-C
 * (a shutdown hook).
 *
 * <h2>Reports</h2>
 * Logger {@code dev.banyan.Applications}: the notice {@code application_controller exit} (level
 * INFO with marker {@code NOTICE}, as SLF4J has no notice level) with key-values {@code
 * application}, {@code exited} and {@code type}, whenever a started application stops (exited
 * {@code stopped}) or terminates by itself (its top supervisor's reason); and, when that
 * termination stops the node, an error {@code {application_terminated, App, Reason}}.
 *
 * <h2>Thread safety</h2>
 * Thread-safe: every method may be called from any thread, also from threads that are not
 * processes. {@link #start} and {@link #stop} block until the module's callbacks have run. Do not
 * start or stop applications, or stop the node, from inside an application's own callbacks (as
 * in OTP, the controller would wait for the very process that waits for it).
 *
 * <h2>Memory consistency effects</h2>
 * A {@link #putEnv} happens-before any {@link #getEnv} that returns its value. Everything a
 * module's {@code start} did happens-before {@link #start} returns.
 *
 * @since 0.1
 */
public final class Applications {

  private static final Logger LOG = LoggerFactory.getLogger(Applications.class);
  private static final Marker NOTICE = MarkerFactory.getMarker("NOTICE");

  /**
   * One running application, as {@link #which()} lists it: Erlang's {@code which_applications/0}
   * entry, plus the type and the top supervisor.
   *
   * @param name the application
   * @param description its description
   * @param version its version
   * @param type the type it was started with
   * @param topSupervisor its top supervisor; empty for a library application
   * @since 0.1
   */
  public record RunningApplication(
      String name,
      String description,
      String version,
      Application.Type type,
      Optional<Pid<?>> topSupervisor) {}

  /**
   * The termination that stopped the node: Erlang's {@code {application_terminated, App,
   * Reason}}.
   *
   * @param application the application whose top supervisor exited
   * @param reason the top supervisor's exit reason
   * @since 0.1
   */
  public record Terminated(String application, ExitReason reason) {
    @Override
    public String toString() {
      return "{application_terminated, " + application + ", " + reason + "}";
    }
  }

  /** Where an application is in its lifecycle. */
  private enum Status {
    LOADED,
    STARTING,
    RUNNING,
    STOPPING
  }

  /** A loaded application. Fields other than {@code env} are guarded by {@code lock}. */
  private static final class Entry {
    final ApplicationSpec spec;
    final Map<String, Object> env; // concurrent: read without the lock
    Status status = Status.LOADED;
    Application.Type type = Application.Type.TEMPORARY;
    ApplicationMaster master; // null while not running, and for a library application
    Pid<?> top;

    Entry(ApplicationSpec spec, Map<String, Object> env) {
      this.spec = spec;
      this.env = new ConcurrentHashMap<>(env);
    }
  }

  /*
   * Implementation overview. State changes happen under `lock`, never while a module callback
   * runs: start marks the entry STARTING, releases the lock, runs the master (which marks it
   * RUNNING itself, under the lock, before its loop can see the top supervisor exit), and stop
   * marks it STOPPING the same way. `stopAll` (node stop, shutdown hook) holds `stopAllLock`
   * for the whole reverse-order pass, so that two such passes do not interleave. `changed` is
   * signalled on every state change and when the node stops, for awaitStop.
   */
  private final Node node;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ReentrantLock stopAllLock = new ReentrantLock();
  private final Map<String, Entry> loaded = new LinkedHashMap<>(); // guarded by lock
  private final List<String> startOrder = new ArrayList<>(); // guarded by lock: running apps
  private Terminated terminated; // guarded by lock
  private boolean nodeStopped; // guarded by lock
  // Where environment overrides come from; tests replace them.
  private volatile Function<String, String> variables = System::getenv;
  private volatile Function<String, String> properties = System::getProperty;

  Applications(Node node) {
    this.node = node;
  }

  Node node() {
    return node;
  }

  // ------------------------------------------------------------------------------------------
  // Loading

  /**
   * Loads an application: makes its spec known and builds its environment (see the class
   * documentation for the overrides). Loading the same spec again does nothing.
   *
   * @param spec the spec
   * @throws ApplicationException {@link ApplicationException.AlreadyLoaded} if a different spec
   *     of the same name is loaded
   * @throws IllegalArgumentException if an override does not convert to its default's type
   */
  public void load(ApplicationSpec spec) {
    Objects.requireNonNull(spec, "spec");
    Map<String, Object> env = ApplicationEnv.resolve(spec, variables, properties);
    lock.lock();
    try {
      Entry existing = loaded.get(spec.name());
      if (existing != null) {
        if (existing.spec.equals(spec)) {
          return;
        }
        throw new ApplicationException(
            "application " + spec.name() + " is already loaded with a different spec: " + existing.spec,
            new ApplicationException.AlreadyLoaded(spec.name()));
      }
      loaded.put(spec.name(), new Entry(spec, env));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Unloads an application that is not running; its environment is dropped.
   *
   * @param app the application
   * @throws ApplicationException {@link ApplicationException.NotLoaded} or {@link
   *     ApplicationException.Running}
   */
  public void unload(String app) {
    lock.lock();
    try {
      Entry e = entry(app);
      if (e.status != Status.LOADED) {
        throw new ApplicationException(
            "application " + app + " is running; stop it before unloading it", new ApplicationException.Running(app));
      }
      loaded.remove(app);
    } finally {
      lock.unlock();
    }
  }

  /** {@return the specs of the loaded applications}, in load order: {@code loaded_applications/0} */
  public List<ApplicationSpec> loaded() {
    lock.lock();
    try {
      return loaded.values().stream().map(e -> e.spec).toList();
    } finally {
      lock.unlock();
    }
  }

  /**
   * {@return the spec of a loaded application}, or empty
   *
   * @param app the application
   */
  public Optional<ApplicationSpec> spec(String app) {
    Objects.requireNonNull(app, "app");
    lock.lock();
    try {
      return Optional.ofNullable(loaded.get(app)).map(e -> e.spec);
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Starting

  /**
   * Starts a loaded application as {@link Application.Type#TEMPORARY}: {@code
   * application:start/1}.
   *
   * @param app the application
   * @throws ApplicationException see {@link #start(String, Application.Type, Map)}
   */
  public void start(String app) {
    start(app, Application.Type.TEMPORARY, Map.of());
  }

  /**
   * Starts a loaded application: {@code application:start/2}.
   *
   * @param app the application
   * @param type what its termination does to the node
   * @throws ApplicationException see {@link #start(String, Application.Type, Map)}
   */
  public void start(String app, Application.Type type) {
    start(app, type, Map.of());
  }

  /**
   * Starts a loaded application, first putting {@code env} into its environment (overriding the
   * defaults and the system property and environment variable overrides). The module's {@link
   * Application#start} runs in a new application master process; this returns once it has
   * returned. If another thread is starting the application, this waits for that start's
   * outcome first.
   *
   * @param app the application
   * @param type what its termination does to the node
   * @param env environment values to put first, key to value
   * @throws ApplicationException {@link ApplicationException.NotLoaded} if it is not loaded;
   *     {@link ApplicationException.AlreadyStarted} if it runs; {@link
   *     ApplicationException.NotStarted} naming the first dependency (in the spec's order) that
   *     does not run (CC-170); {@link ApplicationException.StartFailed} if the module's start
   *     threw, with the {@link ExitException}'s reason or {@link ExitReason.Crashed} (CC-171)
   */
  public void start(String app, Application.Type type, Map<String, ?> env) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(env, "env");
    env.keySet().forEach(ApplicationSpec::checkKey);
    Entry e;
    lock.lock();
    try {
      e = entry(app);
      while (e.status == Status.STARTING) {
        changed.awaitUninterruptibly(); // another caller's start: its outcome decides
      }
      if (e.status != Status.LOADED) {
        throw new ApplicationException(
            "application " + app + " is already started", new ApplicationException.AlreadyStarted(app));
      }
      for (String dep : e.spec.applications()) {
        Entry d = loaded.get(dep);
        if (d == null || d.status != Status.RUNNING) {
          throw new ApplicationException(
              "cannot start application " + app + ": it depends on " + dep + ", which is not started",
              new ApplicationException.NotStarted(dep));
        }
      }
      env.forEach((k, v) -> e.env.put(k, Objects.requireNonNull(v, () -> "env value of " + k)));
      e.status = Status.STARTING;
      e.type = type;
      if (e.spec.isLibrary()) {
        markRunning(e, null, null);
        return;
      }
    } finally {
      lock.unlock();
    }
    try {
      ApplicationMaster.start(this, e.spec, type); // marks it running via running(...)
    } catch (RuntimeException | Error failure) {
      lock.lock();
      try {
        if (e.status == Status.STARTING) {
          e.status = Status.LOADED;
          changed.signalAll();
        }
      } finally {
        lock.unlock();
      }
      throw failure;
    }
  }

  /**
   * Starts an application unless it is already running: {@code application:ensure_started/1}.
   *
   * @param app the application
   * @return whether this call started it
   * @throws ApplicationException as {@link #start(String)}, except {@code AlreadyStarted}
   */
  public boolean ensureStarted(String app) {
    return ensureStarted(app, Application.Type.TEMPORARY);
  }

  /**
   * Starts an application unless it is already running: {@code application:ensure_started/2}.
   *
   * @param app the application
   * @param type what its termination does to the node
   * @return whether this call started it
   * @throws ApplicationException as {@link #start(String, Application.Type)}, except {@code
   *     AlreadyStarted}
   */
  public boolean ensureStarted(String app, Application.Type type) {
    try {
      start(app, type);
      return true;
    } catch (ApplicationException e) {
      if (e.reason() instanceof ApplicationException.AlreadyStarted(String which) && which.equals(app)) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Starts an application and, first, every application it depends on, directly or not, as
   * {@link Application.Type#TEMPORARY}: {@code application:ensure_all_started/1}.
   *
   * @param app the application
   * @return the applications this call started, in start order
   * @throws ApplicationException see {@link #ensureAllStarted(String, Application.Type)}
   */
  public List<String> ensureAllStarted(String app) {
    return ensureAllStarted(app, Application.Type.TEMPORARY);
  }

  /**
   * Starts an application and, first, every application it depends on, directly or not, each
   * with {@code type}: {@code application:ensure_all_started/2}. Dependencies start in
   * dependency order (a depth-first walk of the specs' dependency lists, in their order);
   * applications already running are skipped and not listed (CC-170). If one fails to start,
   * those this call started are stopped again, in reverse order, and the failure is thrown.
   *
   * @param app the application
   * @param type what the termination of each started application does to the node
   * @return the applications this call started, in start order
   * @throws ApplicationException {@link ApplicationException.NotLoaded} naming an application
   *     that is not loaded (and, in the message, which application needs it); {@link
   *     ApplicationException.DependencyCycle} naming the cycle; or a start's failure
   */
  public List<String> ensureAllStarted(String app, Application.Type type) {
    Objects.requireNonNull(type, "type");
    List<String> order = new ArrayList<>();
    lock.lock();
    try {
      entry(app);
      dependencyOrder(app, new ArrayList<>(), new LinkedHashSet<>(), order);
    } finally {
      lock.unlock();
    }
    List<String> started = new ArrayList<>();
    try {
      for (String a : order) {
        if (ensureStarted(a, type)) {
          started.add(a);
        }
      }
    } catch (RuntimeException | Error failure) {
      for (String a : started.reversed()) {
        try {
          stop(a);
        } catch (RuntimeException ignored) {
          // stopped meanwhile by someone else
        }
      }
      throw failure;
    }
    return List.copyOf(started);
  }

  /** Depth-first: the dependencies of {@code app}, then {@code app}. Caller holds the lock. */
  private void dependencyOrder(String app, List<String> path, LinkedHashSet<String> done, List<String> order) {
    if (done.contains(app)) {
      return;
    }
    int at = path.indexOf(app);
    if (at >= 0) {
      List<String> cycle = new ArrayList<>(path.subList(at, path.size()));
      cycle.add(app);
      throw new ApplicationException(
          "applications depend on each other in a cycle: " + String.join(" -> ", cycle),
          new ApplicationException.DependencyCycle(cycle));
    }
    Entry e = loaded.get(app);
    if (e == null) {
      throw new ApplicationException(
          "application " + app + " is not loaded; " + String.join(" -> ", path) + " depends on it",
          new ApplicationException.NotLoaded(app));
    }
    path.add(app);
    for (String dep : e.spec.applications()) {
      dependencyOrder(dep, path, done, order);
    }
    path.removeLast();
    done.add(app);
    order.add(app);
  }

  // ------------------------------------------------------------------------------------------
  // Stopping

  /**
   * Stops a running application: {@code application:stop/1}. Calls {@link Application#prepStop}
   * while the tree runs, shuts the top supervisor down (the whole tree, as long as it takes), then
   * calls {@link Application#stop} with prepStop's result (CC-172), and reports {@code exited
   * stopped}. Whatever its type, other applications are not affected, not even those that depend
   * on it. The application stays loaded with its environment.
   *
   * @param app the application
   * @throws ApplicationException {@link ApplicationException.NotLoaded}, or {@link
   *     ApplicationException.NotStarted} naming {@code app} if it does not run
   */
  public void stop(String app) {
    Entry e;
    ApplicationMaster master;
    lock.lock();
    try {
      e = entry(app);
      if (e.status != Status.RUNNING) {
        throw new ApplicationException(
            "application " + app + " is not started", new ApplicationException.NotStarted(app));
      }
      e.status = Status.STOPPING;
      master = e.master;
    } finally {
      lock.unlock();
    }
    try {
      if (master != null) {
        master.stop();
      }
      report(app, "stopped", e.type); // before the state changes: who sees it stopped sees the report
    } finally {
      lock.lock();
      try {
        markStopped(e);
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Stops every running application, in reverse start order, then returns. Called by {@link
   * Node#stop()} before it kills the processes. A second concurrent call waits for the first.
   */
  void stopAll() {
    if (ProcessRecord.current() != null) {
      // A process of this node may be stopped with its application while it waits here; the
      // waiting is done by a thread that is not a process.
      Thread helper = Thread.ofVirtual().name("banyan-stop-applications").start(this::stopAllInOrder);
      boolean interrupted = false;
      while (helper.isAlive()) {
        try {
          helper.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    stopAllInOrder();
  }

  private void stopAllInOrder() {
    stopAllLock.lock();
    try {
      List<String> order;
      lock.lock();
      try {
        order = new ArrayList<>(startOrder).reversed();
      } finally {
        lock.unlock();
      }
      for (String app : order) {
        try {
          stop(app);
        } catch (ApplicationException e) {
          // it stopped by itself meanwhile
        } catch (RuntimeException e) {
          LOG.error("stopping application {} failed: {}", app, e.toString(), e);
        }
      }
    } finally {
      stopAllLock.unlock();
    }
  }

  /** Called by {@link Node#stop()} once the node is stopped: wakes {@link #awaitStop}. */
  void nodeStopped() {
    lock.lock();
    try {
      nodeStopped = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Blocks until the application is not running (it was stopped or terminated) or the node has
   * stopped.
   *
   * @param app the application
   * @throws InterruptedException if the calling thread is interrupted
   */
  public void awaitStop(String app) throws InterruptedException {
    Objects.requireNonNull(app, "app");
    lock.lock();
    try {
      while (!nodeStopped) {
        Entry e = loaded.get(app);
        if (e == null || e.status == Status.LOADED) {
          return;
        }
        changed.await();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until the application runs, for at most {@code timeout}: for a test or a tool that
   * starts {@link #runMain} in another thread.
   *
   * @param app the application
   * @param timeout how long to wait at most
   * @return whether it runs; false if the timeout passed or the node stopped first
   * @throws InterruptedException if the calling thread is interrupted
   */
  public boolean awaitRunning(String app, java.time.Duration timeout) throws InterruptedException {
    Objects.requireNonNull(app, "app");
    long left = timeout.toNanos();
    lock.lock();
    try {
      while (true) {
        Entry e = loaded.get(app);
        if (e != null && e.status == Status.RUNNING) {
          return true;
        }
        if (nodeStopped || left <= 0) {
          return false;
        }
        left = changed.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Introspection

  /**
   * {@return the running applications, in start order}: Erlang's {@code which_applications/0}
   * (which lists the newest first).
   */
  public List<RunningApplication> which() {
    lock.lock();
    try {
      List<RunningApplication> out = new ArrayList<>();
      for (String app : startOrder) {
        Entry e = loaded.get(app);
        out.add(
            new RunningApplication(
                app, e.spec.description(), e.spec.version(), e.type, Optional.ofNullable(e.top)));
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  /**
   * {@return whether the application runs}
   *
   * @param app the application
   */
  public boolean isRunning(String app) {
    Objects.requireNonNull(app, "app");
    lock.lock();
    try {
      Entry e = loaded.get(app);
      return e != null && e.status == Status.RUNNING;
    } finally {
      lock.unlock();
    }
  }

  /**
   * {@return the application termination that stopped the node}, if one did (CC-173): Erlang's
   * {@code {application_terminated, App, Reason}}
   */
  public Optional<Terminated> terminated() {
    lock.lock();
    try {
      return Optional.ofNullable(terminated);
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Environment

  /**
   * {@return the value of an environment key}, or empty if the key has none or the application
   * is not loaded: {@code application:get_env/2}.
   *
   * @param app the application
   * @param key the key
   */
  public Optional<Object> getEnv(String app, String key) {
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(key, "key");
    Entry e = entryOrNull(app);
    return e == null ? Optional.empty() : Optional.ofNullable(e.env.get(key));
  }

  /**
   * {@return the value of an environment key, of the given type}: Elixir's {@code
   * Application.fetch_env!/2}.
   *
   * @param app the application
   * @param key the key
   * @param type the value's type
   * @param <T> the value's type
   * @throws NoSuchElementException naming the application and key, if the key has no value or
   *     the application is not loaded
   * @throws ClassCastException naming the application, key and both types, if the value is of
   *     another type
   */
  public <T> T fetchEnv(String app, String key, Class<T> type) {
    Objects.requireNonNull(type, "type");
    Object v =
        getEnv(app, key)
            .orElseThrow(
                () ->
                    new NoSuchElementException(
                        "application "
                            + app
                            + (entryOrNull(app) == null ? " is not loaded, so it has" : " has")
                            + " no env key "
                            + key));
    if (!type.isInstance(v)) {
      throw new ClassCastException(
          "env key " + key + " of application " + app + " is a " + v.getClass().getName() + " (" + v
              + "), not a " + type.getName());
    }
    return type.cast(v);
  }

  /**
   * Sets an environment key: {@code application:put_env/3}. The value lasts while the
   * application is loaded (a restart does not reset it).
   *
   * @param app a loaded application
   * @param key the key
   * @param value the value
   * @throws ApplicationException {@link ApplicationException.NotLoaded}
   */
  public void putEnv(String app, String key, Object value) {
    ApplicationSpec.checkKey(key);
    Objects.requireNonNull(value, "value");
    Entry e = entryOrNull(app);
    if (e == null) {
      throw notLoaded(app);
    }
    e.env.put(key, value);
  }

  /**
   * Removes an environment key: {@code application:unset_env/2}.
   *
   * @param app a loaded application
   * @param key the key
   * @return whether the key had a value
   * @throws ApplicationException {@link ApplicationException.NotLoaded}
   */
  public boolean unsetEnv(String app, String key) {
    Objects.requireNonNull(key, "key");
    Entry e = entryOrNull(app);
    if (e == null) {
      throw notLoaded(app);
    }
    return e.env.remove(key) != null;
  }

  /**
   * {@return a snapshot of an application's environment}: {@code application:get_all_env/1};
   * empty if the application is not loaded
   *
   * @param app the application
   */
  public Map<String, Object> env(String app) {
    Entry e = entryOrNull(app);
    return e == null ? Map.of() : Collections.unmodifiableMap(new HashMap<>(e.env));
  }

  /** For tests: where environment-variable and system-property overrides are read from. */
  void overrideSources(Function<String, String> newVariables, Function<String, String> newProperties) {
    this.variables = Objects.requireNonNull(newVariables, "newVariables");
    this.properties = Objects.requireNonNull(newProperties, "newProperties");
  }

  // ------------------------------------------------------------------------------------------
  // main

  /**
   * Runs an application on a new node until it stops, for a {@code main} method: starts a node,
   * then does what {@link #runMain(Node, String, List, Map)} does, and returns an exit status.
   *
   * {@snippet :
   * public static void main(String[] args) {
   *   System.exit(Applications.runMain("kv_server", KvServer.SPEC, Store.SPEC));
   * }
   * }
   *
   * @param app the application to run
   * @param specs the specs of it and its dependencies
   * @return 0 if it was stopped (SIGTERM, Ctrl-C, an explicit stop); 1 if it failed to start or
   *     an application's termination stopped the node
   */
  public static int runMain(String app, ApplicationSpec... specs) {
    return runMain(Node.start(), app, List.of(specs), Map.of());
  }

  /**
   * Runs an application on a node until it stops. Loads the specs, puts {@code config} into the
   * environments (application to key to value, Erlang's {@code sys.config}), starts {@code app}
   * with {@link #ensureAllStarted(String, Application.Type)} as {@link
   * Application.Type#PERMANENT}, and blocks until the application is no longer running or the node
   * has stopped. A JVM shutdown hook (SIGTERM, SIGINT/Ctrl-C, {@code System.exit}) stops the node
   * meanwhile, which stops every application in reverse start order. When it returns, the node is
   * stopped and the hook removed.
   *
   * @param node the node to run on; stopped when this returns
   * @param app the application to run
   * @param specs the specs of it and its dependencies
   * @param config environment values, application to key to value
   * @return 0 if it was stopped (shutdown hook, explicit stop of the application or of the node);
   *     1 if it failed to start (the error is logged) or an application's termination stopped the
   *     node ({@link #terminated()})
   */
  public static int runMain(
      Node node, String app, List<ApplicationSpec> specs, Map<String, ? extends Map<String, ?>> config) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(specs, "specs");
    Objects.requireNonNull(config, "config");
    Applications apps = node.applications();
    Thread hook =
        Thread.ofPlatform()
            .name("banyan-shutdown-" + node.name())
            .unstarted(
                () -> {
                  LOG.info("JVM shutdown: stopping {} and its applications", node);
                  node.stop();
                });
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      specs.forEach(apps::load);
      config.forEach((a, kv) -> kv.forEach((k, v) -> apps.putEnv(a, k, v)));
      apps.ensureAllStarted(app, Application.Type.PERMANENT);
      LOG.info("application {} running on {}", app, node.name());
      apps.awaitStop(app);
      return apps.terminated().isPresent() ? 1 : 0;
    } catch (RuntimeException e) {
      LOG.error("application {} could not be started: {}", app, e.getMessage(), e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } finally {
      node.stop();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs (or ran): the JVM is exiting anyway
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Called by the application master

  /** The master's start succeeded: the application runs. */
  void running(String app, ApplicationMaster master, Pid<?> top) {
    lock.lock();
    try {
      markRunning(loaded.get(app), master, top);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The top supervisor exited by itself and the master has run prepStop and stop: report, and
   * apply the type (CC-173). If an explicit stop is under way, that stop reports instead.
   */
  void terminated(String app, ApplicationMaster master, ExitReason reason) {
    Application.Type type;
    lock.lock();
    try {
      Entry e = loaded.get(app);
      if (e == null || e.master != master || e.status != Status.RUNNING) {
        return;
      }
      type = e.type;
    } finally {
      lock.unlock();
    }
    report(app, reason, type); // before the state changes: who sees it stopped sees the report
    boolean stopNode =
        switch (type) {
          case PERMANENT -> true;
          case TRANSIENT -> !(reason instanceof ExitReason.Normal);
          case TEMPORARY -> false;
        };
    Terminated t = new Terminated(app, reason);
    if (stopNode) {
      LOG.atError()
          .addKeyValue("application", app)
          .addKeyValue("exited", reason)
          .addKeyValue("type", typeName(type))
          .log("{}: {} application {} terminated, stopping {}", t, typeName(type), app, node);
    }
    lock.lock();
    try {
      Entry e = loaded.get(app);
      if (e == null || e.master != master || e.status != Status.RUNNING) {
        return; // an explicit stop came in between, and reports itself
      }
      if (stopNode && terminated == null) {
        terminated = t;
      }
      markStopped(e);
    } finally {
      lock.unlock();
    }
    if (stopNode) {
      // Not from this process: stopping the node kills it.
      Thread.ofPlatform().name("banyan-application-terminated").start(node::stop);
    }
  }

  // ------------------------------------------------------------------------------------------

  private void markRunning(Entry e, ApplicationMaster master, Pid<?> top) {
    assert lock.isHeldByCurrentThread();
    e.status = Status.RUNNING;
    e.master = master;
    e.top = top;
    startOrder.add(e.spec.name());
    changed.signalAll();
  }

  private void markStopped(Entry e) {
    assert lock.isHeldByCurrentThread();
    e.status = Status.LOADED;
    e.master = null;
    e.top = null;
    startOrder.remove(e.spec.name());
    changed.signalAll();
  }

  private static void report(String app, Object exited, Application.Type type) {
    LOG.atInfo()
        .addMarker(NOTICE)
        .addKeyValue("application", app)
        .addKeyValue("exited", exited)
        .addKeyValue("type", typeName(type))
        .log("application_controller exit: application: {}, exited: {}, type: {}", app, exited, typeName(type));
  }

  private static String typeName(Application.Type type) {
    return type.name().toLowerCase(Locale.ROOT);
  }

  /** {@return the loaded entry} or throws NotLoaded. Caller holds the lock. */
  private Entry entry(String app) {
    Objects.requireNonNull(app, "app");
    Entry e = loaded.get(app);
    if (e == null) {
      throw notLoaded(app);
    }
    return e;
  }

  private Entry entryOrNull(String app) {
    Objects.requireNonNull(app, "app");
    lock.lock();
    try {
      return loaded.get(app);
    } finally {
      lock.unlock();
    }
  }

  private static ApplicationException notLoaded(String app) {
    return new ApplicationException(
        "application " + app + " is not loaded", new ApplicationException.NotLoaded(app));
  }

  @Override
  public String toString() {
    return "Applications of " + node;
  }
}
