package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class AliasTest {
  private static final Duration NOTHING = Duration.ofMillis(150);

  @Nested
  class AliasAndUnalias {
    @Test
    @DisplayName("CC-032: messages to an active alias arrive; after unalias new ones are dropped, queued ones stay")
    void unaliasDropsNewMessagesButKeepsQueuedOnes() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Alias<String> alias = me.alias();
        alias.send("before");
        assertThat(me.unalias(alias)).isTrue();
        alias.send("after");
        Pid<Object> other = node.spawn(c -> alias.send("from another process"));
        me.monitor(other);
        me.receive(Down.class);
        assertThat(me.receive(String.class, NOTHING)).contains("before");
        assertThat(me.receive(String.class, NOTHING)).isEmpty();
        assertThat(me.unalias(alias)).isFalse();
      }
    }

    @Test
    void onlyTheCreatorCanUnalias() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Alias<String> alias = me.alias();
        Spawned<Object> s =
            me.spawnMonitor(
                c -> {
                  IllegalArgumentException e =
                      assertThrows(IllegalArgumentException.class, () -> c.unalias(alias));
                  throw new ExitException(ExitReason.of(e.getMessage()));
                });
        Down down = me.receive(Down.class);
        assertThat(down.reason().toString()).contains("only its creator", me.self().toString());
      }
    }
  }

  @Nested
  class AliasMonitors {
    @Test
    @DisplayName("CC-032: a {alias, demonitor} alias stops working when the monitor is removed")
    void demonitorDeactivatesTheAlias() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> server = node.spawn(c -> c.receive());
        AliasMonitor<String> am = me.aliasMonitor(server, Alias.Mode.DEMONITOR);
        am.alias().send("one");
        assertThat(me.demonitor(am.ref())).isTrue();
        am.alias().send("two");
        assertThat(me.receive(String.class, NOTHING)).contains("one");
        assertThat(me.receive(String.class, NOTHING)).isEmpty();
        node.exit(server, ExitReason.KILL);
      }
    }

    @Test
    @DisplayName("CC-032: a {alias, demonitor} alias stops working when the monitor fires")
    void firingDeactivatesTheAlias() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> server = node.spawn(c -> c.receive());
        AliasMonitor<String> am = me.aliasMonitor(server, Alias.Mode.DEMONITOR);
        node.exit(server, ExitReason.KILL);
        Down down = me.receive(Down.class);
        assertThat(down.ref()).isEqualTo(am.ref());
        am.alias().send("late");
        assertThat(me.receive(String.class, NOTHING)).isEmpty();
      }
    }

    @Test
    @DisplayName("reply_demonitor: the first reply deactivates the alias and removes the monitor")
    void firstReplyDeactivatesAndDemonitors() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> server =
            node.spawn(
                c -> {
                  @SuppressWarnings("unchecked")
                  Alias<String> replyTo = (Alias<String>) c.receive(Alias.class);
                  replyTo.send("reply");
                  replyTo.send("second reply");
                  c.receive(); // wait to be killed
                });
        AliasMonitor<String> call = me.aliasMonitor(server, Alias.Mode.REPLY_DEMONITOR);
        server.send(call.alias());
        assertThat(me.receive(String.class)).isEqualTo("reply");
        node.exit(server, ExitReason.KILL);
        // The monitor is gone: no Down, and the second reply was dropped.
        assertThat(me.receive(Object.class, NOTHING)).isEmpty();
        assertThat(me.demonitor(call.ref())).isFalse();
      }
    }

    @Test
    void aliasMonitorOfADeadProcessGivesNoprocAndADeadAlias() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Spawned<Object> gone = me.spawnMonitor(c -> {});
        me.receive(Down.class);
        AliasMonitor<String> am = me.aliasMonitor(gone.pid(), Alias.Mode.DEMONITOR);
        Down down = me.receive(Down.class);
        assertThat(down).isEqualTo(new Down(am.ref(), gone.pid(), ExitReason.NOPROC));
        am.alias().send("x");
        assertThat(me.receive(String.class, NOTHING)).isEmpty();
      }
    }
  }
}
