package dev.banyan.bench;

import dev.banyan.AttachedProcess;
import dev.banyan.GenServer;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import dev.banyan.ServerRef;
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
 * The cost of a synchronous {@link GenServer} call: request, the server's {@code handleCall}, the
 * reply and the caller's wake-up.
 *
 * <ul>
 *   <li>{@link #callFromAttachedProcess()}: the benchmark thread (an attached process on a
 *       platform thread) calls the server; one operation is one call.
 *   <li>{@link #callBetweenProcesses()}: a spawned caller (a virtual thread) makes {@value #CALLS}
 *       calls per invocation; the score is per call. This is the peer-bench {@code call-1} path.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CallBenchmark {

  /** Calls per invocation of {@link #callBetweenProcesses()}. */
  public static final int CALLS = 1000;

  /** Asks the caller process to make {@code calls} calls, then to answer {@code replyTo}. */
  record Run(int calls, Pid<Object> replyTo) {}

  private Node node;
  private AttachedProcess<Object> me;
  private ServerRef<PeerBench.SrvMsg> server;
  private Pid<Object> caller;

  /** Starts a node, attaches the benchmark thread, starts the server and the caller process. */
  @Setup
  public void setUp() {
    node = Node.start();
    me = node.attach();
    server = GenServer.start(node, new PeerBench.Srv()).orElseThrow();
    ServerRef<PeerBench.SrvMsg> srv = server;
    caller = me.spawn(ctx -> caller(ctx, srv));
  }

  /** Detaches the benchmark thread, then stops the node (which kills the processes). */
  @TearDown
  public void tearDown() {
    me.close();
    node.stop();
  }

  private static void caller(ProcessContext<Object> ctx, ServerRef<PeerBench.SrvMsg> server) {
    while (true) {
      Run run = ctx.receive(Run.class);
      for (int i = 0; i < run.calls(); i++) {
        server.call(PeerBench.Call::new);
      }
      run.replyTo().send(run);
    }
  }

  /**
   * One call from the benchmark thread.
   *
   * @return the server's answer, for JMH to consume
   */
  @Benchmark
  public Object callFromAttachedProcess() {
    return server.call(PeerBench.Call::new);
  }

  /**
   * {@value #CALLS} calls from a spawned process.
   *
   * @return the caller's answer when it is done, for JMH to consume
   */
  @Benchmark
  @OperationsPerInvocation(CALLS)
  public Object callBetweenProcesses() {
    caller.send(new Run(CALLS, me.self()));
    return me.receive(Run.class);
  }
}
