package dev.banyan;

import java.util.function.Predicate;

/**
 * The message queue of a process, as two singly linked lists of cells.
 *
 * <pre>
 * Implementation overview
 *
 * Senders append to the INBOUND list while holding the owning process's lock (the lock lives in
 * ProcessRecord, which extends this class). The owner moves the whole inbound list, in O(1), to
 * the end of its PRIVATE list and scans the private list without any lock, so that selective
 * receive predicates (user code) never run under a runtime lock, and senders are never blocked
 * by a long scan. Together the two lists are the mailbox in arrival order: private first, then
 * inbound. Only the owner removes cells, always from the private list (plus the flush of one DOWN
 * message from the inbound list, under the lock).
 *
 * A receive remembers the last private cell it examined, so that when it waits and more messages
 * arrive it only examines the new ones (Erlang's receive does the same); a receive with 10,000
 * unmatched messages in the mailbox thus costs one pass, not one pass per arrival.
 * </pre>
 */
abstract class Mailbox extends ProcessLock {

  /** A message in the mailbox. */
  static final class Cell {
    final Object message;
    Cell next; // written by the appender (under lock) or the owner (private list)

    Cell(Object message) {
      this.message = message;
    }
  }

  private Cell inHead; // guarded by the process lock
  private Cell inTail; // guarded by the process lock
  private int inCount; // guarded by the process lock

  private Cell privHead; // owner thread only
  private Cell privTail; // owner thread only
  private int privCount; // written by the owner only; read racily for process info

  /** Appends a message to the inbound list. Caller holds the process lock. */
  final void appendInboundLocked(Object message) {
    Cell c = new Cell(message);
    if (inTail == null) {
      inHead = c;
    } else {
      inTail.next = c;
    }
    inTail = c;
    inCount++;
  }

  /** {@return whether the inbound list has messages}. Caller holds the process lock. */
  final boolean hasInboundLocked() {
    return inHead != null;
  }

  /** Moves the inbound list to the end of the private list. Caller holds the lock and is the owner. */
  final void drainInboundLocked() {
    if (inHead == null) {
      return;
    }
    if (privTail == null) {
      privHead = inHead;
    } else {
      privTail.next = inHead;
    }
    privTail = inTail;
    privCount += inCount;
    inHead = null;
    inTail = null;
    inCount = 0;
  }

  /** Drops the inbound messages (on death). Caller holds the process lock. */
  final void clearInboundLocked() {
    inHead = null;
    inTail = null;
    inCount = 0;
  }

  /** Drops the private messages. Owner only. */
  final void clearPrivate() {
    privHead = null;
    privTail = null;
    privCount = 0;
  }

  /** The first private cell after {@code prev}, or the head when {@code prev} is null. Owner only. */
  final Cell privateAfter(Cell prev) {
    return prev == null ? privHead : prev.next;
  }

  /** Removes {@code c}, whose predecessor is {@code prev} (null for the head). Owner only. */
  final void removePrivate(Cell prev, Cell c) {
    if (prev == null) {
      privHead = c.next;
    } else {
      prev.next = c.next;
    }
    if (privTail == c) {
      privTail = prev;
    }
    c.next = null;
    privCount--;
  }

  /** Removes the first private message matching {@code p}; returns whether one was removed. Owner only. */
  final boolean removeFirstPrivate(Predicate<Object> p) {
    Cell prev = null;
    for (Cell c = privHead; c != null; prev = c, c = c.next) {
      if (p.test(c.message)) {
        removePrivate(prev, c);
        return true;
      }
    }
    return false;
  }

  /** Removes the first inbound message matching {@code p}. Caller holds the lock. */
  final boolean removeFirstInboundLocked(Predicate<Object> p) {
    Cell prev = null;
    for (Cell c = inHead; c != null; prev = c, c = c.next) {
      if (p.test(c.message)) {
        if (prev == null) {
          inHead = c.next;
        } else {
          prev.next = c.next;
        }
        if (inTail == c) {
          inTail = prev;
        }
        inCount--;
        return true;
      }
    }
    return false;
  }

  /** {@return the number of queued messages}, an estimate when read by another thread. Caller holds the lock. */
  final int lengthLocked() {
    return inCount + privCount;
  }
}
