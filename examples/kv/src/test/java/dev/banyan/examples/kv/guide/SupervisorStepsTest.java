package dev.banyan.examples.kv.guide;

import static dev.banyan.examples.kv.guide.NaiveRegistry.create;
import static dev.banyan.examples.kv.guide.NaiveRegistry.lookup;
import static dev.banyan.testkit.BanyanAssertions.awaitExit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.ChildSpec;
import dev.banyan.ChildStart;
import dev.banyan.ExitReason;
import dev.banyan.GenServer;
import dev.banyan.MonitorRef;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import dev.banyan.ServerRef;
import dev.banyan.Supervisor;
import dev.banyan.examples.kv.Bucket;
import dev.banyan.examples.kv.BucketSupervisor;
import dev.banyan.examples.kv.Kv;
import dev.banyan.examples.kv.KvRegistry;
import dev.banyan.examples.kv.guide.NaiveRegistry.Request;
import dev.banyan.testkit.BanyanTest;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** docs/guide.md, "A first supervisor" and "Buckets under a DynamicSupervisor, and why one_for_all". */
@BanyanTest
@Timeout(30)
class SupervisorStepsTest {

  @Test
  @DisplayName("CC-010, CC-014: a killed registry comes back under its name, empty; its linked buckets die with it")
  void aKilledRegistryComesBackEmpty(Node node, ProcessContext<Object> me) {
    List<ChildSpec> children = List.of(
        ChildSpec.worker("registry", ChildStart.genServer(MonitoringRegistry::new, GenServer.Options.named("registry"))));
    Supervisor.start(node, Supervisor.Flags.oneForOne(), children).orElseThrow();

    ServerRef<Request> registry = ServerRef.named(node, "registry");
    create(registry, "shopping");
    Bucket bucket = lookup(registry, "shopping").orElseThrow();
    MonitorRef watchBucket = me.monitor(bucket.pid());
    Pid<?> first = registry.whereis().orElseThrow();

    node.exit(first, ExitReason.KILL);

    assertThat(awaitExit(me, watchBucket)).as("the bucket linked to the registry").isEqualTo(ExitReason.KILLED);
    Await.until("a new registry under the name", () -> registry.whereis().filter(p -> !p.equals(first)).isPresent());
    assertThat(lookup(registry, "shopping")).as("the new registry's state").isEmpty();
  }

  @Test
  @DisplayName("CC-090: under one_for_one, a restarted registry leaves its buckets running and unreachable")
  void oneForOneLeavesOrphanBuckets(Node node) {
    BucketSupervisor buckets = new BucketSupervisor();
    KvRegistry registry = new KvRegistry(buckets);
    Supervisor.start(node, Supervisor.Flags.oneForOne(), List.of(buckets.childSpec(), registry.childSpec()))
        .orElseThrow();
    Bucket shopping = registry.create("shopping");
    Pid<?> first = registry.pid().orElseThrow();

    node.exit(first, ExitReason.KILL);
    Await.until("a new registry", () -> registry.pid().filter(p -> !p.equals(first)).isPresent());

    assertThat(registry.lookup("shopping")).as("the new registry knows no bucket").isEmpty();
    assertThat(shopping.isAlive()).as("the old bucket: alive, and nobody can reach it").isTrue();
  }

  @Test
  @DisplayName("CC-089: under one_for_all (Kv), the buckets go with the registry")
  void oneForAllTakesTheBucketsAlong(Node node, ProcessContext<Object> me) {
    Kv kv = new Kv();
    Supervisor.start(node, Supervisor.Flags.oneForOne(), List.of(kv.childSpec())).orElseThrow();
    Bucket shopping = kv.registry().create("shopping");
    MonitorRef watch = me.monitor(shopping.pid());
    Pid<?> first = kv.registry().pid().orElseThrow();

    node.exit(first, ExitReason.KILL);

    assertThat(awaitExit(me, watch)).as("the bucket, stopped with its supervisor").isEqualTo(ExitReason.SHUTDOWN);
    Await.until("a new registry", () -> kv.registry().pid().filter(p -> !p.equals(first)).isPresent());
    assertThat(kv.registry().lookup("shopping")).isEmpty();
  }
}
