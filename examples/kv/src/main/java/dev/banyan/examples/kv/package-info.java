/**
 * The Elixir Mix and OTP guide's key-value store and its TCP server, in Banyan: the {@code kv}
 * application ({@link dev.banyan.examples.kv.Kv}: {@link dev.banyan.examples.kv.Bucket}, {@link
 * dev.banyan.examples.kv.BucketSupervisor}, {@link dev.banyan.examples.kv.KvRegistry}) and the
 * {@code kv_server} application ({@link dev.banyan.examples.kv.KvServer}), run by {@link
 * dev.banyan.examples.kv.Main}. See the module's README for the protocol and how to run it.
 */
package dev.banyan.examples.kv;
