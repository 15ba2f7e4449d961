#!/bin/sh
# Fake Juju hook tool (charm-sdk process tests): records the call, answers from fixtures.
tool=${0##*/}
US=$(printf '\037'); GS=$(printf '\035'); RS=$(printf '\036')
rec=$tool; key=; files=
for a in "$@"; do
  rec="$rec$US$a"
  case $a in
    --format=json) ;;
    *) if [ -z "$key" ]; then key=$a; else key="${key}_$a"; fi ;;
  esac
  case $a in
    *'#file='*) k=${a%%#file=*}; p=${a#*#file=}; files="$files$k=$(cat "$p")$US" ;;
  esac
done
input=$(cat)
printf '%s%s%s%s%s%s' "$rec" "$GS" "$input" "$GS" "$files" "$RS" >> "$FAKE_JUJU_DIR/calls.log"
while :; do case $key in */*) key="${key%%/*}~${key#*/}" ;; *) break ;; esac; done
base="$FAKE_JUJU_DIR/fixtures/$tool.$key"
if [ ! -e "$base.out" ] && [ ! -e "$base.err" ] && [ ! -e "$base.rc" ]; then base="$FAKE_JUJU_DIR/fixtures/$tool"; fi
if [ -e "$base.out" ]; then cat "$base.out"; fi
if [ -e "$base.err" ]; then cat "$base.err" >&2; fi
rc=0
if [ -e "$base.rc" ]; then rc=$(cat "$base.rc"); fi
exit "$rc"
