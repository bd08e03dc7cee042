package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A task supervisor as a child of a {@link Supervisor} ({@link TaskSupervisor#childSpec}), reached
 * by name or pid: otp-semantics §8.4 and Elixir's {@code Task.Supervisor.child_spec/1}.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TaskSupervisorChildSpecTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  /** What a task tells the test when it runs. */
  record Ran(Pid<?> pid) {}

  @Test
  @DisplayName("§8.4: Elixir's child_spec/1: a permanent supervisor child, shutdown infinity; id the name or TaskSupervisor")
  void theChildSpecHasElixirsDefaults() {
    ChildSpec spec = TaskSupervisor.childSpec("tasks", TaskSupervisor.Options.DEFAULTS);
    assertThat(spec.id()).isEqualTo("tasks");
    assertThat(spec.type()).isEqualTo(ChildSpec.Type.SUPERVISOR);
    assertThat(spec.restart()).isEqualTo(Restart.PERMANENT);
    assertThat(spec.shutdown()).isEqualTo(Shutdown.INFINITY);
    assertThat(spec.significant()).isFalse();
    assertThat(TaskSupervisor.childSpec(TaskSupervisor.Options.named("KVServer.TaskSupervisor")).id())
        .isEqualTo("KVServer.TaskSupervisor");
    assertThat(TaskSupervisor.childSpec(TaskSupervisor.Options.DEFAULTS).id()).isEqualTo("TaskSupervisor");
    assertThatThrownBy(() -> TaskSupervisor.Options.named(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  @DisplayName("CC-167: started from its spec and reached by name, it runs temporary tasks")
  void namedUnderASupervisorItRunsTasks() throws Exception {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Supervisor.start(
              node,
              Supervisor.Flags.oneForOne(),
              List.of(TaskSupervisor.childSpec(TaskSupervisor.Options.named("KVServer.TaskSupervisor"))))
          .orElseThrow();
      TaskSupervisor tasks = TaskSupervisor.named(node, "KVServer.TaskSupervisor");
      Pid<Object> test = me.self();
      TaskSupervisor.StartChild started =
          tasks.startChild((Task.Body<?>) self -> {
            test.send(new Ran(self.self()));
            return self.receive(String.class);
          }, TaskSupervisor.ChildOptions.DEFAULTS);
      Pid<Object> task = ((TaskSupervisor.StartChild.Ok) started).pid();
      assertThat(me.receive(Ran.class, WAIT)).contains(new Ran(task));
      assertThat(TaskSupervisor.of(tasks.pid()).children()).containsExactly(task);
      assertThat(node.processInfo(task).orElseThrow().links()).containsExactly(tasks.pid());
      task.send("done");
    }
  }

  @Test
  @DisplayName("§8.4: the named handle reaches the task supervisor restarted by its parent")
  void theNamedHandleFollowsRestarts() throws Exception {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      ChildSpec spec =
          DynamicSupervisorChildSpecTest.reporting(
              TaskSupervisor.childSpec("tasks", TaskSupervisor.Options.named("tasks")), me.self());
      Supervisor.start(node, Supervisor.Flags.oneForOne(), List.of(spec)).orElseThrow();
      me.receive(DynamicSupervisorChildSpecTest.Started.class, WAIT).orElseThrow();
      TaskSupervisor tasks = TaskSupervisor.named(node, "tasks");
      Pid<?> first = tasks.pid();

      node.exit(first, ExitReason.KILL);
      me.receive(DynamicSupervisorChildSpecTest.Started.class, WAIT).orElseThrow(); // restarted

      assertThat(tasks.pid()).isNotEqualTo(first);
      Task<Integer> answer = tasks.asyncNolink(me, () -> 42);
      assertThat(answer.await(WAIT)).isEqualTo(42);
    }
  }

  @Test
  @DisplayName("§8.4: of(ServerRef) and via(registry, key) reach a task supervisor too")
  void ofServerRefAndVia() throws Exception {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Registry<String, Object> registry = Registry.start(node, Registry.Options.unique());
      TaskSupervisor sup =
          TaskSupervisor.startLink(me, TaskSupervisor.Options.DEFAULTS.withName(ProcessName.via(registry, "tasks")));
      assertThat(TaskSupervisor.via(registry, "tasks").pid()).isEqualTo(sup.pid());
      assertThat(TaskSupervisor.of(ServerRef.of(sup.pid())).children()).isEmpty();
      assertThatThrownBy(() -> TaskSupervisor.named(node, "nobody").children())
          .isInstanceOfSatisfying(CallException.class, e -> assertThat(e.failure()).isEqualTo(ExitReason.NOPROC))
          .hasMessageContaining("nobody is not running");
    }
  }
}
