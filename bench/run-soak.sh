#!/usr/bin/env bash
# Soak: `bin/sluice serve` on the governed path in front of sluice-sim, streaming and non-streaming chat
# completions at a steady rate for 10 minutes; zero errors expected, heap (after a full GC) and RSS sampled every
# 10 s and expected flat after the warm-up. Runs dev.sluice.bench.SoakBench; every argument is passed through
# (--help). Results: bench/results/<timestamp>/soak.{md,json} and the gateway's log, unless --out is given.
#
#   bench/run-soak.sh                                  # the full 10 minutes at 40 req/s
#   SKIP_BUILD=1 bench/run-soak.sh --seconds 60        # a quick check, no rebuild
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
BENCH_JAR=bench/target/sluice-bench-0.1.0-SNAPSHOT.jar

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "[run-soak] building server, sim and bench ..."
  ./mvnw -q -B -ntp -pl server,sim,bench -am package -DskipTests
fi

[[ -f "$BENCH_JAR" ]] || { echo "[run-soak] $BENCH_JAR missing (build: ./mvnw -q -pl bench -am package -DskipTests)" >&2; exit 1; }

exec java -Xms256m -Xmx512m -XX:+UseParallelGC \
  -Dbench.command="bench/run-soak.sh $*" \
  -cp "$BENCH_JAR" dev.sluice.bench.SoakBench --repo "$REPO" "$@"
