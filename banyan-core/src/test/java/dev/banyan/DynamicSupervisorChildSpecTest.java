package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A dynamic supervisor as a child of a {@link Supervisor} ({@link DynamicSupervisor#childSpec}),
 * reached by name, pid or server handle ({@link DynamicSupervisor#named}, {@link
 * DynamicSupervisor#of}): otp-semantics §6 and Elixir's {@code DynamicSupervisor.child_spec/1}.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DynamicSupervisorChildSpecTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  /** What the wrapped start of a spec tells the test at each (re)start. */
  record Started(Object id) {}

  /** {@code spec}, whose start tells {@code test} each time it has run. */
  static ChildSpec reporting(ChildSpec spec, Pid<Object> test) {
    ChildStart start =
        sup -> {
          GenServer.Start<?> outcome = spec.start().start(sup);
          test.send(new Started(spec.id()));
          return outcome;
        };
    return new ChildSpec(spec.id(), start, spec.restart(), spec.shutdown(), spec.type(), spec.significant());
  }

  private static ChildSpec sleeper() {
    return ChildSpec.worker("sleeper", ChildStart.process(c -> c.receive(String.class)))
        .withRestart(Restart.TEMPORARY);
  }

  @Test
  @DisplayName("§6: Elixir's child_spec/1 defaults: a permanent supervisor child, shutdown infinity, not significant")
  void theChildSpecHasElixirsDefaults() {
    ChildSpec spec = DynamicSupervisor.childSpec("buckets", DynamicSupervisor.Options.DEFAULTS);
    assertThat(spec.id()).isEqualTo("buckets");
    assertThat(spec.type()).isEqualTo(ChildSpec.Type.SUPERVISOR);
    assertThat(spec.restart()).isEqualTo(Restart.PERMANENT);
    assertThat(spec.shutdown()).isEqualTo(Shutdown.INFINITY);
    assertThat(spec.significant()).isFalse();
  }

  @Test
  @DisplayName("§6: without an id, the spec's id is the name, the via key, or DynamicSupervisor")
  void theIdIsTheNameAsInElixir() throws Exception {
    try (Node node = Node.start()) {
      Registry<String, Object> registry = Registry.start(node, Registry.Options.unique());
      assertThat(DynamicSupervisor.childSpec(DynamicSupervisor.Options.named("KV.BucketSupervisor")).id())
          .isEqualTo("KV.BucketSupervisor");
      assertThat(
              DynamicSupervisor.childSpec(
                      DynamicSupervisor.Options.DEFAULTS.withName(ProcessName.via(registry, "key")))
                  .id())
          .isEqualTo("key");
      assertThat(DynamicSupervisor.childSpec(DynamicSupervisor.Options.DEFAULTS).id())
          .isEqualTo("DynamicSupervisor");
      assertThatThrownBy(() -> DynamicSupervisor.childSpec(null, DynamicSupervisor.Options.DEFAULTS))
          .isInstanceOf(NullPointerException.class);
    }
  }

  @Test
  @DisplayName("CC-141: started from its spec, it has no children and is registered under its name")
  void startedUnderASupervisorItIsNamedAndEmpty() throws Exception {
    try (Node node = Node.start()) {
      Supervisor top =
          Supervisor.of(
              Supervisor.start(
                      node,
                      Supervisor.Flags.oneForOne(),
                      List.of(DynamicSupervisor.childSpec("buckets", DynamicSupervisor.Options.named("KV.Buckets"))))
                  .orElseThrow());
      DynamicSupervisor buckets = DynamicSupervisor.named(node, "KV.Buckets");
      assertThat(buckets.countChildren()).isEqualTo(new DynamicSupervisor.Counts(0, 0, 0, 0));
      assertThat(node.processInfo(buckets.pid()).orElseThrow().links()).contains(top.pid());
      assertThat(top.whichChildren()).singleElement()
          .satisfies(c -> assertThat(c.type()).isEqualTo(ChildSpec.Type.SUPERVISOR));
    }
  }

  @Test
  @DisplayName("§6: the named handle reaches the supervisor restarted by its parent")
  void theNamedHandleFollowsRestarts() throws Exception {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      ChildSpec spec =
          reporting(DynamicSupervisor.childSpec("buckets", DynamicSupervisor.Options.named("KV.Buckets")), me.self());
      Supervisor.start(node, Supervisor.Flags.oneForOne(), List.of(spec)).orElseThrow();
      me.receive(Started.class, WAIT).orElseThrow();
      DynamicSupervisor buckets = DynamicSupervisor.named(node, "KV.Buckets");
      Pid<?> first = buckets.pid();
      assertThat(buckets.startChild(sleeper())).isInstanceOf(DynamicSupervisor.StartChild.Ok.class);

      node.exit(first, ExitReason.KILL);
      me.receive(Started.class, WAIT).orElseThrow(); // the parent has restarted it

      assertThat(buckets.pid()).isNotEqualTo(first);
      assertThat(buckets.countChildren().specs()).as("a new supervisor starts empty").isZero();
      assertThat(buckets.startChild(sleeper())).isInstanceOf(DynamicSupervisor.StartChild.Ok.class);
    }
  }

  @Test
  @DisplayName("§6: when the parent stops, the dynamic supervisor (shutdown infinity) stops its children first")
  void theParentStopsItWithItsChildren() throws Exception {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Supervisor top =
          Supervisor.of(
              Supervisor.start(
                      node,
                      Supervisor.Flags.oneForOne(),
                      List.of(DynamicSupervisor.childSpec(DynamicSupervisor.Options.named("KV.Buckets"))))
                  .orElseThrow());
      DynamicSupervisor buckets = DynamicSupervisor.named(node, "KV.Buckets");
      Pid<?> child = ((DynamicSupervisor.StartChild.Ok) buckets.startChild(sleeper())).pid();
      MonitorRef watch = me.monitor(child);

      top.stop();

      Down down = me.receive(Down.class, d -> d.ref().equals(watch), WAIT).orElseThrow();
      assertThat(down.reason()).isEqualTo(ExitReason.SHUTDOWN);
      assertThat(node.whereis("KV.Buckets")).isEmpty();
    }
  }

  @Test
  @DisplayName("§6: a name already taken fails the parent's start with already_started")
  void aTakenNameFailsTheStart() throws Exception {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      DynamicSupervisor.startLink(me, DynamicSupervisor.Options.named("KV.Buckets"));
      GenServer.Start<?> started =
          Supervisor.start(
              node,
              Supervisor.Flags.oneForOne(),
              List.of(DynamicSupervisor.childSpec("buckets", DynamicSupervisor.Options.named("KV.Buckets"))));
      assertThat(started).isInstanceOf(GenServer.Start.Error.class);
      assertThat(((GenServer.Start.Error<?>) started).reason().toString()).contains("buckets");
    }
  }

  @Test
  @DisplayName("CC-142: of(pid) and of(ServerRef) reach the same supervisor as its own handle")
  void ofPidAndOfServerRef() throws Exception {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      DynamicSupervisor sup = DynamicSupervisor.startLink(me);
      DynamicSupervisor byPid = DynamicSupervisor.of(sup.pid());
      DynamicSupervisor byRef = DynamicSupervisor.of(ServerRef.of(sup.pid()));
      Pid<?> child = ((DynamicSupervisor.StartChild.Ok) byPid.startChild(sleeper())).pid();
      assertThat(byRef.whichChildren()).singleElement().satisfies(c -> assertThat(c.pid()).contains(child));
      assertThat(sup.countChildren().active()).isEqualTo(1);
      assertThatThrownBy(() -> DynamicSupervisor.of((Pid<?>) null)).isInstanceOf(NullPointerException.class);
    }
  }

  @Test
  @DisplayName("§7.1: via(registry, key) reaches a supervisor registered through a Registry")
  void viaAName() throws Exception {
    try (Node node = Node.start()) {
      Registry<String, Object> registry = Registry.start(node, Registry.Options.unique());
      Supervisor.start(
              node,
              Supervisor.Flags.oneForOne(),
              List.of(
                  DynamicSupervisor.childSpec(
                      DynamicSupervisor.Options.DEFAULTS.withName(ProcessName.via(registry, "buckets")))))
          .orElseThrow();
      assertThat(DynamicSupervisor.via(registry, "buckets").startChild(sleeper()))
          .isInstanceOf(DynamicSupervisor.StartChild.Ok.class);
    }
  }

  @Test
  @DisplayName("CC-149: a call by a name nobody has fails with noproc, naming the supervisor")
  void aNameNobodyHasFailsWithNoproc() throws Exception {
    try (Node node = Node.start()) {
      DynamicSupervisor nobody = DynamicSupervisor.named(node, "KV.Nobody");
      assertThatThrownBy(nobody::countChildren)
          .isInstanceOfSatisfying(
              CallException.class, e -> assertThat(e.failure()).isEqualTo(ExitReason.NOPROC))
          .hasMessageContaining("KV.Nobody is not running");
      assertThatThrownBy(nobody::pid).isInstanceOf(IllegalStateException.class).hasMessageContaining("KV.Nobody");
    }
  }
}
