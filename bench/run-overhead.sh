#!/usr/bin/env bash
# Gateway-overhead benchmark: direct vs nginx vs the Vert.x floor vs Portkey vs Sluice against a 20 ms
# OpenAI-shaped upstream (latency at concurrency 1, closed-loop throughput at 64-256 connections, 1,000 open
# streams with RSS, open-loop rate steps).
# Builds what it needs, then runs dev.sluice.bench.OverheadBench; every argument is passed through
# (see --help). Results: bench/results/<timestamp>/overhead.{md,json} unless --out is given.
#
#   bench/run-overhead.sh --max-minutes 14        # full run, ~12 minutes
#   bench/run-overhead.sh --targets direct,nginx  # without Sluice
#   SKIP_BUILD=1 bench/run-overhead.sh --samples 300 --rates 1000,4000   # quick check, no rebuild
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
BENCH_JAR=bench/target/sluice-bench-0.1.0-SNAPSHOT.jar
SIM_JAR=sim/target/sluice-sim-0.1.0-SNAPSHOT-all.jar
SLUICE_JAR=server/target/quarkus-app/quarkus-run.jar

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "[run-overhead] building sim and bench ..."
  if ! ./mvnw -q -pl sim,bench -am package -DskipTests; then
    # The reactor also reads server/pom.xml; if that (or sim) is mid-edit, build the two modules on their own.
    echo "[run-overhead] reactor build failed; building bench and sim separately"
    ./mvnw -q -f bench/pom.xml package -DskipTests
    ./mvnw -q -f sim/pom.xml package -DskipTests \
      || echo "[run-overhead] WARNING: sim did not build; using ${SIM_JAR} if present, else the builtin upstream"
  fi
fi

[[ -f "$BENCH_JAR" ]] || { echo "[run-overhead] $BENCH_JAR missing (build: ./mvnw -q -pl bench -am package -DskipTests)" >&2; exit 1; }
if [[ ! -f "$SLUICE_JAR" ]]; then
  echo "[run-overhead] NOTE: $SLUICE_JAR not found, the sluice target will be skipped."
  echo "[run-overhead]       build it with: ./mvnw -q -pl server -am package -DskipTests"
fi
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] \
  || echo "[run-overhead] NOTE: nginx not installed, the nginx target will be skipped (apt-get install -y nginx)."
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
  || echo "[run-overhead] NOTE: Node.js/npm not on PATH, the portkey target will be skipped."

exec java -Xms1g -Xmx1g -XX:+UseParallelGC \
  -Dbench.command="bench/run-overhead.sh $*" \
  -jar "$BENCH_JAR" --repo "$REPO" "$@"
