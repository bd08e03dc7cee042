package dev.banyan;

/**
 * One monitor: held in the watcher's {@code monitors} table and in the target's {@code
 * monitoredBy} table under the same reference.
 */
final class Monitor {
  final MonitorRef ref;
  final ProcessRecord<?> watcher;
  final ProcessRecord<?> target;
  final Address reportedAs; // the pid, or the RegisteredName the monitor was made with
  Alias<?> alias; // the alias made with the monitor, if any; set before the monitor is shared
  final CallSlot slot; // for the monitor of a request: its Down goes here, not to a mailbox

  Monitor(MonitorRef ref, ProcessRecord<?> watcher, ProcessRecord<?> target, Address reportedAs) {
    this(ref, watcher, target, reportedAs, null);
  }

  /** The monitor of a request: its Down completes {@code slot}; {@code watcher} may be null. */
  Monitor(
      MonitorRef ref,
      ProcessRecord<?> watcher,
      ProcessRecord<?> target,
      Address reportedAs,
      CallSlot slot) {
    this.slot = slot;
    this.ref = ref;
    this.watcher = watcher;
    this.target = target;
    this.reportedAs = reportedAs;
  }

  /** Tells the watcher (or the request's slot) that the target died. */
  void fire(ExitReason reason) {
    if (slot != null) {
      slot.complete(new CallSlot.SlotDown(reason));
    } else {
      watcher.deliverDown(this, reason);
    }
  }

  /** {@return whether {@code message} is the Down this monitor produces} */
  static boolean isDownOf(Object message, MonitorRef ref) {
    return message instanceof Down d && d.ref().equals(ref);
  }
}
