package dev.banyan.examples.kv;

import dev.banyan.ChildSpec;
import dev.banyan.Supervisor;
import java.util.List;

/**
 * The key-value store: the guide's {@code kv} application, a supervisor of the {@link
 * BucketSupervisor} and the {@link KvRegistry}.
 *
 * {@snippet :
 * Kv kv = new Kv();
 * Supervisor.start(node, Supervisor.Flags.oneForOne(), List.of(kv.childSpec()));
 * Bucket shopping = kv.registry().create("shopping");
 * shopping.put("milk", "1");
 * }
 *
 * <h2>The supervision tree</h2>
 * <pre>
 * kv (one_for_all)
 * ├── bucket_supervisor (DynamicSupervisor)
 * │   └── bucket, bucket, ... (temporary Agents)
 * └── registry (GenServer)
 * </pre>
 * {@code one_for_all}, as the guide argues: the registry is the only way to reach a bucket, so if
 * it dies (and restarts knowing no bucket) every bucket must go too; and if the bucket
 * supervisor dies, its buckets die with it, and the registry must forget them all at once.
 * Children start in order, so the registry finds its bucket supervisor running. The restart
 * intensity is Elixir's default: more than 3 restarts in 5 seconds stop {@code kv}, and its own
 * supervisor decides what next.
 *
 * <h2>Thread safety</h2>
 * Thread-safe: a {@code Kv} is a set of handles that stay the same across restarts.
 *
 * @since 0.1
 */
public final class Kv {

  private final BucketSupervisor buckets = new BucketSupervisor();
  private final KvRegistry registry = new KvRegistry(buckets);

  /** Creates the handles; nothing runs until a supervisor starts {@link #childSpec()}. */
  public Kv() {}

  /** {@return the child spec of the whole store}: a permanent supervisor child, id {@code "kv"} */
  public ChildSpec childSpec() {
    return ChildSpec.supervisor(
        "kv",
        Supervisor.childStart(
            Supervisor.Flags.oneForAll(), List.of(buckets.childSpec(), registry.childSpec())));
  }

  /** {@return the registry}, to create and look up buckets */
  public KvRegistry registry() {
    return registry;
  }

  /** {@return the supervisor of the buckets} */
  public BucketSupervisor buckets() {
    return buckets;
  }
}
