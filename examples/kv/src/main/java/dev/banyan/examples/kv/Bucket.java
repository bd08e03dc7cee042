package dev.banyan.examples.kv;

import dev.banyan.Agent;
import dev.banyan.ChildSpec;
import dev.banyan.ExitReason;
import dev.banyan.GenServer;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import dev.banyan.Restart;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A bucket of key-value pairs: the guide's {@code KV.Bucket}, an {@link Agent} holding a map.
 *
 * {@snippet :
 * Bucket bucket = Bucket.start(node);
 * bucket.put("milk", "3");
 * bucket.get("milk");      // Optional[3]
 * bucket.delete("milk");   // Optional[3]: the value it had
 * bucket.get("milk");      // Optional.empty
 * }
 *
 * <p>Buckets are started on demand by the {@link BucketSupervisor} and are {@link
 * Restart#TEMPORARY temporary}: a bucket that dies is not restarted, since a new, empty bucket
 * under the old name would look like data loss to its clients; the {@link KvRegistry} forgets it
 * instead, and the next {@code CREATE} makes a new one.
 *
 * <h2>Failures</h2>
 * Every method is a call into the bucket's process, with Banyan's default timeout of 5 seconds;
 * when the bucket is dead, or dies during the call, it throws {@link dev.banyan.CallException}.
 *
 * <h2>Thread safety</h2>
 * Thread-safe: a {@code Bucket} is an immutable handle any thread may use. The map itself lives
 * in the bucket's process and is never handed out: {@code get} and {@code delete} return a value,
 * not the map.
 *
 * @since 0.1
 */
public final class Bucket {

  // The state is a mutable HashMap: it never leaves the agent's process (every function below
  // returns a String, never the map), so no other thread can see it change, and a put costs O(1)
  // instead of copying the map.
  private final Agent<Map<String, String>> agent;
  private final Pid<?> pid;

  private Bucket(Agent<Map<String, String>> agent) {
    this(agent, agent.whereis().orElseThrow()); // alive: its start has just returned
  }

  private Bucket(Agent<Map<String, String>> agent, Pid<?> pid) {
    this.agent = agent;
    this.pid = pid;
  }

  /**
   * {@return the bucket whose agent has this pid}: Elixir's way, a bucket is its pid
   *
   * @param pid the pid of a bucket's agent, as {@link BucketSupervisor} gets it from its {@code
   *     DynamicSupervisor}
   */
  static Bucket of(Pid<?> pid) {
    return new Bucket(Agent.of(pid), pid);
  }

  /**
   * Starts a bucket that is not linked to the caller (for tests and scripts; in the system, the
   * {@link BucketSupervisor} starts them).
   *
   * @param node the node to start it on
   * @return the bucket
   */
  public static Bucket start(Node node) {
    return new Bucket(Agent.start(node, HashMap::new));
  }

  /**
   * Starts a bucket linked to the calling process: the guide's {@code KV.Bucket.start_link/1}.
   *
   * @param parent the calling process
   * @return the bucket
   */
  public static Bucket startLink(ProcessContext<?> parent) {
    return new Bucket(Agent.startLink(parent, HashMap::new));
  }

  /**
   * {@return the child spec of a bucket: a temporary worker}, the guide's {@code use Agent,
   * restart: :temporary}
   */
  static ChildSpec childSpec() {
    return ChildSpec.worker("bucket", supervisor -> new GenServer.Start.Ok<>(startLink(supervisor).agent.server()))
        .withRestart(Restart.TEMPORARY);
  }

  /**
   * {@return the value under {@code key}}, or empty if there is none
   *
   * @param key the key
   */
  public Optional<String> get(String key) {
    Objects.requireNonNull(key, "key");
    return agent.get(map -> Optional.ofNullable(map.get(key)));
  }

  /**
   * Puts {@code value} under {@code key}, replacing any value there.
   *
   * @param key the key
   * @param value the value
   */
  public void put(String key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    agent.update(
        map -> {
          map.put(key, value);
          return map;
        });
  }

  /**
   * Deletes {@code key}.
   *
   * @param key the key
   * @return the value it had, or empty if there was none
   */
  public Optional<String> delete(String key) {
    Objects.requireNonNull(key, "key");
    return agent.getAndUpdate(
        map -> new Agent.GetAndUpdate<>(Optional.ofNullable(map.remove(key)), map));
  }

  /**
   * Stops the bucket with reason {@code normal} and waits for it to end: the guide's {@code
   * Agent.stop(bucket)}.
   */
  public void stop() {
    agent.stop();
  }

  /**
   * Stops the bucket with {@code reason} and waits for it to end: the guide's {@code
   * Agent.stop(bucket, :shutdown)}, to simulate a crash.
   *
   * @param reason the reason it exits with
   */
  public void stop(ExitReason reason) {
    agent.stop(reason);
  }

  /** {@return the bucket's pid}, to monitor it, or to kill it in a demonstration */
  public Pid<?> pid() {
    return pid;
  }

  /** {@return whether the bucket's process is alive} */
  public boolean isAlive() {
    return pid.isAlive();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Bucket b && b.pid.equals(pid);
  }

  @Override
  public int hashCode() {
    return pid.hashCode();
  }

  /** {@return {@code Bucket} and its pid} */
  @Override
  public String toString() {
    return "Bucket" + pid;
  }
}
