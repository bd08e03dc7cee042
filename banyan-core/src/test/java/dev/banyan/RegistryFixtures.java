package dev.banyan;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Function;

/** Helpers of the Registry tests: a process that runs the test's actions in itself. */
final class RegistryFixtures {
  /** How long a test waits for something that must happen. */
  static final Duration WAIT = Duration.ofSeconds(5);

  /** How long a test waits to show that something does NOT happen. */
  static final Duration NOTHING = Duration.ofMillis(200);

  private RegistryFixtures() {}

  /**
   * A process that runs, in itself, the actions the test sends it, one at a time, and answers
   * with their results: the test can then register and unregister other processes than itself.
   */
  static final class Puppet {
    private record Act(Function<ProcessContext<Object>, Object> action) {}

    private record Done(Pid<?> from, Object result) {}

    private record Failed(Throwable error) {}

    private static final Object OK = new Object();

    final Pid<Object> pid;
    private final ProcessContext<Object> me;

    private Puppet(Pid<Object> pid, ProcessContext<Object> me) {
      this.pid = pid;
      this.me = me;
    }

    /** Spawns a puppet of the test process {@code me}. */
    static Puppet spawn(Node node, ProcessContext<Object> me) {
      Pid<Object> test = me.self();
      Pid<Object> pid =
          node.spawn(
              ctx -> {
                for (; ; ) {
                  Act act = ctx.receive(Act.class);
                  Object result;
                  try {
                    result = act.action().apply(ctx);
                  } catch (RuntimeException e) {
                    result = new Failed(e);
                  }
                  test.send(new Done(ctx.self(), result));
                }
              });
      return new Puppet(pid, me);
    }

    /** Runs {@code action} in the puppet and returns its result. */
    @SuppressWarnings("unchecked")
    <R> R run(Function<ProcessContext<Object>, R> action) {
      Object result = outcome(action);
      if (result instanceof Failed f) {
        throw new AssertionError("the puppet " + pid + " failed", f.error());
      }
      return (R) result;
    }

    /** Runs {@code action}, which returns nothing, in the puppet. */
    void does(Consumer<ProcessContext<Object>> action) {
      run(
          ctx -> {
            action.accept(ctx);
            return OK;
          });
    }

    /** Runs {@code action} in the puppet and returns what it threw. */
    Throwable fails(Consumer<ProcessContext<Object>> action) {
      Object result =
          outcome(
              ctx -> {
                action.accept(ctx);
                return OK;
              });
      if (result instanceof Failed f) {
        return f.error();
      }
      throw new AssertionError("the puppet's action did not fail");
    }

    private Object outcome(Function<ProcessContext<Object>, ?> action) {
      @SuppressWarnings("unchecked")
      Function<ProcessContext<Object>, Object> a = (Function<ProcessContext<Object>, Object>) action;
      pid.send(new Act(a));
      return me.receive(Done.class, d -> d.from().equals(pid), WAIT)
          .orElseThrow(() -> new AssertionError("the puppet " + pid + " did not answer"))
          .result();
    }

    /** Kills the puppet and returns once it is dead (its Down received). */
    Down kill() {
      MonitorRef ref = me.monitor(pid);
      me.exit(pid, ExitReason.KILL);
      return me.receive(Down.class, d -> d.ref().equals(ref), WAIT)
          .orElseThrow(() -> new AssertionError("the puppet " + pid + " did not die"));
    }
  }

  /** Waits for the Down of {@code pid}, monitored now. */
  static Down awaitDown(ProcessContext<Object> me, Pid<?> pid) {
    MonitorRef ref = me.monitor(pid);
    return me.receive(Down.class, d -> d.ref().equals(ref), WAIT)
        .orElseThrow(() -> new AssertionError(pid + " did not die"));
  }
}
