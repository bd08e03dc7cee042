package dev.banyan.bench;

import dev.banyan.AttachedProcess;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of moving a message from one process to another and waking the receiver.
 *
 * <ul>
 *   <li>{@link #roundTripFromAttachedProcess()}: the benchmark thread (an attached process on a
 *       platform thread) sends a ping to an echo process and waits for the pong. One operation is
 *       one round trip, two hops.
 *   <li>{@link #roundTripBetweenProcesses()}: two spawned processes (both on virtual threads) play
 *       ping-pong {@value #ROUND_TRIPS} times per invocation; the score is per round trip.
 *   <li>{@link #ringHop()}: a token goes {@value #RING_HOPS} hops around a ring of {@value
 *       #RING_SIZE} processes; the score is per hop.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HopBenchmark {

  /** Round trips per invocation of {@link #roundTripBetweenProcesses()}. */
  public static final int ROUND_TRIPS = 1000;

  /** Processes in the ring of {@link #ringHop()}. */
  public static final int RING_SIZE = 100;

  /** Hops per invocation of {@link #ringHop()}. */
  public static final int RING_HOPS = 1000;

  /** A ping: the echo answers the sender with {@link #PONG}. */
  record Ping(Pid<Object> from) {}

  /** Asks the pinger to play {@code rounds} round trips, then to answer {@code replyTo}. */
  record Play(int rounds, Pid<Object> replyTo) {}

  /** Tells a ring member which process comes next. */
  record Next(Pid<Object> next) {}

  /** The ring's token: {@code hopsLeft} more hops, then back to {@code replyTo}. */
  record Token(int hopsLeft, Pid<Object> replyTo) {}

  static final Object PONG = "pong";

  private Node node;
  private AttachedProcess<Object> me;
  private Pid<Object> echo;
  private Pid<Object> pinger;
  private Pid<Object> ringStart;

  /** Starts a node, attaches the benchmark thread and spawns the echo, the pinger and the ring. */
  @Setup
  public void setUp() {
    node = Node.start();
    me = node.attach();
    echo = me.spawn(HopBenchmark::echo);
    Pid<Object> partner = me.spawn(HopBenchmark::echo);
    pinger = me.spawn(ctx -> pinger(ctx, partner));
    List<Pid<Object>> ring = new ArrayList<>(RING_SIZE);
    for (int i = 0; i < RING_SIZE; i++) {
      ring.add(me.spawn(HopBenchmark::ringMember));
    }
    for (int i = 0; i < RING_SIZE; i++) {
      ring.get(i).send(new Next(ring.get((i + 1) % RING_SIZE)));
    }
    ringStart = ring.get(0);
  }

  /** Detaches the benchmark thread, then stops the node (which kills the processes). */
  @TearDown
  public void tearDown() {
    me.close();
    node.stop();
  }

  private static void echo(ProcessContext<Object> ctx) {
    while (true) {
      Ping ping = ctx.receive(Ping.class);
      ping.from().send(PONG);
    }
  }

  private static void pinger(ProcessContext<Object> ctx, Pid<Object> partner) {
    Ping ping = new Ping(ctx.self());
    while (true) {
      Play play = ctx.receive(Play.class);
      for (int i = 0; i < play.rounds(); i++) {
        partner.send(ping);
        ctx.receive();
      }
      play.replyTo().send(play);
    }
  }

  private static void ringMember(ProcessContext<Object> ctx) {
    Pid<Object> next = ctx.receive(Next.class).next();
    while (true) {
      Token t = ctx.receive(Token.class);
      if (t.hopsLeft() == 0) {
        t.replyTo().send(t);
      } else {
        next.send(new Token(t.hopsLeft() - 1, t.replyTo()));
      }
    }
  }

  /**
   * One round trip between the benchmark thread and the echo process.
   *
   * @return the pong, for JMH to consume
   */
  @Benchmark
  public Object roundTripFromAttachedProcess() {
    echo.send(new Ping(me.self()));
    return me.receive();
  }

  /**
   * {@value #ROUND_TRIPS} round trips between two spawned processes.
   *
   * @return the pinger's answer, for JMH to consume
   */
  @Benchmark
  @OperationsPerInvocation(ROUND_TRIPS)
  public Object roundTripBetweenProcesses() {
    pinger.send(new Play(ROUND_TRIPS, me.self()));
    return me.receive(Play.class);
  }

  /**
   * {@value #RING_HOPS} hops of a token around the ring.
   *
   * @return the token, back at the benchmark thread, for JMH to consume
   */
  @Benchmark
  @OperationsPerInvocation(RING_HOPS)
  public Object ringHop() {
    ringStart.send(new Token(RING_HOPS - 1, me.self()));
    return me.receive(Token.class);
  }
}
