package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A node's table of processes ({@link ProcessTable}): adds, removes and snapshots. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessTableTest {

  private static List<ProcessRecord<Object>> records(Node node, int n) {
    List<ProcessRecord<Object>> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(new ProcessRecord<>(node, i, self -> {}));
    }
    return out;
  }

  @Test
  @DisplayName("a snapshot holds what was added and not removed; a second remove does nothing")
  void addRemoveSnapshot() {
    Node node = new Node("table@test");
    try {
      ProcessTable table = new ProcessTable();
      List<ProcessRecord<Object>> rs = records(node, 300); // several to a stripe
      rs.forEach(table::add);
      assertThat(table.snapshot()).containsExactlyInAnyOrderElementsOf(rs);
      Set<ProcessRecord<?>> kept = new HashSet<>(rs);
      for (int i = 0; i < rs.size(); i += 3) { // heads, middles and tails of the stripes' lists
        table.remove(rs.get(i));
        table.remove(rs.get(i)); // again: nothing
        kept.remove(rs.get(i));
      }
      assertThat(table.snapshot()).containsExactlyInAnyOrderElementsOf(kept);
      kept.forEach(table::remove);
      assertThat(table.snapshot()).isEmpty();
      ProcessRecord<Object> back = rs.get(7);
      table.add(back); // a removed record can be added again
      assertThat(table.snapshot()).containsExactly(back);
    } finally {
      node.stop();
    }
  }

  @Test
  @DisplayName("adds and removes from 4 threads at once lose nothing and keep nothing removed")
  void concurrentAddsAndRemoves() throws Exception {
    Node node = new Node("table@test");
    try {
      ProcessTable table = new ProcessTable();
      int perThread = 20_000;
      List<List<ProcessRecord<Object>>> parts = new ArrayList<>();
      List<ProcessRecord<Object>> all = records(node, 4 * perThread);
      for (int t = 0; t < 4; t++) {
        parts.add(all.subList(t * perThread, (t + 1) * perThread));
      }
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (List<ProcessRecord<Object>> part : parts) {
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        go.await();
                      } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                      }
                      for (int i = 0; i < part.size(); i++) {
                        table.add(part.get(i));
                        if (i % 2 == 1) {
                          table.remove(part.get(i - 1)); // every even-indexed one goes again
                        }
                      }
                    }));
      }
      go.countDown();
      for (Thread t : threads) {
        t.join();
      }
      List<ProcessRecord<Object>> expected = new ArrayList<>();
      for (List<ProcessRecord<Object>> part : parts) {
        for (int i = 1; i < part.size(); i += 2) {
          expected.add(part.get(i));
        }
      }
      assertThat(table.snapshot()).containsExactlyInAnyOrderElementsOf(expected);
    } finally {
      node.stop();
    }
  }
}
