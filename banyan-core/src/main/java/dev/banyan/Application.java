package dev.banyan;

import java.util.List;
import java.util.Objects;

/**
 * What an application does when it is started and stopped: OTP's application callback module
 * ({@code mod} in the {@code .app} file), Elixir's {@code use Application}.
 *
 * {@snippet :
 * final class KvApp implements Application {
 *   @Override
 *   public Started start(ApplicationContext app) {
 *     int port = app.fetchEnv("port", Integer.class);
 *     return app.startSupervisor(
 *         Supervisor.Flags.oneForOne(),
 *         List.of(ChildSpec.worker("store", ChildStart.genServer(Store::new))));
 *   }
 * }
 *
 * node.applications().load(ApplicationSpec.of("kv", KvApp::new).withEnv("port", 4040));
 * node.applications().start("kv", Application.Type.PERMANENT);
 * }
 *
 * <h2>Start and stop</h2>
 * {@link #start} runs in the application master, a process of its own that {@link
 * ApplicationContext#process()} is the context of. It starts the application's top supervisor
 * <em>linked</em> to that process (the master traps exits) and returns it with an optional state.
 * When the application is stopped ({@link Applications#stop(String)}, or its node stops), the
 * master calls {@link #prepStop(Object)} while the tree still runs, then shuts the top supervisor
 * down (the whole tree, children in reverse start order, as long as it takes) and finally calls
 * {@link #stop(Object)} with what {@code prepStop} returned (CC-172). When the top supervisor
 * exits by itself, {@code prepStop} and {@code stop} are called as well, then the application's
 * {@link Type} decides what happens to the node.
 *
 * <h2>Thread safety</h2>
 * Every callback of one started application runs in its master process, one at a time. A new
 * instance is made from the spec's module supplier for every start.
 *
 * @since 0.1
 */
public interface Application {

  /**
   * Starts the application: Erlang's {@code Mod:start(normal, Args)}. Runs in the application
   * master process; the top supervisor must be linked to it ({@link
   * ApplicationContext#startSupervisor} does that).
   *
   * <p>Implementations start the top supervisor linked to {@code context.process()} and return
   * it. To make the start fail, throw: an {@link ExitException} fails it with that reason, any
   * other exception with {@link ExitReason.Crashed}.
   *
   * @param context the application: its name, environment, node and master process
   * @return the top supervisor and the state later given to {@link #prepStop} and {@link #stop}
   * @throws Exception anything: the start fails with {@link ApplicationException.StartFailed}
   */
  Started start(ApplicationContext context) throws Exception;

  /**
   * Called before the application's tree is shut down: Erlang's {@code Mod:prep_stop(State)}.
   * The default returns {@code state}. If it throws, the exception is logged and {@code stop}
   * gets the original state.
   *
   * @param state what {@link #start} returned as state
   * @return the state for {@link #stop}
   */
  default Object prepStop(Object state) {
    return state;
  }

  /**
   * Called after the whole tree is gone: Erlang's {@code Mod:stop(State)}. The default does
   * nothing. An exception it throws is logged and ignored.
   *
   * @param state what {@link #prepStop} returned
   */
  default void stop(Object state) {}

  /**
   * What {@link #start} returns: Erlang's {@code {ok, Pid}} or {@code {ok, Pid, State}}.
   *
   * @param topSupervisor the top supervisor, linked to the application master
   * @param state anything; {@link #of(Pid)} uses an empty list, OTP's default {@code []}
   * @since 0.1
   */
  record Started(Pid<?> topSupervisor, Object state) {
    /** Validates the components (neither may be null). */
    public Started {
      Objects.requireNonNull(topSupervisor, "topSupervisor");
      Objects.requireNonNull(state, "state");
    }

    /**
     * {@return the top supervisor, with no state (an empty list)}
     *
     * @param topSupervisor the top supervisor
     */
    public static Started of(Pid<?> topSupervisor) {
      return new Started(topSupervisor, List.of());
    }
  }

  /**
   * What happens when an application terminates by itself (its top supervisor exits, for any
   * reason other than an explicit stop). An explicit {@link Applications#stop(String)} never
   * affects other applications, whatever the type.
   *
   * <table class="striped">
   * <caption>The effect of a top supervisor's exit (otp-semantics §9, CC-173)</caption>
   * <thead><tr><th>type</th><th>exit {@code normal}</th><th>any other reason (incl. {@code
   *     shutdown})</th></tr></thead>
   * <tbody>
   * <tr><td>{@link #TEMPORARY}</td><td>reported</td><td>reported</td></tr>
   * <tr><td>{@link #TRANSIENT}</td><td>reported</td><td>reported; the node is stopped</td></tr>
   * <tr><td>{@link #PERMANENT}</td><td>reported; the node is stopped</td>
   *     <td>reported; the node is stopped</td></tr>
   * </tbody>
   * </table>
   *
   * <p>"Reported" is the notice {@code application_controller exit} with {@code application},
   * {@code exited} and {@code type}. Stopping the node stops the other applications first, in
   * reverse start order. Since a supervisor that exceeds its restart intensity exits {@code
   * shutdown}, {@code TRANSIENT} behaves like {@code PERMANENT} in practice.
   *
   * @since 0.1
   */
  enum Type {
    /** Its termination stops the node. */
    PERMANENT,
    /** Its termination with a reason other than {@code normal} stops the node. */
    TRANSIENT,
    /** Its termination is only reported: the default. */
    TEMPORARY
  }
}
