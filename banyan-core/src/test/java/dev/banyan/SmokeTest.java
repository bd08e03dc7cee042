package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SmokeTest {
  @Test
  void spawnLinkCrashGivesTrappingParentExit() {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      me.trapExit(true);
      Pid<Object> child = me.spawnLink(c -> { throw new ExitException(ExitReason.of("boom")); });
      Exit e = me.receive(Exit.class);
      assertThat(e.from()).isEqualTo(child);
      assertThat(e.reason()).isEqualTo(ExitReason.of("boom"));
    }
  }

  @Test
  void killBusyLoopIsReportedAtOnce() {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> spinner = node.spawn(c -> { while (true) { Thread.onSpinWait(); } });
      MonitorRef ref = me.monitor(spinner);
      node.register("spinner", spinner);
      me.exit(spinner, ExitReason.KILL);
      Down d = me.receive(Down.class);
      assertThat(d.ref()).isEqualTo(ref);
      assertThat(d.reason()).isEqualTo(ExitReason.KILLED);
      assertThat(node.whereis("spinner")).isEmpty();
      assertThat(node.zombies()).contains(spinner);
    }
  }

  @Test
  void selectiveReceive() {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      me.self().send("a");
      me.self().send("b");
      me.self().send(3);
      assertThat(me.receive(Integer.class)).isEqualTo(3);
      assertThat(me.receive()).isEqualTo("a");
      assertThat(me.receive(Duration.ZERO)).contains("b");
      assertThat(me.receive(Duration.ZERO)).isEmpty();
      assertThrows(BadArgException.class, () -> node.send("nobody", "x"));
    }
  }
}
