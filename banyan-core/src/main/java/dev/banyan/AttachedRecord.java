package dev.banyan;

/**
 * A process whose code is a thread that attached itself with {@link Node#attach()}.
 *
 * @param <M> the type of messages the process accepts
 */
final class AttachedRecord<M> extends ProcessRecord<M> implements AttachedProcess<M> {


  AttachedRecord(Node node, long number) {
    super(node, number, null);
    this.thread = Thread.currentThread();
  }

  @Override
  boolean ownsNoThread() {
    return true;
  }

  /** The thread does not belong to Banyan: it is never interrupted. */
  @Override
  void interruptAfterDeath() {}

  @Override
  public void close() {
    if (Thread.currentThread() != thread) {
      throw new WrongThreadException(
          "process " + pid + " can only be closed by the thread that attached it");
    }
    terminate(ExitReason.NORMAL);
    if (ProcessRecord.current() == this) {
      ProcessRecord.setAttached(null);
    }
    node.threadEnded(this);
  }
}
