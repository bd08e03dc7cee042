package dev.banyan.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.Node;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Main's run, as the program does it, with port 0; stopped as Ctrl-C would (by the node's stop). */
@Timeout(60)
class MainTest {

  @Test
  void runsTheServerAndTheObserverSaysHowToTalkToThemAndStopsCleanly() throws Exception {
    Node node = Node.start();
    RunningMain main = RunningMain.start(node);

    String text = main.welcome();
    int port = main.port();
    assertThat(text)
        .contains("listening on 127.0.0.1:" + port)
        .contains("nc 127.0.0.1 " + port)
        .contains("CREATE shopping");
    try (Client c = Client.connect(port)) {
      assertThat(c.request("CREATE shopping")).isEqualTo("OK");
    }
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> page =
          http.send(HttpRequest.newBuilder(main.observer()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
    }
    assertThat(node.applications().which()).extracting(a -> a.name()).containsExactly("kv", "kv_server");

    assertThat(main.stop()).isZero();
    assertThat(node.zombies()).isEmpty();
  }

  @Test
  void theSpecsAreTheStoreThenTheServer() {
    assertThat(Main.SPECS).extracting(s -> s.name()).isEqualTo(List.of("kv", "kv_server"));
    assertThat(KvServer.APPLICATION.applications()).containsExactly("kv");
  }
}
