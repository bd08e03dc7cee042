#!/bin/sh
# The README's run command: builds what the tour needs (quietly, without running tests) and runs
# the narrated tour of Banyan (examples/tour). Arguments are passed to the tour.
set -eu
cd "$(dirname "$0")/.."
. scripts/use-jdk.sh
./mvnw -B -ntp -q -pl examples/tour -am package -DskipTests
exec java -jar examples/tour/target/tour.jar "$@"
