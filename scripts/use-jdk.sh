# Source me (sh/bash, safe under set -eu):  . scripts/use-jdk.sh
# Keeps a JAVA_HOME that is already a JDK >= 21; otherwise exports the newest JDK under
# /usr/lib/jvm (these machines default to java 17, and Banyan needs 21 or later).
_jdk_major() {
  if [ -x "$1/bin/javac" ] && [ -r "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  fi
}
_cur=$(_jdk_major "${JAVA_HOME:-/nonexistent}")
if [ "${_cur:-0}" -lt 21 ]; then
  _best=; _best_v=0
  for _d in /usr/lib/jvm/*; do
    _v=$(_jdk_major "$_d")
    if [ -n "$_v" ] && [ "$_v" -gt "$_best_v" ]; then _best_v=$_v; _best=$_d; fi
  done
  if [ "$_best_v" -ge 21 ]; then
    JAVA_HOME=$_best; export JAVA_HOME
  else
    echo "use-jdk.sh: no JDK >= 21 found under /usr/lib/jvm (set JAVA_HOME to one)" >&2
    return 1 2>/dev/null || exit 1
  fi
fi
PATH="$JAVA_HOME/bin:$PATH"; export PATH
unset _cur _best _best_v _d _v
