package dev.banyan;

/**
 * Where a process can be found: a {@link Pid}, or a {@link RegisteredName} on a node. A {@link
 * Down} message names the monitored process by the address the monitor was created with.
 *
 * {@snippet :
 * switch (down.target()) {
 *   case Pid<?> pid -> System.out.println("process " + pid + " is down");
 *   case RegisteredName name -> System.out.println("process named " + name.name() + " is down");
 * }
 * }
 *
 * <h2>Thread safety</h2>
 * Immutable.
 *
 * @since 0.1
 */
public sealed interface Address permits Pid, RegisteredName {}
