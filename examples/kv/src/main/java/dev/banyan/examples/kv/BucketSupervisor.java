package dev.banyan.examples.kv;

import dev.banyan.CallException;
import dev.banyan.ChildSpec;
import dev.banyan.DynamicSupervisor;
import dev.banyan.ExitReason;
import dev.banyan.Pid;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The supervisor of the buckets: the guide's {@code KV.BucketSupervisor}, a {@link
 * DynamicSupervisor} that starts a {@link Bucket} whenever the {@link KvRegistry} asks for one.
 *
 * {@snippet :
 * BucketSupervisor buckets = new BucketSupervisor();
 * supervised.startChild(buckets.childSpec());   // under any supervisor
 * Bucket bucket = buckets.startBucket();
 * }
 *
 * <p>A {@code BucketSupervisor} is a handle that stays the same while the supervisor behind it is
 * restarted: its {@link #childSpec()} starts a new {@link DynamicSupervisor} at every (re)start,
 * and {@link #startBucket()} always goes to the current one. (In Elixir the guide reaches it by
 * its registered name, {@code KV.BucketSupervisor}.)
 *
 * <h2>Thread safety</h2>
 * Thread-safe.
 *
 * @since 0.1
 */
public final class BucketSupervisor {

  private final AtomicReference<DynamicSupervisor> current = new AtomicReference<>(); // set by each (re)start

  /** Creates the handle; nothing runs until a supervisor starts its {@link #childSpec()}. */
  public BucketSupervisor() {}

  /**
   * {@return the child spec of the bucket supervisor}: a permanent supervisor child, id {@code
   * "bucket_supervisor"}, with DynamicSupervisor's defaults (at most 3 restarts in 5 seconds of
   * one of its children; buckets are temporary, so they never count)
   */
  public ChildSpec childSpec() {
    return Children.supervisor(
        "bucket_supervisor",
        parent -> {
          DynamicSupervisor started = DynamicSupervisor.startLink(parent);
          current.set(started);
          return started.pid();
        });
  }

  /**
   * Starts a new, empty bucket under the supervisor.
   *
   * @return the bucket
   * @throws CallException if the supervisor is not running (with {@link ExitReason#NOPROC}) or
   *     the bucket did not start
   */
  public Bucket startBucket() {
    DynamicSupervisor supervisor = current.get();
    if (supervisor == null) {
      throw new CallException(ExitReason.NOPROC, "BucketSupervisor.startBucket", List.of());
    }
    AtomicReference<Bucket> bucket = new AtomicReference<>();
    DynamicSupervisor.StartChild outcome = supervisor.startChild(Bucket.childSpec(bucket::set));
    if (outcome instanceof DynamicSupervisor.StartChild.Ok) {
      return bucket.get();
    }
    throw new CallException(
        ExitReason.of(outcome), "BucketSupervisor.startBucket", List.of());
  }

  /**
   * {@return the pid of the supervisor last started}, or empty before its first start; that
   * process may have died since (see {@link Pid#isAlive()})
   */
  public Optional<Pid<?>> pid() {
    return Optional.ofNullable(current.get()).map(DynamicSupervisor::pid);
  }

  @Override
  public String toString() {
    return "BucketSupervisor" + pid().map(Object::toString).orElse("(not running)");
  }
}
