package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Interrupts: threads Banyan does not own are cancelled by them; process threads are not. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InterruptTest {

  @Test
  void anInterruptCancelsTheReceiveOfAnAttachedThreadAndKeepsTheMailbox() throws Exception {
    try (Node node = Node.start()) {
      CompletableFuture<Object> outcome = new CompletableFuture<>();
      CompletableFuture<Pid<Object>> pid = new CompletableFuture<>();
      Thread host =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try (AttachedProcess<Object> me = node.attach()) {
                      pid.complete(me.self());
                      try {
                        me.receive(Integer.class); // only a String will come: blocks
                        outcome.complete("returned");
                      } catch (CancellationException e) {
                        boolean flag = Thread.interrupted();
                        outcome.complete(
                            flag + " " + me.receive(String.class, Duration.ZERO).orElse("lost"));
                      }
                    }
                  });
      Pid<Object> p = pid.get(5, TimeUnit.SECONDS);
      p.send("kept");
      awaitWaiting(node, p);
      host.interrupt();
      assertThat(outcome.get(5, TimeUnit.SECONDS)).isEqualTo("true kept");
      host.join();
    }
  }

  @Test
  void anInterruptCancelsACallFromAPlainThreadButNotTheServer() throws Exception {
    try (Node node = Node.start()) {
      ServerRef<GenServerExamplesTest.CounterMsg> counter =
          GenServer.start(node, new SilentCounter()).orElseThrow();
      CompletableFuture<Throwable> outcome = new CompletableFuture<>();
      Thread caller =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      counter.call(GenServerExamplesTest.Get::new, Duration.ofDays(1));
                    } catch (Throwable t) {
                      outcome.complete(t);
                    }
                  });
      awaitWaiting(node, counter.whereis().orElseThrow());
      caller.interrupt();
      assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
      assertThat(counter.whereis()).isPresent();
    }
  }

  @Test
  void aSpawnedProcessIgnoresAStrayInterruptInReceive() throws Exception {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      CompletableFuture<Thread> thread = new CompletableFuture<>();
      Pid<Object> me2 = me.self();
      Pid<Object> p =
          me.spawn(
              c -> {
                thread.complete(Thread.currentThread());
                String s = c.receive(String.class);
                me2.send("got " + s);
              });
      Thread t = thread.get(5, TimeUnit.SECONDS);
      awaitWaiting(node, p);
      t.interrupt();
      p.send("hello");
      assertThat(me.receive(String.class, Duration.ofSeconds(5))).contains("got hello");
      assertThatThrownBy(() -> me.receive(String.class, Duration.ZERO).orElseThrow())
          .isInstanceOf(java.util.NoSuchElementException.class);
    }
  }

  /** A counter whose calls are never answered, so that a caller waits. */
  static final class SilentCounter
      implements GenServer<Integer, GenServerExamplesTest.CounterMsg> {
    @Override
    public Init<Integer> init(ProcessContext<Object> self) {
      return Init.ok(0);
    }

    @Override
    public Result<Integer> handleCall(GenServerExamplesTest.CounterMsg msg, Integer state) {
      return Result.noreply(state);
    }
  }

  private static void awaitWaiting(Node node, Pid<?> pid) {
    // A poll (bounded by the class timeout): nothing signals that a process entered receive.
    while (node.processInfo(pid).map(i -> i.status() != ProcessInfo.Status.WAITING).orElse(true)) {
      Thread.yield();
    }
  }
}
