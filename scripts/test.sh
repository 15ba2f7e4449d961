#!/usr/bin/env bash
# Runs every test of the suite: formatting, lints, unit and in-process tests, property tests,
# process-level tests of the charm binaries, the local model with real ZooKeeper, the charms'
# end-to-end tests, the rocks/bundles agreement checks, the GLIBC check of the charm
# binaries, and the collection of the integration tests for a real Juju.
#
# Usage: scripts/test.sh        (README's test command; .ci/run calls it; run as root: the
#                                local model makes private mount namespaces)
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

scripts/install-deps.sh
mkdir -p target

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --all-features --quiet -- -D warnings

echo "== one TLS stack: no aws-lc-rs, no openssl in the dependency tree"
for crate in aws-lc-rs aws-lc-sys openssl-sys; do
  if cargo tree --workspace -e normal -i "$crate" >/dev/null 2>&1; then
    echo "$crate is in the dependency tree (see docs/adr/0002-one-tls-stack.md)" >&2
    exit 1
  fi
done

echo "== cargo test --workspace (unit, in-process, property, process, local model, end-to-end)"
set +e
cargo test --workspace --all-features --no-fail-fast 2>&1 | tee target/test-output.txt | grep -E '^(test result|failures:|---- |error(\[|:))|panicked|Running '
status=${PIPESTATUS[0]}
set -e

echo "== release build of every charm + GLIBC check (charms run on Ubuntu 22.04)"
charms=(demo-charm zookeeper-k8s kafka-k8s self-signed-certificates data-integrator)
cargo build --release --quiet $(printf -- '-p %s ' "${charms[@]}")
scripts/check-glibc.sh $(printf -- 'target/release/%s ' "${charms[@]}")

echo "== integration tests for a real Juju: collected (they run where Juju exists: tox -e integration)"
if [ ! -x target/itest-venv/bin/pytest ]; then
  python3 -m venv target/itest-venv
  target/itest-venv/bin/pip install -q -r tests/integration/requirements.txt
fi
target/itest-venv/bin/python -m pytest --collect-only -q tests/integration | tail -n 3

# One closing line in the plain form CI reads.
passed=$(grep -oE 'test result: (ok|FAILED)\. [0-9]+ passed' target/test-output.txt | awk '{s+=$4} END {print s+0}')
failed=$(grep -oE '[0-9]+ passed; [0-9]+ failed' target/test-output.txt | awk '{s+=$3} END {print s+0}')
echo "took $((SECONDS - started)) s"
echo "${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  exit 1
fi
