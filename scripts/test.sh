#!/bin/sh
# The README's test command: builds everything and runs every test (mvn verify), the JCStress
# tests of the lock-free parts included (-Pjcstress).
# Extra arguments replace "verify -Pjcstress", e.g.  scripts/test.sh -pl banyan-core test
set -eu
cd "$(dirname "$0")/.."
. scripts/use-jdk.sh
java -version 2>&1 | head -n 1
if [ "$#" -eq 0 ]; then set -- verify -Pjcstress; fi
exec ./mvnw -B -ntp "$@"
