package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.banyan.GenServer.Init;
import dev.banyan.GenServer.Result;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * What the GenServer tests share: a request type, a server whose callbacks each test scripts, and
 * waiting helpers. The server records every callback in {@link Scripted#events}, so a test can
 * assert the exact order of what the loop did.
 */
final class GenServerFixtures {
  /** How long a test waits to show that something does NOT happen. */
  static final Duration NOTHING = Duration.ofMillis(200);

  /** How long a test waits for something that must happen. */
  static final Duration WAIT = Duration.ofSeconds(5);

  /** Forever, for a call or stop: a duration too long to count in nanoseconds. */
  static final Duration INFINITY = Duration.ofNanos(Long.MAX_VALUE);

  private GenServerFixtures() {}

  /** The requests of {@link Scripted}. */
  sealed interface Req {}

  /** Call: answers the state. */
  record Get(ReplyTo<String> replyTo) implements Req {}

  /** Call: answers {@code text}. */
  record Echo(String text, ReplyTo<String> replyTo) implements Req {}

  /** Cast: the state becomes {@code value}. */
  record Put(String value) implements Req {}

  /** Call handled by {@code fn}: the test gives the behaviour of handleCall. */
  record CallDo(String label, CallFn fn, ReplyTo<String> replyTo) implements Req {
    @Override
    public String toString() {
      return "CallDo[" + label + "]";
    }
  }

  /** Cast handled by {@code fn}: the test gives the behaviour of handleCast. */
  record CastDo(String label, CastFn fn) implements Req {
    @Override
    public String toString() {
      return "CastDo[" + label + "]";
    }
  }

  @FunctionalInterface
  interface CallFn {
    Result<String> apply(ReplyTo<String> to, String state) throws Exception;
  }

  @FunctionalInterface
  interface CastFn {
    Result<String> apply(String state) throws Exception;
  }

  @FunctionalInterface
  interface InitFn {
    Init<String> apply(ProcessContext<Object> self) throws Exception;
  }

  @FunctionalInterface
  interface MessageFn {
    Result<String> apply(Object message, String state) throws Exception;
  }

  @FunctionalInterface
  interface TerminateFn {
    void apply(ExitReason reason, String state) throws Exception;
  }

  /** {@return the request factory of a call handled by {@code fn}}, for {@code server.call(...)} */
  static Function<ReplyTo<String>, Req> doing(String label, CallFn fn) {
    return to -> new CallDo(label, fn, to);
  }

  /** {@return the request factory of an Echo call} */
  static Function<ReplyTo<String>, Req> echo(String text) {
    return to -> new Echo(text, to);
  }

  /**
   * A server of String state whose callbacks are scripted by the test. Every callback first
   * records what it was given in {@link #events}: {@code init}, {@code call:<label>}, {@code
   * cast:<label>}, {@code info:<message>}, {@code continue:<argument>}, {@code terminate:<reason>
   * <state>}.
   */
  static final class Scripted implements GenServer<String, Req> {
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    volatile Pid<Object> pid; // set by init
    private InitFn onInit = self -> Init.ok("s0");
    private MessageFn onInfo = (m, s) -> Result.noreply(s);
    private MessageFn onContinue = (c, s) -> Result.noreply(s);
    private TerminateFn onTerminate = (r, s) -> {};

    Scripted onInit(InitFn f) {
      onInit = f;
      return this;
    }

    Scripted onInfo(MessageFn f) {
      onInfo = f;
      return this;
    }

    Scripted onContinue(MessageFn f) {
      onContinue = f;
      return this;
    }

    Scripted onTerminate(TerminateFn f) {
      onTerminate = f;
      return this;
    }

    @Override
    public Init<String> init(ProcessContext<Object> self) throws Exception {
      pid = self.self();
      events.add("init");
      return onInit.apply(self);
    }

    @Override
    public Result<String> handleCall(Req request, String state) throws Exception {
      return switch (request) {
        case Get g -> {
          events.add("call:get");
          yield Result.reply(g.replyTo(), state, state);
        }
        case Echo e -> {
          events.add("call:echo " + e.text());
          yield Result.reply(e.replyTo(), e.text(), state);
        }
        case CallDo d -> {
          events.add("call:" + d.label());
          yield d.fn().apply(d.replyTo(), state);
        }
        case Put p -> throw new IllegalArgumentException("Put is a cast: " + p);
        case CastDo d -> throw new IllegalArgumentException("CastDo is a cast: " + d);
      };
    }

    @Override
    public Result<String> handleCast(Req request, String state) throws Exception {
      return switch (request) {
        case Put p -> {
          events.add("cast:put " + p.value());
          yield Result.noreply(p.value());
        }
        case CastDo d -> {
          events.add("cast:" + d.label());
          yield d.fn().apply(state);
        }
        default -> throw new IllegalArgumentException("a call, not a cast: " + request);
      };
    }

    @Override
    public Result<String> handleInfo(Object message, String state) throws Exception {
      events.add("info:" + message);
      return onInfo.apply(message, state);
    }

    @Override
    public Result<String> handleContinue(Object argument, String state) throws Exception {
      events.add("continue:" + argument);
      return onContinue.apply(argument, state);
    }

    @Override
    public void terminate(ExitReason reason, String state) throws Exception {
      events.add("terminate:" + reason + " " + state);
      onTerminate.apply(reason, state);
    }

    /** {@return the events so far}, as a list */
    List<String> eventList() {
      return List.copyOf(events);
    }

    /** {@return the next event}, failing the test if none comes in {@link #WAIT} */
    String nextEvent() throws InterruptedException {
      String e = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (e == null) {
        fail("no event within " + WAIT + "; events so far: " + events);
      }
      return e;
    }
  }

  /** Waits for {@code latch}, failing (an AssertionError) if it is not released in {@link #WAIT}. */
  static void await(CountDownLatch latch) throws InterruptedException {
    assertThat(latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
        .as("latch released within %s", WAIT)
        .isTrue();
  }

  /** {@return the Down of the monitor {@code ref}}, failing if it does not come in {@link #WAIT} */
  static Down downOf(ProcessContext<?> me, MonitorRef ref) {
    return me.receive(Down.class, d -> d.ref().equals(ref), WAIT)
        .orElseThrow(() -> new AssertionError("no Down for " + ref + " within " + WAIT));
  }

  /**
   * Waits until {@code pid} has at least {@code n} messages queued: for a test that must know a
   * request sent by another process (a call blocks its sender) is queued before it goes on. It
   * polls the process info, which is the only way to observe a queue without receiving from it.
   */
  static void awaitMailboxLength(Node node, Pid<?> pid, int n) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (; ; ) {
      int length = node.processInfo(pid).map(ProcessInfo::mailboxLength).orElse(-1);
      if (length >= n) {
        return;
      }
      if (length < 0 || System.nanoTime() - deadline > 0) {
        fail(pid + " has " + length + " messages queued, not " + n);
      }
      LockSupport.parkNanos(1_000_000L);
    }
  }

  /** Monitors {@code pid} and {@return the reason it exits with} */
  static ExitReason exitReasonOf(ProcessContext<?> me, Pid<?> pid) {
    return downOf(me, me.monitor(pid)).reason();
  }

  /**
   * Spawns a process that traps exits and forwards every {@link Exit} it gets to {@code me}: link
   * a server to it (for example in init) to learn the server's exit reason even when the starter
   * cannot monitor it. Returns once the forwarder traps exits.
   */
  static Pid<Object> exitForwarder(ProcessContext<Object> me) {
    Pid<Object> to = me.self();
    Pid<Object> forwarder =
        me.spawn(
            c -> {
              c.trapExit(true);
              c.send(to, "forwarder ready");
              for (; ; ) {
                Exit e = c.receive(Exit.class);
                c.send(to, new Forwarded(e));
              }
            });
    assertThat(me.receive(String.class, s -> s.equals("forwarder ready"), WAIT)).isPresent();
    return forwarder;
  }

  /** An Exit received by an {@link #exitForwarder}. */
  record Forwarded(Exit exit) {}

  /** {@return the Exit from {@code from} forwarded by an {@link #exitForwarder}} */
  static Exit forwardedExit(ProcessContext<?> me, Pid<?> from) {
    return me.receive(Forwarded.class, f -> f.exit().from().equals(from), WAIT)
        .orElseThrow(() -> new AssertionError("no Exit from " + from + " within " + WAIT))
        .exit();
  }

  /**
   * Spawns a process that calls {@code server} with {@code request} (timeout {@link #WAIT}) and
   * sends {@code me} the {@link Outcome}; read it with {@link #outcomeOf}.
   */
  static Pid<Object> callInBackground(
      ProcessContext<Object> me, ServerRef<Req> server, Function<ReplyTo<String>, Req> request) {
    Pid<Object> to = me.self();
    return me.spawn(
        c -> {
          Outcome outcome;
          try {
            outcome = new Outcome(c.self(), server.call(request, WAIT), null);
          } catch (CallException e) {
            outcome = new Outcome(c.self(), null, e);
          }
          c.send(to, outcome);
        });
  }

  /** What a {@link #callInBackground} got: the answer, or the failure. */
  record Outcome(Pid<?> caller, String answer, CallException failure) {}

  /** {@return the Outcome of the call made by {@code caller}} */
  static Outcome outcomeOf(ProcessContext<?> me, Pid<?> caller) {
    return me.receive(Outcome.class, o -> o.caller().equals(caller), WAIT)
        .orElseThrow(() -> new AssertionError("no call outcome from " + caller + " within " + WAIT));
  }
}
