#!/usr/bin/env bash
# Simulator throughput benchmark: the sluice-sim jar with zero latency, driven directly by the benchmark's load
# generator (latency at concurrency 1, streaming, then open-loop rate steps up to 40,000 req/s). Builds what it
# needs, then runs dev.sluice.bench.SimBench; every argument is passed through (flags as in OverheadBench, see
# --help). Results: bench/results/<timestamp>/sim.{md,json} unless --out is given.
#
#   bench/run-sim.sh                                   # full run, ~3 minutes
#   SKIP_BUILD=1 bench/run-sim.sh --rates 10000,20000  # quick check, no rebuild
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
BENCH_JAR=bench/target/sluice-bench-0.1.0-SNAPSHOT.jar
SIM_JAR=sim/target/sluice-sim-0.1.0-SNAPSHOT-all.jar

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "[run-sim] building sim and bench ..."
  ./mvnw -q -B -ntp -pl sim,bench -am package -DskipTests
fi

[[ -f "$BENCH_JAR" ]] || { echo "[run-sim] $BENCH_JAR missing (build: ./mvnw -q -pl bench -am package -DskipTests)" >&2; exit 1; }
[[ -f "$SIM_JAR" ]] || { echo "[run-sim] $SIM_JAR missing (build: ./mvnw -q -pl sim package -DskipTests)" >&2; exit 1; }

exec java -Xms1g -Xmx1g -XX:+UseParallelGC \
  -Dbench.command="bench/run-sim.sh $*" \
  -cp "$BENCH_JAR" dev.sluice.bench.SimBench --repo "$REPO" "$@"
