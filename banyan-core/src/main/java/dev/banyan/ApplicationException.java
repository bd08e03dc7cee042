package dev.banyan;

import java.util.List;
import java.util.Objects;

/**
 * An application could not be loaded, started, stopped or unloaded: Erlang's {@code {error,
 * Reason}} from the {@code application} module. {@link #reason()} says why as a value; the message
 * says it in words, naming the applications involved.
 *
 * {@snippet :
 * try {
 *   node.applications().start("kv_server");
 * } catch (ApplicationException e) {
 *   if (e.reason() instanceof ApplicationException.NotStarted(String dep)) {
 *     System.out.println("start " + dep + " first"); // {error, {not_started, Dep}}
 *   }
 * }
 * }
 *
 * <h2>Thread safety</h2>
 * Immutable once thrown.
 *
 * @since 0.1
 */
public final class ApplicationException extends BanyanException {
  private static final long serialVersionUID = 1L;

  /** The reason, kept as a value. */
  private final transient Reason reason;

  /**
   * Creates the exception.
   *
   * @param message the reason in words, naming the applications
   * @param reason the reason as a value
   */
  public ApplicationException(String message, Reason reason) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** {@return why, as a value} */
  public Reason reason() {
    return reason;
  }

  /**
   * Why an application operation failed.
   *
   * @since 0.1
   */
  public sealed interface Reason
      permits NotLoaded,
          AlreadyLoaded,
          NotStarted,
          AlreadyStarted,
          Running,
          StartFailed,
          DependencyCycle {}

  /**
   * No spec of this application is loaded (Erlang would look for its {@code .app} file).
   *
   * @param app the unknown application
   */
  public record NotLoaded(String app) implements Reason {}

  /**
   * A different spec of this application is already loaded: Erlang's {@code {already_loaded,
   * App}}.
   *
   * @param app the application
   */
  public record AlreadyLoaded(String app) implements Reason {}

  /**
   * An application is not running: Erlang's {@code {not_started, App}}. A start names the first
   * dependency that is not running (CC-170); a stop names the application itself.
   *
   * @param app the application that is not running
   */
  public record NotStarted(String app) implements Reason {}

  /**
   * The application is already running (or starting): Erlang's {@code {already_started, App}}.
   *
   * @param app the application
   */
  public record AlreadyStarted(String app) implements Reason {}

  /**
   * The application runs, so it cannot be unloaded: Erlang's {@code {running, App}}.
   *
   * @param app the application
   */
  public record Running(String app) implements Reason {}

  /**
   * The application's {@link Application#start} failed: Erlang's {@code {Reason, {Mod, start,
   * [normal, Args]}}}. When its top supervisor failed to start a child (CC-171), the reason is
   * {@code {shutdown, {failed_to_start_child, Id, ChildReason}}}: an {@link ExitReason.Shutdown}
   * whose detail is a {@link Supervisor.FailedToStartChild}.
   *
   * @param app the application
   * @param module the class of its callback module
   * @param reason why: the {@link ExitException}'s reason, or {@link ExitReason.Crashed}
   */
  public record StartFailed(String app, String module, ExitReason reason) implements Reason {
    @Override
    public String toString() {
      return "{" + reason + ", {" + module + ", start, [normal, []]}}";
    }
  }

  /**
   * The applications depend on each other in a cycle, found by {@link
   * Applications#ensureAllStarted(String)}.
   *
   * @param cycle the applications of the cycle, the first one repeated at the end ({@code [a, b,
   *     a]})
   */
  public record DependencyCycle(List<String> cycle) implements Reason {
    /** Copies the list. */
    public DependencyCycle {
      cycle = List.copyOf(cycle);
    }
  }
}
