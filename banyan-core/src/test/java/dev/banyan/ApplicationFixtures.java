package dev.banyan;

import dev.banyan.SupervisorFixtures.Kids;
import dev.banyan.SupervisorFixtures.Log;
import java.util.List;

/** Test applications whose callbacks write to a shared {@link Log}, with {@link Kids} as children. */
final class ApplicationFixtures {
  private ApplicationFixtures() {}

  /**
   * An application whose top supervisor (one_for_one) runs the given {@link Kids} workers. It logs
   * {@code start <app>}, {@code prep_stop <app> <state>} and {@code stop <app> <state>}; its start
   * state is {@code state-<app>} and prepStop returns {@code prepped-<app>}. The workers log
   * {@code init <id>} and {@code terminate <id>} into the same log.
   */
  static final class TestApp implements Application {
    private final String name;
    private final Kids kids;
    private final List<String> children;

    TestApp(String name, Kids kids, List<String> children) {
      this.name = name;
      this.kids = kids;
      this.children = children;
    }

    @Override
    public Started start(ApplicationContext app) {
      kids.log.add("start " + name);
      Started top =
          app.startSupervisor(Supervisor.Flags.oneForOne(), children.stream().map(kids::worker).toList());
      return new Started(top.topSupervisor(), "state-" + name);
    }

    @Override
    public Object prepStop(Object state) {
      kids.log.add("prep_stop " + name + " " + state);
      return "prepped-" + name;
    }

    @Override
    public void stop(Object state) {
      kids.log.add("stop " + name + " " + state);
    }
  }

  /** {@return the spec of a {@link TestApp} with these workers (ids) and dependencies} */
  static ApplicationSpec app(String name, Kids kids, List<String> children, String... deps) {
    return ApplicationSpec.of(name, () -> new TestApp(name, kids, children)).withDependencies(deps);
  }

  /** {@return the notice line of an application's exit, as slf4j-simple prints it} */
  static String exitReport(String app, Object exited, Application.Type type) {
    return "application_controller exit: application: "
        + app
        + ", exited: "
        + exited
        + ", type: "
        + type.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** {@return the lines of {@code stderr} that are application exit notices} */
  static List<String> exitReports(String stderr) {
    return stderr.lines()
        .filter(l -> l.contains("application_controller exit: "))
        .map(l -> l.substring(l.indexOf("application_controller exit: ")))
        .toList();
  }
}
