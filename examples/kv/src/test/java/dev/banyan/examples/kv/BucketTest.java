package dev.banyan.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.Node;
import dev.banyan.Restart;
import dev.banyan.testkit.BanyanTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The guide's {@code KV.BucketTest}. */
@BanyanTest
@Timeout(30)
class BucketTest {

  @Test
  void storesValuesByKey(Node node) {
    Bucket bucket = Bucket.start(node);
    assertThat(bucket.get("milk")).isEmpty();

    bucket.put("milk", "3");

    assertThat(bucket.get("milk")).contains("3");
  }

  @Test
  void deleteReturnsTheValueItHad(Node node) {
    Bucket bucket = Bucket.start(node);
    bucket.put("milk", "3");

    assertThat(bucket.delete("milk")).contains("3");
    assertThat(bucket.delete("milk")).isEmpty();
    assertThat(bucket.get("milk")).isEmpty();
  }

  @Test
  void putReplacesTheValue(Node node) {
    Bucket bucket = Bucket.start(node);
    bucket.put("milk", "3");
    bucket.put("milk", "4");

    assertThat(bucket.get("milk")).contains("4");
  }

  @Test
  void areTemporaryWorkers() {
    assertThat(Bucket.childSpec().restart()).isEqualTo(Restart.TEMPORARY);
  }
}
