package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The classic examples of the GenServer docs, compiled and run: keep them in step with the javadoc. */
@Timeout(10)
class GenServerExamplesTest {

  // The Stack server: push is a cast, pop is a call; pop on an empty stack crashes the server.
  sealed interface StackMsg {}

  record Push(String item) implements StackMsg {}

  record Pop(ReplyTo<String> replyTo) implements StackMsg {}

  static final class Stack implements GenServer<List<String>, StackMsg> {
    private final List<String> initial;

    Stack(List<String> initial) {
      this.initial = List.copyOf(initial);
    }

    @Override
    public Init<List<String>> init(ProcessContext<Object> self) {
      return Init.ok(initial);
    }

    @Override
    public Result<List<String>> handleCall(StackMsg msg, List<String> stack) {
      return switch (msg) {
        // On an empty stack getFirst() throws: the server crashes, and the caller is told why.
        case Pop pop -> Result.reply(pop.replyTo(), stack.getFirst(), stack.subList(1, stack.size()));
        case Push push -> throw new IllegalArgumentException("push is a cast: " + push);
      };
    }

    @Override
    public Result<List<String>> handleCast(StackMsg msg, List<String> stack) {
      return switch (msg) {
        case Push push -> {
          List<String> pushed = new ArrayList<>(stack.size() + 1);
          pushed.add(push.item());
          pushed.addAll(stack);
          yield Result.noreply(List.copyOf(pushed));
        }
        case Pop pop -> throw new IllegalArgumentException("pop is a call: " + pop);
      };
    }
  }

  @Test
  void theStackPushesPopsAndCrashesOnAnEmptyPop() {
    try (Node node = Node.start()) {
      ServerRef<StackMsg> stack = GenServer.start(node, new Stack(List.of("hello"))).orElseThrow();
      stack.cast(new Push("world"));
      assertThat(stack.call(Pop::new)).isEqualTo("world");
      assertThat(stack.call(Pop::new)).isEqualTo("hello");
      assertThatThrownBy(() -> stack.call(Pop::new))
          .isInstanceOfSatisfying(
              CallException.class,
              e -> {
                assertThat(e.failure()).isInstanceOf(ExitReason.Crashed.class);
                assertThat(((ExitReason.Crashed) e.failure()).cause())
                    .isInstanceOf(NoSuchElementException.class);
              });
      assertThat(stack.whereis()).isEmpty();
    }
  }

  // The counter: a named server with an increment cast and a get call.
  sealed interface CounterMsg {}

  record Inc(int by) implements CounterMsg {}

  record Get(ReplyTo<Integer> replyTo) implements CounterMsg {}

  static final class Counter implements GenServer<Integer, CounterMsg> {
    @Override
    public Init<Integer> init(ProcessContext<Object> self) {
      return Init.ok(0);
    }

    @Override
    public Result<Integer> handleCall(CounterMsg msg, Integer count) {
      return switch (msg) {
        case Get get -> Result.reply(get.replyTo(), count, count);
        case Inc inc -> Result.noreply(count);
      };
    }

    @Override
    public Result<Integer> handleCast(CounterMsg msg, Integer count) {
      return switch (msg) {
        case Inc inc -> Result.noreply(count + inc.by());
        case Get get -> Result.noreply(count);
      };
    }
  }

  @Test
  void theCounterCountsByName() {
    try (Node node = Node.start()) {
      GenServer.start(node, new Counter(), GenServer.Options.named("counter")).orElseThrow();
      ServerRef<CounterMsg> counter = ServerRef.named(node, "counter");
      counter.cast(new Inc(2));
      counter.cast(new Inc(3));
      assertThat(counter.call(Get::new, Duration.ofSeconds(1))).isEqualTo(5);
      counter.stop();
      assertThatThrownBy(() -> counter.call(Get::new))
          .isInstanceOfSatisfying(
              CallException.class, e -> assertThat(e.failure()).isEqualTo(ExitReason.NOPROC));
    }
  }
}
