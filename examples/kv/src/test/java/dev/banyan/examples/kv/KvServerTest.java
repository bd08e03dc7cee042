package dev.banyan.examples.kv;

import static dev.banyan.testkit.BanyanAssertions.awaitExit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banyan.ExitReason;
import dev.banyan.MonitorRef;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import dev.banyan.testkit.BanyanTest;
import dev.banyan.testkit.TestSupervisor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The guide's {@code KVServerTest}, every kind of bad input, many clients, and failures. */
@BanyanTest
@Timeout(120)
class KvServerTest {

  private Kv kv;
  private KvServer server;

  @BeforeEach
  void startServer(TestSupervisor supervised) {
    kv = new Kv();
    server = new KvServer(kv.registry(), KvServer.Config.DEFAULTS.withPort(0).withWriteTimeout(Duration.ofSeconds(1)));
    supervised.startChild(kv.childSpec());
    supervised.startChild(server.childSpec());
  }

  @Nested
  class TheGuidesSession {
    @Test
    void serverInteraction() throws IOException {
      try (Client c = Client.connect(server)) {
        assertThat(c.request("UNKNOWN shopping")).isEqualTo("UNKNOWN COMMAND");
        assertThat(c.request("GET shopping eggs")).isEqualTo("NOT FOUND");
        assertThat(c.request("CREATE shopping")).isEqualTo("OK");
        assertThat(c.request("PUT shopping eggs 3")).isEqualTo("OK");
        // GET returns two lines
        assertThat(c.request("GET shopping eggs")).isEqualTo("3");
        assertThat(c.readLine()).isEqualTo("OK");
        assertThat(c.request("DELETE shopping eggs")).isEqualTo("OK");
        // GET returns two lines: an empty one for a missing key
        assertThat(c.request("GET shopping eggs")).isEqualTo("");
        assertThat(c.readLine()).isEqualTo("OK");
      }
    }

    @Test
    void theDocumentedSession() throws IOException {
      try (Client c = Client.connect(server)) {
        assertThat(c.request("CREATE shopping")).isEqualTo("OK");
        assertThat(c.request("PUT shopping milk 1")).isEqualTo("OK");
        assertThat(c.request("PUT shopping eggs 3")).isEqualTo("OK");
        assertThat(c.get("shopping", "milk")).isEqualTo("1\nOK");
        assertThat(c.request("DELETE shopping eggs")).isEqualTo("OK");
      }
    }

    @Test
    void bucketsAreSharedBetweenClients() throws IOException {
      try (Client a = Client.connect(server);
          Client b = Client.connect(server)) {
        assertThat(a.request("CREATE shopping")).isEqualTo("OK");
        assertThat(a.request("PUT shopping milk 1")).isEqualTo("OK");
        assertThat(b.request("CREATE shopping")).isEqualTo("OK"); // exists already: still OK
        assertThat(b.get("shopping", "milk")).isEqualTo("1\nOK");
      }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException {
      try (Client c = Client.connect(server)) {
        c.send("CREATE s\r\nPUT s k v\r\nGET s k\r\nDELETE s k\r\nGET s k\n");
        assertThat(List.of(c.readLine(), c.readLine(), c.readLine(), c.readLine(), c.readLine(), c.readLine(), c.readLine()))
            .containsExactly("OK", "OK", "v", "OK", "OK", "", "OK");
      }
    }
  }

  @Nested
  class BadInput {
    /** After a bad line the same connection still works, and so does the server. */
    private void assertStillServes(Client c) throws IOException {
      assertThat(c.request("CREATE after")).isEqualTo("OK");
      try (Client other = Client.connect(server)) {
        assertThat(other.request("PUT after k v")).isEqualTo("OK");
      }
    }

    @Test
    void anEmptyLineIsAnUnknownCommand() throws IOException {
      try (Client c = Client.connect(server)) {
        assertThat(c.request("")).isEqualTo("UNKNOWN COMMAND");
        assertThat(c.request("   \t ")).isEqualTo("UNKNOWN COMMAND");
        assertStillServes(c);
      }
    }

    @Test
    void anUnknownVerbIsAnUnknownCommand() throws IOException {
      try (Client c = Client.connect(server)) {
        assertThat(c.request("FLY shopping")).isEqualTo("UNKNOWN COMMAND");
        assertThat(c.request("create shopping")).as("verbs are in capitals").isEqualTo("UNKNOWN COMMAND");
        assertStillServes(c);
      }
    }

    @Test
    void missingOrExtraArgumentsAreAnUnknownCommand() throws IOException {
      try (Client c = Client.connect(server)) {
        for (String line :
            List.of("CREATE", "CREATE a b", "PUT a k", "PUT a k v w", "GET a", "GET a k x", "DELETE a", "DELETE a k x")) {
          assertThat(c.request(line)).as(line).isEqualTo("UNKNOWN COMMAND");
        }
        assertStillServes(c);
      }
    }

    @Test
    void extraWhiteSpaceAndBareLineFeedsAreFine() throws IOException {
      try (Client c = Client.connect(server)) {
        c.send("  CREATE \t s  \n");
        assertThat(c.readLine()).isEqualTo("OK");
        c.send("PUT s  k   v\n");
        assertThat(c.readLine()).isEqualTo("OK");
        assertThat(c.get("s", "k")).isEqualTo("v\nOK");
      }
    }

    @Test
    void aLineOfExactly64KiBIsServed() throws IOException {
      try (Client c = Client.connect(server)) {
        c.request("CREATE big");
        String prefix = "PUT big k ";
        String value = "x".repeat(Connection.MAX_LINE - prefix.length());

        assertThat(c.request(prefix + value)).isEqualTo("OK");
        assertThat(c.get("big", "k")).isEqualTo(value + "\nOK");
      }
    }

    @Test
    void aLineOver64KiBIsAnErrorAndIsSkipped() throws IOException {
      try (Client c = Client.connect(server)) {
        c.request("CREATE big");
        String line = "PUT big k " + "x".repeat(Connection.MAX_LINE);

        assertThat(c.request(line)).isEqualTo("ERROR LINE TOO LONG");
        assertThat(c.get("big", "k")).as("nothing of it was run").isEqualTo("\nOK");
        // A much longer one (1 MiB) too: it is skipped, not buffered.
        assertThat(c.request("x".repeat(1 << 20))).isEqualTo("ERROR LINE TOO LONG");
        assertStillServes(c);
      }
    }

    @Test
    void invalidUtf8IsAnError() throws IOException {
      try (Client c = Client.connect(server)) {
        c.send(new byte[] {'C', 'R', 'E', 'A', 'T', 'E', ' ', (byte) 0xC3, (byte) 0x28, '\r', '\n'});
        assertThat(c.readLine()).isEqualTo("ERROR INVALID UTF-8");
        c.send(new byte[] {(byte) 0xFF, (byte) 0xFE, '\n'});
        assertThat(c.readLine()).isEqualTo("ERROR INVALID UTF-8");
        assertStillServes(c);
      }
    }

    @Test
    void validUtf8NamesAndValuesAreKept() throws IOException {
      try (Client c = Client.connect(server)) {
        assertThat(c.request("CREATE épicerie")).isEqualTo("OK");
        assertThat(c.request("PUT épicerie 牛乳 ✓")).isEqualTo("OK");
        assertThat(c.get("épicerie", "牛乳")).isEqualTo("✓\nOK");
      }
    }

    @Test
    void binaryGarbageGetsAnAnswerPerLineAndNothingElse() throws IOException {
      Random random = new Random(42);
      try (Client c = Client.connect(server)) {
        byte[] garbage = new byte[4096];
        random.nextBytes(garbage);
        garbage[garbage.length - 1] = '\n';
        long lines = 0;
        for (byte b : garbage) {
          lines += b == '\n' ? 1 : 0;
        }
        c.send(garbage);
        for (long i = 0; i < lines; i++) {
          assertThat(c.readLine()).isIn("ERROR INVALID UTF-8", "UNKNOWN COMMAND");
        }
        assertStillServes(c);
      }
    }

    @Test
    void aClientThatLeavesMidLineEndsOnlyItsOwnTask(ProcessContext<Object> me) throws IOException {
      Client c = Client.connect(server);
      c.request("CREATE s");
      Pid<?> task = taskOf(c);
      MonitorRef watch = me.monitor(task);

      c.send("PUT s k"); // no line end
      c.close();

      assertThat(awaitExit(me, watch)).isEqualTo(ExitReason.NORMAL);
      try (Client other = Client.connect(server)) {
        assertThat(other.get("s", "k")).as("the partial line was dropped").isEqualTo("\nOK");
      }
    }

    @Test
    void aClientThatNeverReadsIsCutOffAndBlocksNobody(ProcessContext<Object> me) throws IOException {
      try (Client slow = Client.connect(server);
          Client other = Client.connect(server)) {
        String value = "v".repeat(60_000);
        slow.request("CREATE s");
        slow.request("PUT s k " + value);
        Pid<?> task = taskOf(slow);
        MonitorRef watch = me.monitor(task);

        // Ask for 60 MB of answers in 8 KB of requests (they fit in the socket buffers, so this
        // send does not block), and never read them: the task's writes block.
        slow.send("GET s k\n".repeat(1000).getBytes(StandardCharsets.US_ASCII));
        // Meanwhile everyone else is served.
        for (int i = 0; i < 20; i++) {
          assertThat(other.request("PUT s n " + i)).isEqualTo("OK");
        }

        // The write watchdog ends it (write timeout 1 s in this test).
        assertThat(awaitExit(me, watch, Duration.ofSeconds(30))).isEqualTo(KvServer.WRITE_TIMEOUT);
        assertThat(other.get("s", "n")).isEqualTo("19\nOK");
      }
    }
  }

  @Nested
  class Failures {
    @Test
    void aKilledTaskClosesItsSocket(Node node) throws IOException {
      try (Client c = Client.connect(server);
          Client other = Client.connect(server)) {
        c.request("CREATE s");
        other.request("CREATE s");

        node.exit(taskOf(c), ExitReason.KILL);

        assertThat(c.isClosedByServer()).isTrue();
        assertThat(other.request("PUT s k v")).as("another client's connection").isEqualTo("OK");
      }
    }

    @Test
    void aCrashedTaskClosesItsSocket(Node node) throws IOException {
      try (Client c = Client.connect(server)) {
        c.request("CREATE s");

        node.exit(taskOf(c), new ExitReason.Crashed(new IllegalStateException("boom")));

        assertThat(c.isClosedByServer()).isTrue();
      }
    }

    @Test
    void connectionsOutliveTheAcceptorAndTheRestartedOneListensOnTheSamePort(ProcessContext<Object> me)
        throws IOException {
      int port = server.port();
      try (Client c = Client.connect(server)) {
        c.request("CREATE s");
        Pid<?> acceptor = server.acceptor().orElseThrow();

        me.exit(acceptor, ExitReason.KILL);

        assertThat(c.request("PUT s k v")).isEqualTo("OK");
        assertThat(server.port()).isEqualTo(port);
        try (Client later = connectWhenListening(port)) {
          assertThat(later.get("s", "k")).isEqualTo("v\nOK");
        }
        assertThat(server.acceptor()).isPresent().get().isNotEqualTo(acceptor);
      }
    }

    @Test
    void connectionsOutliveTheRegistry(ProcessContext<Object> me) throws IOException {
      try (Client c = Client.connect(server)) {
        c.request("CREATE s");
        Pid<?> registry = registryPid();
        MonitorRef bucket = me.monitor(kv.registry().lookup("s").orElseThrow().pid());

        me.exit(registry, ExitReason.KILL);
        awaitExit(me, bucket);

        // The buckets went with the registry (one_for_all); the connection did not.
        String answer = c.request("PUT s k v");
        assertThat(answer).isIn("NOT FOUND", "ERROR");
        assertThat(awaitOk(c, "CREATE s")).isEqualTo("OK");
        assertThat(c.request("PUT s k v")).isEqualTo("OK");
      }
    }
  }

  @Nested
  class Config {
    @Test
    void validatesThePortAndTheTimeout() {
      assertThatThrownBy(() -> KvServer.Config.DEFAULTS.withPort(65536))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("65536");
      assertThatThrownBy(() -> KvServer.Config.DEFAULTS.withPort(-1)).hasMessageContaining("-1");
      assertThatThrownBy(() -> KvServer.Config.DEFAULTS.withWriteTimeout(Duration.ZERO))
          .hasMessageContaining("PT0S");
    }

    @Test
    void defaultsToLoopbackPort4040() {
      assertThat(KvServer.Config.DEFAULTS.host()).isEqualTo("127.0.0.1");
      assertThat(KvServer.Config.DEFAULTS.port()).isEqualTo(4040);
    }

    @Test
    void portZeroExposesThePortChosen() {
      assertThat(server.port()).isPositive();
      assertThat(server.address().getPort()).isEqualTo(server.port());
    }
  }

  @Test
  @DisplayName("500 concurrent clients each get the right answers")
  void fiveHundredConcurrentClients() throws Exception {
    int clients = 500;
    int rounds = 20;
    ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Integer>> done = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        int id = i;
        done.add(
            threads.submit(
                () -> {
                  int ok = 0;
                  try (Client c = Client.connect(server)) {
                    String bucket = "b" + (id % 50); // 10 clients share each bucket, each its own keys
                    check(wrong, id, c.request("CREATE " + bucket), "OK");
                    for (int r = 0; r < rounds; r++) {
                      String key = "k" + id + "_" + r;
                      check(wrong, id, c.request("PUT " + bucket + " " + key + " " + (id * 1000 + r)), "OK");
                      check(wrong, id, c.get(bucket, key), (id * 1000 + r) + "\nOK");
                      ok += 2;
                    }
                  }
                  return ok;
                }));
      }
      int answered = 0;
      for (Future<Integer> f : done) {
        answered += f.get();
      }
      assertThat(wrong).isEmpty();
      assertThat(answered).isEqualTo(clients * rounds * 2);
    }
  }

  private static void check(ConcurrentLinkedQueue<String> wrong, int client, String answer, String expected) {
    if (!expected.equals(answer)) {
      wrong.add("client " + client + ": expected " + Arrays.asList(expected.split("\n")) + ", got " + answer);
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** The task serving {@code c}, which has made a request already (so its task runs). */
  private Pid<?> taskOf(Client c) {
    return server.connections().stream()
        .filter(conn -> conn.clientPort() == c.localPort())
        .map(Connection::task)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no task serves client port " + c.localPort()));
  }

  private Pid<?> registryPid() {
    return kv.registry().pid().orElseThrow();
  }

  /** Retries {@code line} while the answer is ERROR (a restart under way); 10 s fail the test. */
  private static String awaitOk(Client c, String line) throws IOException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    String answer = c.request(line);
    while (answer.equals("ERROR") && System.nanoTime() < deadline) {
      Thread.yield();
      answer = c.request(line);
    }
    return answer;
  }

  /**
   * Connects and makes a first request, retrying while the acceptor restarts: nobody listens
   * then, or the connection was queued for the listening socket of the acceptor that died, and
   * is reset (as on the BEAM, where the listening socket dies with its acceptor). 10 s fail the
   * test.
   */
  private static Client connectWhenListening(int port) throws IOException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      Client c = null;
      try {
        c = Client.connect(port);
        if ("OK".equals(c.request("CREATE probe"))) {
          return c;
        }
        c.close();
      } catch (IOException e) {
        if (c != null) {
          c.close();
        }
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      Thread.yield();
    }
  }
}
