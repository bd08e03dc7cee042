package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's first example, compiled and run: keep the two in step. */
@Timeout(10)
class ReadmeExampleTest {

  // @start region="readme"
  record Work(String item) {}

  static List<String> example() {
    List<String> printed = new ArrayList<>();
    try (Node node = Node.start();
        AttachedProcess<Object> me = node.attach()) {
      me.trapExit(true); // turn a linked process's death into a message

      Pid<Work> worker = me.spawnLink(ctx -> {
        while (true) {
          Work w = ctx.receive(Work.class);
          if (w.item().isEmpty()) {
            throw new IllegalArgumentException("empty work item");
          }
          printed.add("worked on " + w.item());
        }
      });
      MonitorRef watch = me.monitor(worker);

      worker.send(new Work("apples"));
      worker.send(new Work(""));                       // this one crashes the worker

      Exit exit = me.receive(Exit.class);               // the link: {'EXIT', Worker, Reason}
      Down down = me.receive(Down.class, d -> d.ref().equals(watch), Duration.ofSeconds(5))
          .orElseThrow();                               // the monitor: {'DOWN', Ref, ...}
      printed.add("link says " + exit.reason());
      printed.add("monitor says " + down.reason());
    }
    return printed;
  }
  // @end

  @Test
  void theReadmeExampleRunsAsDescribed() {
    List<String> printed = example();
    assertThat(printed).hasSize(3);
    assertThat(printed.get(0)).isEqualTo("worked on apples");
    assertThat(printed.get(1)).startsWith("link says {java.lang.IllegalArgumentException: empty work item");
    assertThat(printed.get(2)).startsWith("monitor says {java.lang.IllegalArgumentException");
  }
}
