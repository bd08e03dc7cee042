package dev.banyan.examples.kv.guide;

import static dev.banyan.testkit.BanyanAssertions.awaitExit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.ExitReason;
import dev.banyan.MonitorRef;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import dev.banyan.Spawned;
import dev.banyan.TaskSupervisor;
import dev.banyan.testkit.BanyanTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * docs/guide.md, "Why a TaskSupervisor": an acceptor that starts a process per connection, with
 * the connections linked to it, then under a TaskSupervisor. The connections here only wait:
 * what matters is who dies with whom.
 */
@BanyanTest
@Timeout(30)
class ConnectionsStepTest {

  private static final ExitReason BOOM = new ExitReason.Crashed(new IllegalStateException("boom"));

  @Test
  @DisplayName("CC-013: connections linked to the acceptor: one crash ends the acceptor and every other connection")
  void linkedConnectionsFallTogether(Node node, ProcessContext<Object> me) {
    Pid<Object> test = me.self();
    Spawned<Object> acceptor =
        me.spawnMonitor(
            self -> {
              for (int i = 0; i < 3; i++) {
                test.send(self.spawnLink(connection -> connection.receive()));
              }
              self.receive();
            });
    Pid<?> first = me.receive(Pid.class);
    MonitorRef second = me.monitor(me.receive(Pid.class));
    MonitorRef third = me.monitor(me.receive(Pid.class));

    node.exit(first, BOOM);

    assertThat(awaitExit(me, acceptor.ref())).isEqualTo(BOOM);
    assertThat(awaitExit(me, second)).isEqualTo(BOOM);
    assertThat(awaitExit(me, third)).isEqualTo(BOOM);
  }

  @Test
  @DisplayName("CC-167: connections under a TaskSupervisor: a crash ends only that task, which is not restarted")
  void supervisedConnectionsFallAlone(Node node, ProcessContext<Object> me) {
    TaskSupervisor tasks = TaskSupervisor.start(node);
    Pid<Object> test = me.self();
    Spawned<Object> acceptor =
        me.spawnMonitor(
            self -> {
              for (int i = 0; i < 3; i++) {
                TaskSupervisor.StartChild started =
                    tasks.startChild(connection -> connection.receive(), TaskSupervisor.ChildOptions.DEFAULTS);
                test.send(((TaskSupervisor.StartChild.Ok) started).pid());
              }
              self.receive();
            });
    Pid<?> first = me.receive(Pid.class);
    Pid<?> second = me.receive(Pid.class);
    Pid<?> third = me.receive(Pid.class);

    node.exit(first, BOOM);

    Await.until("the task supervisor drops the crashed task", () -> !tasks.children().contains(first)
        && tasks.children().size() == 2);
    assertThat(tasks.children()).containsExactlyInAnyOrder(second, third);
    assertThat(me.demonitor(acceptor.ref())).as("the acceptor is alive").isTrue();
  }
}
