package dev.banyan.examples.kv;

import dev.banyan.Application;
import dev.banyan.ApplicationContext;
import dev.banyan.ApplicationSpec;
import dev.banyan.ChildSpec;
import dev.banyan.ChildStart;
import dev.banyan.Exit;
import dev.banyan.ExitException;
import dev.banyan.ExitReason;
import dev.banyan.GenServer;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import dev.banyan.ServerRef;
import dev.banyan.Supervisor;
import dev.banyan.TaskSupervisor;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP server of the store: the guide's {@code kv_server} application. It accepts
 * connections and serves each in its own task, speaking the guide's line protocol.
 *
 * <p>As an application ({@link #APPLICATION}, which needs {@link Kv#APPLICATION}):
 *
 * {@snippet :
 * Applications apps = node.applications();
 * apps.load(Kv.APPLICATION);
 * apps.load(KvServer.APPLICATION);
 * apps.putEnv("kv_server", "port", 0);
 * apps.ensureAllStarted("kv_server");     // [kv, kv_server]
 * KvServer.of(node).port();               // 41234: the port the system chose
 * }
 *
 * <p>Or as a child of a supervisor of your own:
 *
 * {@snippet :
 * Kv kv = new Kv();
 * KvServer server = new KvServer(kv.registry(), KvServer.Config.DEFAULTS.withPort(0));
 * Supervisor.start(node, Supervisor.Flags.oneForOne(), List.of(kv.childSpec(), server.childSpec()));
 * server.address();   // 127.0.0.1/127.0.0.1:41234
 * }
 *
 * <h2>The protocol</h2>
 * A request is a line ended by LF or CRLF; each answer line ends with CRLF.
 * <table class="striped">
 * <caption>Requests and answers</caption>
 * <thead><tr><th>request</th><th>answer</th></tr></thead>
 * <tbody>
 * <tr><td>{@code CREATE bucket}</td><td>{@code OK} (the bucket may exist already)</td></tr>
 * <tr><td>{@code PUT bucket key value}</td><td>{@code OK}, or {@code NOT FOUND} (no such
 *     bucket)</td></tr>
 * <tr><td>{@code GET bucket key}</td><td>the value (an empty line if there is none), then
 *     {@code OK}; or {@code NOT FOUND}</td></tr>
 * <tr><td>{@code DELETE bucket key}</td><td>{@code OK} (whether the key was there or not), or
 *     {@code NOT FOUND}</td></tr>
 * <tr><td>an empty line, an unknown verb (verbs are in capitals), missing or extra
 *     words</td><td>{@code UNKNOWN COMMAND}</td></tr>
 * <tr><td>a line longer than 64 KiB</td><td>{@code ERROR LINE TOO LONG}</td></tr>
 * <tr><td>a line that is not valid UTF-8</td><td>{@code ERROR INVALID UTF-8}</td></tr>
 * <tr><td>a {@code CREATE} while the registry is down or does not answer within 5 s; a request
 *     whose bucket does not answer within 5 s</td><td>{@code ERROR}</td></tr>
 * </tbody>
 * </table>
 * Words are separated by white space; names, keys and values are single words. After every
 * answer the connection stays open: only the client closes it (a partial last line is dropped),
 * or the server when the client does not read its answers for {@link Config#writeTimeout()}.
 *
 * <h2>The supervision tree</h2>
 * <pre>
 * kv_server (one_for_one)
 * ├── write_watchdog (permanent worker)
 * ├── task_supervisor (TaskSupervisor, registered as KVServer.TaskSupervisor)
 * │   └── connection, connection, ... (temporary tasks, one per client)
 * └── acceptor (permanent worker)
 * </pre>
 * The acceptor binds the listening socket when it starts, then accepts connections and starts a
 * task for each under the task supervisor. A connection's task owns its socket: when the task
 * ends, is killed or crashes, the socket is closed, and nothing else is affected. A task is not
 * linked to the acceptor, so the death of the acceptor (or of anything in {@link Kv}) leaves
 * open connections open: a request that meets a dead registry gets {@code ERROR}, and the next
 * one is served by the restarted one. The write watchdog ends the tasks whose clients do not
 * read: a task blocked writing for longer than {@link Config#writeTimeout()} is stopped with
 * {@code {shutdown, write_timeout}} and its socket closed. It also closes the socket of a task
 * that died before its code could run (and so could not close it), and, when the server stops,
 * any socket left.
 *
 * <h2>Thread safety</h2>
 * Thread-safe: a {@code KvServer} is a handle that stays the same across restarts. The task
 * supervisor is registered under {@link #TASK_SUPERVISOR}, so a node runs one server.
 *
 * @since 0.1
 */
public final class KvServer {

  private static final Logger log = LoggerFactory.getLogger(KvServer.class);

  /**
   * Where and how the server listens.
   *
   * {@snippet :
   * KvServer.Config config = KvServer.Config.DEFAULTS.withPort(0).withWriteTimeout(Duration.ofSeconds(2));
   * }
   *
   * <h2>Thread safety</h2>
   * Immutable.
   *
   * @param host the address to bind: a host name or an IP literal; default {@code 127.0.0.1}
   *     (loopback only)
   * @param port the TCP port, 0 to let the system choose one (see {@link KvServer#port()});
   *     default 4040
   * @param writeTimeout how long a write to a client may block before the connection is ended;
   *     default 10 seconds; positive
   * @since 0.1
   */
  public record Config(String host, int port, Duration writeTimeout) {
    /** The defaults: 127.0.0.1, port 4040, a write timeout of 10 seconds. */
    public static final Config DEFAULTS = new Config("127.0.0.1", 4040, Duration.ofSeconds(10));

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if the port is not in 0..65535, or the timeout is not
     *     positive
     */
    public Config {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(writeTimeout, "writeTimeout");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port not in 0..65535: " + port);
      }
      if (writeTimeout.isNegative() || writeTimeout.isZero()) {
        throw new IllegalArgumentException("writeTimeout not positive: " + writeTimeout);
      }
    }

    /**
     * {@return this config with another host}
     *
     * @param newHost the address to bind
     */
    public Config withHost(String newHost) {
      return new Config(newHost, port, writeTimeout);
    }

    /**
     * {@return this config with another port}
     *
     * @param newPort the port; 0 for one the system chooses
     */
    public Config withPort(int newPort) {
      return new Config(host, newPort, writeTimeout);
    }

    /**
     * {@return this config with another write timeout}
     *
     * @param newTimeout how long a write may block
     */
    public Config withWriteTimeout(Duration newTimeout) {
      return new Config(host, port, newTimeout);
    }
  }

  private final KvRegistry registry;
  private final Config config;
  private final AtomicReference<ServerSocket> listener = new AtomicReference<>(); // set by each acceptor (re)start
  private final AtomicReference<Pid<?>> acceptorPid = new AtomicReference<>(); // set by each acceptor (re)start
  private volatile int boundPort; // the port of the first bind, kept by restarts; 0 before
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet(); // added by the acceptor; removed by their task or the watchdog

  /**
   * Creates the handle of a server that serves the buckets of {@code registry}; nothing runs
   * until a supervisor starts its {@link #childSpec()}.
   *
   * @param registry the store's registry
   * @param config where to listen
   */
  public KvServer(KvRegistry registry, Config config) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.config = Objects.requireNonNull(config, "config");
  }

  /**
   * {@return the child spec of the server}: a permanent supervisor child, id {@code
   * "kv_server"}, whose start returns once the server listens
   */
  public ChildSpec childSpec() {
    return ChildSpec.supervisor("kv_server", Supervisor.childStart(FLAGS, children()));
  }

  private static final Supervisor.Flags FLAGS = Supervisor.Flags.oneForOne();

  /**
   * The registered name of the server's task supervisor: the guide's {@code
   * KVServer.TaskSupervisor}. A name is taken once per node: one server per node.
   */
  public static final String TASK_SUPERVISOR = "KVServer.TaskSupervisor";

  private List<ChildSpec> children() {
    return List.of(
        ChildSpec.worker("write_watchdog", ChildStart.process(this::watchWrites)),
        TaskSupervisor.childSpec("task_supervisor", TaskSupervisor.Options.named(TASK_SUPERVISOR)),
        ChildSpec.worker("acceptor", this::startAcceptor));
  }

  // ---------------------------------------------------------------------------------------------
  // The application

  /**
   * The {@code kv_server} application: it needs {@code kv} running, and its settings are {@code
   * host} (default {@code "127.0.0.1"}), {@code port} (default 4040; 0 lets the system choose) and
   * {@code write_timeout} (default 10 s), which {@code -Dbanyan.kv_server.port=4041} or {@code
   * BANYAN_KV_SERVER_PORT=4041} (and so on) override. When it starts it keeps its {@code
   * KvServer} in its environment under {@link #HANDLE_KEY}, where {@link #of(Node)} finds it.
   */
  public static final ApplicationSpec APPLICATION =
      ApplicationSpec.of("kv_server", App::new)
          .withVersion("0.1.0")
          .withDescription("the key-value store's TCP server")
          .withDependencies(Kv.APPLICATION.name())
          .withEnv("host", Config.DEFAULTS.host())
          .withEnv("port", Config.DEFAULTS.port())
          .withEnv("write_timeout", Config.DEFAULTS.writeTimeout());

  /** The environment key under which {@code kv_server} keeps its {@code KvServer}: not a setting. */
  public static final String HANDLE_KEY = "handle";

  /**
   * {@return the server that the {@code kv_server} application of {@code node} started last}, to
   * ask for its {@link #port()}
   *
   * @param node the node
   * @throws java.util.NoSuchElementException if {@code kv_server} has not started on that node
   */
  public static KvServer of(Node node) {
    return node.applications().fetchEnv(APPLICATION.name(), HANDLE_KEY, KvServer.class);
  }

  /** The application's callbacks: the guide's {@code KVServer.Application}. */
  private static final class App implements Application {
    @Override
    public Started start(ApplicationContext app) {
      Config config =
          new Config(
              app.fetchEnv("host", String.class),
              app.fetchEnv("port", Integer.class),
              app.fetchEnv("write_timeout", Duration.class));
      KvServer server = new KvServer(Kv.of(app.node()).registry(), config);
      Started started = app.startSupervisor(FLAGS, server.children());
      app.node().applications().putEnv(app.name(), HANDLE_KEY, server);
      return started;
    }
  }

  /** {@return the configuration} */
  public Config config() {
    return config;
  }

  /**
   * {@return the port the server listens on}: the configured one, or the one the system chose
   * for port 0 (kept by restarts)
   *
   * @throws IllegalStateException if the server has not started yet
   */
  public int port() {
    int port = boundPort;
    if (port == 0) {
      throw new IllegalStateException("the server has not started");
    }
    return port;
  }

  /**
   * {@return the address the server listens on}
   *
   * @throws IllegalStateException if the server has not started yet
   */
  public InetSocketAddress address() {
    return new InetSocketAddress(config.host(), port());
  }

  /** {@return the pid of the acceptor last started}, or empty before the first start */
  Optional<Pid<?>> acceptor() {
    return Optional.ofNullable(acceptorPid.get());
  }

  /** {@return the open connections}, for tests */
  Set<Connection> connections() {
    return connections;
  }

  @Override
  public String toString() {
    return "KvServer[" + config.host() + ":" + (boundPort == 0 ? config.port() : boundPort) + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // The acceptor

  /**
   * Starts the acceptor, linked to the supervisor: binds first, so that a start that returns
   * listens, and a port that cannot be bound fails the start. A previous acceptor's socket is
   * closed first: that acceptor may have been killed before it could close it.
   */
  private GenServer.Start<?> startAcceptor(ProcessContext<Object> supervisor) throws IOException {
    closeQuietly(listener.getAndSet(null));
    ServerSocket socket = bind();
    try {
      listener.set(socket);
      Pid<Object> pid = supervisor.spawnLink(self -> accept(socket, TaskSupervisor.named(self.node(), TASK_SUPERVISOR)));
      acceptorPid.set(pid);
      log.info("kv_server listening on {}:{}", config.host(), boundPort);
      return new GenServer.Start.Ok<>(ServerRef.of(pid));
    } catch (RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  /**
   * Binds the listening socket. On a restart the previous socket may still hold the port for a
   * moment (a socket closed while its thread is blocked in accept is released when that thread
   * has left accept): then it tries again, for up to {@link #BIND_PATIENCE}.
   */
  private ServerSocket bind() throws IOException {
    int port = boundPort != 0 ? boundPort : config.port();
    long deadline = System.nanoTime() + BIND_PATIENCE.toNanos();
    while (true) {
      ServerSocket socket = new ServerSocket();
      try {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(config.host(), port), 1024);
        boundPort = socket.getLocalPort();
        return socket;
      } catch (BindException e) {
        closeQuietly(socket);
        if (boundPort == 0 || System.nanoTime() > deadline) {
          throw e; // the first bind: the port belongs to someone else
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** How long a restarted acceptor waits for its port to be free again: 2 seconds. */
  private static final Duration BIND_PATIENCE = Duration.ofSeconds(2);

  /**
   * The acceptor's loop: the guide's {@code loop_acceptor/1}. {@code tasks} finds the task
   * supervisor by its name at every start, as the guide's {@code
   * Task.Supervisor.start_child(KVServer.TaskSupervisor, ...)}.
   */
  private void accept(ServerSocket socket, TaskSupervisor tasks) throws IOException {
    try (socket) {
      while (true) {
        Socket client = socket.accept();
        Connection connection = new Connection(client, registry, connections);
        connections.add(connection); // from now on the watchdog closes it if its task dies
        boolean started = false;
        try {
          if (tasks.startChild(connection::serve, TaskSupervisor.ChildOptions.DEFAULTS)
              instanceof TaskSupervisor.StartChild.Ok ok) {
            connection.servedBy(ok.pid());
            started = true;
          }
        } finally {
          if (!started) {
            // No task to own it (too many connections, the task supervisor down, or this acceptor
            // killed meanwhile): close it, and let the acceptor crash if something threw.
            connections.remove(connection);
            connection.close();
          }
        }
      }
    }
  }


  // ---------------------------------------------------------------------------------------------
  // The write watchdog

  /**
   * The write watchdog's loop. Every quarter of the write timeout it ends the connections whose
   * task has been blocked writing for longer than the timeout, and closes the sockets of
   * connections whose task has died without closing its socket (a task killed before its code
   * ran). It traps exits: when the supervisor stops it — after the task supervisor, which starts
   * after it — it closes whatever sockets are left, the listening one included, then exits.
   *
   * <p>The listening socket too, once the acceptor is dead (the supervisor stops the acceptor
   * first): the acceptor closes it when its thread leaves {@code accept}, which can come after
   * the acceptor's death has reached the supervisor. Closed here, it is closed before the
   * supervisor's stop returns (CC-172).
   */
  private void watchWrites(ProcessContext<Object> self) {
    self.trapExit(true);
    long limit = config.writeTimeout().toNanos();
    Duration period = config.writeTimeout().dividedBy(4);
    while (true) {
      Optional<Object> message = self.receive(period);
      if (message.isPresent() && message.get() instanceof Exit exit) {
        Pid<?> acceptor = acceptorPid.get();
        if (acceptor == null || !acceptor.isAlive()) { // not a terminateChild of this one alone
          closeQuietly(listener.getAndSet(null));
        }
        connections.forEach(Connection::close);
        connections.clear();
        throw new ExitException(exit.reason()); // only the parent is linked to it
      }
      long now = System.nanoTime();
      for (Connection c : connections) {
        Pid<?> task = c.task();
        if (task != null && !task.isAlive()) {
          connections.remove(c);
          c.close();
        } else if (c.blockedNanos(now) > limit) {
          log.warn(
              "closing the connection of client port {}: it has not read for {}",
              c.clientPort(),
              config.writeTimeout());
          c.abort(self, WRITE_TIMEOUT);
        }
      }
    }
  }


  /** The exit reason of a connection task whose client does not read. */
  static final ExitReason WRITE_TIMEOUT = ExitReason.shutdown("write_timeout");

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        // closing anyway
      }
    }
  }
}
