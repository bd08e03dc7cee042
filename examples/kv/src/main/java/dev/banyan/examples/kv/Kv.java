package dev.banyan.examples.kv;

import dev.banyan.Application;
import dev.banyan.ApplicationContext;
import dev.banyan.ApplicationSpec;
import dev.banyan.Applications;
import dev.banyan.ChildSpec;
import dev.banyan.Node;
import dev.banyan.Supervisor;
import java.util.List;

/**
 * The key-value store: the guide's {@code kv} application, a supervisor of the {@link
 * BucketSupervisor} and the {@link KvRegistry}.
 *
 * <p>As an application ({@link #APPLICATION}), on a node:
 *
 * {@snippet :
 * node.applications().load(Kv.APPLICATION);
 * node.applications().ensureAllStarted("kv");
 * Bucket shopping = Kv.of(node).registry().create("shopping");
 * shopping.put("milk", "1");
 * }
 *
 * <p>Or as a child of a supervisor of your own:
 *
 * {@snippet :
 * Kv kv = new Kv();
 * Supervisor.start(node, Supervisor.Flags.oneForOne(), List.of(kv.childSpec()));
 * kv.registry().create("shopping");
 * }
 *
 * <h2>The supervision tree</h2>
 * <pre>
 * kv (one_for_all)
 * ├── bucket_supervisor (DynamicSupervisor, registered as KV.BucketSupervisor)
 * │   └── bucket, bucket, ... (temporary Agents)
 * └── registry (GenServer)
 * </pre>
 * {@code one_for_all}, as the guide argues: the registry is the only way to reach a bucket, so if
 * it dies (and restarts knowing no bucket) every bucket must go too; and if the bucket
 * supervisor dies, its buckets die with it, and the registry must forget them all at once.
 * Children start in order, so the registry finds its bucket supervisor running. The restart
 * intensity is Elixir's default: more than 3 restarts in 5 seconds stop {@code kv}; as a
 * permanent application, that stops the node, as in OTP.
 *
 * <h2>Thread safety</h2>
 * Thread-safe: a {@code Kv} is a set of handles that stay the same across restarts. The bucket
 * supervisor is registered under {@link BucketSupervisor#NAME}, so a node runs one store.
 *
 * @since 0.1
 */
public final class Kv {

  /**
   * The {@code kv} application: no dependencies, no settings. When it starts, it makes its
   * {@code Kv} handles (once per node: a restarted application keeps them) and keeps them in its
   * environment under {@link #HANDLE_KEY}, where {@link #of(Node)} finds them.
   */
  public static final ApplicationSpec APPLICATION =
      ApplicationSpec.of("kv", App::new)
          .withVersion("0.1.0")
          .withDescription("the key-value store: buckets and their registry");

  /** The environment key under which the {@code kv} application keeps its {@code Kv}: not a setting. */
  public static final String HANDLE_KEY = "handle";

  private static final Supervisor.Flags FLAGS = Supervisor.Flags.oneForAll();

  private final BucketSupervisor buckets = new BucketSupervisor();
  private final KvRegistry registry = new KvRegistry(buckets);

  /** Creates the handles; nothing runs until a supervisor starts {@link #childSpec()}. */
  public Kv() {}

  /**
   * {@return the handles of the {@code kv} application of {@code node}}
   *
   * @param node the node
   * @throws java.util.NoSuchElementException if the {@code kv} application has not started on
   *     that node
   */
  public static Kv of(Node node) {
    return node.applications().fetchEnv(APPLICATION.name(), HANDLE_KEY, Kv.class);
  }

  /** {@return the child spec of the whole store}: a permanent supervisor child, id {@code "kv"} */
  public ChildSpec childSpec() {
    return ChildSpec.supervisor("kv", Supervisor.childStart(FLAGS, children()));
  }

  private List<ChildSpec> children() {
    return List.of(buckets.childSpec(), registry.childSpec());
  }

  /** {@return the registry}, to create and look up buckets */
  public KvRegistry registry() {
    return registry;
  }

  /** {@return the supervisor of the buckets} */
  public BucketSupervisor buckets() {
    return buckets;
  }

  /** The application's callbacks: the guide's {@code KV} module ({@code use Application}). */
  private static final class App implements Application {
    @Override
    public Started start(ApplicationContext app) {
      Applications apps = app.node().applications();
      Kv kv =
          app.getEnv(HANDLE_KEY)
              .map(Kv.class::cast)
              .orElseGet(
                  () -> {
                    Kv made = new Kv();
                    apps.putEnv(app.name(), HANDLE_KEY, made);
                    return made;
                  });
      return app.startSupervisor(FLAGS, kv.children());
    }
  }
}
