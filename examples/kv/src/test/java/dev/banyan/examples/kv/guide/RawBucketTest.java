package dev.banyan.examples.kv.guide;

import static dev.banyan.testkit.BanyanAssertions.assertReceive;
import static dev.banyan.testkit.BanyanAssertions.awaitExit;
import static dev.banyan.testkit.BanyanAssertions.refuteReceive;
import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.Exit;
import dev.banyan.ExitReason;
import dev.banyan.MonitorRef;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import dev.banyan.Spawned;
import dev.banyan.examples.kv.guide.RawBucket.Get;
import dev.banyan.examples.kv.guide.RawBucket.Put;
import dev.banyan.examples.kv.guide.RawBucket.Request;
import dev.banyan.examples.kv.guide.RawBucket.Value;
import dev.banyan.testkit.BanyanTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** docs/guide.md, "Processes": what the guide says a bucket as a plain process does. */
@BanyanTest
@Timeout(30)
class RawBucketTest {

  private static final ExitReason BOOM = new ExitReason.Crashed(new IllegalStateException("boom"));

  @Test
  @DisplayName("CC-003: a bucket process stores values by key; a Get sent after a Put sees it")
  void storesValuesByKey(Node node, ProcessContext<Object> me) {
    Pid<Request> bucket = RawBucket.start(node);
    assertThat(RawBucket.get(me, bucket, "milk")).isEmpty();

    bucket.send(new Put("milk", "3"));
    bucket.send(new Get("milk", me.self()));     // from the same sender: arrives after the Put
    Value answer = me.receive(Value.class);

    assertThat(answer.value()).contains("3");
  }

  @Test
  @DisplayName("CC-005: the client's receive takes the bucket's answer and leaves other messages in place")
  void getLeavesOtherMessagesInTheMailbox(Node node, ProcessContext<Object> me) {
    Pid<Request> bucket = RawBucket.start(node);
    bucket.send(new Put("milk", "3"));
    me.self().send("an unrelated message");      // already waiting when the answer comes

    assertThat(RawBucket.get(me, bucket, "milk")).contains("3");

    assertThat(assertReceive(me, String.class)).isEqualTo("an unrelated message");
  }

  @Test
  @DisplayName("CC-013: a trapping process linked to a crashed bucket gets an Exit message")
  void aTrappingLinkedProcessGetsAnExit(ProcessContext<Object> me) {
    me.trapExit(true);
    Pid<Request> bucket = RawBucket.startLink(me);

    me.exit(bucket, BOOM);

    Exit exit = assertReceive(me, Exit.class);
    assertThat(exit.from()).isEqualTo(bucket);
    assertThat(exit.reason()).isEqualTo(BOOM);
  }

  @Test
  @DisplayName("CC-013: a process linked to a crashed bucket that does not trap dies with the same reason")
  void aLinkedProcessDiesWithTheBucket(ProcessContext<Object> me) {
    Pid<Object> test = me.self();
    Spawned<Object> client =
        me.spawnMonitor(
            self -> {
              Pid<Request> bucket = RawBucket.startLink(self);
              test.send(bucket);                      // tell the test which bucket
              self.receive();                         // and wait: only the link ends it
            });
    @SuppressWarnings("unchecked")
    Pid<Request> bucket = me.receive(Pid.class);

    me.exit(bucket, BOOM);

    assertThat(awaitExit(me, client.ref())).isEqualTo(BOOM);
  }

  @Test
  @DisplayName("CC-025: a monitor reports the bucket's death and leaves the watcher alive")
  void aMonitorReportsTheDeath(Node node, ProcessContext<Object> me) {
    Pid<Request> bucket = RawBucket.start(node);
    MonitorRef watch = me.monitor(bucket);

    node.exit(bucket, BOOM);

    assertThat(awaitExit(me, watch)).isEqualTo(BOOM);
    assertThat(me.self().isAlive()).isTrue();
  }

  @Test
  @DisplayName("CC-008: a Get sent to a dead bucket vanishes: a client without a monitor or timeout would wait forever")
  void aGetToADeadBucketVanishes(Node node, ProcessContext<Object> me) {
    Pid<Request> bucket = RawBucket.start(node);
    node.exit(bucket, ExitReason.KILL);

    bucket.send(new Get("milk", me.self()));     // no error

    refuteReceive(me, Value.class);
  }
}
