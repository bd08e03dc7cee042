package dev.banyan.examples.kv;

import dev.banyan.CallException;
import dev.banyan.ChildSpec;
import dev.banyan.ChildStart;
import dev.banyan.Down;
import dev.banyan.ExitReason;
import dev.banyan.GenServer;
import dev.banyan.MonitorRef;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import dev.banyan.ReplyTo;
import dev.banyan.ServerRef;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Names buckets: the guide's {@code KV.Registry}, a {@link GenServer} that creates a bucket for
 * a name, monitors it, and forgets it when it dies.
 *
 * {@snippet :
 * BucketSupervisor buckets = new BucketSupervisor();
 * KvRegistry registry = new KvRegistry(buckets);
 * supervised.startChild(buckets.childSpec());
 * supervised.startChild(registry.childSpec());
 *
 * Bucket shopping = registry.create("shopping");   // a call into the registry
 * registry.lookup("shopping");                      // Optional[shopping], read without a call
 * }
 *
 * <h2>Reads do not wait for writes</h2>
 * As in the guide, which keeps the names in an ETS table with {@code read_concurrency: true}, the
 * names live in a concurrent map that only the registry process writes and that {@link #lookup}
 * reads directly, on the caller's thread: lookups never queue behind {@link #create} calls or
 * behind the registry's handling of dead buckets. {@link #create} is a call, so creations of the
 * same name are serialized and a name never gets two buckets.
 *
 * <h2>Never a dead bucket</h2>
 * When a bucket dies, the registry learns it from a {@link Down} message, a little later. In
 * between, the map still holds the dead bucket: {@link #lookup} checks that the bucket is alive
 * before returning it, and {@link #create} replaces a dead bucket by a new one (the late {@code
 * Down} of the old bucket then removes nothing but the old entry). So neither returns a bucket
 * that was already dead when it was called. (A bucket can of course die just after: every use
 * of a bucket may fail.) The guide's other race, a lookup right after a {@code create}, cannot
 * miss: the registry writes the name before it answers the {@code create}.
 *
 * <h2>Restarts</h2>
 * {@link #childSpec()} starts a new registry process at every (re)start, with a new, empty map;
 * the {@code KvRegistry} object stays the same handle. Start it after its {@link
 * BucketSupervisor}, under a {@code one_for_all} supervisor (as {@link Kv} does): a restarted
 * registry knows no bucket, so the buckets of the old one must go with it, or they would live on
 * unreachable.
 *
 * <h2>Thread safety</h2>
 * Thread-safe.
 *
 * <h2>Memory consistency effects</h2>
 * The start of a bucket by {@link #create} happens-before any {@link #lookup} that returns it.
 *
 * @since 0.1
 */
public final class KvRegistry {

  private final Function<Node, Bucket> startBucket; // runs in the registry process
  // The current registry process's table, replaced by each (re)start; written only by that process.
  private volatile Map<String, Bucket> names = Map.of();
  private final AtomicReference<ServerRef<Request>> server = new AtomicReference<>(); // set by each (re)start

  /**
   * Creates the handle of a registry whose buckets {@code buckets} starts; nothing runs until a
   * supervisor starts its {@link #childSpec()}.
   *
   * @param buckets the supervisor of the buckets
   */
  public KvRegistry(BucketSupervisor buckets) {
    this(Objects.requireNonNull(buckets, "buckets")::startBucket);
  }

  /**
   * For tests: a registry whose buckets {@code startBucket} starts, in the registry process, given
   * the registry's node.
   */
  KvRegistry(Function<Node, Bucket> startBucket) {
    this.startBucket = startBucket;
  }

  /** {@return the child spec of the registry}: a permanent worker, id {@code "registry"} */
  public ChildSpec childSpec() {
    ChildStart start =
        parent -> {
          GenServer.Start<Request> started = GenServer.startLink(parent, new Server());
          if (started instanceof GenServer.Start.Ok<Request> ok) {
            server.set(ok.server());
          }
          return started;
        };
    return ChildSpec.worker("registry", start);
  }

  /**
   * Looks up the bucket named {@code name}, without a call: the guide's {@code
   * KV.Registry.lookup/2}.
   *
   * @param name the bucket's name
   * @return the bucket, or empty if there is none (or it has died)
   */
  public Optional<Bucket> lookup(String name) {
    Objects.requireNonNull(name, "name");
    Bucket bucket = names.get(name);
    return bucket != null && bucket.isAlive() ? Optional.of(bucket) : Optional.empty();
  }

  /**
   * Returns the bucket named {@code name}, creating it if there is none: the guide's {@code
   * KV.Registry.create/2}, a call into the registry.
   *
   * @param name the bucket's name
   * @return the bucket
   * @throws CallException if the registry is not running ({@link ExitReason#NOPROC}), does not
   *     answer within 5 seconds, or dies meanwhile (for instance because the bucket supervisor
   *     is down)
   */
  public Bucket create(String name) {
    Objects.requireNonNull(name, "name");
    ServerRef<Request> registry = server.get();
    if (registry == null) {
      throw new CallException(ExitReason.NOPROC, "KvRegistry.create", List.of(name));
    }
    return registry.call(replyTo -> new Create(name, replyTo));
  }

  /** {@return how many names the current table holds}, dead buckets not yet forgotten included */
  int size() {
    return names.size();
  }

  /**
   * {@return the pid of the registry process last started}, or empty before its first start;
   * that process may have died since
   */
  public Optional<Pid<?>> pid() {
    return Optional.ofNullable(server.get()).flatMap(ServerRef::whereis);
  }

  @Override
  public String toString() {
    return "KvRegistry" + pid().map(Object::toString).orElse("(not running)");
  }

  // ---------------------------------------------------------------------------------------------
  // The registry process

  /** The requests of the registry process. */
  private sealed interface Request {}

  private record Create(String name, ReplyTo<Bucket> replyTo) implements Request {}

  /** What the registry knows of a bucket it monitors. */
  private record Watched(String name, Bucket bucket) {}

  /**
   * The registry process's state: its monitors, by reference (mutable, confined to the process).
   * A crash report prints the state: this prints a count, not every bucket.
   */
  private record Refs(Map<MonitorRef, Watched> byRef) {
    @Override
    public String toString() {
      return byRef.size() + " buckets monitored";
    }
  }

  /**
   * The registry process. Its state is the map of monitors; the table of names is a field, as
   * the guide's ETS table is a resource of the process, published to readers at {@code init}.
   */
  private final class Server implements GenServer<Refs, Request> {
    private final ConcurrentHashMap<String, Bucket> table = new ConcurrentHashMap<>();
    private ProcessContext<Object> self; // written in init, then read only by this process

    @Override
    public Init<Refs> init(ProcessContext<Object> self) {
      this.self = self;
      names = table;
      return Init.ok(new Refs(new HashMap<>()));
    }

    @Override
    public Result<Refs> handleCall(Request request, Refs refs) {
      return switch (request) {
        case Create create -> {
          Bucket existing = table.get(create.name());
          if (existing != null && existing.isAlive()) {
            yield Result.reply(create.replyTo(), existing, refs);
          }
          // None, or one that died and whose Down is still on its way: a new bucket.
          Bucket bucket = startBucket.apply(self.node());
          refs.byRef().put(self.monitor(bucket.pid()), new Watched(create.name(), bucket));
          table.put(create.name(), bucket);
          yield Result.reply(create.replyTo(), bucket, refs);
        }
      };
    }

    @Override
    public Result<Refs> handleInfo(Object message, Refs refs) throws Exception {
      if (message instanceof Down down) {
        Watched gone = refs.byRef().remove(down.ref());
        if (gone != null) {
          table.remove(gone.name(), gone.bucket()); // only if no newer bucket took the name
        }
        return Result.noreply(refs);
      }
      return GenServer.super.handleInfo(message, refs);
    }
  }
}
