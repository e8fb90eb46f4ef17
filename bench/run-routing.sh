#!/usr/bin/env bash
# Cache-aware routing benchmark: round-robin, prefix-load, prefix-load with the index shared over Redis
# (127.0.0.1:6379, or -Dbench.redis) and an oracle, each behind 1, 2 and 3 gateway replicas (one restarted
# mid-run), 4 simulator replicas, shared-prefix workload. Builds what it needs, then runs
# dev.sluice.bench.RoutingBench; arguments are passed through as --name value (see RoutingBench for the names
# and defaults: --gateways 1,2,3, --policies ..., also least-request, --restart-at-s, --kv-blocks). About 7 minutes.
#
#   bench/run-routing.sh
#   SKIP_BUILD=1 bench/run-routing.sh --gateways 3 --policies prefix-load,prefix-load-shared,oracle
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw -B -ntp -q -pl bench -am package -DskipTests
fi
exec java -Xms512m -Xmx1g -XX:+UseParallelGC -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Dbench.command="bench/run-routing.sh $*" \
  -cp "bench/target/sluice-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" dev.sluice.bench.RoutingBench "$@"
