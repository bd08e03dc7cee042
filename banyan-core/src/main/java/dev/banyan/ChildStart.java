package dev.banyan;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * How a supervisor starts a child: OTP's {@code start} of a child spec, as a typed function
 * instead of {@code {M, F, A}}. It runs in the supervisor's process, must start the child
 * <em>linked</em> to the supervisor (the {@code supervisor} context given to it), and returns
 * the outcome: {@link GenServer.Start.Ok} with the child, {@link GenServer.Start.Ignore}, or
 * {@link GenServer.Start.Error}. A start that throws fails with the exception as its reason.
 *
 * {@snippet :
 * ChildStart stack = ChildStart.genServer(() -> new Stack(List.of("hello")));
 * ChildStart plain = ChildStart.process(ctx -> { while (true) handle(ctx.receive()); });
 * ChildStart custom = sup -> GenServer.startLink(sup, new Counter(), GenServer.Options.named("counter"));
 * }
 *
 * <h2>Thread safety</h2>
 * Called on the supervisor's thread, once per (re)start.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface ChildStart {

  /**
   * Starts the child, linked to {@code supervisor}.
   *
   * @param supervisor the supervisor's own context: start the child with it
   * @return the outcome
   * @throws Exception anything: the start fails with it
   */
  GenServer.Start<?> start(ProcessContext<Object> supervisor) throws Exception;

  /**
   * {@return a start that runs {@code body} in a plain process linked to the supervisor}
   *
   * @param body what the child runs
   */
  static ChildStart process(ProcessBody<?> body) {
    Objects.requireNonNull(body, "body");
    return sup -> new GenServer.Start.Ok<>(ServerRef.of(sup.spawnLink(body)));
  }

  /**
   * {@return a start that starts a fresh GenServer from {@code factory}, linked}
   *
   * @param factory makes the callbacks, a new instance for every (re)start
   */
  static ChildStart genServer(Supplier<? extends GenServer<?, ?>> factory) {
    return genServer(factory, GenServer.Options.DEFAULTS);
  }

  /**
   * {@return a start that starts a fresh GenServer from {@code factory} with {@code options},
   * linked}
   *
   * @param factory makes the callbacks, a new instance for every (re)start
   * @param options the server's options (a name, an init timeout)
   */
  static ChildStart genServer(
      Supplier<? extends GenServer<?, ?>> factory, GenServer.Options options) {
    Objects.requireNonNull(factory, "factory");
    Objects.requireNonNull(options, "options");
    return sup -> GenServer.startLink(sup, factory.get(), options);
  }
}
