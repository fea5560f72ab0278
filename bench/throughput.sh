#!/usr/bin/env bash
# Throughput of requests through SessionFilter (real Redis) as a ratio to the same app with Tomcat's
# in-memory sessions, measured in one run on one machine. Needs wrk (apt-get install wrk).
# Usage: bench/throughput.sh [seconds per run, default 10] [connections, default 16] [sessions, default 64]
# Each app gets that many sessions of five ~1 KB attributes; wrk rotates the requests across their cookies.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNS=${2:-16}
SESSIONS=${3:-64}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }

./mvnw -q -pl filter -am install -DskipTests
CP=$(./mvnw -q -pl filter dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
LOG=$(mktemp)
java -Xmx1g -cp "filter/target/test-classes:filter/target/classes:$CP" dev.sessionfilter.bench.BenchServer >"$LOG" 2>/dev/null &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q READY "$LOG" && break; sleep 0.2; done
REDIS_URL=$(grep '^REDIS_URL=' "$LOG" | cut -d= -f2-)
MEMORY_URL=$(grep '^MEMORY_URL=' "$LOG" | cut -d= -f2-)
UNCACHED_URL=$(grep '^UNCACHED_URL=' "$LOG" | cut -d= -f2-)

cookie() { curl -s -o /dev/null -c - "$1/init" | awk '$6 == "SESSION" || $6 == "JSESSIONID" {print $6 "=" $7}'; }
# A wrk script per app that rotates the requests across that app's sessions.
rotation() {
  local f; f=$(mktemp --suffix=.lua)
  { echo "cookies = {"
    for _ in $(seq 1 "$SESSIONS"); do echo "  \"$(cookie "$1")\","; done
    echo "}"
    echo 'n = 0'
    echo 'request = function() n = n + 1; return wrk.format(nil, nil, {["Cookie"] = cookies[(n % #cookies) + 1]}) end'
  } >"$f"
  echo "$f"
}
RC=$(rotation "$REDIS_URL"); MC=$(rotation "$MEMORY_URL"); UC=$(rotation "$UNCACHED_URL")

rps() { wrk -t2 -c"$CONNS" -d"${DURATION}s" -s "$2" "$1" | awk '/Requests\/sec/ {print $2}'; }
# Warm up both (JIT, pools, script cache) for 15 s each, then alternate memory/sessionfilter three times
# and report the median of each: the machines are noisy, only same-run ratios mean anything.
for u in read write; do
  wrk -t2 -c"$CONNS" -d15s -s "$MC" "$MEMORY_URL/$u" >/dev/null
  wrk -t2 -c"$CONNS" -d15s -s "$RC" "$REDIS_URL/$u" >/dev/null
  wrk -t2 -c"$CONNS" -d15s -s "$UC" "$UNCACHED_URL/$u" >/dev/null
done
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
declare -A R
for u in read write; do
  m=(); s=(); n=()
  for _ in 1 2 3; do
    m+=("$(rps "$MEMORY_URL/$u" "$MC")"); s+=("$(rps "$REDIS_URL/$u" "$RC")"); n+=("$(rps "$UNCACHED_URL/$u" "$UC")")
  done
  R[$u]="$(median "${m[@]}") $(median "${s[@]}") $(median "${n[@]}") ${m[*]} | ${s[*]} | ${n[*]}"
done
echo "wrk -t2 -c$CONNS -d${DURATION}s per run; $SESSIONS sessions per app of 5 attributes of ~1 KB, requests rotated across them; median of 3 alternating runs"
for u in read write; do
  set -- ${R[$u]}
  printf '%-5s: memory %8.0f req/s   sessionfilter %8.0f (%.2f)   near cache off %8.0f (%.2f)   (runs: %s)\n' "$u" \
    "$1" "$2" "$(echo "$2 / $1" | bc -l)" "$3" "$(echo "$3 / $1" | bc -l)" "${*:4}"
done
