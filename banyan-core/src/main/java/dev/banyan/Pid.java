package dev.banyan;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The address of a process, typed by the messages it accepts: Erlang's {@code pid()}.
 *
 * <p>A pid is obtained from {@code spawn} (on a {@link Node} or a {@link ProcessContext}) or from
 * {@link ProcessContext#self()}. {@link #send(Object)} delivers a message from any thread; the
 * type parameter {@code M} is the type of message the process expects. The runtime itself can
 * also deliver {@link Exit} and {@link Down} messages (to processes that trap exits or monitor),
 * so a receive may see those too.
 *
 * {@snippet :
 * Pid<String> echo = node.spawn(ctx -> {
 *   String text = ctx.receive(String.class);
 *   System.out.println("got " + text);
 * });
 * echo.send("hello");
 * }
 *
 * <p>A pid is printed as Erlang prints a local pid, {@code <0.ID.SERIAL>}; the virtual thread of
 * the process carries the same name. Two pids are equal when they name the same process: the
 * same node name and creation, and the same number. A pid stays valid after its process has
 * died: sending to it does nothing, linking to it gives {@code noproc}.
 *
 * <h2>Thread safety</h2>
 * Thread-safe; {@code send} may be called from any thread.
 *
 * <h2>Memory consistency effects</h2>
 * Actions in a thread before it sends a message happen-before the receiving process's actions
 * after it receives that message.
 *
 * @param <M> the type of the messages the process accepts
 * @since 0.1
 */
public final class Pid<M> implements Address {
  private final String node;
  private final int creation;
  private final long number;
  // The local process; null only for the node's placeholder pid of non-process senders.
  final ProcessRecord<M> record;

  Pid(String node, int creation, long number, ProcessRecord<M> record) {
    this.node = node;
    this.creation = creation;
    this.number = number;
    this.record = record;
  }

  /**
   * Sends a message to this process: Erlang's {@code Pid ! Msg}. The message is appended to the
   * process's mailbox; sending to a dead process silently does nothing (CC-008).
   *
   * <p>Called from a process, the message is ordered after everything that process sent to the
   * same target before (CC-003) and before the exit signal of its death (CC-033).
   *
   * @param message the message; not null. Messages are shared, not copied: send immutable values
   * @throws ProcessExitedException if called by a process that has already died
   */
  public void send(M message) {
    Objects.requireNonNull(message, "message");
    ProcessRecord<?> sender = ProcessRecord.currentAlive();
    if (record == null) {
      throw new BadArgException("send(" + this + "): not a process that can receive messages");
    }
    record.deliver(message, sender);
  }

  /** {@return whether the process is alive}: Erlang's {@code is_process_alive/1}. */
  public boolean isAlive() {
    return record != null && record.isAliveNow();
  }

  /** {@return the name of the node the process runs on} */
  public String node() {
    return node;
  }

  /** {@return the creation of the node incarnation the process belongs to} */
  public int creation() {
    return creation;
  }

  /** {@return the process number within its node incarnation, Erlang's ID field} */
  public int id() {
    return (int) (number & 0x0FFF_FFFFL);
  }

  /** {@return the serial field: how many times the ID space wrapped} */
  public int serial() {
    return (int) (number >>> 28);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Pid<?> p
        && p.number == number
        && p.creation == creation
        && p.node.equals(node);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(number) * 31 + creation;
  }

  /** {@return the pid as Erlang prints a local pid, {@code <0.ID.SERIAL>}} */
  @Override
  public String toString() {
    // Written out by hand: every process's thread is named with it (Node.newProcess), and a
    // string concatenation costs 3-5 times as much until the JIT has compiled it (suptree).
    int id = id();
    int serial = serial();
    if (serial < 0) {
      return "<0." + id + "." + serial + ">";
    }
    int idDigits = digits(id);
    byte[] text = new byte[idDigits + digits(serial) + 5];
    text[0] = '<';
    text[1] = '0';
    text[2] = '.';
    putDigits(text, 3 + idDigits, id);
    text[3 + idDigits] = '.';
    putDigits(text, text.length - 1, serial);
    text[text.length - 1] = '>';
    return new String(text, StandardCharsets.ISO_8859_1);
  }

  private static int digits(int nonNegative) {
    int n = 1;
    for (int v = nonNegative; v >= 10; v /= 10) {
      n++;
    }
    return n;
  }

  /** Writes {@code nonNegative} in decimal into {@code text}, its last digit at {@code end - 1}. */
  private static void putDigits(byte[] text, int end, int nonNegative) {
    int v = nonNegative;
    do {
      text[--end] = (byte) ('0' + v % 10);
      v /= 10;
    } while (v != 0);
  }
}
