#!/usr/bin/env bash
# Session stores side by side, one run, one machine: the same servlet under Tomcat's in-memory sessions
# (the baseline), sessionfilter (near cache with Redis invalidation messages, with version checks only,
# off), Spring Session 3.5 + Lettuce (plain and indexed repository) and Redisson's Tomcat manager (readMode REDIS and MEMORY), all on one
# real Redis. Needs wrk (apt-get install wrk).
# Usage: bench/throughput.sh [seconds per run, default 10] [connections, default 16] [sessions, default 64]
#        [apps, default all: a comma list of memory,sessionfilter,sessionfilter-version,
#         sessionfilter-nocache,spring-session,spring-session-indexed,redisson-redis,redisson-memory]
# Per app: that many sessions of five ~1 KB attributes, wrk rotating its requests across their cookies;
# /read reads all five attributes, /write changes one. A 10 s warm-up per app and workload, then three
# rounds that run every app once each, in turn; req/s is the median of the three, the other figures come
# from all three: latency percentiles of the median run, Redis commands per request (INFO commandstats),
# CPU per request of the app's JVM and of redis-server (/proc), Redis bytes per session (MEMORY USAGE).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNS=${2:-16}
SESSIONS=${3:-64}
ONLY=${4:-}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }

./mvnw -q -B -pl filter -am install -DskipTests
./mvnw -q -B -f bench/pom.xml package -DskipTests
CP=$(./mvnw -q -B -f bench/pom.xml dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
LOG=$(mktemp)
java -Xmx1g -cp "bench/target/classes:$CP" dev.sessionfilter.bench.PeersServer >"$LOG" 2>"$LOG.err" &
JPID=$!
trap 'kill $JPID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do grep -q READY "$LOG" && break; sleep 0.2; done
grep -q READY "$LOG" || { cat "$LOG.err" >&2; exit 1; }
CONTROL=$(awk '/^CONTROL/ {print $2}' "$LOG")
RPID=$(grep '^REDIS_PID=' "$LOG" | cut -d= -f2)
declare -A URL
APPS=()
while read -r _ name url; do
  if [[ -z "$ONLY" || ",$ONLY," == *",$name,"* || "$name" == memory ]]; then URL[$name]=$url; APPS+=("$name"); fi
done < <(grep '^APP ' "$LOG")
declare -A PATTERN=([memory]='' [sessionfilter]='sessionfilter:sf:*' [sessionfilter-version]='sessionfilter:sfv:*'
  [sessionfilter-nocache]='sessionfilter:sfoff:*' [spring-session]='spring:session:bench:*'
  [spring-session-indexed]='spring:session:indexed:*'
  [redisson-redis]='rredis:*' [redisson-memory]='rmemory:*')

# A wrk script per app that rotates the requests across that app's sessions.
declare -A LUA
declare -A BYTES
for a in "${APPS[@]}"; do
  f=$(mktemp --suffix=.lua)
  { echo "cookies = {"
    for _ in $(seq 1 "$SESSIONS"); do
      echo "  \"$(curl -s -o /dev/null -c - "${URL[$a]}/init" | awk '$6 == "SESSION" || $6 == "JSESSIONID" {print $6 "=" $7}')\","
    done
    echo "}"
    echo 'n = 0'
    echo 'request = function() n = n + 1; return wrk.format(nil, nil, {["Cookie"] = cookies[(n % #cookies) + 1]}) end'
  } >"$f"
  LUA[$a]=$f
done
sleep 1 # Redisson writes its sessions after the response
for a in "${APPS[@]}"; do
  if [[ -n "${PATTERN[$a]}" ]]; then
    m=$(curl -s "$CONTROL/memory?match=${PATTERN[$a]}") # "keys bytes"
    BYTES[$a]=$(( ${m#* } / SESSIONS ))
  else
    BYTES[$a]="-"
  fi
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Redis commands sent by the apps: our own figures and heartbeats left out.
calls() { curl -s "$CONTROL/commands" | awk '$1 != "info" && $1 != "ping" && $1 != "memory|usage" && $1 != "scan" {s += $2} END {print s + 0}'; }
reads() { curl -s "$CONTROL/reads"; }
ms() { awk '{v = $1; if (v ~ /us$/) {sub(/us$/, "", v); v /= 1000} else if (v ~ /ms$/) {sub(/ms$/, "", v)} else if (v ~ /s$/) {sub(/s$/, "", v); v *= 1000}; printf "%.2f", v}' <<<"$1"; }
HZ=$(getconf CLK_TCK)

# One measured run: prints "req/s requests p50ms p99ms commands jvm_ticks redis_ticks round_trips".
# Round trips are Redis' read events (INFO stats): one per command a client sent, or per pipelined batch;
# the measuring itself adds 2 per run (the INFO after the run).
run() {
  local app=$1 path=$2 c0 j0 r0 e0 out
  c0=$(calls); e0=$(reads); j0=$(ticks "$JPID"); r0=$(ticks "$RPID")
  out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "${LUA[$app]}" "${URL[$app]}/$path")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '/requests in/ {print $1}' <<<"$out")" \
       "$(ms "$(awk '$1 == "50%" {print $2}' <<<"$out")") $(ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")" \
       "$(( $(calls) - c0 )) $(( $(ticks "$JPID") - j0 )) $(( $(ticks "$RPID") - r0 )) $(( $(reads) - e0 - 2 ))"
}

for path in read write; do
  for a in "${APPS[@]}"; do
    wrk -t2 -c"$CONNS" -d10s -s "${LUA[$a]}" "${URL[$a]}/$path" >/dev/null
  done
done
declare -A RUNS
for path in read write; do
  for _ in 1 2 3; do
    for a in "${APPS[@]}"; do
      RUNS[$path.$a]+="$(run "$a" "$path")"$'\n'
    done
  done
done

echo
echo "wrk -t2 -c$CONNS -d${DURATION}s per run; $SESSIONS sessions per app of 5 attributes of ~1 KB, requests rotated across them;"
echo "req/s: median of 3 rounds (every app once per round, in turn); share: of in-memory sessions, same run."
echo "Commands and CPU per request over all three runs (CPU: microseconds of the app's JVM and of redis-server)."
echo "Read events (INFO stats total_reads_processed) are the requests Redis received: a synchronous client's round trips;"
echo "a multiplexing client (Lettuce, Redisson) sends the commands of concurrent requests together, so fewer events than round trips."
echo
echo "| store | workload | req/s | share of memory | p50 ms | p99 ms | Redis read events / request | Redis commands / request (scripts' inner ones too) | JVM CPU µs / request | Redis CPU µs / request | Redis bytes / session |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
declare -A MED
for path in read write; do
  for a in "${APPS[@]}"; do
    # The median run by req/s, and the sums over the three.
    med=$(printf '%s' "${RUNS[$path.$a]}" | sort -g | sed -n 2p)
    read -r rps _ p50 p99 _ _ _ _ <<<"$med" || true
    read -r req cmd jt rt rtt <<<"$(printf '%s' "${RUNS[$path.$a]}" | awk '{r += $2; c += $5; j += $6; x += $7; t += $8} END {print r, c, j, x, t}')" || true
    MED[$path.$a]=$rps
    share=$(awk -v a="$rps" -v m="${MED[$path.memory]}" 'BEGIN {printf "%.2f", a / m}')
    printf '| %s | %s | %.0f | %s | %s | %s | %.2f | %.2f | %.0f | %.0f | %s |\n' "$a" "$path" "$rps" "$share" "$p50" "$p99" \
      "$(awk -v c="$rtt" -v r="$req" 'BEGIN {print c / r}')" "$(awk -v c="$cmd" -v r="$req" 'BEGIN {print c / r}')" \
      "$(awk -v t="$jt" -v r="$req" -v hz="$HZ" 'BEGIN {print t * 1e6 / hz / r}')" \
      "$(awk -v t="$rt" -v r="$req" -v hz="$HZ" 'BEGIN {print t * 1e6 / hz / r}')" "${BYTES[$a]}"
  done
done
echo
echo "Runs (req/s requests p50 p99 commands jvm-ticks redis-ticks round-trips):"
for path in read write; do for a in "${APPS[@]}"; do printf '%s %s:\n%s' "$path" "$a" "${RUNS[$path.$a]}"; done; done
