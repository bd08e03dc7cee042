package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.GenServerExamplesTest.CounterMsg;
import dev.banyan.GenServerExamplesTest.Get;
import dev.banyan.GenServerExamplesTest.Inc;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The example of docs/applications.md, compiled and run. */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ApplicationExamplesTest {

  // @start region="counter-app"
  /** A counter that starts at a given value. */
  static final class Counter implements GenServer<Integer, CounterMsg> {
    private final int initial;

    Counter(int initial) {
      this.initial = initial;
    }

    @Override
    public Init<Integer> init(ProcessContext<Object> self) {
      return Init.ok(initial);
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

  /** The application: a supervised counter registered as "counter", starting at env "initial". */
  static final class CounterApp implements Application {
    @Override
    public Started start(ApplicationContext app) {
      int initial = app.fetchEnv("initial", Integer.class);
      return app.startSupervisor(
          Supervisor.Flags.oneForOne(),
          List.of(
              ChildSpec.worker(
                  "counter",
                  ChildStart.genServer(() -> new Counter(initial), GenServer.Options.named("counter")))));
    }

    @Override
    public void stop(Object state) {
      System.out.println("counter stopped");
    }
  }

  static final ApplicationSpec UTIL = ApplicationSpec.library("util");

  static final ApplicationSpec COUNTER =
      ApplicationSpec.of("counter", CounterApp::new)
          .withVersion("1.0.0")
          .withDescription("a supervised counter")
          .withDependencies("util")
          .withEnv("initial", 0);
  // @end

  @Test
  void theCounterApplicationRunsAndStops() {
    // @start region="counter-run"
    try (Node node = Node.start()) {
      Applications apps = node.applications();
      apps.load(UTIL);
      apps.load(COUNTER);
      apps.putEnv("counter", "initial", 40); // or -Dbanyan.counter.initial=40, BANYAN_COUNTER_INITIAL=40

      List<String> started = apps.ensureAllStarted("counter", Application.Type.PERMANENT);
      System.out.println(started); // [util, counter]

      ServerRef<CounterMsg> counter = ServerRef.named(node, "counter");
      counter.cast(new Inc(2));
      int answer = counter.call(Get::new);
      System.out.println(answer); // 42

      apps.stop("counter"); // the tree goes down, then CounterApp.stop runs
    } // stopping the node stops "util" (and anything still running), in reverse start order
    // @end
  }

  @Test
  void theExampleDoesWhatItsCommentsSay() {
    try (Node node = Node.start()) {
      Applications apps = node.applications();
      apps.load(UTIL);
      apps.load(COUNTER);
      apps.putEnv("counter", "initial", 40);

      assertThat(apps.ensureAllStarted("counter", Application.Type.PERMANENT)).containsExactly("util", "counter");
      ServerRef<CounterMsg> counter = ServerRef.named(node, "counter");
      counter.cast(new Inc(2));
      assertThat((int) counter.call(Get::new)).isEqualTo(42);

      apps.stop("counter");
      assertThat(node.whereis("counter")).isEmpty();
      assertThat(apps.which()).extracting(Applications.RunningApplication::name).containsExactly("util");
    }
  }
}
