package dev.banyan;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A {@code main} for {@link ApplicationMainTest}, run in a JVM of its own: it runs application
 * {@code b} (which depends on {@code a}) with {@link Applications#runMain}, prints each callback
 * to stdout, and prints {@code READY} once {@code b} runs.
 */
final class ApplicationMainFixture {
  private ApplicationMainFixture() {}

  /** An application that prints its start, prepStop and stop. */
  record Printing(String name) implements Application {
    @Override
    public Started start(ApplicationContext ctx) {
      System.out.println("start " + name + " " + ctx.fetchEnv("greeting", String.class));
      return ctx.startSupervisor(
          Supervisor.Flags.oneForOne(),
          List.of(ChildSpec.worker(name + "1", ChildStart.process(self -> self.receive()))));
    }

    @Override
    public Object prepStop(Object state) {
      System.out.println("prep_stop " + name);
      return state;
    }

    @Override
    public void stop(Object state) {
      System.out.println("stop " + name);
    }
  }

  public static void main(String[] args) throws InterruptedException {
    Node node = Node.start("fixture@localhost");
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try {
                if (node.applications().awaitRunning("b", Duration.ofSeconds(30))) {
                  System.out.println("READY");
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    int status =
        Applications.runMain(
            node,
            "b",
            List.of(
                ApplicationSpec.of("a", () -> new Printing("a")).withEnv("greeting", "hi"),
                ApplicationSpec.of("b", () -> new Printing("b")).withDependencies("a").withEnv("greeting", "hi")),
            Map.of());
    // After SIGTERM the JVM halts once the hook has stopped the node, maybe before this line.
    System.exit(status);
  }
}
