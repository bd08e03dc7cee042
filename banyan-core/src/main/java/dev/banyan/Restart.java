package dev.banyan;

/**
 * When a supervisor restarts a child that terminated: OTP's restart type.
 *
 * {@snippet :
 * sup.startChild(() -> sendReport(), new TaskSupervisor.ChildOptions(Restart.TRANSIENT, Shutdown.timeout(Duration.ofSeconds(5))));
 * }
 *
 * <table class="striped">
 * <caption>Restart decision</caption>
 * <thead><tr><th>type</th><th>restarted when it ends with</th></tr></thead>
 * <tbody>
 * <tr><td>{@link #PERMANENT}</td><td>any reason</td></tr>
 * <tr><td>{@link #TRANSIENT}</td><td>an abnormal reason ({@link ExitReason#isAbnormal()}): not
 *     {@code normal}, {@code shutdown} or {@code {shutdown, _}}</td></tr>
 * <tr><td>{@link #TEMPORARY}</td><td>never</td></tr>
 * </tbody>
 * </table>
 *
 * <h2>Thread safety</h2>
 * Immutable.
 *
 * @since 0.1
 */
public enum Restart {
  /** Always restarted. */
  PERMANENT,
  /** Restarted only after an abnormal exit. */
  TRANSIENT,
  /** Never restarted. */
  TEMPORARY;

  /**
   * {@return whether a child of this type that ended with {@code reason} is restarted}
   *
   * @param reason how the child ended
   */
  public boolean restarts(ExitReason reason) {
    return switch (this) {
      case PERMANENT -> true;
      case TRANSIENT -> reason.isAbnormal();
      case TEMPORARY -> false;
    };
  }
}
