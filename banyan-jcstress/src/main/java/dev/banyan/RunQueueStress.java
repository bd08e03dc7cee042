package dev.banyan;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A carrier's queue of runnable tasks ({@link RunQueue}, in Banyan's scheduler): one producer,
 * many consumers. Every task offered is taken exactly once, whoever takes it, also while the
 * producer reuses the slots of a small ring and while head and tail cross the int wrap-around.
 */
public final class RunQueueStress {
  private RunQueueStress() {}

  /** A task that knows its number. */
  record Task(int id) implements Runnable {
    @Override
    public void run() {}
  }

  private static int id(Runnable r) {
    return r == null ? 0 : ((Task) r).id();
  }

  /**
   * The producer offers two tasks and takes one; a thief takes one at the same time. Results:
   * what the producer took, what the thief took, what is left (taken by the arbiter).
   */
  @JCStressTest
  @Outcome(id = {"1, 2, 0", "2, 1, 0"}, expect = ACCEPTABLE, desc = "each took one")
  @Outcome(id = "1, 0, 2", expect = ACCEPTABLE, desc = "the thief found none; one is left")
  @Outcome(expect = FORBIDDEN, desc = "a task taken twice, or lost")
  @State
  public static class OwnerAndThief {
    private final RunQueue q = new RunQueue(4);

    @Actor
    public void producer(III_Result r) {
      q.offer(new Task(1));
      q.offer(new Task(2));
      r.r1 = id(q.poll());
    }

    @Actor
    public void thief(III_Result r) {
      r.r2 = id(q.poll());
    }

    @Arbiter
    public void rest(III_Result r) {
      r.r3 = id(q.poll()) + 10 * id(q.poll());
    }
  }

  /**
   * Two thieves race for the one task of a queue whose slot has been used before (the ring of 2
   * wrapped) and whose indices cross the int wrap: one gets it, the other nothing.
   */
  @JCStressTest
  @Outcome(id = {"7, 0", "0, 7"}, expect = ACCEPTABLE, desc = "one thief took it")
  @Outcome(expect = FORBIDDEN, desc = "taken twice, or lost")
  @State
  public static class TwoThievesAcrossTheWrap {
    private final RunQueue q = new RunQueue(2, Integer.MAX_VALUE - 1);

    public TwoThievesAcrossTheWrap() {
      for (int i = 0; i < 3; i++) {
        q.offer(new Task(100 + i));
        q.poll();
      }
      q.offer(new Task(7));
    }

    @Actor
    public void thief1(II_Result r) {
      r.r1 = id(q.poll());
    }

    @Actor
    public void thief2(II_Result r) {
      r.r2 = id(q.poll());
    }
  }

  /**
   * The producer fills a ring of 2, and refills a slot as soon as a thief frees it; the thief
   * takes twice. Every task the producer managed to offer is taken once, by the thief or after.
   * Results: the sum of the ids the thief took, and the sum of those left.
   */
  @JCStressTest
  @Outcome(id = {"1, 6", "3, 4"}, expect = ACCEPTABLE, desc = "all three offered, each taken once")
  @Outcome(
      id = {"0, 3", "1, 2", "3, 0"},
      expect = ACCEPTABLE,
      desc = "the third offer found the ring full; the two others taken once")
  @Outcome(expect = FORBIDDEN, desc = "a task taken twice, or lost")
  @State
  public static class RefillWhileStealing {
    private final RunQueue q = new RunQueue(2);

    @Actor
    public void producer() {
      q.offer(new Task(1));
      q.offer(new Task(2));
      q.offer(new Task(4)); // fails if the thief has not taken one yet
    }

    @Actor
    public void thief(II_Result r) {
      r.r1 = id(q.poll()) + id(q.poll());
    }

    @Arbiter
    public void rest(II_Result r) {
      int left = 0;
      for (Runnable t; (t = q.poll()) != null; ) {
        left += id(t);
      }
      r.r2 = left;
    }
  }
}
