#!/usr/bin/env bash
# Installs what the tests need on a bare Debian/Ubuntu machine (CI starts bare).
# Idempotent: each step is skipped when its tool is already there.
set -euo pipefail

need_apt=()
# keytool (the TLS keystore tests list what the charms write) and java (ZooKeeper): the
# distribution's default JRE, which is what the zookeeper package depends on too.
command -v keytool >/dev/null 2>&1 || need_apt+=(default-jre-headless)
command -v objdump >/dev/null 2>&1 || need_apt+=(binutils)
# Operator-made keys (genrsa/genpkey/ecparam) for the set-tls-private-key tests.
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
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
# cryptography: the tls interop tests parse our CSRs with Python's library. pip first (a
# pyenv or venv python), then the distribution's package (a system python that refuses pip).
for module in jsonschema cryptography; do
  if ! python3 -c "import $module" >/dev/null 2>&1; then
    echo "== install python module $module"
    python3 -m pip install -q "$module" 2>/dev/null || {
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python3-$module" >/dev/null
    }
  fi
done

# The tests fail (never skip) without these, so say here, once, what is still missing.
missing=()
for tool in openssl keytool java python3 objdump promtool; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
for module in jsonschema cryptography; do
  python3 -c "import $module" >/dev/null 2>&1 || missing+=("python3 module $module")
done
[ -f /usr/share/java/zookeeper.jar ] || missing+=(/usr/share/java/zookeeper.jar)
if [ "${#missing[@]}" -gt 0 ]; then
  printf 'still missing after install: %s\n' "${missing[*]}" >&2
  exit 1
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is required (rustup toolchain)" >&2
  exit 1
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt >/dev/null 2>&1 || true
