#!/bin/sh
# Creates a Python virtualenv with charmcraft 4.5.0, used by charm-pack's optional
# `charmcraft expand-extensions` test (export CHARMCRAFT_VENV=DIR to enable it).
# `charmcraft pack` cannot run on a Debian host (distro check), but
# `charmcraft expand-extensions` validates charmcraft.yaml through charmcraft's own
# pydantic model without LXD, which is what the test uses.
#
# Usage: charm-sdk/pack/scripts/charmcraft-venv.sh [DIR]   (default: ./.charmcraft-venv)
set -eu
dir="${1:-.charmcraft-venv}"
python3 -m venv "$dir"
"$dir/bin/pip" install --quiet --disable-pip-version-check charmcraft==4.5.0
XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}" "$dir/bin/charmcraft" version
echo "export CHARMCRAFT_VENV=$(cd "$dir" && pwd)"
