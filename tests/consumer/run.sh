#!/usr/bin/env bash
# Builds tests/consumer/project with this checkout as its subproject 'pollux', as a shared
# library (the harder case for symbol visibility), and runs it. The consumer builds with
# -Dwerror=true, which Meson passes on to its subprojects: pollux must build clean then.
#   run.sh SOURCE_ROOT WORK_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
work=$2
rm -rf "$work"
mkdir -p "$work/subprojects"
cp "$src"/tests/consumer/project/* "$work/"
ln -s "$src" "$work/subprojects/pollux"
meson setup "$work/build" "$work" -Dwerror=true -Dpollux:default_library=shared >"$work/setup.log" 2>&1 ||
  { cat "$work/setup.log"; exit 1; }
ninja -C "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
"$work/build/consumer"
