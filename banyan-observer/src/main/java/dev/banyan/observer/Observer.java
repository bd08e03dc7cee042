package dev.banyan.observer;

import com.sun.net.httpserver.HttpServer;
import dev.banyan.Application;
import dev.banyan.ApplicationContext;
import dev.banyan.ApplicationSpec;
import dev.banyan.Node;
import dev.banyan.Supervisor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live web view of a running node, served by the node itself: Erlang's {@code
 * observer:start()} in a browser. Its pages show the <b>System</b> (node, uptime, processes,
 * messages per second, memory, the JVM, recent crashes and restarts), the <b>Applications</b>
 * (every supervision tree, drawn as a tree and kept up to date), the <b>Processes</b> (a sorted,
 * filtered, paged table) and each <b>process</b> in detail (links, monitors, a server's state,
 * its stack, its last exits), with buttons to send it a message, exit it or kill it.
 *
 * {@snippet :
 * try (Node node = Node.start("kv@localhost");
 *     Observer observer = Observer.start(node)) {
 *   System.out.println("observer at " + observer.uri());
 *   // ... run the application ...
 * }
 * }
 *
 * <h2>What it serves</h2>
 * The page (plain ES modules from this jar, no build step), a small JSON API under {@code
 * /api/}, and live updates as server-sent events ({@code /api/events}). Every answer is bounded
 * in size whatever the number of processes: the process table is sorted and paged on the server,
 * a supervisor lists its first 100 children. See {@code docs/observer.md} for the API.
 *
 * <h2>Security</h2>
 * By default it listens on the loopback address only ({@code 127.0.0.1}) and answers only
 * requests whose {@code Host} is a loopback name, so other web pages cannot reach it through DNS
 * rebinding. Listening on another address needs {@link Options#allowRemote()} and an {@link
 * Options#accessToken()}, which every request must then carry. Every action that changes the
 * node (kill, exit, send) is a {@code POST} carrying the page's own token in a header, which no
 * other web page can read or send. The page renders everything the node reports (names, reasons,
 * stacks, state) as text, never as HTML.
 *
 * <h2>Thread safety</h2>
 * Thread-safe. Requests are served on virtual threads that are not processes of the node.
 *
 * @since 0.1
 */
public final class Observer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Observer.class);

  private final HttpServer server;
  private final ExecutorService executor;
  private final Http http;
  private final URI uri;

  private Observer(HttpServer server, ExecutorService executor, Http http, URI uri) {
    this.server = server;
    this.executor = executor;
    this.http = http;
    this.uri = uri;
  }

  /**
   * Starts an observer of {@code node} on {@code 127.0.0.1}, on a free port.
   *
   * @param node the node to show
   * @return the running observer; {@link #uri()} says where
   * @throws UncheckedIOException if the server cannot listen
   */
  public static Observer start(Node node) {
    return start(node, Options.DEFAULTS);
  }

  /**
   * Starts an observer of {@code node} with options.
   *
   * @param node the node to show
   * @param options where to listen, and the access token
   * @return the running observer
   * @throws IllegalArgumentException if the options bind a non-loopback address without {@link
   *     Options#allowRemote()} and an access token
   * @throws UncheckedIOException if the server cannot listen (the port is taken)
   */
  public static Observer start(Node node, Options options) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(options, "options");
    options.check();
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(options.bindAddress(), options.port()), 64);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "the observer cannot listen on " + options.bindAddress().getHostAddress() + ":" + options.port(), e);
    }
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(executor);
    int port = server.getAddress().getPort();
    Http http = new Http(new Views(node), options, port);
    http.install(server);
    server.start();
    String host = options.bindAddress().getHostAddress();
    if (options.bindAddress().isAnyLocalAddress()) {
      host = "127.0.0.1";
    }
    URI uri = URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/");
    LOG.info("Observer of node {} at {}", node.name(), uri);
    return new Observer(server, executor, http, uri);
  }

  /**
   * {@return the observer as an application}, named {@value #APPLICATION}, for a node whose
   * applications are started by {@code ensureAllStarted}: starting it starts an observer with
   * {@code options} (and an empty top supervisor, so that it shows in the tree), stopping it
   * stops the observer.
   *
   * {@snippet :
   * node.applications().load(Observer.application(Observer.Options.DEFAULTS.withPort(4050)));
   * node.applications().ensureAllStarted(Observer.APPLICATION);
   * }
   *
   * @param options where to listen, and the access token
   */
  public static ApplicationSpec application(Options options) {
    Objects.requireNonNull(options, "options");
    options.check();
    return ApplicationSpec.of(APPLICATION, () -> new ObserverApplication(options))
        .withDescription("a live web view of the node")
        .withVersion("0.1.0");
  }

  /** The name of the observer's application: {@value}. */
  public static final String APPLICATION = "banyan_observer";

  /** The observer as an application: the server is its state. */
  private record ObserverApplication(Options options) implements Application {
    @Override
    public Started start(ApplicationContext app) {
      Started tree = app.startSupervisor(Supervisor.Flags.oneForOne(), List.of());
      Observer observer = Observer.start(app.node(), options);
      return new Started(tree.topSupervisor(), observer);
    }

    @Override
    public void stop(Object state) {
      ((Observer) state).close();
    }
  }

  /**
   * {@return the page's address}, for example {@code http://127.0.0.1:41234/}; with an access
   * token, append {@code ?token=...} once (the page keeps it in a cookie)
   */
  public URI uri() {
    return uri;
  }

  /** {@return the port it listens on} */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops serving: open pages lose their live updates. Stopping twice does nothing. */
  @Override
  public void close() {
    if (http.stop()) {
      server.stop(0);
      executor.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "Observer at " + uri;
  }

  /**
   * Where the observer listens and who may use it.
   *
   * {@snippet :
   * // reachable from other machines: an explicit choice, with a token of at least 16 characters
   * Observer.start(node, Observer.Options.DEFAULTS
   *     .withBindAddress(InetAddress.getByName("0.0.0.0"))
   *     .withPort(4050)
   *     .withRemoteAccess(System.getenv("OBSERVER_TOKEN")));
   * }
   *
   * <h2>Thread safety</h2>
   * Immutable.
   *
   * @param bindAddress the address to listen on; default {@code 127.0.0.1}
   * @param port the port, 0 for any free port; default 0
   * @param allowRemote whether a non-loopback {@code bindAddress} is allowed; default false
   * @param accessToken a secret every request must carry ({@code Authorization: Bearer},
   *     a {@code ?token=} query parameter, or the cookie the page then gets); required with
   *     {@code allowRemote}; default none
   * @since 0.1
   */
  public record Options(
      InetAddress bindAddress, int port, boolean allowRemote, Optional<String> accessToken) {

    /** The defaults: {@code 127.0.0.1}, any free port, loopback only, no access token. */
    public static final Options DEFAULTS =
        new Options(InetAddress.getLoopbackAddress(), 0, false, Optional.empty());

    /** The shortest access token accepted: {@value}. */
    public static final int MIN_TOKEN_LENGTH = 16;

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException if the port is not in 0..65535, or the token is shorter
     *     than {@link #MIN_TOKEN_LENGTH}
     */
    public Options {
      Objects.requireNonNull(bindAddress, "bindAddress");
      Objects.requireNonNull(accessToken, "accessToken");
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be in 0..65535: " + port);
      }
      if (accessToken.isPresent() && accessToken.get().length() < MIN_TOKEN_LENGTH) {
        throw new IllegalArgumentException(
            "an access token must have at least " + MIN_TOKEN_LENGTH + " characters, not "
                + accessToken.get().length());
      }
    }

    /**
     * {@return these options listening on {@code address}}; a non-loopback address also needs
     * {@link #withRemoteAccess(String)}
     *
     * @param address the address
     */
    public Options withBindAddress(InetAddress address) {
      return new Options(address, port, allowRemote, accessToken);
    }

    /**
     * {@return these options on {@code port}}
     *
     * @param port the port; 0 for any free port
     */
    public Options withPort(int port) {
      return new Options(bindAddress, port, allowRemote, accessToken);
    }

    /**
     * {@return these options allowing a non-loopback address, with the token every request must
     * carry}
     *
     * @param token the access token, at least {@link #MIN_TOKEN_LENGTH} characters
     */
    public Options withRemoteAccess(String token) {
      Objects.requireNonNull(token, "token");
      return new Options(bindAddress, port, true, Optional.of(token));
    }

    void check() {
      if (!bindAddress.isLoopbackAddress() && !allowRemote) {
        throw new IllegalArgumentException(
            "the observer binds to " + bindAddress.getHostAddress()
                + ", which is not a loopback address: that needs withRemoteAccess(token)");
      }
      if (allowRemote && accessToken.isEmpty()) {
        throw new IllegalArgumentException("allowRemote needs an access token");
      }
    }
  }
}
