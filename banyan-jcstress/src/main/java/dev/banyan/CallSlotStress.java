package dev.banyan;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * The one-shot channel of a call ({@link CallSlot}) is decided by one CAS: exactly one of its
 * completions wins, and a caller that gives up sees the answer that beat it, or none that
 * arrives after it.
 */
public final class CallSlotStress {
  private CallSlotStress() {}

  /** A reply racing the caller's timeout: either the reply wins and the caller uses it, or neither. */
  @JCStressTest
  @Outcome(id = "true, true", expect = ACCEPTABLE, desc = "the reply won; the caller gets it")
  @Outcome(id = "false, false", expect = ACCEPTABLE, desc = "the caller gave up first; the reply is dropped")
  @Outcome(id = "true, false", expect = FORBIDDEN, desc = "a reply that won was lost")
  @Outcome(id = "false, true", expect = FORBIDDEN, desc = "the caller saw a reply that lost")
  @State
  public static class ReplyVersusAbandon {
    private final CallSlot slot = new CallSlot(Thread.currentThread());

    @Actor
    public void server(ZZ_Result r) {
      r.r1 = slot.complete("reply");
    }

    @Actor
    public void caller(ZZ_Result r) {
      r.r2 = "reply".equals(slot.abandon());
    }
  }

  /** A reply racing the server's Down: exactly one completes the call. */
  @JCStressTest
  @Outcome(id = {"true, false", "false, true"}, expect = ACCEPTABLE, desc = "exactly one wins")
  @Outcome(id = {"true, true", "false, false"}, expect = FORBIDDEN, desc = "both or none won")
  @State
  public static class ReplyVersusDown {
    private final CallSlot slot = new CallSlot(Thread.currentThread());

    @Actor
    public void replier(ZZ_Result r) {
      r.r1 = slot.complete("reply");
    }

    @Actor
    public void monitor(ZZ_Result r) {
      r.r2 = slot.complete(new CallSlot.SlotDown(ExitReason.KILLED));
    }
  }
}
