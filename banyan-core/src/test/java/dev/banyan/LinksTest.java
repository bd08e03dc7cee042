package dev.banyan;

import static dev.banyan.SignalProbe.QUIET;
import static dev.banyan.SignalProbe.awaitDown;
import static dev.banyan.SignalProbe.deadProcess;
import static dev.banyan.SignalProbe.exitOnGo;
import static dev.banyan.SignalProbe.forwarder;
import static dev.banyan.SignalProbe.gotWithin;
import static dev.banyan.SignalProbe.nextGot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Links: otp-semantics §2.1 and the link rows of §2.3 (CC-012, CC-013, CC-019..CC-022). */
@Timeout(10)
class LinksTest {

  /** The abnormal reasons of CC-013; "killed" propagates through links like any other. */
  static Stream<ExitReason> abnormalReasons() {
    return Stream.of(
        ExitReason.of("boom"),
        ExitReason.SHUTDOWN,
        ExitReason.shutdown("x"),
        ExitReason.KILLED,
        new ExitReason.Crashed(new IllegalStateException("crash of a linked peer")));
  }

  @Nested
  class PeerDeath {

    @Test
    @DisplayName("CC-012: a non-trapping process ignores the normal exit of a linked peer")
    void nonTrappingProcessKeepsRunningWhenLinkedPeerExitsNormally() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> peer = node.spawn(exitOnGo(ExitReason.NORMAL));
        Pid<Object> linked = forwarder(me, false, peer);
        MonitorRef peerRef = me.monitor(peer);
        peer.send("go");

        assertThat(awaitDown(me, peerRef).reason()).isEqualTo(ExitReason.NORMAL);
        // Links are told before monitors, so the signal has reached `linked` by now. It is alive,
        // and the first message it sees is ours: no Exit message was queued before it.
        linked.send("ping");
        assertThat(nextGot(me, linked)).isEqualTo("ping");
        assertThat(gotWithin(me, linked, QUIET)).isEmpty();
        assertThat(linked.isAlive()).isTrue();
      }
    }

    @Test
    @DisplayName("CC-012: a trapping process receives Exit(peer, normal) when a linked peer ends")
    void trappingProcessReceivesExitWhenLinkedPeerExitsNormally() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> peer = node.spawn(exitOnGo(ExitReason.NORMAL));
        Pid<Object> linked = forwarder(me, true, peer);
        peer.send("go");

        assertThat(nextGot(me, linked)).isEqualTo(new Exit(peer, ExitReason.NORMAL));
        assertThat(linked.isAlive()).isTrue();
      }
    }

    @ParameterizedTest(name = "peer exits with {0}")
    @MethodSource("dev.banyan.LinksTest#abnormalReasons")
    @DisplayName("CC-013: a non-trapping process dies with the same reason as its linked peer")
    void nonTrappingProcessDiesWithTheReasonOfItsLinkedPeer(ExitReason reason) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> peer = node.spawn(exitOnGo(reason));
        Pid<Object> linked = forwarder(me, false, peer);
        MonitorRef peerRef = me.monitor(peer);
        MonitorRef linkedRef = me.monitor(linked);
        peer.send("go");

        assertThat(awaitDown(me, peerRef)).isEqualTo(new Down(peerRef, peer, reason));
        assertThat(awaitDown(me, linkedRef)).isEqualTo(new Down(linkedRef, linked, reason));
        assertThat(gotWithin(me, linked, QUIET)).as("an Exit message seen by %s", linked).isEmpty();
      }
    }

    @ParameterizedTest(name = "peer exits with {0}")
    @MethodSource("dev.banyan.LinksTest#abnormalReasons")
    @DisplayName("CC-013: a trapping process receives Exit(peer, reason) and survives")
    void trappingProcessReceivesExitWithTheReasonOfItsLinkedPeer(ExitReason reason) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> peer = node.spawn(exitOnGo(reason));
        Pid<Object> linked = forwarder(me, true, peer);
        MonitorRef linkedRef = me.monitor(linked);
        peer.send("go");

        assertThat(nextGot(me, linked)).isEqualTo(new Exit(peer, reason));
        linked.send("still there?");
        assertThat(nextGot(me, linked)).isEqualTo("still there?");
        assertThat(SignalProbe.downWithin(me, linkedRef, Duration.ZERO)).isEmpty();
        assertThat(linked.isAlive()).isTrue();
      }
    }

    @Test
    @DisplayName("links are bidirectional: the death of the process that called link reaches the other")
    void deathOfTheLinkingProcessReachesThePeer() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> peer = forwarder(me, true);
        Pid<Object> linker = node.spawn(ctx -> {
          ctx.link(peer);
          ctx.receive();
          throw new ExitException(ExitReason.of("boom"));
        });
        linker.send("go");

        assertThat(nextGot(me, peer)).isEqualTo(new Exit(linker, ExitReason.of("boom")));
      }
    }

    @Test
    @DisplayName("links are bidirectional: the death of the linked process reaches the one that called link")
    void deathOfTheLinkedProcessReachesTheLinker() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Pid<Object> peer = node.spawn(exitOnGo(ExitReason.of("boom")));
        me.link(peer);
        peer.send("go");

        assertThat(me.receive(Exit.class, SignalProbe.WAIT))
            .contains(new Exit(peer, ExitReason.of("boom")));
      }
    }

    @Test
    @DisplayName("a spawnLink child is told when its parent dies")
    void spawnLinkChildReceivesTheParentsExit() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Pid<Object> parent = node.spawn(ctx -> {
          Pid<Object> child = ctx.spawnLink(c -> {
            c.trapExit(true);
            test.send(new SignalProbe.Ready(c.self()));
            test.send(new SignalProbe.Got(c.self(), c.receive()));
          });
          test.send(child);
          ctx.receive();
          throw new ExitException(ExitReason.of("parent died"));
        });
        @SuppressWarnings("unchecked")
        Pid<Object> child = SignalProbe.await(me, Pid.class, p -> true);
        SignalProbe.awaitReady(me, child);
        parent.send("go");

        assertThat(nextGot(me, child)).isEqualTo(new Exit(parent, ExitReason.of("parent died")));
      }
    }
  }

  @Nested
  class Link {

    @Test
    @DisplayName("CC-019: link to a dead process throws NoProcException naming it when not trapping")
    void linkToDeadProcessThrowsNoProcWhenNotTrapping() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> dead = deadProcess(me);

        assertThatThrownBy(() -> me.link(dead))
            .isInstanceOf(NoProcException.class)
            .hasMessageContaining(dead.toString());
        // It is an exception in the caller, not an exit signal: the caller lives on, unlinked.
        assertThat(node.processInfo(me.self()).orElseThrow().links()).isEmpty();
        assertThat(me.receive(QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-019: the NoProcException of link can be caught and the process goes on")
    void noProcFromLinkCanBeCaughtInAProcess() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> dead = deadProcess(me);
        Pid<Object> test = me.self();
        Spawned<Object> caller = me.spawnMonitor(ctx -> {
          try {
            ctx.link(dead);
            test.send("linked");
          } catch (NoProcException e) {
            test.send("caught");
          }
          test.send("still running");
        });

        assertThat(me.receive(String.class, SignalProbe.WAIT)).contains("caught");
        assertThat(me.receive(String.class, SignalProbe.WAIT)).contains("still running");
        assertThat(awaitDown(me, caller.ref()).reason()).isEqualTo(ExitReason.NORMAL);
      }
    }

    @Test
    @DisplayName("CC-019: link to a dead process gives a trapping caller Exit(pid, noproc)")
    void linkToDeadProcessGivesExitNoProcWhenTrapping() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> dead = deadProcess(me);
        me.trapExit(true);

        me.link(dead);

        assertThat(me.receive(Exit.class, SignalProbe.WAIT))
            .contains(new Exit(dead, ExitReason.NOPROC));
        assertThat(me.receive(Exit.class, QUIET)).isEmpty();
        assertThat(node.processInfo(me.self()).orElseThrow().links()).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-020: link to self does nothing")
    void linkToSelfDoesNothing() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.link(me.self());

        assertThat(node.processInfo(me.self()).orElseThrow().links()).isEmpty();
        assertThat(me.receive(QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-020: linking twice makes one link and one exit signal")
    void linkingTwiceMakesOneLink() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Pid<Object> peer = node.spawn(exitOnGo(ExitReason.of("boom")));

        me.link(peer);
        me.link(peer);

        assertThat(node.processInfo(me.self()).orElseThrow().links()).containsExactly(peer);
        assertThat(node.processInfo(peer).orElseThrow().links()).containsExactly(me.self());
        MonitorRef ref = me.monitor(peer);
        peer.send("go");
        assertThat(me.receive(Exit.class, SignalProbe.WAIT))
            .contains(new Exit(peer, ExitReason.of("boom")));
        awaitDown(me, ref);
        assertThat(me.receive(Exit.class, QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-020: link after spawnLink adds no second link")
    void linkAfterSpawnLinkMakesNoSecondLink() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Pid<Object> peer = me.spawnLink(exitOnGo(ExitReason.of("boom")));

        me.link(peer);

        assertThat(node.processInfo(me.self()).orElseThrow().links()).containsExactly(peer);
        peer.send("go");
        assertThat(me.receive(Exit.class, SignalProbe.WAIT))
            .contains(new Exit(peer, ExitReason.of("boom")));
        assertThat(me.receive(Exit.class, QUIET)).isEmpty();
      }
    }
  }

  @Nested
  class Unlink {

    @Test
    @DisplayName("CC-021: after unlink returns, the peer's death does not kill a non-trapping caller")
    void peerDeathAfterUnlinkDoesNotKillTheCaller() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> peer = node.spawn(exitOnGo(ExitReason.of("boom")));
        me.link(peer);

        me.unlink(peer);

        assertThat(node.processInfo(me.self()).orElseThrow().links()).isEmpty();
        assertThat(node.processInfo(peer).orElseThrow().links()).isEmpty();
        MonitorRef ref = me.monitor(peer);
        peer.send("go");
        assertThat(awaitDown(me, ref).reason()).isEqualTo(ExitReason.of("boom"));
        // A dead caller's receive would throw ProcessExitedException.
        assertThat(me.receive(QUIET)).isEmpty();
        assertThat(me.self().isAlive()).isTrue();
      }
    }

    @Test
    @DisplayName("CC-021: after unlink returns, a trapping caller gets no Exit from the peer")
    void peerDeathAfterUnlinkSendsNoExitToATrappingCaller() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Pid<Object> peer = node.spawn(exitOnGo(ExitReason.of("boom")));
        me.link(peer);

        me.unlink(peer);

        MonitorRef ref = me.monitor(peer);
        peer.send("go");
        awaitDown(me, ref);
        assertThat(me.receive(Exit.class, QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-021: after unlink returns, the caller's death has no effect on the peer")
    void callerDeathAfterUnlinkDoesNotReachThePeer() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> peer = forwarder(me, true);
        Spawned<Object> caller = me.spawnMonitor(ctx -> {
          ctx.link(peer);
          ctx.unlink(peer);
          throw new ExitException(ExitReason.of("boom"));
        });

        assertThat(awaitDown(me, caller.ref()).reason()).isEqualTo(ExitReason.of("boom"));
        assertThat(gotWithin(me, peer, QUIET)).isEmpty();
        assertThat(peer.isAlive()).isTrue();
      }
    }

    @Test
    @DisplayName("CC-021: unlink of a process that is not linked, of a dead one, or of self is fine")
    void unlinkOfUnlinkedDeadOrSelfIsANoOp() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> stranger = node.spawn(ctx -> ctx.receive());
        Pid<Object> dead = deadProcess(me);

        me.unlink(stranger);
        me.unlink(dead);
        me.unlink(me.self());

        assertThat(stranger.isAlive()).isTrue();
        assertThat(node.processInfo(me.self()).orElseThrow().links()).isEmpty();
        assertThat(me.receive(QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-022: unlink from a dead linked peer, then receive after 0: at most one Exit, none later")
    void unlinkFromDeadPeerLeavesAtMostOneExitAndNoneLater() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Pid<Object> peer = me.spawnLink(exitOnGo(ExitReason.of("boom")));
        MonitorRef ref = me.monitor(peer);
        peer.send("go");
        awaitDown(me, ref); // the peer is dead

        me.unlink(peer);

        assertThat(exitsFrom(me, peer, Duration.ZERO)).isLessThanOrEqualTo(1);
        assertThat(exitsFrom(me, peer, QUIET)).isZero();
      }
    }

    @Test
    @DisplayName("CC-022: unlink racing the peer's death: the supervisor's unlink-flush idiom leaves nothing behind")
    void unlinkRacingPeerDeathLeavesNothingBehindAfterTheFlush() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        List<Pid<Object>> peers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          Pid<Object> peer = me.spawnLink(ctx -> {
            throw new ExitException(ExitReason.SHUTDOWN);
          });
          me.unlink(peer);
          assertThat(exitsFrom(me, peer, Duration.ZERO)).as("flush %d", i).isLessThanOrEqualTo(1);
          peers.add(peer);
        }
        for (Pid<Object> peer : peers) {
          awaitDown(me, me.monitor(peer)); // every peer is dead and its death was handled
        }
        assertThat(me.receive(Exit.class, QUIET)).isEmpty();
      }
    }

    /** Takes every Exit from {@code peer}: the first with {@code first} as timeout, then after 0. */
    private static int exitsFrom(AttachedProcess<Object> me, Pid<?> peer, Duration first) {
      int n = 0;
      Duration timeout = first;
      while (me.receive(Exit.class, e -> e.from().equals(peer), timeout).isPresent()) {
        n++;
        timeout = Duration.ZERO;
      }
      return n;
    }
  }
}
