package dev.banyan.observer;

import dev.banyan.Agent;
import dev.banyan.Application;
import dev.banyan.ApplicationSpec;
import dev.banyan.ChildSpec;
import dev.banyan.ChildStart;
import dev.banyan.DynamicSupervisor;
import dev.banyan.GenServer;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import dev.banyan.ProcessName;
import dev.banyan.Restart;
import dev.banyan.ServerRef;
import dev.banyan.Supervisor;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A small application for the observer's tests, shaped like the KV store's: the application
 * {@code demo}, whose top supervisor {@code demo_sup} (one_for_one) has a permanent GenServer {@code demo_counter} and a
 * DynamicSupervisor {@code demo_buckets} of temporary {@link Agent} buckets.
 */
final class DemoTree {
  static final String APPLICATION = "demo";
  static final String TOP = "demo_sup";
  static final String COUNTER = "demo_counter";
  static final String BUCKETS = "demo_buckets";

  private final Node node;
  private volatile DynamicSupervisor buckets; // the current bucket supervisor
  final Pid<?> top;

  /** Starts the tree with {@code buckets} buckets. */
  DemoTree(Node node, int buckets) {
    this.node = node;
    this.top = start(buckets);
  }

  /** Counts the messages it gets; its state is the count. */
  static final class Counter implements GenServer<Integer, Object> {
    @Override
    public Init<Integer> init(ProcessContext<Object> self) {
      return Init.ok(0);
    }

    @Override
    public Result<Integer> handleInfo(Object message, Integer count) {
      return Result.noreply(count + 1);
    }
  }

  private Pid<?> start(int buckets) {
    List<ChildSpec> children =
        List.of(
            ChildSpec.worker("counter", ChildStart.genServer(Counter::new, GenServer.Options.named(COUNTER))),
            ChildSpec.supervisor(
                "buckets",
                sup -> {
                  this.buckets = DynamicSupervisor.startLink(sup, bucketOptions());
                  return new GenServer.Start.Ok<>(ServerRef.of(this.buckets.pid()));
                }));
    Supervisor.Module module =
        self -> Optional.of(new Supervisor.Init(Supervisor.Flags.oneForOne(), children));
    Application demo = app -> app.startSupervisor(module, GenServer.Options.named(TOP));
    node.applications().load(
        ApplicationSpec.of(APPLICATION, () -> demo)
            .withDescription("the observer's test tree")
            .withVersion("1.0"));
    node.applications().start(APPLICATION, Application.Type.TEMPORARY);
    for (int i = 0; i < buckets; i++) {
      addBucket("bucket-" + i);
    }
    return node.whereis(TOP).orElseThrow();
  }

  private static DynamicSupervisor.Options bucketOptions() {
    DynamicSupervisor.Options d = DynamicSupervisor.Options.DEFAULTS;
    return new DynamicSupervisor.Options(
        Optional.of(ProcessName.local(BUCKETS)), d.maxRestarts(), d.maxSeconds(), d.maxChildren());
  }

  /** Starts one more bucket, an Agent holding a map; returns its pid. */
  Pid<?> addBucket(String id) {
    ChildSpec spec =
        ChildSpec.worker(
                id,
                sup -> {
                  Agent<Map<String, String>> a = Agent.startLink(sup, () -> Map.of("milk", "3"));
                  return new GenServer.Start.Ok<>(a.server());
                })
            .withRestart(Restart.TEMPORARY);
    if (buckets.startChild(spec) instanceof DynamicSupervisor.StartChild.Ok ok) {
      return ok.pid();
    }
    throw new AssertionError("no bucket");
  }
}
