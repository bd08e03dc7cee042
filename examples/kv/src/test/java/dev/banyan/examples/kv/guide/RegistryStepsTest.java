package dev.banyan.examples.kv.guide;

import static dev.banyan.examples.kv.guide.NaiveRegistry.create;
import static dev.banyan.examples.kv.guide.NaiveRegistry.lookup;
import static dev.banyan.testkit.BanyanAssertions.awaitExit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.ExitReason;
import dev.banyan.MonitorRef;
import dev.banyan.Node;
import dev.banyan.ProcessContext;
import dev.banyan.ServerRef;
import dev.banyan.examples.kv.Bucket;
import dev.banyan.examples.kv.guide.NaiveRegistry.Request;
import dev.banyan.testkit.BanyanTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** docs/guide.md, "A registry of buckets" and "The need for monitoring". */
@BanyanTest
@Timeout(30)
class RegistryStepsTest {

  @Nested
  class TheNaiveRegistry {
    @Test
    @DisplayName("CC-003: a lookup after a create from the same caller finds the bucket")
    void spawnsBuckets(Node node) {
      ServerRef<Request> registry = NaiveRegistry.start(node);
      assertThat(lookup(registry, "shopping")).isEmpty();

      create(registry, "shopping");                 // a cast: no answer
      Bucket bucket = lookup(registry, "shopping").orElseThrow();

      bucket.put("milk", "1");
      assertThat(bucket.get("milk")).contains("1");
    }

    @Test
    void keepsADeadBucket(Node node) {
      ServerRef<Request> registry = NaiveRegistry.start(node);
      create(registry, "shopping");
      Bucket bucket = lookup(registry, "shopping").orElseThrow();

      bucket.stop();

      assertThat(bucket.isAlive()).isFalse();
      assertThat(lookup(registry, "shopping")).contains(bucket); // the flaw
    }
  }

  @Nested
  class TheMonitoringRegistry {
    @Test
    @DisplayName("CC-025: the registry forgets a bucket once the bucket's Down arrives")
    void removesBucketsOnExit(Node node) {
      ServerRef<Request> registry = MonitoringRegistry.start(node);
      create(registry, "shopping");
      Bucket bucket = lookup(registry, "shopping").orElseThrow();

      bucket.stop();

      // CC-004: the registry's Down and this test's next call come from different processes,
      // so nothing orders them; wait until the registry has handled its Down.
      Await.until("the registry forgets shopping", () -> lookup(registry, "shopping").isEmpty());
    }

    @Test
    @DisplayName("CC-012: a linked bucket that stops normally leaves the registry running")
    void aBucketThatStopsNormallyLeavesTheRegistry(Node node, ProcessContext<Object> me) {
      ServerRef<Request> registry = MonitoringRegistry.start(node);
      MonitorRef watch = me.monitor(registry.whereis().orElseThrow());
      create(registry, "shopping");
      Bucket bucket = lookup(registry, "shopping").orElseThrow();

      bucket.stop();                                // reason normal

      Await.until("the registry forgets shopping", () -> lookup(registry, "shopping").isEmpty());
      assertThat(me.demonitor(watch)).as("the registry is alive: its monitor had not fired").isTrue();
    }

    @Test
    @DisplayName("CC-013: a linked bucket that crashes takes the registry down with the same reason")
    void aCrashingBucketTakesTheRegistryDown(Node node, ProcessContext<Object> me) {
      ServerRef<Request> registry = MonitoringRegistry.start(node);
      MonitorRef watch = me.monitor(registry.whereis().orElseThrow());
      create(registry, "shopping");
      create(registry, "groceries");
      Bucket shopping = lookup(registry, "shopping").orElseThrow();
      MonitorRef groceries = me.monitor(lookup(registry, "groceries").orElseThrow().pid());

      shopping.stop(ExitReason.SHUTDOWN);           // the guide's simulated crash

      assertThat(awaitExit(me, watch)).isEqualTo(ExitReason.SHUTDOWN);
      assertThat(awaitExit(me, groceries)).as("another bucket, linked to the registry").isEqualTo(ExitReason.SHUTDOWN);
    }
  }
}
