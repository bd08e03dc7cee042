package dev.banyan.examples.kv;

import dev.banyan.ChildSpec;
import dev.banyan.GenServer;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import dev.banyan.ServerRef;

/**
 * Child specs of the supervisors that Banyan starts as handles ({@code DynamicSupervisor}, {@code
 * TaskSupervisor}) rather than as a {@link GenServer.Start}: Elixir writes them as {@code
 * {DynamicSupervisor, name: ...}} in a children list.
 */
final class Children {

  private Children() {}

  /** Starts a supervisor linked to {@code parent} and returns its pid. */
  @FunctionalInterface
  interface StartSupervisor {
    Pid<?> start(ProcessContext<Object> parent) throws Exception;
  }

  /** {@return a permanent supervisor child whose start is {@code start}} */
  static ChildSpec supervisor(Object id, StartSupervisor start) {
    return ChildSpec.supervisor(id, parent -> new GenServer.Start.Ok<>(ServerRef.of(start.start(parent))));
  }
}
