package dev.banyan;

import java.time.Duration;
import java.util.Objects;

/**
 * What a supervisor needs to know about a child: OTP's child specification.
 *
 * {@snippet :
 * List<ChildSpec> children = List.of(
 *     ChildSpec.worker("stack", ChildStart.genServer(() -> new Stack(List.of("hello")))),
 *     ChildSpec.supervisor("workers", sup -> Supervisor.startLink(sup, Supervisor.Flags.oneForOne(), workerSpecs))
 *         .withRestart(Restart.TRANSIENT));
 * }
 *
 * <p>The convention that Elixir writes as {@code child_spec/1} is, in Java, a static factory on
 * the child's class — {@code Stack.childSpec(List.of("hello"))} — and Elixir's {@code
 * Supervisor.child_spec(spec, overrides)} is the {@code with…} methods.
 *
 * <h2>Defaults</h2>
 * {@link #worker} and {@link #supervisor} give {@link Restart#PERMANENT}, not significant; a
 * worker stops with {@code Shutdown.timeout(5 s)}, a supervisor with {@link Shutdown#INFINITY}
 * (a finite shutdown could kill it while it stops its own children).
 *
 * <h2>Thread safety</h2>
 * Immutable.
 *
 * @param id identifies the child within its supervisor (unique there); any value with {@code
 *     equals}
 * @param start how to start it
 * @param restart when to restart it
 * @param shutdown how to stop it
 * @param type worker or supervisor
 * @param significant whether its end can shut the supervisor down (auto_shutdown); only for a
 *     transient or temporary child
 * @param backoff a delay before restarts (beyond OTP); default {@link Backoff#NONE}
 * @since 0.1
 */
public record ChildSpec(
    Object id,
    ChildStart start,
    Restart restart,
    Shutdown shutdown,
    Type type,
    boolean significant,
    Backoff backoff) {

  /** The default shutdown of a worker: 5 seconds. */
  public static final Shutdown WORKER_SHUTDOWN = Shutdown.timeout(Duration.ofSeconds(5));

  /**
   * The kind of child.
   *
   * @since 0.1
   */
  public enum Type {
    /** A worker: anything but a supervisor. */
    WORKER,
    /** A supervisor. */
    SUPERVISOR
  }

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException if a permanent child is significant (OTP's {@code
   *     bad_combination})
   */
  public ChildSpec {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(restart, "restart");
    Objects.requireNonNull(shutdown, "shutdown");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(backoff, "backoff");
    if (significant && restart == Restart.PERMANENT) {
      throw new IllegalArgumentException(
          "child " + id + ": a permanent child cannot be significant (bad_combination)");
    }
  }

  /**
   * A spec without a restart backoff.
   *
   * @param id identifies the child within its supervisor
   * @param start how to start it
   * @param restart when to restart it
   * @param shutdown how to stop it
   * @param type worker or supervisor
   * @param significant whether its end can shut the supervisor down
   */
  public ChildSpec(
      Object id, ChildStart start, Restart restart, Shutdown shutdown, Type type, boolean significant) {
    this(id, start, restart, shutdown, type, significant, Backoff.NONE);
  }

  /**
   * {@return a permanent worker with a 5 s shutdown}
   *
   * @param id its id
   * @param start how to start it
   */
  public static ChildSpec worker(Object id, ChildStart start) {
    return new ChildSpec(id, start, Restart.PERMANENT, WORKER_SHUTDOWN, Type.WORKER, false);
  }

  /**
   * {@return a permanent supervisor child, stopped with {@link Shutdown#INFINITY}}
   *
   * @param id its id
   * @param start how to start it
   */
  public static ChildSpec supervisor(Object id, ChildStart start) {
    return new ChildSpec(id, start, Restart.PERMANENT, Shutdown.INFINITY, Type.SUPERVISOR, false);
  }

  /**
   * {@return this spec with another id}
   *
   * @param newId the id
   */
  public ChildSpec withId(Object newId) {
    return new ChildSpec(newId, start, restart, shutdown, type, significant, backoff);
  }

  /**
   * {@return this spec with another restart type}
   *
   * @param newRestart the restart type
   */
  public ChildSpec withRestart(Restart newRestart) {
    return new ChildSpec(id, start, newRestart, shutdown, type, significant, backoff);
  }

  /**
   * {@return this spec with another shutdown}
   *
   * @param newShutdown the shutdown
   */
  public ChildSpec withShutdown(Shutdown newShutdown) {
    return new ChildSpec(id, start, restart, newShutdown, type, significant, backoff);
  }

  /**
   * {@return this spec as significant or not}
   *
   * @param newSignificant whether its end can shut the supervisor down
   */
  public ChildSpec withSignificant(boolean newSignificant) {
    return new ChildSpec(id, start, restart, shutdown, type, newSignificant, backoff);
  }

  /**
   * {@return this spec with a restart backoff} (beyond OTP; see {@link Backoff})
   *
   * @param newBackoff the backoff, or {@link Backoff#NONE}
   */
  public ChildSpec withBackoff(Backoff newBackoff) {
    return new ChildSpec(id, start, restart, shutdown, type, significant, newBackoff);
  }
}
