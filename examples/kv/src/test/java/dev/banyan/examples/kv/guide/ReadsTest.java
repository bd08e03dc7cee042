package dev.banyan.examples.kv.guide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.examples.kv.Kv;
import dev.banyan.examples.kv.KvRegistry;
import dev.banyan.testkit.BanyanTest;
import dev.banyan.testkit.TestSupervisor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** docs/guide.md, "Reads without messages (the ETS step)". */
@BanyanTest
@Timeout(30)
class ReadsTest {

  @Test
  void aLookupSendsNoMessageToTheRegistry(Node node, TestSupervisor supervised) {
    Kv kv = new Kv();
    supervised.startChild(kv.childSpec());
    KvRegistry registry = kv.registry();
    registry.create("shopping");
    Pid<?> pid = registry.pid().orElseThrow();
    long before = node.processInfo(pid).orElseThrow().messagesReceived();

    for (int i = 0; i < 1000; i++) {
      assertThat(registry.lookup("shopping")).isPresent();
    }

    assertThat(node.processInfo(pid).orElseThrow().messagesReceived()).isEqualTo(before);
  }
}
