package dev.banyan;

import java.util.List;
import java.util.Objects;

/**
 * A request to another process failed: the caller "exits" with {@code {Reason, {Function,
 * Args}}}, as Erlang's {@code gen_server:call} and Elixir's {@code Task.await} do. It carries why
 * the request failed ({@link #failure()}: {@link #TIMEOUT}, {@link ExitReason#NOPROC}, {@link
 * #CALLING_SELF}, or the exit reason of the process that died before answering) and what was
 * called.
 *
 * {@snippet :
 * try {
 *   int n = counter.call(Get::new, Duration.ofMillis(100));
 * } catch (CallException e) {
 *   if (e.failure().equals(CallException.TIMEOUT)) {
 *     // the server is slow; it keeps running, and its late reply will be dropped
 *   }
 * }
 * }
 *
 * <p>Its message is that term: {@code {timeout, {GenServer.call, [<0.42.0>, Get[...], PT0.1S]}}}
 * names the function, the server (its pid or name), the request and the timeout; a call that
 * failed before sending its request shows {@code <request not sent: KV.Registry is not
 * running>} in the request's place.
 *
 * <p>It is an {@link ExitException}: if a process does not catch it, the process exits with
 * {@link #reason()}, the whole {@code {Failure, {Function, Args}}} term — which is abnormal even
 * when the failure itself was {@code normal} (otp-semantics §4.3).
 *
 * <h2>Thread safety</h2>
 * Immutable once thrown.
 *
 * @since 0.1
 */
public final class CallException extends ExitException {
  private static final long serialVersionUID = 1L;

  /** {@code timeout}: no answer came in time. */
  public static final ExitReason TIMEOUT = ExitReason.of("timeout");

  /** {@code calling_self}: a process called itself, which would deadlock. */
  public static final ExitReason CALLING_SELF = ExitReason.of("calling_self");

  private final transient ExitReason failure;
  private final transient Failed call;

  /**
   * The term a failed call exits with: {@code {Failure, {Function, Args}}}.
   *
   * @param failure why the call failed
   * @param function what was called, for example {@code GenServer.call}
   * @param args its arguments
   * @since 0.1
   */
  public record Failed(ExitReason failure, String function, List<Object> args) {
    /** Validates the components. */
    public Failed {
      Objects.requireNonNull(failure, "failure");
      Objects.requireNonNull(function, "function");
      args = List.copyOf(args);
    }

    @Override
    public String toString() {
      return "{" + failure + ", {" + function + ", " + args + "}}";
    }
  }

  /**
   * Creates the exception.
   *
   * @param failure why the call failed
   * @param function what was called, for example {@code GenServer.call}
   * @param args the arguments of the call, for the report
   */
  public CallException(ExitReason failure, String function, List<Object> args) {
    this(new Failed(failure, function, args));
  }

  private CallException(Failed call) {
    super(call.toString(), ExitReason.of(call));
    this.failure = call.failure();
    this.call = call;
  }

  /** {@return why the call failed} */
  public ExitReason failure() {
    return failure;
  }

  /** {@return what was called and why it failed} */
  public Failed call() {
    return call;
  }
}
