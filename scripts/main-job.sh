#!/usr/bin/env bash
# The main job, from a bare machine: install what is needed, build and pack every charm, bring
# up a local Juju model, deploy the Kafka bundle with real ZooKeeper servers, relate TLS, get
# credentials with actions, and print the status table.
#
# Usage: scripts/main-job.sh [--keep] [--show-secrets] [--model DIR]
#   --keep          leave the model running (stop it later with: local-model destroy DIR)
#   --show-secrets  print passwords in the actions' output (redacted by default)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

keep=0
show=0
model="$root/target/main-job-model"
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --show-secrets) show=1 ;;
    --model) model="$2"; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

step=0
progress() { step=$((step + 1)); printf '\n[%s] step %d: %s\n' "$(date +%H:%M:%S)" "$step" "$*"; }

redact() {
  if [ "$show" = 1 ]; then cat; else sed -E 's/((password|secret|private-key|client-properties)[^:=]*[:=][[:space:]]*).*/\1<redacted; --show-secrets shows it>/I'; fi
}

progress "install system packages (Java, ZooKeeper, Python tools) if missing"
scripts/install-deps.sh

progress "build the local model, the packer and the charms (release)"
cargo build --release --quiet -p local-model -p charm-pack
lm="$root/target/release/local-model"
pack="$root/target/release/charm-pack"

progress "pack every charm into target/charms/"
mkdir -p target/charms
for crate in charms/zookeeper-k8s charms/kafka-k8s charms/stand-ins/self-signed-certificates charms/stand-ins/data-integrator; do
  "$pack" "$crate" -o target/charms | sed 's/^/    packed /'
done
ls -l target/charms/*.charm | awk '{printf "    %-60s %8.1f KiB\n", $9, $5/1024}'

progress "bring up a local model in $model"
if [ -e "$model/controller.pid" ]; then "$lm" destroy "$model" >/dev/null 2>&1 || true; fi
rm -rf "$model"
"$lm" up "$model" --update-status-interval 1m
export LOCAL_MODEL_DIR="$model"
cleanup() {
  if [ "$keep" = 0 ]; then
    progress "destroy the model (every process it started is stopped by PID)"
    "$lm" destroy "$model" || true
  else
    printf '\nThe model is still running: LOCAL_MODEL_DIR=%s %s status; %s destroy %s\n' "$model" "$lm" "$lm" "$model"
  fi
}
trap cleanup EXIT

progress "deploy the Kafka bundle (zookeeper-k8s x3 on Debian's ZooKeeper, kafka-k8s, stand-ins) with the local overlay"
# The local overlay points at the charm crates; this one points at the archives just packed,
# so the model deploys exactly what step 3 built instead of packing again.
packed="$root/target/main-job-packed.yaml"
{
  echo "applications:"
  for app in zookeeper-k8s kafka-k8s self-signed-certificates data-integrator; do
    printf '  %s:\n    charm: %s\n' "$app" "$root/target/charms/${app}_amd64.charm"
  done
} > "$packed"
"$lm" deploy bundles/kafka-k8s/bundle.yaml --overlay bundles/kafka-k8s/local.yaml --overlay "$packed"

progress "wait for the model to settle (TLS relations come with the bundle: ZooKeeper switches to TLS in rolling steps)"
"$lm" wait-for-idle --timeout 900 --tolerate-errors || true

progress "status"
"$lm" status

progress "run get-super-password on the ZooKeeper leader"
leader=$("$lm" status --format json | python3 -c '
import json, sys
units = json.load(sys.stdin)["applications"]["zookeeper-k8s"]["units"]
print(next((u for u, s in units.items() if s.get("leader")), sorted(units)[0]))')
"$lm" run "$leader" get-super-password | redact

progress "run get-admin-credentials on kafka-k8s/0"
"$lm" run kafka-k8s/0 get-admin-credentials | redact || echo "    (the action failed: see the message above)"

progress "run get-credentials on the sample client (data-integrator stand-in)"
"$lm" run data-integrator/0 get-credentials | redact || echo "    (the action failed: see the message above)"

progress "final status"
"$lm" status
