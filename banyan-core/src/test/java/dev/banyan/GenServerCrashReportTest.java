package dev.banyan;

import static dev.banyan.GenServerFixtures.doing;
import static dev.banyan.GenServerFixtures.downOf;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banyan.GenServer.Init;
import dev.banyan.GenServer.Options;
import dev.banyan.GenServer.Result;
import dev.banyan.GenServer.Start;
import dev.banyan.GenServerFixtures.CastDo;
import dev.banyan.GenServerFixtures.Get;
import dev.banyan.GenServerFixtures.Put;
import dev.banyan.GenServerFixtures.Req;
import dev.banyan.GenServerFixtures.Scripted;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a GenServer logs (otp-semantics §4.10, §10): the error report of an abnormal termination,
 * the error of the default handleInfo, and nothing for normal and shutdown stops.
 *
 * <p>slf4j-simple writes to {@code System.err}, which it looks up on every log call (its {@code
 * cacheOutputStream} is false by default), so each test swaps {@code System.err} for a buffer
 * while it runs. Every test waits, inside the capture, for the Down of the server (or for a call
 * it answers after logging): a server logs before it dies, so all of its output is in the buffer
 * when the capture ends. The assertions look for strings unique to the test, so that output of
 * other processes cannot make them pass or fail.
 */
@Timeout(20)
class GenServerCrashReportTest {

  @FunctionalInterface
  interface Body {
    void run() throws Exception;
  }

  /** {@return what was written to System.err while {@code body} ran} */
  private static String stderrOf(Body body) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(buffer, true, UTF_8);
    System.setErr(capture);
    try {
      body.run();
    } finally {
      System.setErr(original);
    }
    capture.flush();
    return buffer.toString(UTF_8);
  }

  @Nested
  class AbnormalTermination {
    @Test
    @DisplayName("CC-050/§4.10: a crash logs an error with the server's name, the last message, the state and the reason")
    void aCrashLogsTheNameTheLastMessageTheStateAndTheReason() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s, Options.named("report-srv")).orElseThrow();
        server.cast(new Put("report-state"));
        MonitorRef mon = me.monitor(s.pid);

        String log =
            stderrOf(
                () -> {
                  assertThatThrownBy(
                          () ->
                              server.call(
                                  doing(
                                      "report-request",
                                      (to, st) -> {
                                        throw new IllegalStateException("report-reason");
                                      })))
                      .isInstanceOf(CallException.class);
                  downOf(me, mon);
                });

        assertThat(log)
            .contains("ERROR")
            .contains("GenServer")
            .contains("report-srv")
            .contains("terminating")
            .contains("CallDo[report-request]") // the last message
            .contains("report-state")
            .contains("report-reason")
            .contains(me.self().toString()); // the client waiting for the reply
      }
    }

    @Test
    @DisplayName("CC-072: terminate throwing logs an error with terminate's exception")
    void terminateThrowingLogsAnError() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s =
            new Scripted()
                .onTerminate(
                    (r, st) -> {
                      throw new IllegalStateException("terminate-report-failure");
                    });
        ServerRef<Req> server = GenServer.start(node, s, Options.named("terminate-report-srv")).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);

        String log =
            stderrOf(
                () -> {
                  server.cast(new CastDo("stop normally", st -> Result.stop(ExitReason.NORMAL, st)));
                  downOf(me, mon);
                });

        assertThat(log).contains("ERROR", "terminate-report-srv", "terminate-report-failure");
      }
    }

    @Test
    @DisplayName("§4.1: Init.stop with an abnormal reason logs a crash report")
    void initStopWithAnAbnormalReasonLogs() throws Exception {
      try (Node node = Node.start()) {
        String log =
            stderrOf(
                () ->
                    assertThat(
                            GenServer.start(
                                node, new Scripted().onInit(self -> Init.stop(ExitReason.of("init-stop-reason")))))
                        .isInstanceOf(Start.Error.class));
        assertThat(log).contains("ERROR", "init-stop-reason");
      }
    }
  }

  @Nested
  class NothingLogged {
    static Stream<ExitReason> orderlyReasons() {
      return Stream.of(ExitReason.NORMAL, ExitReason.SHUTDOWN, ExitReason.shutdown("quiet-detail"));
    }

    @ParameterizedTest
    @MethodSource("orderlyReasons")
    @DisplayName("CC-049/§4.10: stopping with normal, shutdown or {shutdown, _} logs nothing")
    void anOrderlyStopLogsNothing(ExitReason reason) throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted fromCall = new Scripted();
        ServerRef<Req> first = GenServer.start(node, fromCall, Options.named("quiet-srv-1")).orElseThrow();
        MonitorRef mon = me.monitor(fromCall.pid);
        Scripted fromStop = new Scripted();
        ServerRef<Req> second = GenServer.start(node, fromStop, Options.named("quiet-srv-2")).orElseThrow();

        String log =
            stderrOf(
                () -> {
                  assertThatThrownBy(() -> first.call(doing("quiet stop", (to, st) -> Result.stop(reason, st))))
                      .isInstanceOf(CallException.class);
                  downOf(me, mon);
                  second.stop(reason);
                });

        assertThat(log).doesNotContain("quiet-srv", "quiet-detail", "terminating");
      }
    }

    @Test
    @DisplayName("CC-038: Init.error and Init.ignore log nothing")
    void initErrorAndIgnoreLogNothing() throws Exception {
      try (Node node = Node.start()) {
        String log =
            stderrOf(
                () -> {
                  GenServer.start(
                      node,
                      new Scripted().onInit(self -> Init.error(ExitReason.of("quiet-init-error"))),
                      Options.named("quiet-init-1"));
                  GenServer.start(node, new Scripted().onInit(self -> Init.ignore()), Options.named("quiet-init-2"));
                });
        assertThat(log).doesNotContain("quiet-init");
      }
    }

    @Test
    @DisplayName("§4.1: Init.stop with {shutdown, _} logs nothing")
    void initStopWithShutdownLogsNothing() throws Exception {
      try (Node node = Node.start()) {
        String log =
            stderrOf(
                () ->
                    GenServer.start(
                        node,
                        new Scripted().onInit(self -> Init.stop(ExitReason.shutdown("quiet-init-shutdown"))),
                        Options.named("quiet-init-3")));
        assertThat(log).doesNotContain("quiet-init");
      }
    }
  }

  @Nested
  class DefaultHandleInfo {
    @Test
    @DisplayName("CC-060/CC-062: a message to a server without handleInfo logs an error naming the class and the message")
    void anUnexpectedMessageLogsAnError() throws Exception {
      try (Node node = Node.start()) {
        ServerRef<Req> server =
            GenServer.start(node, new GenServerTest.CallOnly(), Options.named("no-info-srv")).orElseThrow();

        String log =
            stderrOf(
                () -> {
                  node.send("no-info-srv", "unexpected-info-message");
                  assertThat(server.call(Get::new)).isEqualTo("s0"); // handled after the message
                });

        assertThat(log)
            .contains("ERROR")
            .contains(GenServerTest.CallOnly.class.getName())
            .contains("unexpected-info-message");
      }
    }
  }
}
