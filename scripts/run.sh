#!/bin/sh
# The README's run command: builds what the KV server needs (quietly, without running tests) and
# starts it — the `kv` and `kv_server` applications of examples/kv, with the web observer beside
# them — on 127.0.0.1:4040. It prints where the server and the observer listen and how to talk to
# the server with nc; Ctrl-C (or SIGTERM) stops the applications in reverse order.
# Arguments go to the JVM before -jar, e.g. scripts/run.sh -Dbanyan.kv_server.port=4041
# (the settings: examples/kv/README.md).
set -eu
cd "$(dirname "$0")/.."
. scripts/use-jdk.sh
./mvnw -B -ntp -q -pl examples/kv -am package -DskipTests
# jdk.pollerMode=1: socket pollers on platform threads (see docs/processes.md, "Sockets").
exec java -Djdk.pollerMode=1 "$@" -jar examples/kv/target/kv.jar
