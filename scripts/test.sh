#!/usr/bin/env bash
# Runs every test of the suite: formatting, lints, unit and in-process tests, process-level
# tests of packed charms, property tests, the GLIBC check of charm binaries.
# Usage: scripts/test.sh        (README's test command; .ci/run calls it)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== one TLS stack: no aws-lc-rs, no openssl in the dependency tree"
if cargo tree --workspace -e normal -i aws-lc-rs >/dev/null 2>&1 || cargo tree --workspace -e normal -i openssl-sys >/dev/null 2>&1; then
  echo "aws-lc-rs or openssl-sys is in the dependency tree (see docs/adr/0002-one-tls-stack.md)" >&2
  exit 1
fi

echo "== cargo test --workspace"
cargo test --workspace --quiet 2>&1 | tee target/test-output.txt | grep -E '^(test result|error|failures:|---- )|panicked' || true
if grep -qE 'test result: FAILED|error(\[|:)' target/test-output.txt; then
  echo "cargo test failed" >&2
  exit 1
fi

echo "== release build of the example charm + GLIBC check"
cargo build --release --quiet -p demo-charm
scripts/check-glibc.sh target/release/demo-charm

# One closing line in the plain form CI reads.
passed=$(grep -oE 'test result: ok\. [0-9]+ passed' target/test-output.txt | awk '{s+=$4} END {print s+0}')
failed=$(grep -oE '[0-9]+ failed' target/test-output.txt | awk '{s+=$1} END {print s+0}')
echo "${passed} passed, ${failed} failed"
