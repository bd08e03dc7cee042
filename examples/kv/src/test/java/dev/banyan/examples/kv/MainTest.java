package dev.banyan.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.Node;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Main's run, as the program does it, with port 0; stopped as Ctrl-C would (by the node's stop). */
@Timeout(60)
class MainTest {

  @Test
  void runsTheServerAndTheObserverSaysHowToTalkToThemAndStopsCleanly() throws Exception {
    Node node = Node.start();
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
            .start(
                () ->
                    status.set(
                        Main.run(
                            node,
                            Map.of("kv_server", Map.of("port", 0)),
                            new PrintStream(printed, false, StandardCharsets.UTF_8))));

    welcomed.await();
    String text = printed.toString(StandardCharsets.UTF_8);
    int port = KvServer.of(node).port();
    assertThat(text)
        .contains("listening on 127.0.0.1:" + port)
        .contains("nc 127.0.0.1 " + port)
        .contains("CREATE shopping");
    try (Client c = Client.connect(port)) {
      assertThat(c.request("CREATE shopping")).isEqualTo("OK");
    }
    Matcher observer = Pattern.compile("http://127\\.0\\.0\\.1:\\d+/").matcher(text);
    assertThat(observer.find()).as("the observer's address in " + text).isTrue();
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> page =
          http.send(HttpRequest.newBuilder(URI.create(observer.group())).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
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
