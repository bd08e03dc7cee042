package dev.banyan.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.Applications;
import dev.banyan.Node;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Main's run, as the program does it, with port 0; stopped as Ctrl-C would (by the node's stop). */
@Timeout(60)
class MainTest {

  @Test
  void runsTheServerSaysHowToTalkToItAndStopsCleanly() throws Exception {
    Node node = Node.start();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    AtomicInteger status = new AtomicInteger(-1);
    Thread main =
        Thread.ofVirtual()
            .start(
                () ->
                    status.set(
                        Applications.runMain(
                            node, "kv_server", Main.SPECS, Map.of("kv_server", Map.of("port", 0)))));

    Main.welcomeOnceRunning(node, new PrintStream(printed, true, StandardCharsets.UTF_8));
    int port = KvServer.of(node).port();
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("listening on 127.0.0.1:" + port)
        .contains("nc 127.0.0.1 " + port)
        .contains("CREATE shopping");
    try (Client c = Client.connect(port)) {
      assertThat(c.request("CREATE shopping")).isEqualTo("OK");
    }
    assertThat(node.applications().which()).extracting(a -> a.name()).containsExactly("kv", "kv_server");

    node.stop(); // what the shutdown hook does on Ctrl-C
    main.join();

    assertThat(status.get()).isZero();
    assertThat(node.zombies()).isEmpty();
  }

  @Test
  void theSpecsAreTheStoreThenTheServer() {
    assertThat(Main.SPECS).extracting(s -> s.name()).isEqualTo(List.of("kv", "kv_server"));
    assertThat(KvServer.APPLICATION.applications()).containsExactly("kv");
  }

}
