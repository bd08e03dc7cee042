package dev.banyan.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.testkit.BanyanTest;
import dev.banyan.testkit.TestSupervisor;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Replays every {@code nc} session of docs/guide.md against a fresh store and server: a
 * {@code ```text} block whose first line is {@code $ nc <host> <port>}, followed by requests,
 * each followed by its answer lines (two for a GET that finds its bucket, else one).
 */
@BanyanTest
@Timeout(60)
class GuideSessionsTest {

  /** The answers that end a GET's answer after one line. */
  private static final Set<String> ONE_LINE_ANSWERS = Set.of("NOT FOUND", "UNKNOWN COMMAND", "ERROR");

  /** {@return the guide's nc sessions}: the blocks, without their {@code $ nc} line */
  static List<GuideSnippetsTest.Block> sessions() {
    return GuideSnippetsTest.blocks().stream()
        .filter(b -> b.language().equals("text") && !b.lines().isEmpty() && b.lines().getFirst().startsWith("$ nc "))
        .map(b -> new GuideSnippetsTest.Block(b.language(), b.line() + 1, b.lines().subList(1, b.lines().size())))
        .toList();
  }

  @Test
  void everyNcSessionOfTheGuideRunsVerbatim(TestSupervisor supervised) throws IOException {
    int n = 0;
    for (GuideSnippetsTest.Block session : sessions()) {
      n++;
      Kv kv = new Kv();
      KvServer server = new KvServer(kv.registry(), KvServer.Config.DEFAULTS.withPort(0).withWriteTimeout(Duration.ofSeconds(5)));
      supervised.startChild(kv.childSpec().withId("kv" + n));
      supervised.startChild(server.childSpec().withId("kv_server" + n));
      try (Client c = Client.connect(server)) {
        replay(c, session);
      }
      supervised.stopChild("kv_server" + n);
      supervised.stopChild("kv" + n);
    }
  }

  private static void replay(Client c, GuideSnippetsTest.Block session) throws IOException {
    List<String> lines = session.lines();
    int i = 0;
    while (i < lines.size()) {
      String request = lines.get(i);
      List<String> answer = new ArrayList<>();
      answer.add(c.request(request));
      if (request.startsWith("GET ") && !ONE_LINE_ANSWERS.contains(answer.getFirst())) {
        answer.add(c.readLine());
      }
      int end = Math.min(lines.size(), i + 1 + answer.size());
      assertThat(answer)
          .as("the answer to \"%s\" (docs/guide.md line %d)", request, session.line() + i)
          .isEqualTo(lines.subList(i + 1, end));
      i = end;
    }
  }
}
