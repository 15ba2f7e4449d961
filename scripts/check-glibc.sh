#!/usr/bin/env bash
# Fails when a binary needs a GLIBC symbol newer than Ubuntu 22.04's (2.35), where charms run.
set -euo pipefail
max_allowed="2.35"
status=0
for bin in "$@"; do
  highest=$(objdump -T "$bin" | grep -oE 'GLIBC_[0-9]+\.[0-9]+(\.[0-9]+)?' | sed 's/GLIBC_//' | sort -V | tail -n1)
  highest=${highest:-none}
  if [ "$highest" != none ] && [ "$(printf '%s\n%s\n' "$highest" "$max_allowed" | sort -V | tail -n1)" != "$max_allowed" ]; then
    echo "FAIL $bin needs GLIBC_$highest (> $max_allowed)"
    status=1
  else
    echo "ok   $bin highest GLIBC symbol: $highest (<= $max_allowed)"
  fi
done
exit $status
