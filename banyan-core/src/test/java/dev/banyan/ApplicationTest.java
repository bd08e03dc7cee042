package dev.banyan;

import static dev.banyan.ApplicationFixtures.app;
import static dev.banyan.ApplicationFixtures.exitReport;
import static dev.banyan.ApplicationFixtures.exitReports;
import static dev.banyan.SupervisorFixtures.WAIT;
import static dev.banyan.SupervisorFixtures.noStart;
import static dev.banyan.SupervisorFixtures.stderrOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.banyan.Application.Type;
import dev.banyan.ApplicationException.AlreadyLoaded;
import dev.banyan.ApplicationException.AlreadyStarted;
import dev.banyan.ApplicationException.DependencyCycle;
import dev.banyan.ApplicationException.NotLoaded;
import dev.banyan.ApplicationException.NotStarted;
import dev.banyan.ApplicationException.Running;
import dev.banyan.ApplicationException.StartFailed;
import dev.banyan.Applications.RunningApplication;
import dev.banyan.SupervisorFixtures.Kids;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Applications (otp-semantics §9, the exit report of §10): load, start, stop, types. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ApplicationTest {

  @Nested
  class Start {
    @Test
    @DisplayName("CC-170: start with a dependency that is not started fails with {not_started, Dep} and starts nothing")
    void startWithAnUnstartedDependencyFailsNamingIt() {
      try (Node node = Node.start()) {
        Kids kids = new Kids();
        Applications apps = node.applications();
        apps.load(ApplicationSpec.library("util"));
        apps.load(app("db", kids, List.of("db1")));
        apps.load(app("web", kids, List.of("web1"), "util", "db"));
        apps.start("util");

        ApplicationException e = catchThrowableOfType(ApplicationException.class, () -> apps.start("web"));

        assertThat(e.reason()).isEqualTo(new NotStarted("db"));
        assertThat(e).hasMessageContaining("web").hasMessageContaining("db");
        assertThat(kids.log.snapshot()).isEmpty();
        assertThat(apps.which()).extracting(RunningApplication::name).containsExactly("util");
      }
    }

    @Test
    @DisplayName("CC-170: ensureAllStarted starts the dependencies first, in dependency order, and returns only the newly started")
    void ensureAllStartedStartsDependenciesFirstAndReturnsTheNewOnes() {
      try (Node node = Node.start()) {
        Kids kids = new Kids();
        Applications apps = node.applications();
        apps.load(ApplicationSpec.library("util"));
        apps.load(app("store", kids, List.of("store1"), "util"));
        apps.load(app("cache", kids, List.of("cache1"), "store"));
        apps.load(app("web", kids, List.of("web1"), "cache", "util", "store"));
        apps.start("util");

        List<String> started = apps.ensureAllStarted("web");

        assertThat(started).containsExactly("store", "cache", "web");
        assertThat(kids.log.snapshot())
            .containsExactly("start store", "init store1", "start cache", "init cache1", "start web", "init web1");
        assertThat(apps.which())
            .extracting(RunningApplication::name)
            .containsExactly("util", "store", "cache", "web");
        assertThat(apps.ensureAllStarted("web")).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-170: ensureAllStarted starts every application with the given type")
    void ensureAllStartedUsesTheType() {
      try (Node node = Node.start()) {
        Kids kids = new Kids();
        Applications apps = node.applications();
        apps.load(ApplicationSpec.library("util"));
        apps.load(app("web", kids, List.of("web1"), "util"));

        apps.ensureAllStarted("web", Type.PERMANENT);

        assertThat(apps.which()).extracting(RunningApplication::type).containsExactly(Type.PERMANENT, Type.PERMANENT);
      }
    }

    @Test
    @DisplayName("starting a running application fails with {already_started, App}; ensureStarted is idempotent")
    void startingTwiceFailsButEnsureStartedDoesNot() {
      try (Node node = Node.start()) {
        Kids kids = new Kids();
        Applications apps = node.applications();
        apps.load(app("a", kids, List.of("a1")));

        assertThat(apps.ensureStarted("a")).isTrue();
        ApplicationException e = catchThrowableOfType(ApplicationException.class, () -> apps.start("a"));
        assertThat(e.reason()).isEqualTo(new AlreadyStarted("a"));
        assertThat(apps.ensureStarted("a")).isFalse();
        assertThat(kids.log.snapshot()).containsExactly("start a", "init a1");
      }
    }

    @Test
    @DisplayName("a start while another thread starts the same application waits for that start's outcome")
    void concurrentStartsWaitForTheFirst() throws Exception {
      try (Node node = Node.start()) {
        Kids kids = new Kids();
        CompletableFuture<Void> gate = new CompletableFuture<>();
        Applications apps = node.applications();
        apps.load(
            ApplicationSpec.of(
                "a",
                () ->
                    ctx -> {
                      kids.log.add("start a");
                      gate.get();
                      return ctx.startSupervisor(Supervisor.Flags.oneForOne(), List.of());
                    }));
        CompletableFuture<Boolean> first = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> first.complete(apps.ensureStarted("a")));
        kids.log.awaitSize(1);
        CompletableFuture<String> second = new CompletableFuture<>();
        Thread waiter =
            Thread.ofPlatform()
                .start(() -> second.complete(apps.ensureStarted("a") + ", running " + apps.isRunning("a")));
        while (waiter.getState() != Thread.State.WAITING && !second.isDone()) {
          Thread.onSpinWait(); // until the second caller waits (or, wrongly, has returned)
        }

        gate.complete(null);

        assertThat(second.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("false, running true");
        assertThat(first.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(kids.log.snapshot()).containsExactly("start a");
      }
    }

    @Test
    @DisplayName("an application that is not loaded cannot be started; ensureAllStarted names the missing dependency and who needs it")
    void unknownApplicationsAreNamed() {
      try (Node node = Node.start()) {
        Kids kids = new Kids();
        Applications apps = node.applications();
        apps.load(app("web", kids, List.of("web1"), "store"));
        apps.load(app("store", kids, List.of("store1"), "db"));

        assertThat(catchThrowableOfType(ApplicationException.class, () -> apps.start("nope")).reason())
            .isEqualTo(new NotLoaded("nope"));
        ApplicationException e = catchThrowableOfType(ApplicationException.class, () -> apps.ensureAllStarted("web"));
        assertThat(e.reason()).isEqualTo(new NotLoaded("db"));
        assertThat(e).hasMessageContaining("db").hasMessageContaining("web -> store");
        assertThat(kids.log.snapshot()).isEmpty();
        assertThat(apps.which()).isEmpty();
      }
    }

    @Test
    @DisplayName("ensureAllStarted detects a dependency cycle, names it and starts nothing")
    void dependencyCyclesAreNamed() {
      try (Node node = Node.start()) {
        Kids kids = new Kids();
        Applications apps = node.applications();
        apps.load(ApplicationSpec.library("base"));
        apps.load(app("a", kids, List.of("a1"), "base", "b"));
        apps.load(app("b", kids, List.of("b1"), "c"));
        apps.load(app("c", kids, List.of("c1"), "a"));

        ApplicationException e = catchThrowableOfType(ApplicationException.class, () -> apps.ensureAllStarted("a"));

        assertThat(e.reason()).isEqualTo(new DependencyCycle(List.of("a", "b", "c", "a")));
        assertThat(e).hasMessageContaining("a -> b -> c -> a");
        assertThat(apps.which()).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-171: a top supervisor that fails to start a child fails the start with {shutdown, {failed_to_start_child, Id, Reason}}")
    void aFailingTopSupervisorFailsTheStart() {
      try (Node node = Node.start()) {
        Kids kids = new Kids();
        kids.failNext("w2", 1);
        Applications apps = node.applications();
        apps.load(app("a", kids, List.of("w1", "w2", "w3")));

        ApplicationException e = catchThrowableOfType(ApplicationException.class, () -> apps.start("a"));

        ExitReason expected = ExitReason.shutdown(new Supervisor.FailedToStartChild("w2", noStart("w2")));
        assertThat(e.reason()).isEqualTo(new StartFailed("a", ApplicationFixtures.TestApp.class.getName(), expected));
        assertThat(e.reason().toString())
            .isEqualTo("{{shutdown, {failed_to_start_child, w2, no-start w2}}, {"
                + ApplicationFixtures.TestApp.class.getName() + ", start, [normal, []]}}");
        // w1 was started and stopped again; the master is gone; prep_stop/stop never ran
        assertThat(kids.log.snapshot()).containsExactly("start a", "init w1", "init w2: fail", "terminate w1");
        assertThat(node.processes()).isEmpty();
        assertThat(apps.which()).isEmpty();
        // it can be started again once the cause is gone
        apps.start("a");
        assertThat(apps.isRunning("a")).isTrue();
      }
    }

    @Test
    @DisplayName("a module's start that throws fails the start: an ExitException with its reason, anything else as Crashed")
    void aThrowingStartFailsTheStart() {
      try (Node node = Node.start()) {
        Applications apps = node.applications();
        IllegalStateException boom = new IllegalStateException("no config");
        apps.load(ApplicationSpec.of("crashes", () -> ctx -> { throw boom; }));
        apps.load(ApplicationSpec.of("exits", () -> ctx -> { throw new ExitException(ExitReason.of("bad_port")); }));

        ApplicationException crashed = catchThrowableOfType(ApplicationException.class, () -> apps.start("crashes"));
        ApplicationException exited = catchThrowableOfType(ApplicationException.class, () -> apps.start("exits"));

        assertThat(((StartFailed) crashed.reason()).reason()).isEqualTo(new ExitReason.Crashed(boom));
        assertThat(((StartFailed) exited.reason()).reason()).isEqualTo(ExitReason.of("bad_port"));
        assertThat(exited).hasMessageContaining("exits").hasMessageContaining("bad_port");
        assertThat(node.processes()).isEmpty();
      }
    }

    @Test
    @DisplayName("when ensureAllStarted fails, the applications it started are stopped again in reverse order")
    void ensureAllStartedUndoesItsStartsOnFailure() {
      try (Node node = Node.start()) {
        Kids kids = new Kids();
        kids.failNext("c1", 1);
        Applications apps = node.applications();
        apps.load(app("a", kids, List.of("a1")));
        apps.load(app("b", kids, List.of("b1"), "a"));
        apps.load(app("c", kids, List.of("c1"), "b"));

        ApplicationException e = catchThrowableOfType(ApplicationException.class, () -> apps.ensureAllStarted("c"));

        assertThat(e.reason()).isInstanceOf(StartFailed.class);
        assertThat(kids.log.snapshot())
            .containsExactly(
                "start a", "init a1",
                "start b", "init b1",
                "start c", "init c1: fail",
                "prep_stop b state-b", "terminate b1", "stop b prepped-b",
                "prep_stop a state-a", "terminate a1", "stop a prepped-a");
        assertThat(apps.which()).isEmpty();
      }
    }

    @Test
    @DisplayName("the module's start runs in the application master, a process, to which the top supervisor is linked")
    void startRunsInTheMasterProcessLinkedToTheTop() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        AtomicReference<Pid<?>> master = new AtomicReference<>();
        Applications apps = node.applications();
        apps.load(
            ApplicationSpec.of(
                "a",
                () -> ctx -> {
                  master.set(ctx.process().self());
                  assertThat(ctx.process().trapsExits()).isTrue();
                  return ctx.startSupervisor(Supervisor.Flags.oneForOne(), List.of());
                }));

        apps.start("a");

        Pid<?> top = apps.which().getFirst().topSupervisor().orElseThrow();
        assertThat(master.get()).isNotEqualTo(me.self());
        assertThat(node.processInfo(top).orElseThrow().links()).containsExactly(master.get());
        assertThat(node.processes()).containsExactlyInAnyOrder(me.self(), master.get(), top);
        apps.stop("a");
        assertThat(node.processes()).containsExactly(me.self());
      }
    }

    @Test
    @DisplayName("a library application has no processes: its start and stop only mark it running or not")
    void aLibraryApplicationHasNoProcesses() {
      try (Node node = Node.start()) {
        Applications apps = node.applications();
        apps.load(ApplicationSpec.library("util").withVersion("1.2").withDescription("helpers"));

        apps.start("util", Type.PERMANENT);

        assertThat(apps.which())
            .containsExactly(new RunningApplication("util", "helpers", "1.2", Type.PERMANENT, Optional.empty()));
        assertThat(node.processes()).isEmpty();
        apps.stop("util");
        assertThat(apps.which()).isEmpty();
        assertThat(node.isRunning()).isTrue(); // an explicit stop of a permanent application
      }
    }

    @Test
    @DisplayName("loading is idempotent for the same spec; a different spec of the same name is refused; a running application cannot be unloaded")
    void loadAndUnload() {
      try (Node node = Node.start()) {
        Applications apps = node.applications();
        ApplicationSpec spec = ApplicationSpec.library("util").withVersion("1");
        apps.load(spec);
        apps.load(spec);

        assertThat(catchThrowableOfType(ApplicationException.class, () -> apps.load(spec.withVersion("2"))).reason())
            .isEqualTo(new AlreadyLoaded("util"));
        apps.start("util");
        assertThat(catchThrowableOfType(ApplicationException.class, () -> apps.unload("util")).reason())
            .isEqualTo(new Running("util"));
        apps.stop("util");
        apps.unload("util");
        assertThat(apps.loaded()).isEmpty();
        apps.load(spec.withVersion("2"));
        assertThat(apps.spec("util").orElseThrow().version()).isEqualTo("2");
      }
    }

    @Test
    @DisplayName("bad names are refused, naming the value")
    void badNamesAreRefused() {
      assertThatThrownBy(() -> ApplicationSpec.library("1st"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"1st\"");
      assertThatThrownBy(() -> ApplicationSpec.library("a").withEnv("has space", 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"has space\"");
      assertThatThrownBy(() -> ApplicationSpec.library("a").withDependencies("a"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("itself");
    }
  }

  @Nested
  class Stop {
    @Test
    @DisplayName("CC-172: prepStop runs while the tree runs, then the tree stops in reverse order, then stop gets prepStop's value")
    void stopOrder() {
      try (Node node = Node.start()) {
        Kids kids = new Kids();
        Applications apps = node.applications();
        apps.load(
            ApplicationSpec.of(
                "a",
                () ->
                    new Application() {
                      Pid<?> top;

                      @Override
                      public Started start(ApplicationContext ctx) {
                        top =
                            ctx.startSupervisor(
                                    Supervisor.Flags.oneForOne(), List.of(kids.worker("w1"), kids.worker("w2")))
                                .topSupervisor();
                        return new Started(top, "started");
                      }

                      @Override
                      public Object prepStop(Object state) {
                        kids.log.add("prep_stop " + state + ", tree alive " + top.isAlive());
                        return "prepped";
                      }

                      @Override
                      public void stop(Object state) {
                        kids.log.add("stop " + state + ", tree alive " + top.isAlive());
                      }
                    }));
        apps.start("a");

        apps.stop("a");

        assertThat(kids.log.snapshot())
            .containsExactly(
                "init w1", "init w2",
                "prep_stop started, tree alive true",
                "terminate w2", "terminate w1",
                "stop prepped, tree alive false");
        assertThat(node.processes()).isEmpty();
        assertThat(apps.loaded()).extracting(ApplicationSpec::name).containsExactly("a"); // still loaded
      }
    }

    @Test
    @DisplayName("a prepStop that throws is logged, and stop gets the start state")
    void aThrowingPrepStopStillStops() {
      try (Node node = Node.start()) {
        Kids kids = new Kids();
        Applications apps = node.applications();
        apps.load(
            ApplicationSpec.of(
                "a",
                () ->
                    new Application() {
                      @Override
                      public Started start(ApplicationContext ctx) {
                        return new Started(
                            ctx.startSupervisor(Supervisor.Flags.oneForOne(), List.of(kids.worker("w1")))
                                .topSupervisor(),
                            "started");
                      }

                      @Override
                      public Object prepStop(Object state) {
                        throw new IllegalStateException("prep_stop failed");
                      }

                      @Override
                      public void stop(Object state) {
                        kids.log.add("stop " + state);
                      }
                    }));
        apps.start("a");

        apps.stop("a");

        assertThat(kids.log.snapshot()).containsExactly("init w1", "terminate w1", "stop started");
      }
    }

    @Test
    @DisplayName("stopping an application that does not run fails with {not_started, App}")
    void stoppingWhatDoesNotRunFails() {
      try (Node node = Node.start()) {
        Applications apps = node.applications();
        apps.load(ApplicationSpec.library("util"));

        assertThat(catchThrowableOfType(ApplicationException.class, () -> apps.stop("util")).reason())
            .isEqualTo(new NotStarted("util"));
        assertThat(catchThrowableOfType(ApplicationException.class, () -> apps.stop("nope")).reason())
            .isEqualTo(new NotLoaded("nope"));
      }
    }

    @Test
    @DisplayName("CC-173: an explicit stop of a permanent application reports 'stopped' and affects neither the node nor the applications that depend on it")
    void explicitStopAffectsNothingElse() throws Exception {
      Kids kids = new Kids();
      String err =
          stderrOf(
              () -> {
                try (Node node = Node.start()) {
                  Applications apps = node.applications();
                  apps.load(app("a", kids, List.of("a1")));
                  apps.load(app("b", kids, List.of("b1"), "a"));
                  apps.ensureAllStarted("b", Type.PERMANENT);

                  apps.stop("a");

                  assertThat(node.isRunning()).isTrue();
                  assertThat(apps.which()).extracting(RunningApplication::name).containsExactly("b");
                  assertThat(apps.terminated()).isEmpty();
                  apps.stop("b");
                }
              });
      assertThat(exitReports(err))
          .containsExactly(exitReport("a", "stopped", Type.PERMANENT), exitReport("b", "stopped", Type.PERMANENT));
    }

    @Test
    @DisplayName("stopping the node stops every application in reverse start order, each completely, before any process is killed")
    void nodeStopStopsApplicationsInReverseOrder() {
      Kids kids = new Kids();
      Node node = Node.start();
      Applications apps = node.applications();
      apps.load(ApplicationSpec.library("util"));
      apps.load(app("a", kids, List.of("a1", "a2"), "util"));
      apps.load(app("b", kids, List.of("b1"), "a"));
      apps.load(app("c", kids, List.of("c1")));
      apps.ensureAllStarted("b");
      apps.start("c", Type.PERMANENT);
      int started = kids.log.size();

      node.stop();

      assertThat(kids.log.since(started))
          .containsExactly(
              "prep_stop c state-c", "terminate c1", "stop c prepped-c",
              "prep_stop b state-b", "terminate b1", "stop b prepped-b",
              "prep_stop a state-a", "terminate a2", "terminate a1", "stop a prepped-a");
      assertThat(kids.terminated.values()).containsOnly(ExitReason.SHUTDOWN);
      assertThat(apps.which()).isEmpty();
      assertThat(apps.terminated()).isEmpty();
    }

    @Test
    @DisplayName("stopping the node from a process of an application still stops every application in reverse order")
    void nodeStopFromInsideAnApplication() throws Exception {
      Kids kids = new Kids();
      Node node = Node.start();
      CompletableFuture<Void> stopReturned = new CompletableFuture<>();
      ChildSpec stopper =
          ChildSpec.worker(
              "stopper",
              ChildStart.process(
                  ctx -> {
                    ctx.receive(String.class, "stop the node"::equals);
                    node.stop(); // this process dies meanwhile, with its application
                    stopReturned.complete(null);
                  }));
      Applications apps = node.applications();
      apps.load(app("a", kids, List.of("a1")));
      apps.load(
          ApplicationSpec.of(
              "b",
              () ->
                  ctx -> {
                    kids.log.add("start b");
                    return ctx.startSupervisor(Supervisor.Flags.oneForOne(), List.of(kids.worker("b1"), stopper));
                  }));
      apps.start("a");
      apps.start("b");
      Supervisor top = Supervisor.of(ServerRef.of(apps.which().getLast().topSupervisor().orElseThrow()));
      int started = kids.log.size();

      Pid<?> stopperPid = ((Supervisor.ChildState.Running) top.whichChildren().getFirst().state()).pid();
      sendAny(stopperPid, "stop the node");

      stopReturned.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(kids.log.since(started))
          .containsExactly("terminate b1", "prep_stop a state-a", "terminate a1", "stop a prepped-a");
      assertThat(node.isRunning()).isFalse();
    }
  }

  @SuppressWarnings("unchecked")
  private static void sendAny(Pid<?> pid, Object message) {
    ((Pid<Object>) pid).send(message);
  }

  @Nested
  class Types {
    static Stream<Arguments> matrix() {
      // CC-173 / otp-semantics §9: type x how the top supervisor exits -> does the node stop?
      return Stream.of(
          Arguments.of(Type.TEMPORARY, ExitReason.NORMAL, false),
          Arguments.of(Type.TEMPORARY, ExitReason.SHUTDOWN, false),
          Arguments.of(Type.TEMPORARY, ExitReason.of("boom"), false),
          Arguments.of(Type.TRANSIENT, ExitReason.NORMAL, false),
          Arguments.of(Type.TRANSIENT, ExitReason.SHUTDOWN, true),
          Arguments.of(Type.TRANSIENT, ExitReason.of("boom"), true),
          Arguments.of(Type.PERMANENT, ExitReason.NORMAL, true),
          Arguments.of(Type.PERMANENT, ExitReason.SHUTDOWN, true),
          Arguments.of(Type.PERMANENT, ExitReason.of("boom"), true));
    }

    @ParameterizedTest(name = "CC-173: {0} application, top supervisor exits {1}: node stops = {2}")
    @MethodSource("matrix")
    void theTypeDecidesWhatTheTopSupervisorsExitDoes(Type type, ExitReason reason, boolean nodeStops)
        throws Exception {
      Kids kids = new Kids();
      Node node = Node.start();
      try {
        String err =
            stderrOf(
                () -> {
                  Applications apps = node.applications();
                  apps.load(app("other", kids, List.of("o1")));
                  apps.load(app("a", kids, List.of("a1")));
                  apps.start("other", Type.PERMANENT);
                  apps.start("a", type);
                  Pid<?> top = apps.which().getLast().topSupervisor().orElseThrow();
                  int before = kids.log.size();

                  ServerRef.of(top).stop(reason); // the tree ends by itself, not by Applications.stop

                  apps.awaitStop("a");
                  if (nodeStops) {
                    apps.awaitStop("other");
                    assertThat(apps.terminated()).contains(new Applications.Terminated("a", reason));
                  } else {
                    assertThat(apps.terminated()).isEmpty();
                    assertThat(apps.which()).extracting(RunningApplication::name).containsExactly("other");
                    assertThat(node.isRunning()).isTrue();
                  }
                  // prep_stop and stop run when the tree ends by itself too (OTP's loop_it)
                  assertThat(kids.log.since(before))
                      .startsWith("terminate a1", "prep_stop a state-a", "stop a prepped-a");
                });
        List<String> reports = exitReports(err);
        assertThat(reports.getFirst()).isEqualTo(exitReport("a", reason, type));
        if (nodeStops) {
          assertThat(reports).containsExactly(exitReport("a", reason, type), exitReport("other", "stopped", Type.PERMANENT));
          assertThat(err).contains("{application_terminated, a, " + reason + "}");
        } else {
          assertThat(reports).containsExactly(exitReport("a", reason, type));
          assertThat(err).doesNotContain("application_terminated");
        }
      } finally {
        node.stop();
      }
    }
    @Test
    @DisplayName("CC-173: a permanent application whose supervisor exceeds its restart intensity stops the node with {application_terminated, App, shutdown}")
    void restartIntensityExceededStopsTheNode() throws Exception {
      Kids kids = new Kids();
      Node node = Node.start();
      try {
        Applications apps = node.applications();
        apps.load(app("other", kids, List.of("o1")));
        apps.load(app("a", kids, List.of("w1")));
        apps.start("other", Type.TEMPORARY);
        apps.start("a", Type.PERMANENT);

        for (int crash = 1; crash <= 4; crash++) { // 3 restarts are allowed in 5 s; the 4th crash is one too many
          int before = kids.log.size();
          SupervisorFixtures.tell(kids.pids.get("w1"), new SupervisorFixtures.Crash("crash " + crash));
          kids.log.awaitSize(before + (crash < 4 ? 2 : 1)); // terminate w1 (+ init w1 when restarted)
        }

        apps.awaitStop("other"); // the node stops the other applications too
        assertThat(apps.terminated()).contains(new Applications.Terminated("a", ExitReason.SHUTDOWN));
        assertThat(kids.log.snapshot())
            .endsWith("prep_stop a state-a", "stop a prepped-a", "prep_stop other state-other", "terminate o1", "stop other prepped-other");
      } finally {
        node.stop();
      }
    }
  }

  @Nested
  class Main {
    @Test
    @DisplayName("runMain starts the application with its dependencies, blocks until the node stops, and stops them in reverse order")
    void runMainBlocksUntilTheNodeStops() throws Exception {
      Kids kids = new Kids();
      Node node = Node.start();
      CompletableFuture<Integer> status =
          runMainInBackground(
              node,
              List.of(app("web", kids, List.of("web1"), "db"), app("db", kids, List.of("db1"))),
              Map.of());
      assertThat(node.applications().awaitRunning("web", WAIT)).isTrue();
      assertThat(node.applications().which())
          .extracting(RunningApplication::name, RunningApplication::type)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("db", Type.PERMANENT),
              org.assertj.core.groups.Tuple.tuple("web", Type.PERMANENT));
      assertThat(status).isNotDone();

      node.stop();

      assertThat(status.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isZero();
      assertThat(kids.log.snapshot())
          .containsExactly(
              "start db", "init db1", "start web", "init web1",
              "prep_stop web state-web", "terminate web1", "stop web prepped-web",
              "prep_stop db state-db", "terminate db1", "stop db prepped-db");
    }

    @Test
    @DisplayName("runMain returns 0 when its application is stopped, after stopping the rest and the node")
    void runMainReturnsWhenTheApplicationStops() throws Exception {
      Kids kids = new Kids();
      Node node = Node.start();
      CompletableFuture<Integer> status =
          runMainInBackground(
              node,
              List.of(app("db", kids, List.of("db1")), app("web", kids, List.of("web1"), "db")),
              Map.of("web", Map.of("port", 8080)));
      assertThat(node.applications().awaitRunning("web", WAIT)).isTrue();
      assertThat(node.applications().getEnv("web", "port")).contains(8080); // the config map

      node.applications().stop("web");

      assertThat(status.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isZero();
      assertThat(node.isRunning()).isFalse();
      assertThat(kids.log.since(4))
          .containsExactly(
              "prep_stop web state-web", "terminate web1", "stop web prepped-web",
              "prep_stop db state-db", "terminate db1", "stop db prepped-db");
    }

    @Test
    @DisplayName("CC-173: runMain returns 1 when a permanent application terminates and stops the node")
    void runMainReturnsOneWhenAnApplicationTerminates() throws Exception {
      Kids kids = new Kids();
      Node node = Node.start();
      CompletableFuture<Integer> status =
          runMainInBackground(node, List.of(app("web", kids, List.of("web1"))), Map.of());
      assertThat(node.applications().awaitRunning("web", WAIT)).isTrue();

      ServerRef.of(node.applications().which().getFirst().topSupervisor().orElseThrow()).stop(ExitReason.of("boom"));

      assertThat(status.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(node.applications().terminated()).contains(new Applications.Terminated("web", ExitReason.of("boom")));
      assertThat(node.isRunning()).isFalse();
    }

    @Test
    @DisplayName("runMain returns 1 and stops the node when the application cannot start")
    void runMainReturnsOneWhenTheStartFails() {
      Node node = Node.start();
      int status = Applications.runMain(node, "web", List.of(ApplicationSpec.library("web").withDependencies("db")), Map.of());

      assertThat(status).isEqualTo(1);
      assertThat(node.isRunning()).isFalse();
    }

    /** Runs {@code Applications.runMain(node, "web", specs, config)} on a platform thread. */
    private CompletableFuture<Integer> runMainInBackground(
        Node node, List<ApplicationSpec> specs, Map<String, ? extends Map<String, ?>> config) {
      CompletableFuture<Integer> status = new CompletableFuture<>();
      Thread.ofPlatform().start(() -> status.complete(Applications.runMain(node, "web", specs, config)));
      return status;
    }
  }
}
