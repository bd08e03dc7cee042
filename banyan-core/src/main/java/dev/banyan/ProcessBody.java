package dev.banyan;

/**
 * The code a process runs. When it returns the process ends with reason {@code normal}; when it
 * throws {@link ExitException} the process ends with that exception's reason; when it throws
 * anything else the process crashes with {@link ExitReason.Crashed} and a crash report is logged.
 *
 * {@snippet :
 * ProcessBody<Integer> summer = ctx -> {
 *   int sum = 0;
 *   while (true) {
 *     sum += ctx.receive(Integer.class);
 *   }
 * };
 * Pid<Integer> pid = node.spawn(summer);
 * }
 *
 * <h2>Thread safety</h2>
 * The body runs on the process's own virtual thread; the context it is given is confined to that
 * thread.
 *
 * @param <M> the type of messages the process accepts
 * @since 0.1
 */
@FunctionalInterface
public interface ProcessBody<M> {
  /**
   * Runs the process.
   *
   * @param self the process's context: its pid, mailbox and runtime operations
   * @throws Exception anything; the process then crashes with it as the reason
   */
  void run(ProcessContext<M> self) throws Exception;
}
