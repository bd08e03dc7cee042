package dev.banyan.examples.kv.guide;

import dev.banyan.GenServer;
import dev.banyan.Node;
import dev.banyan.ProcessContext;
import dev.banyan.ReplyTo;
import dev.banyan.ServerRef;
import dev.banyan.examples.kv.Bucket;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * docs/guide.md, "A registry of buckets": the guide's first {@code KV.Registry}, a GenServer
 * mapping names to buckets, without monitors. It keeps a bucket after the bucket has died,
 * which is its flaw; {@link MonitoringRegistry} fixes it. Its requests and client functions are
 * used by both.
 */
final class NaiveRegistry implements GenServer<Map<String, Bucket>, NaiveRegistry.Request> {

  sealed interface Request {}

  record Lookup(String name, ReplyTo<Optional<Bucket>> replyTo) implements Request {}

  record Create(String name) implements Request {}

  private ProcessContext<Object> self; // set by init; used only on the registry's own thread

  // The client API: what other processes call.

  static ServerRef<Request> start(Node node) {
    return GenServer.start(node, new NaiveRegistry()).orElseThrow();
  }

  static Optional<Bucket> lookup(ServerRef<Request> registry, String name) {
    return registry.call(replyTo -> new Lookup(name, replyTo));
  }

  static void create(ServerRef<Request> registry, String name) {
    registry.cast(new Create(name));
  }

  // The callbacks: what runs in the registry's process.

  @Override
  public Init<Map<String, Bucket>> init(ProcessContext<Object> self) {
    this.self = self;
    return Init.ok(new HashMap<>());
  }

  @Override
  public Result<Map<String, Bucket>> handleCall(Request request, Map<String, Bucket> names) {
    return switch (request) {
      case Lookup lookup -> Result.reply(lookup.replyTo(), Optional.ofNullable(names.get(lookup.name())), names);
      case Create create -> throw new IllegalArgumentException("create is a cast: " + create);
    };
  }

  @Override
  public Result<Map<String, Bucket>> handleCast(Request request, Map<String, Bucket> names) {
    return switch (request) {
      case Create create -> {
        if (!names.containsKey(create.name())) {
          names.put(create.name(), Bucket.startLink(self));
        }
        yield Result.noreply(names);
      }
      case Lookup lookup -> throw new IllegalArgumentException("lookup is a call: " + lookup);
    };
  }
}
