/**
 * Banyan: Erlang/OTP's processes for Java.
 *
 * <p>Start a {@link dev.banyan.Node}, spawn processes with a {@link dev.banyan.ProcessBody}, and
 * let them talk through their {@link dev.banyan.Pid}s. A process's own operations — receive,
 * link, monitor, exit signals — are on its {@link dev.banyan.ProcessContext}.
 *
 * <p>Unless otherwise specified, passing {@code null} to any method of this package throws
 * {@link java.lang.NullPointerException}, and no method returns {@code null}.
 */
package dev.banyan;
