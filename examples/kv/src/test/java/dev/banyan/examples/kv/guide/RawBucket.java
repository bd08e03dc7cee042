package dev.banyan.examples.kv.guide;

import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The guide's first step (docs/guide.md, "Processes"): a bucket as a plain process with a
 * receive loop, as Elixir's "Processes" chapter writes its {@code KV} module. The real bucket,
 * {@link dev.banyan.examples.kv.Bucket}, is an Agent.
 */
final class RawBucket {

  private RawBucket() {}

  /** What a bucket understands. */
  sealed interface Request {}

  /** Stores {@code value} under {@code key}. */
  record Put(String key, String value) implements Request {}

  /** Asks for the value under {@code key}; the bucket answers {@code caller} with a {@link Value}. */
  record Get(String key, Pid<? super Value> caller) implements Request {}

  /** The answer to a {@link Get}. */
  record Value(String key, Optional<String> value) {}

  static Pid<Request> start(Node node) {
    return node.spawn(self -> loop(self, new HashMap<>()));
  }

  static Pid<Request> startLink(ProcessContext<?> parent) {
    return parent.spawnLink(self -> loop(self, new HashMap<>()));
  }

  // The state is a local variable of the loop: no other thread can see it.
  private static void loop(ProcessContext<Request> self, Map<String, String> map) {
    while (true) {
      switch (self.receive(Request.class)) {
        case Put put -> map.put(put.key(), put.value());
        case Get get -> get.caller().send(new Value(get.key(), Optional.ofNullable(map.get(get.key()))));
      }
    }
  }

  /** A client function: sends a {@link Get} and waits for its {@link Value}, however long. */
  static Optional<String> get(ProcessContext<Object> caller, Pid<Request> bucket, String key) {
    bucket.send(new Get(key, caller.self()));
    return caller.receive(Value.class, v -> v.key().equals(key)).value();
  }
}
