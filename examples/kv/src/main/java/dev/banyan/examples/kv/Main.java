package dev.banyan.examples.kv;

import dev.banyan.ApplicationSpec;
import dev.banyan.Applications;
import dev.banyan.Node;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs the KV server until the process is stopped (Ctrl-C, SIGTERM): the guide's {@code mix run
 * --no-halt} in {@code apps/kv_server}. It starts the {@code kv_server} application and, first,
 * the {@code kv} application it depends on.
 *
 * <pre>
 * java -jar examples/kv/target/kv.jar
 * java -Dbanyan.kv_server.port=4041 -Dbanyan.kv_server.host=0.0.0.0 -jar examples/kv/target/kv.jar
 * </pre>
 *
 * <p>The settings are those of {@link KvServer#APPLICATION}: {@code host}, {@code port} and
 * {@code write_timeout}, from the system properties {@code banyan.kv_server.<key>} or the
 * environment variables {@code BANYAN_KV_SERVER_<KEY>}; the defaults are 127.0.0.1, 4040 and 10
 * seconds.
 *
 * <h2>Thread safety</h2>
 * Not applicable: a program entry point.
 *
 * @since 0.1
 */
public final class Main {

  private Main() {}

  /**
   * Starts a node with the applications, prints how to talk to the server, and runs until the
   * JVM is stopped; then stops the applications in reverse order and exits with 0 (1 if the
   * server could not start, or an application ended by itself).
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    // Supervisor progress reports ("started child ...") at info would bury the welcome text;
    // errors and crash reports still show. (slf4j-simple's setting; -D on the command line wins.)
    if (System.getProperty(QUIET_PROGRESS) == null) {
      System.setProperty(QUIET_PROGRESS, "warn");
    }
    Node node = Node.start("kv@localhost");
    Thread.ofVirtual().start(() -> welcomeOnceRunning(node, System.out));
    System.exit(Applications.runMain(node, "kv_server", SPECS, Map.of()));
  }

  /** The applications, the server and what it needs. */
  static final List<ApplicationSpec> SPECS = List.of(Kv.APPLICATION, KvServer.APPLICATION);

  private static final String QUIET_PROGRESS = "org.slf4j.simpleLogger.log.dev.banyan.Supervisor";

  /** Prints the welcome once {@code kv_server} runs (if it does within 30 s). */
  static void welcomeOnceRunning(Node node, PrintStream out) {
    try {
      if (node.applications().awaitRunning("kv_server", Duration.ofSeconds(30))) {
        printWelcome(out, KvServer.of(node));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void printWelcome(PrintStream out, KvServer server) {
    String host = server.config().host();
    int port = server.port();
    // One print of the whole text, so that log lines of other threads do not cut through it.
    out.print(
        """
        KV server listening on %1$s:%2$d. Talk to it with nc:

            nc %1$s %2$d
            CREATE shopping
            PUT shopping milk 1
            GET shopping milk
            DELETE shopping milk

        Answers: OK, the value then OK, NOT FOUND, UNKNOWN COMMAND. Ctrl-C stops the server.
        """
            .formatted(host, port));
    out.flush();
  }
}
