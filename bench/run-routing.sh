#!/usr/bin/env bash
# Cache-aware routing benchmark: round-robin vs least-request vs prefix-load vs an oracle, 4 simulator replicas,
# shared-prefix workload. Builds what it needs, then runs dev.sluice.bench.RoutingBench; arguments are passed
# through as --name value (see RoutingBench for the names and defaults). About 4 minutes.
#
#   bench/run-routing.sh
#   SKIP_BUILD=1 bench/run-routing.sh --measure-s 10 --policies prefix-load,oracle
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw -B -ntp -q -pl bench -am package -DskipTests
fi
exec java -Xms512m -Xmx1g -XX:+UseParallelGC -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Dbench.command="bench/run-routing.sh $*" \
  -cp "bench/target/sluice-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" dev.sluice.bench.RoutingBench "$@"
