#!/usr/bin/env bash
# The fault suite in its full form (issue 13): Redis killed, hung and failed over under load, network faults,
# pool exhaustion, fuzz, a 10-minute soak, rate limits across a restart. About 15 minutes on 2 cores.
# Each suite prints its figures and writes them to filter/target/reliability/; this script prints them all.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B verify -pl filter -am -Dsf.reliability=full -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test='dev.sessionfilter.reliability.*IT' "$@"
cat filter/target/reliability/*.txt
