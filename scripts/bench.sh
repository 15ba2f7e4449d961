#!/usr/bin/env bash
# Every benchmark in one place. Each prints its own table; none asserts a time.
#   - the SDK's example charm: hook wall/CPU/peak RSS and hook-tool calls (fake tools + fake Pebble)
#   - zookeeper-k8s and kafka-k8s: the same per charm, .charm sizes, time for units to settle in
#     the local model with real ZooKeeper, and (kafka) 100 client users with ACLs in ZooKeeper
#   - the local model: hooks per second and deploy -n 3 to idle
# Usage: scripts/bench.sh   (run as root: the local model uses private mount namespaces)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo; echo "== SDK example charm (charm-bench)"
cargo run --release --quiet -p charm-bench
echo; echo "== zookeeper-k8s"
cargo run --release --quiet -p zookeeper-k8s --example bench
echo; echo "== kafka-k8s"
cargo run --release --quiet -p kafka-k8s --example bench
echo; echo "== local model"
cargo run --release --quiet -p local-model --example bench
