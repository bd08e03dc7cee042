package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.GenServerExamplesTest.Pop;
import dev.banyan.GenServerExamplesTest.Push;
import dev.banyan.GenServerExamplesTest.Stack;
import dev.banyan.GenServerExamplesTest.StackMsg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The examples of Registry's javadoc, compiled and run: keep them in step with the javadoc. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RegistryExamplesTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  record News(String text) {}

  /** What a subscriber tells the test: that it subscribed, then what it read. */
  record Subscribed(Pid<?> subscriber) {}

  record Read(Pid<?> subscriber, News news) {}

  @Test
  void publishSubscribeWithDuplicateKeysAndDispatch() {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> test = me.self();
      Registry<String, Pid<News>> topics =
          Registry.startLink(me, Registry.Options.duplicate().withPartitions(4));

      // A subscriber: it registers itself under the topic, then reads the news. (Here it also
      // tells the test when it has subscribed and what it read.)
      ProcessBody<News> subscriber =
          self -> {
            topics.register(self, "weather", self.self());
            test.send(new Subscribed(self.self()));
            News news = self.receive(News.class);
            test.send(new Read(self.self(), news));
          };
      List<Pid<News>> subscribers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        subscribers.add(node.spawn(subscriber));
      }
      for (int i = 0; i < 8; i++) {
        assertThat(me.receive(Subscribed.class, WAIT)).isPresent();
      }

      // A publisher, on any thread: once per partition, with that partition's subscribers.
      topics.dispatch("weather", subs -> subs.forEach(s -> s.value().send(new News("sunny"))));

      List<Pid<?>> readers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        Read read = me.receive(Read.class, WAIT).orElseThrow();
        assertThat(read.news()).isEqualTo(new News("sunny"));
        readers.add(read.subscriber());
      }
      assertThat(readers).containsExactlyInAnyOrderElementsOf(subscribers);
      assertThat(topics.lookup("rain")).isEmpty();
    }
  }

  @Test
  void namingServersWithAUniqueRegistry() {
    try (Node node = Node.start()) {
      Registry<String, Object> names = Registry.start(node, Registry.Options.unique());
      GenServer.start(node, new Stack(List.of()), GenServer.Options.via(names, "stack"));
      ServerRef<StackMsg> stack = ServerRef.via(names, "stack");
      stack.cast(new Push("hello"));
      assertThat(stack.<String>call(Pop::new)).isEqualTo("hello");
    }
  }
}
