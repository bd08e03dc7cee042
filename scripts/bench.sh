#!/bin/sh
# Builds the JMH benchmarks (banyan-bench) and runs them. Arguments go to JMH; without any, a
# moderate run: 1 fork, 3 warm-up and 5 measured iterations of 2 s each.
#   scripts/bench.sh                       all benchmarks
#   scripts/bench.sh HopBenchmark -f 2     one class, two forks (JMH's -h lists the options)
#   scripts/bench.sh -rf json -rff /tmp/jmh.json
# The idle-process footprint is a separate program:
#   java -Xmx8g -cp banyan-bench/target/benchmarks.jar dev.banyan.bench.IdleFootprint 1000000
set -eu
cd "$(dirname "$0")/.."
. scripts/use-jdk.sh
./mvnw -B -ntp -q -pl banyan-bench -am package -DskipTests
if [ "$#" -eq 0 ]; then set -- -f 1 -wi 3 -w 2s -i 5 -r 2s; fi
# --add-opens: processes on Banyan's scheduler (docs/processes.md, "Schedulers"). JMH's forks
# inherit this JVM's options unless -jvmArgs is given.
exec java --add-opens java.base/java.lang=ALL-UNNAMED -jar banyan-bench/target/benchmarks.jar "$@"
