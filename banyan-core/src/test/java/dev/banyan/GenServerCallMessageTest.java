package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banyan.GenServerFixtures.Get;
import dev.banyan.GenServerFixtures.Req;
import dev.banyan.GenServerFixtures.Scripted;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The message of a call that fails before its request is built (otp-semantics §4.3): it names the
 * server and says why nothing was sent.
 */
@Timeout(20)
class GenServerCallMessageTest {

  @Test
  @DisplayName("CC-046: a call to a name nobody has says that server is not running, and builds no request")
  void aCallByANameNobodyHasNamesTheServer() {
    try (Node node = Node.start()) {
      AtomicBoolean built = new AtomicBoolean();
      ServerRef<Req> nobody = ServerRef.named(node, "KV.Registry");
      assertThatThrownBy(() -> nobody.<String>call(r -> {
            built.set(true);
            return new Get(r);
          }))
          .isInstanceOfSatisfying(CallException.class, e -> {
            assertThat(e.failure()).isEqualTo(ExitReason.NOPROC);
            assertThat(e.call().args()).hasSize(3).first().isEqualTo(nobody);
          })
          .hasMessageContaining("request not sent: KV.Registry is not running")
          .hasMessageNotContaining("request not built");
      assertThat(built).as("the request factory runs only for a request that is sent").isFalse();
    }
  }

  @Test
  @DisplayName("CC-046: a call to a dead pid names that pid")
  void aCallToADeadPidNamesThePid() {
    try (Node node = Node.start()) {
      ServerRef<Req> server = GenServer.start(node, new Scripted()).orElseThrow();
      Pid<?> pid = server.whereis().orElseThrow();
      server.stop();
      assertThatThrownBy(() -> server.call(Get::new))
          .isInstanceOf(CallException.class)
          .hasMessageContaining("request not sent: " + pid + " is not running");
    }
  }

  @Test
  @DisplayName("CC-047: a process calling itself is told so, with its own pid")
  void aProcessCallingItselfIsToldSo() {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      ServerRef<Req> self = ServerRef.of(me.self());
      assertThatThrownBy(() -> self.call(Get::new))
          .isInstanceOfSatisfying(
              CallException.class, e -> assertThat(e.failure()).isEqualTo(CallException.CALLING_SELF))
          .hasMessageContaining("request not sent: " + me.self() + " is the calling process");
    }
  }
}
