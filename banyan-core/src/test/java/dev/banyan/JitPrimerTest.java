package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JIT primer that {@link Node#start()} runs once per JVM (see {@link JitPrimer}): it leaves
 * nothing behind, and the user's node does not see it.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JitPrimerTest {

  @Test
  @DisplayName("priming runs its process to the end on a node of its own, and stops that node")
  void primingLeavesNothingBehind() {
    Node primer = JitPrimer.prime();
    assertThat(primer.isRunning()).isFalse();
    assertThat(primer.processCount()).isZero();
    assertThat(primer.zombies()).isEmpty();
  }

  @Test
  @DisplayName("priming from an interrupted thread finishes, and keeps the interrupt")
  void primingKeepsTheCallersInterrupt() {
    Thread.currentThread().interrupt();
    try {
      Node primer = JitPrimer.prime();
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
      assertThat(primer.isRunning()).isFalse();
      assertThat(primer.processCount()).isZero();
    } finally {
      Thread.interrupted(); // leave the test thread clean
    }
  }

  @Test
  @DisplayName("a started node has been primed, and its processes are numbered from the first")
  void theUsersNodeDoesNotSeeThePrimer() throws Exception {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      assertThat(JitPrimer.done()).isTrue();
      assertThat(me.self().toString()).isEqualTo("<0.1.0>"); // <0.0.0> stands for threads that are not processes
      assertThat(node.processCount()).isEqualTo(1);
    }
  }
}
