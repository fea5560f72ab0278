#!/usr/bin/env bash
# The javax build on Tomcat 9 against the jakarta build on Tomcat 11, one run, one machine, one Redis: the
# sample (README command 1) on one Tomcat 9.0 instance (SAMPLE_TOMCAT=9, sessionfilter-javax.jar) and one
# Tomcat 11 instance, wrk on the JSP page of a logged-in session with a cart (reads the session: one Redis
# round trip), after a warm-up, in alternating rounds; req/s is the median of the rounds. Also prints each
# Tomcat's own "Deployment of web application archive ... finished in" time. Needs wrk (apt-get install wrk).
# Usage: bench/tomcat9.sh [seconds per round, default 10] [connections, default 16] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNS=${2:-16}
ROUNDS=${3:-3}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
P9=18190
P11=18191
L9=$(mktemp)
L11=$(mktemp)
./mvnw -q -B install -DskipTests
SAMPLE_TOMCAT=9 SAMPLE_PORT=$P9 SAMPLE_INSTANCES=1 ./mvnw -q -B -pl sample-war -Prun-sample -DskipTests package >"$L9" 2>&1 &
J9=$!
trap 'kill $J9 ${J11:-} 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q "stop with Ctrl+C" "$L9" && break; sleep 0.2; done
REDIS=$(awk '/Redis: redis:/ {print $2}' "$L9")
[ -n "$REDIS" ] || { cat "$L9" >&2; exit 1; }
SESSIONFILTER_REDIS_URL=$REDIS SAMPLE_PORT=$P11 SAMPLE_INSTANCES=1 ./mvnw -q -B -pl sample-war -Prun-sample -DskipTests package >"$L11" 2>&1 &
J11=$!
for _ in $(seq 1 600); do grep -q "stop with Ctrl+C" "$L11" && break; sleep 0.2; done
grep -q "stop with Ctrl+C" "$L11" || { cat "$L11" >&2; exit 1; }

deployed() { grep -ho 'Deployment of web application archive .* has finished in \[[0-9,]*\] ms' \
  sample-war/target/sample-runs/instance-A-port-$1/console.log | grep -o '\[[0-9,]*\]' | tr -d '[],'; }
cookie() { # log in, fill a cart, print the cookie
  local jar; jar=$(mktemp)
  curl -s -o /dev/null -c "$jar" -b "$jar" -d user=bench "http://localhost:$1/login"
  curl -s -o /dev/null -c "$jar" -b "$jar" -d item=tea "http://localhost:$1/cart"
  awk '$6 == "SESSION" {print $6 "=" $7}' "$jar"
}
C9=$(cookie $P9)
C11=$(cookie $P11)
curl -s -b "$C9" "http://localhost:$P9/session.jsp" | grep -q '<td id="count">1</td>' || { echo "Tomcat 9 page wrong" >&2; exit 1; }
curl -s -b "$C11" "http://localhost:$P11/session.jsp" | grep -q '<td id="count">1</td>' || { echo "Tomcat 11 page wrong" >&2; exit 1; }
run() { wrk -t2 -c"$CONNS" -d"$2"s -H "Cookie: $3" "http://localhost:$1/session.jsp" | awk '/Requests\/sec/ {print $2}'; }
run $P9 20 "$C9" >/dev/null # the JIT settles
run $P11 20 "$C11" >/dev/null
R9=()
R11=()
for _ in $(seq 1 "$ROUNDS"); do
  R9+=("$(run $P9 "$DURATION" "$C9")")
  R11+=("$(run $P11 "$DURATION" "$C11")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
M9=$(median "${R9[@]}")
M11=$(median "${R11[@]}")
echo "deployment of the sample WAR (Tomcat's own figure): Tomcat 9 $(deployed $P9) ms, Tomcat 11 $(deployed $P11) ms"
echo "session.jsp, logged-in session with a cart, $CONNS connections, $ROUNDS x ${DURATION}s:"
echo "  Tomcat 9 (javax jar):    ${R9[*]} req/s, median $M9"
echo "  Tomcat 11 (jakarta jar): ${R11[*]} req/s, median $M11"
awk -v a="$M9" -v b="$M11" 'BEGIN {printf "  ratio Tomcat 9 / Tomcat 11: %.2f (medians)", a / b}'
for i in "${!R9[@]}"; do awk -v a="${R9[$i]}" -v b="${R11[$i]}" 'BEGIN {printf "; round %.2f", a / b}'; done
echo
