#!/usr/bin/env bash
# JMH: what one attribute costs (encode, decode, AES-256-GCM seal and open) for the values of
# bench/throughput.sh's workload. Usage: bench/jmh.sh [extra JMH options, e.g. -f 2 -i 10]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -pl filter -am install -DskipTests
./mvnw -q -B -f bench/pom.xml package -DskipTests
CP=$(./mvnw -q -B -f bench/pom.xml dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
java -cp "bench/target/classes:$CP" org.openjdk.jmh.Main -f 1 -wi 3 -w 1s -i 5 -r 1s "$@" CodecBench
