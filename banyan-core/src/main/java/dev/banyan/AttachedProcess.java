package dev.banyan;

/**
 * A process whose code is an ordinary thread that was already running: the calling thread of
 * {@link Node#attach()}. It is how a {@code main} method, a test or a request handler becomes a
 * process that can receive messages, link and monitor — Erlang's shell is such a process.
 *
 * {@snippet :
 * try (AttachedProcess<Object> me = node.attach()) {
 *   Spawned<Object> worker = me.spawnMonitor(ctx -> doWork());
 *   Down down = me.receive(Down.class, d -> d.ref().equals(worker.ref()));
 *   System.out.println("worker ended: " + down.reason());
 * }
 * }
 *
 * <p>{@link #close()} ends the process with reason {@code normal} (links and monitors are told)
 * and detaches the thread, which can then attach again. If the process is killed before that, its
 * thread is not interrupted (it does not belong to Banyan); its runtime calls throw {@link
 * ProcessExitedException} instead.
 *
 * <h2>Thread safety</h2>
 * Process-confined to the thread that attached, like every {@link ProcessContext}.
 *
 * @param <M> the type of messages this process accepts
 * @since 0.1
 */
public sealed interface AttachedProcess<M> extends ProcessContext<M>, AutoCloseable
    permits AttachedRecord {
  /** Ends the process with reason {@code normal}, if it is still alive, and detaches the thread. */
  @Override
  void close();
}
