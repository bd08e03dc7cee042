package dev.banyan.examples.kv;

import dev.banyan.AttachedProcess;
import dev.banyan.Down;
import dev.banyan.Node;
import dev.banyan.ProcessExitedException;
import dev.banyan.Supervisor;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/**
 * Runs the KV server until the process is stopped (Ctrl-C): the guide's {@code mix run
 * --no-halt} in {@code apps/kv_server}.
 *
 * <pre>
 * java -jar examples/kv/target/kv.jar
 * java -Dbanyan.kv_server.port=4041 -Dbanyan.kv_server.host=0.0.0.0 -jar examples/kv/target/kv.jar
 * </pre>
 *
 * <p>The port and the address to bind come from the system properties {@code
 * banyan.kv_server.port} and {@code banyan.kv_server.host}, or the environment variables {@code
 * BANYAN_KV_SERVER_PORT} and {@code BANYAN_KV_SERVER_HOST}; the defaults are {@link
 * KvServer.Config#DEFAULTS} (127.0.0.1:4040).
 *
 * <h2>Thread safety</h2>
 * Not applicable: a program entry point.
 *
 * @since 0.1
 */
public final class Main {

  private Main() {}

  /**
   * Starts a node with the store and its server, prints how to talk to it, and waits until the
   * JVM is stopped.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    KvServer.Config config = KvServer.Config.DEFAULTS;
    Optional<String> port = setting("port");
    if (port.isPresent()) {
      config = config.withPort(Integer.parseInt(port.get()));
    }
    config = config.withHost(setting("host").orElse(config.host()));

    // Supervisor progress reports ("started child ...") at info would bury the welcome text;
    // errors and crash reports still show. (slf4j-simple's setting; -D on the command line wins.)
    if (System.getProperty(QUIET_PROGRESS) == null) {
      System.setProperty(QUIET_PROGRESS, "warn");
    }

    Node node = Node.start("kv@localhost");
    AttachedProcess<Object> main = node.attach();
    Kv kv = new Kv();
    KvServer server = new KvServer(kv.registry(), config);
    Supervisor top = start(node, kv, server);
    // Ctrl-C: the tree stops in reverse start order (the server, then the store), then the node.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(node, top), "kv-shutdown"));
    printWelcome(System.out, server);
    main.monitor(top.pid());
    try {
      main.receive(Down.class); // until the node stops
    } catch (ProcessExitedException stopped) {
      // Ctrl-C: the shutdown hook stopped the node, and this process with it
    }
  }

  private static final String QUIET_PROGRESS = "org.slf4j.simpleLogger.log.dev.banyan.Supervisor";

  /** Starts the tree: the store, then its server, under one supervisor. */
  static Supervisor start(Node node, Kv kv, KvServer server) {
    return Supervisor.of(
        Supervisor.start(node, Supervisor.Flags.oneForOne(), List.of(kv.childSpec(), server.childSpec()))
            .orElseThrow());
  }

  private static void stop(Node node, Supervisor top) {
    try {
      top.stop();
    } catch (RuntimeException alreadyStopped) {
      // it stopped by itself (too many restarts): the node's stop below is all there is to do
    }
    node.stop();
  }

  static void printWelcome(PrintStream out, KvServer server) {
    String host = server.config().host();
    int port = server.port();
    out.printf(
        """
        KV server listening on %1$s:%2$d. Talk to it with nc:

            nc %1$s %2$d
            CREATE shopping
            PUT shopping milk 1
            GET shopping milk
            DELETE shopping milk

        Answers: OK, the value then OK, NOT FOUND, UNKNOWN COMMAND. Ctrl-C stops the server.
        %n""",
        host, port);
  }

  private static Optional<String> setting(String key) {
    String property = System.getProperty("banyan.kv_server." + key);
    if (property != null) {
      return Optional.of(property);
    }
    return Optional.ofNullable(System.getenv("BANYAN_KV_SERVER_" + key.toUpperCase(java.util.Locale.ROOT)));
  }
}
