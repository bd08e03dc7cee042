package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.banyan.ApplicationException.NotLoaded;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** An application's environment (otp-semantics §9): defaults, overrides, get/fetch/put. */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ApplicationEnvTest {

  enum Mode {
    FAST,
    SAFE
  }

  /** Overrides as a test sets them: environment variables and system properties. */
  private final Map<String, String> variables = new HashMap<>();

  private final Map<String, String> properties = new HashMap<>();

  private Applications appsOf(Node node) {
    Applications apps = node.applications();
    apps.overrideSources(variables::get, properties::get);
    return apps;
  }

  @Nested
  class Overrides {
    static Stream<Arguments> precedence() {
      // variable, property, start map, putEnv -> the value start sees
      return Stream.of(
          Arguments.of(null, null, null, null, 4040),
          Arguments.of("5050", null, null, null, 5050),
          Arguments.of(null, "6060", null, null, 6060),
          Arguments.of("5050", "6060", null, null, 6060),
          Arguments.of("5050", "6060", 7070, null, 7070),
          Arguments.of("5050", "6060", null, 8080, 8080),
          Arguments.of("5050", "6060", 7070, 8080, 7070));
    }

    @ParameterizedTest(name = "variable {0}, property {1}, start map {2}, putEnv {3} -> {4}")
    @MethodSource("precedence")
    @DisplayName("default < BANYAN_<APP>_<KEY> < banyan.<app>.<key> < putEnv < the start map")
    void overridesApplyInOrder(String variable, String property, Integer startMap, Integer put, int expected)
        throws Exception {
      if (variable != null) {
        variables.put("BANYAN_KV_SERVER_PORT", variable);
      }
      if (property != null) {
        properties.put("banyan.kv_server.port", property);
      }
      try (Node node = Node.start()) {
        Applications apps = appsOf(node);
        CompletableFuture<Integer> seen = new CompletableFuture<>();
        apps.load(
            ApplicationSpec.of(
                    "kv_server",
                    () ->
                        ctx -> {
                          seen.complete(ctx.fetchEnv("port", Integer.class)); // read inside the application
                          return ctx.startSupervisor(Supervisor.Flags.oneForOne(), List.of());
                        })
                .withEnv("port", 4040));
        if (put != null) {
          apps.putEnv("kv_server", "port", put);
        }

        apps.start("kv_server", Application.Type.TEMPORARY, startMap == null ? Map.of() : Map.of("port", startMap));

        assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo(expected);
        assertThat(apps.fetchEnv("kv_server", "port", Integer.class)).isEqualTo(expected);
      }
    }

    static Stream<Arguments> conversions() {
      return Stream.of(
          Arguments.of("text default", "some text", "some text"),
          Arguments.of(1, " 42 ", 42),
          Arguments.of(1L, "9000000000", 9_000_000_000L),
          Arguments.of(1.5, "2.25", 2.25),
          Arguments.of(false, "TRUE", true),
          Arguments.of(true, "false", false),
          Arguments.of(Duration.ofSeconds(1), "PT5S", Duration.ofSeconds(5)),
          Arguments.of(Mode.FAST, "safe", Mode.SAFE));
    }

    @ParameterizedTest(name = "default {0}, override \"{1}\" -> {2}")
    @MethodSource("conversions")
    @DisplayName("an override is converted to the type of the key's default")
    void overridesAreConvertedToTheDefaultsType(Object defaultValue, String raw, Object expected) {
      properties.put("banyan.app.key", raw);
      try (Node node = Node.start()) {
        Applications apps = appsOf(node);
        apps.load(ApplicationSpec.library("app").withEnv("key", defaultValue));

        assertThat(apps.getEnv("app", "key")).contains(expected);
      }
    }

    static Stream<Arguments> badOverrides() {
      return Stream.of(
          Arguments.of(1, "forty"),
          Arguments.of(1L, "1.5"),
          Arguments.of(1.0, "one"),
          Arguments.of(false, "yes"),
          Arguments.of(Duration.ZERO, "5s"),
          Arguments.of(Mode.FAST, "slow"),
          Arguments.of(List.of("a"), "b"));
    }

    @ParameterizedTest(name = "default {0}, override \"{1}\"")
    @MethodSource("badOverrides")
    @DisplayName("an override that does not convert fails the load, naming the application, key, variable and value")
    void badOverridesFailTheLoad(Object defaultValue, String raw) {
      variables.put("BANYAN_APP_KEY", raw);
      try (Node node = Node.start()) {
        Applications apps = appsOf(node);

        assertThatThrownBy(() -> apps.load(ApplicationSpec.library("app").withEnv("key", defaultValue)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("application app")
            .hasMessageContaining("key")
            .hasMessageContaining("environment variable BANYAN_APP_KEY")
            .hasMessageContaining("\"" + raw + "\"");
        assertThat(apps.loaded()).isEmpty();
      }
    }

    @ParameterizedTest(name = "{0} / {1} -> {2}, {3}")
    @CsvSource({
      "kv_server, port,      BANYAN_KV_SERVER_PORT,      banyan.kv_server.port",
      "kv_server, http.port, BANYAN_KV_SERVER_HTTP_PORT, banyan.kv_server.http.port",
      "my-app,    maxConns,  BANYAN_MY_APP_MAXCONNS,     banyan.my-app.maxConns"
    })
    @DisplayName("the naming rule: BANYAN_<APP>_<KEY> upper case with _ for anything else; banyan.<app>.<key> as written")
    void theNamingRule(String app, String key, String variable, String property) {
      assertThat(ApplicationEnv.variableName(app, key)).isEqualTo(variable);
      assertThat(ApplicationEnv.propertyName(app, key)).isEqualTo(property);
    }

    @Test
    @DisplayName("only keys with a default are overridden")
    void keysWithoutADefaultAreNotOverridden() {
      properties.put("banyan.app.undeclared", "x");
      try (Node node = Node.start()) {
        Applications apps = appsOf(node);
        apps.load(ApplicationSpec.library("app").withEnv("declared", "d"));

        assertThat(apps.env("app")).containsExactly(Map.entry("declared", "d"));
      }
    }

    @Test
    @DisplayName("a real system property overrides a default when the application is loaded")
    void aRealSystemPropertyOverrides() {
      String property = "banyan.envtest_real.port";
      System.setProperty(property, "1234");
      try (Node node = Node.start()) {
        Applications apps = node.applications(); // the real sources
        apps.load(ApplicationSpec.library("envtest_real").withEnv("port", 80));

        assertThat(apps.getEnv("envtest_real", "port")).contains(1234);
      } finally {
        System.clearProperty(property);
      }
    }
  }

  @Nested
  class Access {
    @Test
    @DisplayName("fetchEnv names the application and key when the key has no value or the application is not loaded")
    void fetchEnvNamesWhatIsMissing() {
      try (Node node = Node.start()) {
        Applications apps = appsOf(node);
        apps.load(ApplicationSpec.library("app").withEnv("port", 1));

        assertThatThrownBy(() -> apps.fetchEnv("app", "host", String.class))
            .isInstanceOf(NoSuchElementException.class)
            .hasMessage("application app has no env key host");
        assertThatThrownBy(() -> apps.fetchEnv("nope", "host", String.class))
            .isInstanceOf(NoSuchElementException.class)
            .hasMessage("application nope is not loaded, so it has no env key host");
        assertThatThrownBy(() -> apps.fetchEnv("app", "port", String.class))
            .isInstanceOf(ClassCastException.class)
            .hasMessageContaining("port")
            .hasMessageContaining("app")
            .hasMessageContaining("java.lang.Integer")
            .hasMessageContaining("java.lang.String");
        assertThat(apps.getEnv("nope", "host")).isEmpty();
        assertThat(apps.env("nope")).isEmpty();
      }
    }

    @Test
    @DisplayName("putEnv and unsetEnv change a loaded application's environment, which outlives a stop and restart")
    void putAndUnset() {
      try (Node node = Node.start()) {
        Applications apps = appsOf(node);
        apps.load(ApplicationSpec.library("app").withEnv("port", 1));
        apps.start("app");

        apps.putEnv("app", "port", 2);
        apps.putEnv("app", "host", "localhost");
        apps.stop("app");
        apps.start("app");

        assertThat(apps.env("app")).isEqualTo(Map.of("port", 2, "host", "localhost"));
        assertThat(apps.unsetEnv("app", "host")).isTrue();
        assertThat(apps.unsetEnv("app", "host")).isFalse();
        assertThat(apps.getEnv("app", "host")).isEmpty();
        assertThat(catchThrowableOfType(ApplicationException.class, () -> apps.putEnv("nope", "k", 1)).reason())
            .isEqualTo(new NotLoaded("nope"));
        assertThatThrownBy(() -> apps.putEnv("app", "bad key", 1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("\"bad key\"");
      }
    }

    @Test
    @DisplayName("the application's processes read its environment through the context they were given")
    void processesReadTheEnvironmentThroughTheContext() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Applications apps = appsOf(node);
        Pid<Object> test = me.self();
        apps.load(
            ApplicationSpec.of(
                    "app",
                    () ->
                        ctx ->
                            ctx.startSupervisor(
                                Supervisor.Flags.oneForOne(),
                                List.of(
                                    ChildSpec.worker(
                                        "reader",
                                        ChildStart.process(
                                            self -> {
                                              self.receive(String.class, "read"::equals);
                                              test.send("greeting is " + ctx.fetchEnv("greeting", String.class));
                                              self.receive();
                                            })))))
                .withEnv("greeting", "hello"));
        apps.start("app");
        apps.putEnv("app", "greeting", "bonjour");
        Supervisor top = Supervisor.of(ServerRef.of(apps.which().getFirst().topSupervisor().orElseThrow()));
        @SuppressWarnings("unchecked")
        Pid<Object> reader = (Pid<Object>) ((Supervisor.ChildState.Running) top.whichChildren().getFirst().state()).pid();

        reader.send("read");

        assertThat(me.receive(String.class, Duration.ofSeconds(5))).contains("greeting is bonjour");
      }
    }
  }
}
