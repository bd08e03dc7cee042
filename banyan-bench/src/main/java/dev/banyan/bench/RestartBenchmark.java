package dev.banyan.bench;

import dev.banyan.AttachedProcess;
import dev.banyan.GenServer;
import dev.banyan.Node;
import dev.banyan.Supervisor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of one supervised restart: the benchmark thread kills a registered, permanent
 * {@link GenServer} child of a one_for_one {@link Supervisor}, waits for the replacement's
 * announcement from its {@code init} and calls it. One operation is one restart, from the kill
 * until the new child has answered — the peer-bench {@code restart} workload, one step at a time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RestartBenchmark {

  private Node node;
  private AttachedProcess<Object> me;
  private Supervisor supervisor;

  /** Starts a node, attaches the benchmark thread and starts the supervisor with its child. */
  @Setup
  public void setUp() {
    node = Node.start();
    me = node.attach();
    supervisor =
        Supervisor.of(
            Supervisor.startLink(
                    me,
                    PeerBench.restartSupervisor(PeerBench.RESTART_NAME, me.self()),
                    GenServer.Options.DEFAULTS)
                .orElseThrow());
    me.receive(PeerBench.Started.class);
  }

  /** Stops the supervisor, detaches the benchmark thread and stops the node. */
  @TearDown
  public void tearDown() {
    supervisor.stop();
    me.close();
    node.stop();
  }

  /**
   * Kills the child and waits until its replacement answers a call.
   *
   * @return the restart's latency in nanoseconds, for JMH to consume
   */
  @Benchmark
  public long killAndAwaitRestartedChild() {
    return PeerBench.restartOnce(node, me, PeerBench.RESTART_NAME);
  }
}
