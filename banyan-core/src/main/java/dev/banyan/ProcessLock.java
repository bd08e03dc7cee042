package dev.banyan;

import java.util.concurrent.locks.AbstractQueuedSynchronizer;

/**
 * The lock of a process, built into its record: a non-reentrant mutual-exclusion lock.
 *
 * <pre>
 * Implementation overview
 *
 * The record inherits the synchronizer instead of pointing to a ReentrantLock and a Condition,
 * which saves those objects (about 136 bytes per process, with the nodes the condition leaves
 * behind). State 0 is free, 1 is held. An uncontended lock() is one CAS; only a contended one
 * enters the synchronizer's queue (and then parks a virtual thread as a ReentrantLock would).
 * The lock is not reentrant: no runtime path takes a process lock it already holds (see
 * CONCURRENCY.md); assertions check it.
 *
 * There is no Condition: the only thread that ever waits on a process is its owner, in receive,
 * and it parks itself with LockSupport (see ProcessRecord.take).
 * </pre>
 */
abstract class ProcessLock extends AbstractQueuedSynchronizer {

  // The synchronizer is Serializable; a process never is.
  private static final long serialVersionUID = 1L;

  /** Takes the lock, waiting if another thread holds it. */
  final void lock() {
    if (!compareAndSetState(0, 1)) {
      assert !isHeldByCurrentThread() : "process locks are not reentrant";
      acquire(1);
    } else {
      setExclusiveOwnerThread(Thread.currentThread());
    }
  }

  /** Releases the lock, held by the calling thread. */
  final void unlock() {
    release(1);
  }

  /** {@return whether the calling thread holds the lock}, for assertions */
  final boolean isHeldByCurrentThread() {
    return getState() != 0 && getExclusiveOwnerThread() == Thread.currentThread();
  }

  @Override
  protected final boolean tryAcquire(int arg) {
    if (compareAndSetState(0, 1)) {
      setExclusiveOwnerThread(Thread.currentThread());
      return true;
    }
    return false;
  }

  @Override
  protected final boolean tryRelease(int arg) {
    assert isHeldByCurrentThread() : "unlock by a thread that does not hold the lock";
    setExclusiveOwnerThread(null);
    setState(0);
    return true;
  }

  @Override
  protected final boolean isHeldExclusively() {
    return getExclusiveOwnerThread() == Thread.currentThread();
  }
}
