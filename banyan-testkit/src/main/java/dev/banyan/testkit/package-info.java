/**
 * Testing Banyan processes with JUnit 5.
 *
 * <p>Annotate a test class with {@link dev.banyan.testkit.BanyanTest} (or {@code
 * @ExtendWith(BanyanExtension.class)}): each test then runs with its own {@link dev.banyan.Node},
 * the test thread is a process of it, and both can be declared as parameters. {@link
 * dev.banyan.testkit.BanyanAssertions} waits for messages and exits the way ExUnit's {@code
 * assert_receive}, {@code refute_receive} and a monitor do. A {@link
 * dev.banyan.testkit.TestSupervisor} parameter starts children for one test and stops them after
 * it, as ExUnit's {@code start_supervised!} does, and an {@link dev.banyan.testkit.EventLog}
 * checks the order in which things happen across processes.
 *
 * {@snippet :
 * @BanyanTest
 * class EchoTest {
 *   @Test
 *   void echoesBack(ProcessContext<Object> me) {
 *     Pid<Object> test = me.self();
 *     Pid<Object> echo = me.spawn(ctx -> test.send(ctx.receive()));
 *     echo.send("ping");
 *     assertThat(assertReceive(me, String.class)).isEqualTo("ping");
 *   }
 * }
 * }
 *
 * <p>Unless otherwise specified, passing {@code null} to any method of this package throws
 * {@link java.lang.NullPointerException}, and no method returns {@code null}.
 */
package dev.banyan.testkit;
