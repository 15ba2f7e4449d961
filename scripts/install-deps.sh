#!/usr/bin/env bash
# Installs what the tests need on a bare Debian/Ubuntu machine (CI starts bare).
# Idempotent: each step is skipped when its tool is already there.
set -euo pipefail

need_apt=()
command -v keytool >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
command -v objdump >/dev/null 2>&1 || need_apt+=(binutils)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3 python3-venv)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
# Real ZooKeeper 3.8 (+ netty, slf4j-simple) for charms/zk-admin integration tests.
[ -f /usr/share/java/zookeeper.jar ] || need_apt+=(zookeeper)
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "== apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; }

# jsonschema: contract tests validate databags with the reference's validate.py;
# cryptography: the tls interop tests re-serialise our CSRs with Python's library.
for module in jsonschema cryptography; do
  if ! python3 -c "import $module" >/dev/null 2>&1; then
    echo "== pip install $module"
    python3 -m pip install -q "$module"
  fi
done

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is required (rustup toolchain)" >&2
  exit 1
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt >/dev/null 2>&1 || true
