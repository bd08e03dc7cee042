package dev.banyan.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banyan.Application;
import dev.banyan.ApplicationException;
import dev.banyan.Applications;
import dev.banyan.Node;
import dev.banyan.testkit.BanyanTest;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code kv} and {@code kv_server} as applications (otp-semantics §9). */
@BanyanTest
@Timeout(60)
class KvApplicationTest {

  private Applications apps;

  @BeforeEach
  void load(Node node) {
    apps = node.applications();
    apps.load(Kv.APPLICATION);
    apps.load(KvServer.APPLICATION);
    apps.putEnv("kv_server", "port", 0);
  }

  @Test
  void ensureAllStartedStartsTheStoreThenTheServer(Node node) throws IOException {
    // CC-170
    assertThat(apps.ensureAllStarted("kv_server", Application.Type.PERMANENT)).containsExactly("kv", "kv_server");

    try (Client c = Client.connect(KvServer.of(node))) {
      assertThat(c.request("CREATE shopping")).isEqualTo("OK");
      assertThat(c.request("PUT shopping milk 1")).isEqualTo("OK");
    }
    assertThat(Kv.of(node).registry().lookup("shopping").orElseThrow().get("milk")).contains("1");
  }

  @Test
  void theServerCannotStartWithoutTheStore() {
    // CC-170
    assertThatThrownBy(() -> apps.start("kv_server"))
        .isInstanceOfSatisfying(
            ApplicationException.class,
            e -> assertThat(e.reason()).isEqualTo(new ApplicationException.NotStarted("kv")));
  }

  @Test
  void settingsComeFromTheEnvironment(Node node) {
    apps.putEnv("kv_server", "write_timeout", Duration.ofSeconds(3));
    apps.ensureAllStarted("kv_server");

    KvServer server = KvServer.of(node);
    assertThat(server.config().writeTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(server.config().host()).isEqualTo("127.0.0.1");
    assertThat(server.port()).isPositive(); // port 0: chosen by the system
  }

  @Test
  void stoppingTheServerClosesItsSocketsAndLeavesTheStore(Node node) throws IOException {
    // CC-172
    apps.ensureAllStarted("kv_server");
    KvServer server = KvServer.of(node);
    Client c = Client.connect(server);
    c.request("CREATE shopping");

    apps.stop("kv_server");

    assertThat(c.isClosedByServer()).as("an open connection").isTrue();
    c.close();
    assertThatThrownBy(() -> Client.connect(server.port())).isInstanceOf(ConnectException.class);
    assertThat(Kv.of(node).registry().lookup("shopping")).isPresent();
  }

  @Test
  void aRestartedStoreKeepsItsHandlesSoTheServerStillReachesIt(Node node) throws IOException {
    apps.ensureAllStarted("kv_server");
    Kv kv = Kv.of(node);

    apps.stop("kv");
    apps.start("kv");

    assertThat(Kv.of(node)).isSameAs(kv);
    try (Client c = Client.connect(KvServer.of(node))) {
      assertThat(c.request("CREATE shopping")).isEqualTo("OK");
      assertThat(c.request("PUT shopping milk 1")).isEqualTo("OK");
    }
  }
}
