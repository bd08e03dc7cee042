package dev.banyan;

/**
 * The reference of a monitor, returned by {@link ProcessContext#monitor(Pid)} and carried by the
 * {@link Down} message the monitor produces: Erlang's monitor {@code reference()}.
 *
 * {@snippet :
 * MonitorRef ref = ctx.monitor(worker);
 * Down down = ctx.receive(Down.class, d -> d.ref().equals(ref));
 * }
 *
 * <p>Every call to {@code monitor} returns a new reference, unique within its node incarnation
 * (node name and creation), so references of two nodes never compare equal.
 *
 * <h2>Thread safety</h2>
 * Immutable.
 *
 * @since 0.1
 */
public final class MonitorRef {
  private final String node;
  private final int creation;
  private final long id;

  MonitorRef(String node, int creation, long id) {
    this.node = node;
    this.creation = creation;
    this.id = id;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MonitorRef r && r.id == id && r.creation == creation && r.node.equals(node);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id);
  }

  /** {@return the reference printed as Erlang prints one, {@code #Ref<0.0.0.N>}} */
  @Override
  public String toString() {
    return "#Ref<0.0.0." + id + ">";
  }
}
