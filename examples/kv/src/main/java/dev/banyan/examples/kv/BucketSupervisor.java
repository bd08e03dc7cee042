package dev.banyan.examples.kv;

import dev.banyan.CallException;
import dev.banyan.ChildSpec;
import dev.banyan.DynamicSupervisor;
import dev.banyan.ExitReason;
import dev.banyan.Node;
import dev.banyan.Pid;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The supervisor of the buckets: the guide's {@code KV.BucketSupervisor}, a {@link
 * DynamicSupervisor} registered under a name, that starts a {@link Bucket} whenever the {@link
 * KvRegistry} asks for one.
 *
 * {@snippet :
 * BucketSupervisor buckets = new BucketSupervisor();
 * supervised.startChild(buckets.childSpec());   // under any supervisor
 * Bucket bucket = buckets.startBucket(node);
 * }
 *
 * <p>As in the guide, the supervisor is reached by its name, {@value #NAME} by default: its
 * {@link #childSpec()} is Elixir's {@code {DynamicSupervisor, name: KV.BucketSupervisor,
 * strategy: :one_for_one}}, and {@link #startBucket(Node)} asks whichever supervisor has the
 * name now, so a restarted supervisor is found again. A name is taken once per node: one store
 * per node, or give each its own name.
 *
 * <h2>Thread safety</h2>
 * Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class BucketSupervisor {

  /** The default registered name: the guide's {@code KV.BucketSupervisor}. */
  public static final String NAME = "KV.BucketSupervisor";

  private final String name;

  /** Creates the handle of a supervisor named {@value #NAME}; nothing runs until a supervisor starts its {@link #childSpec()}. */
  public BucketSupervisor() {
    this(NAME);
  }

  /**
   * Creates the handle of a supervisor registered under {@code name}.
   *
   * @param name the registered name
   */
  public BucketSupervisor(String name) {
    this.name = Objects.requireNonNull(name, "name");
  }

  /**
   * {@return the child spec of the bucket supervisor}: a permanent supervisor child, id {@code
   * "bucket_supervisor"}, registered under the name, with DynamicSupervisor's defaults (at most 3
   * restarts in 5 seconds of one of its children; buckets are temporary, so they never count)
   */
  public ChildSpec childSpec() {
    return DynamicSupervisor.childSpec("bucket_supervisor", DynamicSupervisor.Options.named(name));
  }

  /**
   * Starts a new, empty bucket under the supervisor: the guide's {@code
   * DynamicSupervisor.start_child(KV.BucketSupervisor, KV.Bucket)}.
   *
   * @param node the node the supervisor runs on
   * @return the bucket
   * @throws CallException if the supervisor is not running (with {@link ExitReason#NOPROC}) or
   *     the bucket did not start
   */
  public Bucket startBucket(Node node) {
    DynamicSupervisor.StartChild outcome = DynamicSupervisor.named(node, name).startChild(Bucket.childSpec());
    if (outcome instanceof DynamicSupervisor.StartChild.Ok ok) {
      return Bucket.of(ok.pid());
    }
    throw new CallException(ExitReason.of(outcome), "BucketSupervisor.startBucket", List.of(name));
  }

  /** {@return the registered name} */
  public String name() {
    return name;
  }

  /**
   * {@return the pid of the supervisor that has the name on {@code node} now}, or empty if none
   *
   * @param node the node
   */
  public Optional<Pid<?>> pid(Node node) {
    return node.whereis(name);
  }

  @Override
  public String toString() {
    return "BucketSupervisor[" + name + "]";
  }
}
