package dev.banyan.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.Node;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link Main#run} on a node, as the program does it but with the server on port 0, in a virtual
 * thread of its own; {@link #start} returns once the welcome text is printed. {@link #stop()}
 * stops the node as Ctrl-C does and returns the program's exit status.
 */
final class RunningMain {

  private static final Pattern OBSERVER = Pattern.compile("http://127\\.0\\.0\\.1:\\d+/");

  private final Node node;
  private final Thread main;
  private final AtomicInteger status; // set by main when run returns; read after the join
  private final String welcome;

  private RunningMain(Node node, Thread main, AtomicInteger status, String welcome) {
    this.node = node;
    this.main = main;
    this.status = status;
    this.welcome = welcome;
  }

  /** Runs {@code Main.run} on {@code node} and waits (at most 30 s) for its welcome text. */
  static RunningMain start(Node node) throws InterruptedException {
    CountDownLatch welcomed = new CountDownLatch(1);
    ByteArrayOutputStream printed =
        new ByteArrayOutputStream() {
          @Override
          public void flush() {
            welcomed.countDown(); // printWelcome flushes once, after the whole text
          }
        };
    AtomicInteger status = new AtomicInteger(-1);
    Thread main =
        Thread.ofVirtual()
            .name("kv-main")
            .start(
                () ->
                    status.set(
                        Main.run(
                            node,
                            Map.of("kv_server", Map.of("port", 0)),
                            new PrintStream(printed, false, StandardCharsets.UTF_8))));
    assertThat(welcomed.await(30, TimeUnit.SECONDS)).as("Main printed its welcome").isTrue();
    return new RunningMain(node, main, status, printed.toString(StandardCharsets.UTF_8));
  }

  /** {@return the welcome text that Main printed} */
  String welcome() {
    return welcome;
  }

  /** {@return the observer's address, as the welcome text gives it} */
  URI observer() {
    Matcher observer = OBSERVER.matcher(welcome);
    assertThat(observer.find()).as("the observer's address in " + welcome).isTrue();
    return URI.create(observer.group());
  }

  /** {@return the port the KV server listens on} */
  int port() {
    return KvServer.of(node).port();
  }

  /** Stops the node (what the shutdown hook does on Ctrl-C) and returns Main's exit status. */
  int stop() throws InterruptedException {
    node.stop();
    main.join();
    return status.get();
  }
}
