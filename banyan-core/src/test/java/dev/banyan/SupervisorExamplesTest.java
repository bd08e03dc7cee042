package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banyan.GenServerExamplesTest.Counter;
import dev.banyan.GenServerExamplesTest.Pop;
import dev.banyan.GenServerExamplesTest.Push;
import dev.banyan.GenServerExamplesTest.Stack;
import dev.banyan.GenServerExamplesTest.StackMsg;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The classic supervision examples of the docs, compiled and run. */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SupervisorExamplesTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private static Pid<?> pidOf(Supervisor sup, Object id) {
    return sup.whichChildren().stream()
        .filter(c -> c.id().equals(id))
        .map(c -> ((Supervisor.ChildState.Running) c.state()).pid())
        .findFirst()
        .orElseThrow();
  }

  private static void awaitDown(AttachedProcess<Object> me, Pid<?> pid) {
    MonitorRef ref = me.monitor(pid);
    me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow();
  }

  /** Waits until the supervisor runs a child under {@code id} whose pid is not {@code old}. */
  private static Pid<?> awaitRestarted(Supervisor sup, Object id, Pid<?> old) {
    // A death's link signals are applied before its monitor Downs, so once the test has the
    // child's Down, the child's Exit is already in the supervisor's mailbox, ahead of this call.
    Pid<?> now = pidOf(sup, id);
    assertThat(now).isNotEqualTo(old);
    return now;
  }

  // @start region="supervised-stack"
  @Test
  void theSupervisedStackComesBackWithItsInitialState() {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      ChildSpec stackSpec =
          ChildSpec.worker(
              "stack",
              ChildStart.genServer(() -> new Stack(List.of("hello")), GenServer.Options.named("stack")));
      Supervisor sup =
          Supervisor.of(
              Supervisor.startLink(me, Supervisor.Flags.oneForOne(), List.of(stackSpec)).orElseThrow());
      ServerRef<StackMsg> stack = ServerRef.named(node, "stack");

      stack.cast(new Push("world"));
      assertThat((String) stack.call(Pop::new)).isEqualTo("world");
      assertThat((String) stack.call(Pop::new)).isEqualTo("hello");
      Pid<?> before = stack.whereis().orElseThrow();
      assertThatThrownBy(() -> stack.call(Pop::new)).isInstanceOf(CallException.class); // crash
      awaitDown(me, before);
      sup.countChildren(); // the supervisor has handled the crash (see awaitRestarted)
      // Restarted by the supervisor, under the same name, with its initial state again.
      String first = stack.call(Pop::new, WAIT);
      assertThat(first).isEqualTo("hello");
      assertThat(stack.whereis().orElseThrow()).isNotEqualTo(before);
    }
  }
  // @end

  @Test
  void theCounterTreeWithRestForOne() {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      List<ChildSpec> children =
          List.of(
              ChildSpec.worker("a", ChildStart.genServer(Counter::new)),
              ChildSpec.worker("b", ChildStart.genServer(Counter::new)),
              ChildSpec.worker("c", ChildStart.genServer(Counter::new)));
      Supervisor sup =
          Supervisor.of(Supervisor.startLink(me, Supervisor.Flags.restForOne(), children).orElseThrow());
      Pid<?> a = pidOf(sup, "a");
      Pid<?> b = pidOf(sup, "b");
      Pid<?> c = pidOf(sup, "c");

      node.exit(b, ExitReason.KILL);
      awaitDown(me, b);
      awaitDown(me, c); // c is stopped because it was started after b

      assertThat(pidOf(sup, "a")).isEqualTo(a);
      assertThat(awaitRestarted(sup, "b", b)).isNotEqualTo(c);
      assertThat(awaitRestarted(sup, "c", c)).isNotNull();
      assertThat(sup.countChildren()).isEqualTo(new Supervisor.Counts(3, 3, 0, 3));
    }
  }

  @Test
  void aCrashInANestedTreeStaysInItsBranch() {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      List<ChildSpec> left =
          List.of(
              ChildSpec.worker("l1", ChildStart.genServer(Counter::new)),
              ChildSpec.worker("l2", ChildStart.genServer(Counter::new)));
      List<ChildSpec> right = List.of(ChildSpec.worker("r1", ChildStart.genServer(Counter::new)));
      Supervisor top =
          Supervisor.of(
              Supervisor.startLink(
                      me,
                      Supervisor.Flags.oneForOne(),
                      List.of(
                          ChildSpec.supervisor("left", Supervisor.childStart(Supervisor.Flags.oneForAll(), left)),
                          ChildSpec.supervisor("right", Supervisor.childStart(Supervisor.Flags.oneForAll(), right))))
                  .orElseThrow());
      @SuppressWarnings("unchecked")
      Supervisor leftSup = Supervisor.of(ServerRef.of(pidOf(top, "left")));
      @SuppressWarnings("unchecked")
      Supervisor rightSup = Supervisor.of(ServerRef.of(pidOf(top, "right")));
      Pid<?> l1 = pidOf(leftSup, "l1");
      Pid<?> l2 = pidOf(leftSup, "l2");
      Pid<?> r1 = pidOf(rightSup, "r1");
      Pid<?> leftPid = pidOf(top, "left");

      node.exit(l1, ExitReason.KILL);
      awaitDown(me, l1);
      awaitDown(me, l2); // one_for_all in the left branch

      assertThat(pidOf(leftSup, "l1")).isNotEqualTo(l1);
      assertThat(pidOf(leftSup, "l2")).isNotEqualTo(l2);
      assertThat(pidOf(top, "left")).isEqualTo(leftPid); // the branch's supervisor survived
      assertThat(pidOf(rightSup, "r1")).isEqualTo(r1); // the other branch saw nothing
    }
  }
}
