package dev.banyan;

import java.util.Objects;

/**
 * A monitor created together with an alias by {@link ProcessContext#aliasMonitor(Pid,
 * Alias.Mode)}: Erlang's {@code monitor(process, Pid, [{alias, Mode}])}, where the monitor
 * reference is also the alias.
 *
 * {@snippet :
 * AliasMonitor<String> call = ctx.aliasMonitor(server, Alias.Mode.REPLY_DEMONITOR);
 * server.send(new Request("ping", call.alias()));
 * Object first = ctx.receive(Object.class,
 *     m -> m instanceof String || (m instanceof Down d && d.ref().equals(call.ref())));
 * }
 *
 * <h2>Thread safety</h2>
 * Immutable.
 *
 * @param ref the monitor's reference (the same as {@code alias().ref()})
 * @param alias the alias
 * @param <M> the type of messages accepted through the alias
 * @since 0.1
 */
public record AliasMonitor<M>(MonitorRef ref, Alias<M> alias) {
  /** Validates the components. */
  public AliasMonitor {
    Objects.requireNonNull(ref, "ref");
    Objects.requireNonNull(alias, "alias");
  }
}
