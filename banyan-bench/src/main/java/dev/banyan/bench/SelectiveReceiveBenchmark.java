package dev.banyan.bench;

import dev.banyan.AttachedProcess;
import dev.banyan.Node;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Selective receive past a backlog: the benchmark thread, an attached process, has {@link
 * #backlog} messages in its mailbox that no receive matches; each operation sends itself a
 * matching message and receives it. The backlog stays in the mailbox, so every receive walks past
 * it (as Erlang's receive does).
 *
 * <ul>
 *   <li>{@link #receiveByType()}: the match is a {@link Wanted}; the backlog, all {@link Tagged}
 *       with tag 0, fails the type test.
 *   <li>{@link #receiveByPredicate()}: the match is a {@link Tagged} with tag 1; only the predicate
 *       tells it from the backlog, so the predicate runs once per message in the backlog.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SelectiveReceiveBenchmark {

  /** The message {@link #receiveByType()} waits for. */
  record Wanted(long n) {}

  /**
   * A message of the backlog (tag 0) or the one {@link #receiveByPredicate()} waits for (tag 1).
   */
  record Tagged(int tag, long n) {}

  /** How many unmatched messages stay in the mailbox; 0 is the baseline. */
  @Param({"0", "10000"})
  public int backlog;

  private Node node;
  private AttachedProcess<Object> me;
  private long n;

  /** Starts a node, attaches the benchmark thread and fills its mailbox with the backlog. */
  @Setup
  public void setUp() {
    node = Node.start();
    me = node.attach();
    for (int i = 0; i < backlog; i++) {
      me.self().send(new Tagged(0, i));
    }
  }

  /** Detaches the benchmark thread, then stops the node. */
  @TearDown
  public void tearDown() {
    me.close();
    node.stop();
  }

  /** {@return the node}, for the smoke test to inspect the mailbox */
  Node node() {
    return node;
  }

  /** {@return the attached process}, for the smoke test to inspect the mailbox */
  AttachedProcess<Object> process() {
    return me;
  }

  /**
   * Sends a {@link Wanted} to itself and receives it by its type.
   *
   * @return the message, for JMH to consume
   */
  @Benchmark
  public Wanted receiveByType() {
    me.self().send(new Wanted(++n));
    return me.receive(Wanted.class);
  }

  /**
   * Sends a {@link Tagged} with tag 1 to itself and receives it by a predicate on the tag.
   *
   * @return the message, for JMH to consume
   */
  @Benchmark
  public Tagged receiveByPredicate() {
    me.self().send(new Tagged(1, ++n));
    return me.receive(Tagged.class, t -> t.tag() == 1);
  }
}
