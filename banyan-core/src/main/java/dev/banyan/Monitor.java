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

  Monitor(MonitorRef ref, ProcessRecord<?> watcher, ProcessRecord<?> target, Address reportedAs) {
    this.ref = ref;
    this.watcher = watcher;
    this.target = target;
    this.reportedAs = reportedAs;
  }

  /** {@return whether {@code message} is the Down this monitor produces} */
  static boolean isDownOf(Object message, MonitorRef ref) {
    return message instanceof Down d && d.ref().equals(ref);
  }
}
