package dev.banyan.examples.kv;

import dev.banyan.ApplicationSpec;
import dev.banyan.Applications;
import dev.banyan.Node;
import dev.banyan.observer.Observer;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs the KV server until the process is stopped (Ctrl-C, SIGTERM): the guide's {@code mix run
 * --no-halt} in {@code apps/kv_server}. It starts the {@code kv_server} application and, first,
 * the {@code kv} application it depends on, with the observer ({@code banyan-observer}) beside
 * them on a free loopback port, and prints both addresses.
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
    usePlatformPollers();
    // Supervisor progress reports ("started child ...") at info would bury the welcome text;
    // errors and crash reports still show. (slf4j-simple's setting; -D on the command line wins.)
    if (System.getProperty(QUIET_PROGRESS) == null) {
      System.setProperty(QUIET_PROGRESS, "warn");
    }
    System.exit(run(Node.start("kv@localhost"), Map.of(), System.out));
  }

  /**
   * Runs {@code kv_server} on {@code node} with the observer beside it until the node stops;
   * prints the welcome text to {@code out} once the server runs.
   *
   * @return the exit status, as {@link Applications#runMain(Node, String, List, Map)}'s
   */
  static int run(Node node, Map<String, ? extends Map<String, ?>> config, PrintStream out) {
    try (Observer observer = Observer.start(node)) {
      Thread.ofVirtual().start(() -> welcomeOnceRunning(node, observer.uri(), out));
      return Applications.runMain(node, "kv_server", SPECS, config);
    }
  }

  /**
   * Asks the JDK for socket pollers on platform threads ({@code -Djdk.pollerMode=1}) unless the
   * command line chose: with the JDK 25 default on Linux (pollers are virtual threads), busy
   * connections starve newly started processes, so a restart can wait for seconds. It must run
   * before the first socket is used (the JDK reads it once).
   */
  static void usePlatformPollers() {
    if (System.getProperty(POLLER_MODE) == null) {
      System.setProperty(POLLER_MODE, "1");
    }
  }

  private static final String POLLER_MODE = "jdk.pollerMode";

  /** The applications, the server and what it needs. */
  static final List<ApplicationSpec> SPECS = List.of(Kv.APPLICATION, KvServer.APPLICATION);

  private static final String QUIET_PROGRESS = "org.slf4j.simpleLogger.log.dev.banyan.Supervisor";

  /** Prints the welcome once {@code kv_server} runs (if it does within 30 s). */
  static void welcomeOnceRunning(Node node, URI observer, PrintStream out) {
    try {
      if (node.applications().awaitRunning("kv_server", Duration.ofSeconds(30))) {
        printWelcome(out, KvServer.of(node), observer);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void printWelcome(PrintStream out, KvServer server, URI observer) {
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

        Answers: OK, the value then OK, NOT FOUND, UNKNOWN COMMAND.
        The observer shows the supervision trees and processes (kill one, watch the tree heal):

            %3$s

        Ctrl-C stops the server.
        """
            .formatted(host, port, observer));
    out.flush();
  }
}
