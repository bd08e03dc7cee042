package dev.banyan.testkit;

import dev.banyan.ChildSpec;
import dev.banyan.ChildStart;
import dev.banyan.ExitReason;
import dev.banyan.GenServer;
import dev.banyan.ProcessContext;

/**
 * A GenServer for the tests of {@link TestSupervisor} and {@link EventLog}: it traps exits, so
 * that a supervisor's {@code shutdown} runs its {@code terminate}, and records {@code "start
 * <name>"} from {@code init} and {@code "stop <name>"} from {@code terminate}.
 */
final class Recorder implements GenServer<String, Object> {
  private final String name;
  private final EventLog log;

  Recorder(String name, EventLog log) {
    this.name = name;
    this.log = log;
  }

  /** {@return a worker with id {@code name} that records into {@code log}} */
  static ChildSpec child(String name, EventLog log) {
    return ChildSpec.worker(name, ChildStart.genServer(() -> new Recorder(name, log)));
  }

  @Override
  public Init<String> init(ProcessContext<Object> self) {
    self.trapExit(true);
    log.record("start " + name);
    return Init.ok(name);
  }

  @Override
  public void terminate(ExitReason reason, String state) {
    log.record("stop " + name);
  }
}
