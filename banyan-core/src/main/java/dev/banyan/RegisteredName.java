package dev.banyan;

import java.util.Objects;

/**
 * A registered name on a node: Erlang's {@code {Name, Node}}. It is what a {@link Down} message
 * reports when the monitor was created by name (otp-semantics CC-027, CC-028).
 *
 * {@snippet :
 * MonitorRef ref = ctx.monitor("db");
 * Down down = ctx.receive(Down.class, d -> d.ref().equals(ref));
 * assert down.target().equals(new RegisteredName("db", ctx.node().name()));
 * }
 *
 * <h2>Thread safety</h2>
 * Immutable.
 *
 * @param name the registered name
 * @param node the name of the node it is registered on
 * @since 0.1
 */
public record RegisteredName(String name, String node) implements Address {
  /** Validates the components. */
  public RegisteredName {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(node, "node");
  }

  @Override
  public String toString() {
    return "{" + name + ", " + node + "}";
  }
}
