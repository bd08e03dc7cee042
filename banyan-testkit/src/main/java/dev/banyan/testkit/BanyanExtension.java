package dev.banyan.testkit;

import dev.banyan.AttachedProcess;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ExtensionContext.Store;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.opentest4j.AssertionFailedError;

/**
 * A JUnit 5 extension that runs each test with its own {@link Node}, the test thread attached to
 * it as a process, and fails the test if a process thread is still running when it ends.
 *
 * {@snippet :
 * @ExtendWith(BanyanExtension.class)   // or @BanyanTest
 * class ParserTest {
 *   @Test
 *   void parserCrashesOnBadInput(ProcessContext<Object> me) {
 *     Spawned<String> parser = me.spawnMonitor(ctx -> Integer.parseInt(ctx.receive(String.class)));
 *     parser.pid().send("forty-two");
 *     assertThat(awaitExit(me, parser.ref())).isInstanceOf(ExitReason.Crashed.class);
 *   }
 * }
 * }
 *
 * <h2>Before and after each test</h2>
 * Before each test (before the test's {@code @BeforeEach} methods) the extension starts a node
 * with {@link Node#start()} (named {@code nonode@nohost}) and attaches the test thread to it
 * with {@link Node#attach()}. After the test (after its {@code @AfterEach} methods) it stops the
 * test's {@link TestSupervisor}, if the test started children under it (they stop in reverse start
 * order, while the node still runs), closes the attached process (reason {@code normal}: processes linked to it that trap exits are told),
 * stops the node, which kills every process that is still alive and waits for their threads
 * (see {@link Node#stop()}), and then checks {@link Node#zombies()}: if a process thread still runs — its
 * code ignored the interrupt, or is in a CPU loop — the test fails with an {@link
 * AssertionFailedError} that lists the pids and, when the {@code jdk.management} module is
 * present, the top of each thread's stack. Such a thread keeps a carrier thread, or at least
 * memory, for the rest of the test run; end it in the test (a loop that checks a flag the test
 * clears, a blocking call that honours interrupts).
 *
 * <p>If the test itself failed, its failure stays the reported one; the report of running
 * threads is added to it as a suppressed exception.
 *
 * <h2>Parameters</h2>
 * The extension resolves parameters of type {@link Node}, {@link ProcessContext}, {@link
 * AttachedProcess} (declare these two as {@code ProcessContext<Object>}, {@code
 * AttachedProcess<Object>}) and {@link TestSupervisor} of {@code @Test}, {@code @ParameterizedTest}, {@code @RepeatedTest},
 * {@code @TestFactory} and {@code @TestTemplate} methods and of the {@code @BeforeEach} and
 * {@code @AfterEach} methods around them; within one test they are all the same node and the same
 * process. They are per test, so they cannot be injected into constructors, {@code @BeforeAll}
 * or {@code @AfterAll} methods. Every invocation of a parameterized or repeated test is a test
 * with its own node; the dynamic tests of a {@code @TestFactory} share their factory's node.
 *
 * <p>The extension works in {@code @Nested} classes (register it on the outer class), with
 * parallel test execution (nothing is shared between tests: the node lives in the test's {@link
 * ExtensionContext.Store}), and registered twice it acts once.
 *
 * <h2>What the test thread must not do</h2>
 * The test thread already is a process, so the test must not call {@link Node#attach()} on it
 * again (that throws {@link IllegalStateException}). The attached {@link ProcessContext} is
 * confined to the test thread: a test method that JUnit runs on another thread ({@code
 * @Timeout(threadMode = SEPARATE_THREAD)}, {@code assertTimeoutPreemptively}) can use the {@link
 * Node} but not the context, whose methods then throw {@link WrongThreadException}.
 *
 * <h2>Thread safety</h2>
 * Thread-safe: JUnit may share one instance between tests that run in parallel; it keeps no
 * state of its own.
 *
 * @since 0.1
 */
public final class BanyanExtension
    implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

  private static final Namespace NAMESPACE = Namespace.create(BanyanExtension.class);
  private static final String SESSION = "session";

  /** Creates the extension; JUnit calls this for {@code @ExtendWith(BanyanExtension.class)}. */
  public BanyanExtension() {}

  /**
   * Starts the test's node and attaches the test thread to it.
   *
   * @param context the test's context
   * @throws ExtensionConfigurationException if the test thread already is a Banyan process
   */
  @Override
  public void beforeEach(ExtensionContext context) {
    Store store = context.getStore(NAMESPACE);
    if (store.get(SESSION, Session.class) != null) {
      return; // registered twice: the first registration already set this test up
    }
    store.put(SESSION, Session.open(this));
  }

  /**
   * Stops the test's supervisor, closes the test's process, stops its node and fails the test if
   * process threads still run.
   *
   * @param context the test's context
   * @throws AssertionFailedError if a process thread of the node still runs after the stop, or
   *     the test supervisor did not stop in time
   */
  @Override
  public void afterEach(ExtensionContext context) {
    Session session = context.getStore(NAMESPACE).remove(SESSION, Session.class);
    if (session == null) {
      return; // registered twice: the other registration has ended the session
    }
    List<String> failures = new ArrayList<>();
    session.end().ifPresent(failures::add);
    List<Pid<?>> zombies = session.node.zombies();
    if (!zombies.isEmpty()) {
      failures.add(ThreadReport.zombies(session.node, zombies));
    }
    if (!failures.isEmpty()) {
      AssertionFailedError failure = new AssertionFailedError(failures.get(0));
      failures.subList(1, failures.size()).forEach(f -> failure.addSuppressed(new AssertionFailedError(f)));
      throw failure;
    }
  }

  /**
   * {@return whether the parameter is a {@link Node}, {@link ProcessContext} or {@link
   * AttachedProcess}} When the extension is registered twice, only the registration that set the
   * test up resolves them.
   *
   * @param parameter the parameter
   * @param context the context of the method that declares it
   */
  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    if (type != Node.class
        && type != ProcessContext.class
        && type != AttachedProcess.class
        && type != TestSupervisor.class) {
      return false;
    }
    Session session = context.getStore(NAMESPACE).get(SESSION, Session.class);
    return session == null || session.owner == this;
  }

  /**
   * {@return the test's node, its attached process, or its supervisor}
   *
   * @param parameter the parameter
   * @param context the context of the method that declares it
   * @throws ParameterResolutionException if the method is not part of a test (a constructor, a
   *     {@code @BeforeAll} or {@code @AfterAll} method)
   */
  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Session session = context.getStore(NAMESPACE).get(SESSION, Session.class);
    if (session == null) {
      throw new ParameterResolutionException(
          "BanyanExtension gives each test its own node, so "
              + parameter.getParameter().getType().getSimpleName()
              + " parameters can only be declared by test methods and their @BeforeEach and"
              + " @AfterEach methods, not by "
              + parameter.getDeclaringExecutable());
    }
    Class<?> type = parameter.getParameter().getType();
    return type == Node.class
        ? session.node
        : type == TestSupervisor.class ? session.supervisor : session.process;
  }

  /**
   * The node, the attached process and the supervisor of one test.
   *
   * <p>Closed by {@link #afterEach}; the store closes it too (as an {@link AutoCloseable}) if
   * JUnit never got to {@code afterEach}, so that no node outlives its test.
   */
  private static final class Session implements AutoCloseable {
    final BanyanExtension owner; // the registration that opened it
    final Node node;
    final AttachedProcess<Object> process;
    final TestSupervisor supervisor;
    private boolean ended; // test thread only (JUnit runs a test's callbacks on one thread)

    private Session(BanyanExtension owner, Node node, AttachedProcess<Object> process) {
      this.owner = owner;
      this.node = node;
      this.process = process;
      this.supervisor = new TestSupervisor(process, Thread.currentThread());
    }

    static Session open(BanyanExtension owner) {
      Node node = Node.start();
      try {
        return new Session(owner, node, node.attach());
      } catch (RuntimeException e) {
        node.stop();
        throw new ExtensionConfigurationException(
            "BanyanExtension attaches the test thread to the test's node, but: " + e.getMessage(),
            e);
      }
    }

    /**
     * Stops the test supervisor, closes the process, stops the node; returns why the supervisor
     * did not stop, if it did not.
     */
    Optional<String> end() {
      ended = true;
      // stop() waits for threads with join(); a test that left its thread interrupted must not
      // make that wait end at once and report threads that were about to end.
      boolean interrupted = Thread.interrupted();
      try {
        try {
          return supervisor.stop(); // first: its children may still use the node and the process
        } finally {
          process.close();
        }
      } finally {
        node.stop();
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public void close() {
      if (!ended) {
        end();
      }
    }
  }
}
