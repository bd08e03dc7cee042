package dev.banyan.observer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.Node;
import dev.banyan.Pid;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The observer with a million processes on the node: every answer of the API stays small, since
 * the process table is sorted and paged on the server and a supervisor lists at most 100
 * children. Bytes and milliseconds are printed; only the bytes are asserted (times depend on the
 * machine).
 */
@Tag("slow")
@Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ObserverScaleTest {
  private static final int PROCESSES = 1_000_000;
  private Node node;
  private Observer observer;
  private Client client;

  /** The message that ends the million idle processes. */
  record Stop() {}

  @BeforeEach
  void start() {
    node = Node.start("big@localhost");
    DemoTree tree = new DemoTree(node, 3);
    for (int i = 3; i < 1_000; i++) {
      tree.addBucket("bucket-" + i); // a dynamic supervisor with a thousand children
    }
    for (int i = 0; i < PROCESSES; i++) {
      node.spawn(ctx -> ctx.receive(Stop.class));
    }
    observer = Observer.start(node);
    client = new Client(observer.uri());
  }

  @AfterEach
  void stop() {
    if (observer != null) {
      observer.close();
    }
    node.stop();
  }

  @Test
  void apiAnswersStaySmallWithAMillionProcesses() {
    assertThat(node.processCount()).isGreaterThan(PROCESSES);
    Pid<?> counter = node.whereis(DemoTree.COUNTER).orElseThrow();
    measure("/api/system", 20_000);
    measure("/api/trees", 200_000);
    measure("/api/processes", 30_000);
    measure("/api/processes?sort=mailbox&dir=desc&limit=50", 30_000);
    measure("/api/processes?sort=received&dir=desc&offset=5000&limit=100", 60_000);
    measure("/api/processes?q=" + DemoTree.COUNTER, 5_000);
    measure("/api/process?pid=" + Client.enc(counter.toString()), 30_000);
    measure("/api/process?pid=" + Client.enc(node.whereis(DemoTree.BUCKETS).orElseThrow().toString()), 60_000);
    String page = client.json("/api/processes?limit=50").toString();
    assertThat(Client.parse(page).get("total").asInt()).isGreaterThan(PROCESSES);
    assertThat(Client.parse(page).get("rows")).hasSize(50);
  }

  private void measure(String path, int maxBytes) {
    long t0 = System.nanoTime();
    HttpResponse<String> r = client.get(path);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    int bytes = r.body().getBytes(StandardCharsets.UTF_8).length;
    System.out.printf("observer scale: %,d processes  GET %-70s %,8d bytes %,6d ms%n",
        node.processCount(), path, bytes, ms);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(bytes).as("bytes of " + path).isLessThanOrEqualTo(maxBytes);
  }
}
