#!/usr/bin/env bash
# Decisions per second of the rate limiter against real Redis, as a ratio to a bare Jedis EVALSHA loop of the
# same script in the same run. Usage: bench/ratelimit.sh [threads, default 4] [seconds per run, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -pl filter -am install -DskipTests
CP=$(./mvnw -q -pl filter dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
java -cp "filter/target/test-classes:filter/target/classes:$CP" dev.sessionfilter.ratelimit.RateLimitBench "${1:-4}" "${2:-5}" 2>/dev/null
