package dev.banyan.examples.kv.guide;

import dev.banyan.Down;
import dev.banyan.GenServer;
import dev.banyan.MonitorRef;
import dev.banyan.Node;
import dev.banyan.ProcessContext;
import dev.banyan.ServerRef;
import dev.banyan.examples.kv.Bucket;
import dev.banyan.examples.kv.guide.NaiveRegistry.Create;
import dev.banyan.examples.kv.guide.NaiveRegistry.Lookup;
import dev.banyan.examples.kv.guide.NaiveRegistry.Request;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * docs/guide.md, "The need for monitoring": the registry monitors each bucket and forgets it
 * when its {@link Down} arrives. Same requests and client functions as {@link NaiveRegistry}.
 * Its buckets are still linked to it, as in the guide at this point; a crashing bucket therefore
 * takes the registry down, which the bucket supervisor fixes.
 */
final class MonitoringRegistry implements GenServer<MonitoringRegistry.State, Request> {

  /** The names, and which name each monitor watches. */
  record State(Map<String, Bucket> names, Map<MonitorRef, String> refs) {}

  private ProcessContext<Object> self; // set by init; used only on the registry's own thread

  static ServerRef<Request> start(Node node) {
    return GenServer.start(node, new MonitoringRegistry()).orElseThrow();
  }

  @Override
  public Init<State> init(ProcessContext<Object> self) {
    this.self = self;
    return Init.ok(new State(new HashMap<>(), new HashMap<>()));
  }

  @Override
  public Result<State> handleCall(Request request, State state) {
    return switch (request) {
      case Lookup lookup -> Result.reply(lookup.replyTo(), Optional.ofNullable(state.names().get(lookup.name())), state);
      case Create create -> throw new IllegalArgumentException("create is a cast: " + create);
    };
  }

  @Override
  public Result<State> handleCast(Request request, State state) {
    return switch (request) {
      case Create create -> {
        if (!state.names().containsKey(create.name())) {
          Bucket bucket = Bucket.startLink(self);
          state.refs().put(self.monitor(bucket.pid()), create.name());
          state.names().put(create.name(), bucket);
        }
        yield Result.noreply(state);
      }
      case Lookup lookup -> throw new IllegalArgumentException("lookup is a call: " + lookup);
    };
  }

  @Override
  public Result<State> handleInfo(Object message, State state) throws Exception {
    if (message instanceof Down down) {
      String name = state.refs().remove(down.ref());
      state.names().remove(name);
      return Result.noreply(state);
    }
    return GenServer.super.handleInfo(message, state);
  }
}
