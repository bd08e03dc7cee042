package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link ExitReason}: otp-semantics §1.6 (CC-011) and the table in its javadoc. */
@Timeout(10)
class ExitReasonTest {

  private static final IllegalStateException FAILURE = new IllegalStateException("bad state");

  @Nested
  class IsAbnormal {

    static Stream<Arguments> table() {
      return Stream.of(
          Arguments.of(ExitReason.NORMAL, false),
          Arguments.of(ExitReason.SHUTDOWN, false),
          Arguments.of(ExitReason.shutdown("detail"), false),
          Arguments.of(ExitReason.KILL, true),
          Arguments.of(ExitReason.KILLED, true),
          Arguments.of(ExitReason.NOPROC, true),
          Arguments.of(ExitReason.NOCONNECTION, true),
          Arguments.of(new ExitReason.Crashed(FAILURE), true),
          Arguments.of(ExitReason.of("boom"), true));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("table")
    @DisplayName("CC-011: only normal, shutdown and {shutdown, detail} are not abnormal")
    void onlyNormalAndShutdownAreNotAbnormal(ExitReason reason, boolean abnormal) {
      assertThat(reason.isAbnormal()).isEqualTo(abnormal);
    }
  }

  @Nested
  class ToString {

    static Stream<Arguments> erlangForms() {
      return Stream.of(
          Arguments.of(ExitReason.NORMAL, "normal"),
          Arguments.of(ExitReason.SHUTDOWN, "shutdown"),
          Arguments.of(ExitReason.shutdown("detail"), "{shutdown, detail}"),
          Arguments.of(ExitReason.shutdown(List.of(1, 2)), "{shutdown, [1, 2]}"),
          Arguments.of(ExitReason.KILL, "kill"),
          Arguments.of(ExitReason.KILLED, "killed"),
          Arguments.of(ExitReason.NOPROC, "noproc"),
          Arguments.of(ExitReason.NOCONNECTION, "noconnection"),
          Arguments.of(
              new ExitReason.Crashed(FAILURE), "{java.lang.IllegalStateException: bad state}"),
          Arguments.of(ExitReason.of("boom"), "boom"),
          Arguments.of(ExitReason.of(42), "42"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("erlangForms")
    void printsTheReasonAsErlangDoes(ExitReason reason, String printed) {
      assertThat(reason).hasToString(printed);
    }
  }

  @Nested
  class Of {

    @Test
    void returnsAnExitReasonItself() {
      assertThat(ExitReason.of(ExitReason.KILLED)).isSameAs(ExitReason.KILLED);
      ExitReason crashed = new ExitReason.Crashed(FAILURE);
      assertThat(ExitReason.of(crashed)).isSameAs(crashed);
    }

    @Test
    void wrapsAnyOtherValueInOther() {
      assertThat(ExitReason.of("boom")).isEqualTo(new ExitReason.Other("boom"));
      assertThat(ExitReason.of(List.of("a", 1)))
          .isInstanceOfSatisfying(
              ExitReason.Other.class, o -> assertThat(o.value()).isEqualTo(List.of("a", 1)));
    }

    @Test
    void doesNotTurnAStringIntoABuiltInReason() {
      // There are no atoms: the string "normal" is a value, not the reason normal.
      assertThat(ExitReason.of("normal"))
          .isNotEqualTo(ExitReason.NORMAL)
          .isInstanceOf(ExitReason.Other.class);
    }

    @Test
    void rejectsNull() {
      assertThatNullPointerException().isThrownBy(() -> ExitReason.of(null)).withMessage("value");
    }
  }

  @Nested
  class Constructors {

    @Test
    void otherRefusesToWrapAnExitReasonNamingIt() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> new ExitReason.Other(ExitReason.KILLED))
          .withMessageContaining("killed");
    }

    @Test
    void rejectNullComponents() {
      assertThatNullPointerException()
          .isThrownBy(() -> new ExitReason.Other(null))
          .withMessage("value");
      assertThatNullPointerException()
          .isThrownBy(() -> new ExitReason.Crashed(null))
          .withMessage("cause");
      assertThatNullPointerException()
          .isThrownBy(() -> new ExitReason.Shutdown(null))
          .withMessage("detail");
      assertThatNullPointerException()
          .isThrownBy(() -> ExitReason.shutdown(null))
          .withMessage("detail");
    }

    @Test
    void shutdownWithoutDetailIsTheConstant() {
      assertThat(new ExitReason.Shutdown(Optional.empty())).isEqualTo(ExitReason.SHUTDOWN);
      assertThat(ExitReason.shutdown("x").detail()).contains("x");
      assertThat(ExitReason.SHUTDOWN.detail()).isEmpty();
    }
  }

  @Nested
  class Equality {

    @Test
    void builtInReasonsEqualFreshInstances() {
      assertThat(new ExitReason.Normal())
          .isEqualTo(ExitReason.NORMAL)
          .hasSameHashCodeAs(ExitReason.NORMAL);
      assertThat(new ExitReason.Kill()).isEqualTo(ExitReason.KILL);
      assertThat(new ExitReason.Killed()).isEqualTo(ExitReason.KILLED);
      assertThat(new ExitReason.NoProc()).isEqualTo(ExitReason.NOPROC);
      assertThat(new ExitReason.NoConnection()).isEqualTo(ExitReason.NOCONNECTION);
    }

    @Test
    void builtInReasonsDifferFromEachOther() {
      List<ExitReason> all =
          List.of(
              ExitReason.NORMAL,
              ExitReason.SHUTDOWN,
              ExitReason.shutdown("x"),
              ExitReason.KILL,
              ExitReason.KILLED,
              ExitReason.NOPROC,
              ExitReason.NOCONNECTION,
              new ExitReason.Crashed(FAILURE),
              ExitReason.of("x"));
      assertThat(all).doesNotHaveDuplicates();
    }

    @Test
    void shutdownAndOtherCompareByValue() {
      assertThat(ExitReason.shutdown("x"))
          .isEqualTo(ExitReason.shutdown("x"))
          .hasSameHashCodeAs(ExitReason.shutdown("x"))
          .isNotEqualTo(ExitReason.shutdown("y"))
          .isNotEqualTo(ExitReason.SHUTDOWN);
      assertThat(ExitReason.of(List.of(1, 2)))
          .isEqualTo(ExitReason.of(List.of(1, 2)))
          .hasSameHashCodeAs(ExitReason.of(List.of(1, 2)))
          .isNotEqualTo(ExitReason.of(List.of(2, 1)));
    }

    @Test
    void crashedComparesItsExceptionByIdentity() {
      IllegalStateException twin = new IllegalStateException("bad state");
      assertThat(new ExitReason.Crashed(FAILURE)).isEqualTo(new ExitReason.Crashed(FAILURE));
      assertThat(new ExitReason.Crashed(FAILURE)).isNotEqualTo(new ExitReason.Crashed(twin));
    }
  }
}
