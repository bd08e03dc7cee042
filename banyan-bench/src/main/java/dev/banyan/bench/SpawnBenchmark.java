package dev.banyan.bench;

import dev.banyan.AttachedProcess;
import dev.banyan.Down;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import dev.banyan.Spawned;
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
 * The cost of a process's whole life: spawn a process that returns at once and wait for its
 * {@link Down}. The benchmark thread is an attached process, as a {@code main} method or a request
 * handler would be.
 *
 * <p>{@link #spawnAndAwaitDown()} measures one spawn and exit at a time, so every operation also
 * pays for waking the benchmark thread (a platform thread). {@link #spawnBatchAndAwaitAllDowns()}
 * spawns {@value #BATCH} processes and then collects their {@code Down}s; its score is per
 * process. {@link #spawnAndAwaitDownFromProcess()} is the one-at-a-time loop run by a spawned
 * process (on a virtual thread), {@value #BATCH} times per invocation; its score is per process.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SpawnBenchmark {

  /** How many processes {@link #spawnBatchAndAwaitAllDowns()} spawns per invocation. */
  public static final int BATCH = 1000;

  /** Asks the spawner to spawn and await {@code count} processes one at a time. */
  record Run(int count, Pid<Object> replyTo) {}

  private Node node;
  private AttachedProcess<Object> me;
  private Pid<Run> spawner;

  /** Starts a node and attaches the benchmark thread to it. */
  @Setup
  public void setUp() {
    node = Node.start();
    me = node.attach();
    spawner = me.spawn(SpawnBenchmark::spawner);
  }

  private static void spawner(ProcessContext<Run> ctx) {
    while (true) {
      Run run = ctx.receive(Run.class);
      for (int i = 0; i < run.count(); i++) {
        ctx.spawnMonitor(c -> {});
        ctx.receive(Down.class);
      }
      run.replyTo().send(run);
    }
  }

  /** Detaches the benchmark thread, then stops the node. */
  @TearDown
  public void tearDown() {
    me.close();
    node.stop();
  }

  /**
   * Spawns one process that returns at once and waits for its {@code Down}.
   *
   * @return the {@code Down}, for JMH to consume
   */
  @Benchmark
  public Down spawnAndAwaitDown() {
    Spawned<Object> child = me.spawnMonitor(ctx -> {});
    Down down = me.receive(Down.class);
    if (!down.ref().equals(child.ref())) {
      throw new AssertionError("unexpected " + down + ", wanted the Down of " + child);
    }
    return down;
  }

  /**
   * Spawns {@value #BATCH} processes that return at once, then waits for all their {@code Down}s.
   *
   * @return the number of {@code Down}s received, for JMH to consume
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int spawnBatchAndAwaitAllDowns() {
    for (int i = 0; i < BATCH; i++) {
      me.spawnMonitor(ctx -> {});
    }
    int downs = 0;
    while (downs < BATCH) {
      me.receive(Down.class);
      downs++;
    }
    return downs;
  }

  /**
   * A spawned process spawns {@value #BATCH} processes that return at once, one at a time, each
   * time waiting for the {@code Down}.
   *
   * @return the spawner's answer, for JMH to consume
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object spawnAndAwaitDownFromProcess() {
    spawner.send(new Run(BATCH, me.self()));
    return me.receive(Run.class);
  }
}
