package dev.banyan.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.Supervisor;
import dev.banyan.testkit.BanyanTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@BanyanTest
@Timeout(30)
class MainTest {

  @Test
  void startsTheTreeAndSaysHowToTalkToIt(Node node) throws IOException {
    Kv kv = new Kv();
    KvServer server = new KvServer(kv.registry(), KvServer.Config.DEFAULTS.withPort(0));
    Supervisor top = Main.start(node, kv, server);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    Main.printWelcome(new PrintStream(printed, true, StandardCharsets.UTF_8), server);

    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("listening on 127.0.0.1:" + server.port())
        .contains("nc 127.0.0.1 " + server.port())
        .contains("CREATE shopping");
    try (Client c = Client.connect(server)) {
      assertThat(c.request("CREATE shopping")).isEqualTo("OK");
    }
    Pid<?> pid = top.pid();
    top.stop();
    assertThat(pid.isAlive()).isFalse();
  }
}
