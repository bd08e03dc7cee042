package dev.banyan;

import java.util.ArrayDeque;
import java.util.HashMap;

/**
 * What a process left behind when it was marked dead, and the work of telling everyone.
 *
 * <pre>
 * Implementation overview
 *
 * ProcessRecord.markDeadLocked sets the exit reason and takes the name, links and monitors out
 * of the record, under the record's lock, and returns them as a Death. The caller then releases
 * the lock and calls propagate(), which, holding no lock of its own:
 *   1. releases the registered name (before any EXIT or DOWN: otp-semantics §1.5, CC-010);
 *   2. sends an exit signal over every link (under each peer's lock, one at a time);
 *   3. sends DOWN to every watcher and removes the monitors the dead process held;
 *   4. answers, with noproc, the monitors requested while 1-3 ran (they wait in 'late', so that
 *      a watcher never gets the noproc of a new monitor before the Down of an older one);
 *   5. interrupts the dead process's thread, unless that is the calling thread or the process
 *      was waiting in receive (markDeadLocked has woken it already).
 * An exit signal can kill a linked peer; that peer's Death is queued and handled by the same
 * loop, so a chain of a million linked processes does not overflow the stack.
 * </pre>
 */
final class Death {
  private final ProcessRecord<?> process;
  private final ExitReason reason;
  private final String name; // may be null
  private final Object links; // see ProcessRecord.linked
  private final Object monitoredBy; // see ProcessRecord.watchers
  private final HashMap<MonitorRef, Monitor> monitors; // may be null
  private final boolean interrupt; // the process was not waiting in receive when it died
  private java.util.ArrayList<Monitor> late; // guarded by the process's lock; may be null

  Death(
      ProcessRecord<?> process,
      ExitReason reason,
      String name,
      Object links,
      Object monitoredBy,
      HashMap<MonitorRef, Monitor> monitors,
      boolean interrupt) {
    this.interrupt = interrupt;
    this.process = process;
    this.reason = reason;
    this.name = name;
    this.links = links;
    this.monitoredBy = monitoredBy;
    this.monitors = monitors;
  }

  String name() {
    return name;
  }

  /** Keeps a monitor requested while this death propagates. Caller holds the process's lock. */
  void addLateMonitor(Monitor m) {
    if (late == null) {
      late = new java.util.ArrayList<>(2);
    }
    late.add(m);
  }

  /** Takes the late monitors out. Caller holds the process's lock. */
  java.util.List<Monitor> takeLateMonitors() {
    java.util.List<Monitor> out = late == null ? java.util.List.of() : late;
    late = null;
    return out;
  }

  /** Tells everyone about this death and about the deaths it causes. Holds no lock on entry. */
  void propagate() {
    ArrayDeque<Death> more = new ArrayDeque<>();
    Death d = this;
    while (d != null) {
      d.notifyPeers(more);
      d = more.poll();
    }
  }

  private void notifyPeers(ArrayDeque<Death> more) {
    Node node = process.node;
    if (name != null) {
      node.releaseName(name, process);
    }
    node.processDied(process, reason, name);
    for (ProcessRecord<?> peer : ProcessRecord.linked(links)) {
      Death next = peer.exitSignal(process.pid, process, reason, true);
      if (next != null) {
        more.add(next);
      }
    }
    for (Monitor m : ProcessRecord.watchers(monitoredBy)) {
      m.fire(reason);
    }
    if (monitors != null) {
      for (Monitor m : monitors.values()) {
        m.target.forgetMonitor(m.ref); // (request monitors are not in this table)
      }
    }
    for (Monitor m : process.finishDying(this)) {
      m.fire(ExitReason.NOPROC); // monitors made while this death propagated: after the others
    }
    if (interrupt) {
      process.interruptAfterDeath();
    }
  }
}
