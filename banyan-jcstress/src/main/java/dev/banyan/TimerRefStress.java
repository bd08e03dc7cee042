package dev.banyan;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZZ_Result;

/**
 * A timer firing races {@code cancelTimer}: exactly one wins (the message is delivered, or
 * cancel reports time left, never both, never neither), and the timer is pending for neither
 * afterwards ({@code readTimer} empty).
 */
@JCStressTest
@Outcome(id = {"true, false, false", "false, true, false"}, expect = ACCEPTABLE, desc = "exactly one wins")
@Outcome(id = {"true, true, false", "false, false, false"}, expect = FORBIDDEN, desc = "both or none")
@Outcome(id = ".*, .*, true", expect = FORBIDDEN, desc = "still pending after both")
@State
public class TimerRefStress {
  private final TimerRef timer = new TimerRef(null, 0L);

  @Actor
  public void fire(ZZZ_Result r) {
    r.r1 = timer.fire();
  }

  @Actor
  public void cancel(ZZZ_Result r) {
    r.r2 = timer.cancel();
  }

  @Arbiter
  public void after(ZZZ_Result r) {
    r.r3 = timer.isPending();
  }
}
