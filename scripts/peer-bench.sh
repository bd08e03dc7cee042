#!/bin/sh
# The nine peer-bench workloads (spawn ring pingpong fanin call-1 call-100 restart suptree
# skynet), written with Banyan's public API in banyan-bench (dev.banyan.bench.PeerBench).
#
#   scripts/peer-bench.sh                    builds, then runs all nine, each in a fresh JVM,
#                                            printing one JSON line per workload
#   scripts/peer-bench.sh ring pingpong      only these workloads
#   scripts/peer-bench.sh --side-by-side [RESULTS.jsonl]
#                                            runs ../shared/peer-bench/run.sh (Erlang/OTP and
#                                            Pekko) with Banyan added, interleaved, in one
#                                            session; prints its table. Needs `erl` on PATH;
#                                            REPS, BENCHES, IMPLS and TIMEOUT_S are passed on.
#
# Figures from different runs are never put in one ratio: compare only within one run.
set -eu
cd "$(dirname "$0")/.."
ROOT="$PWD"
. scripts/use-jdk.sh
./mvnw -B -ntp -q -pl banyan-bench -am package -DskipTests
JAR="$ROOT/banyan-bench/target/benchmarks.jar"
# Processes run on Banyan's scheduler when java.lang is open to it (docs/processes.md,
# "Schedulers"); the side-by-side run also measures them on the JDK's ("banyan-jdk").
BANYAN="$JAVA_HOME/bin/java --add-opens java.base/java.lang=ALL-UNNAMED -cp $JAR dev.banyan.bench.PeerBench"
BANYAN_JDK="$JAVA_HOME/bin/java -Dpeerbench.impl=banyan-jdk -cp $JAR dev.banyan.bench.PeerBench"

if [ "${1:-}" = "--side-by-side" ]; then
  PEERS="$ROOT/../shared/peer-bench"
  [ -x "$PEERS/run.sh" ] || { echo "no $PEERS/run.sh: ../shared must sit beside the checkout" >&2; exit 1; }
  OUT="${2:-$ROOT/peer-bench-results.jsonl}"
  case "$OUT" in /*) ;; *) OUT="$ROOT/$OUT" ;; esac
  # run.sh builds the Pekko implementation inside its own folder: run a copy, so that the
  # shared folder stays untouched.
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  cp -r "$PEERS/." "$WORK/"
  cd "$WORK"
  EXTRA_IMPLS="banyan=$BANYAN {bench}
banyan-jdk=$BANYAN_JDK {bench}" ./run.sh "$OUT"
  echo "results: $OUT" >&2
  exit 0
fi

if [ "$#" -eq 0 ]; then
  set -- spawn ring pingpong fanin call-1 call-100 restart suptree skynet
fi
for bench in "$@"; do
  $BANYAN "$bench"
done
