#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds tests/consumer/project with this checkout as its subproject 'pollux', as a shared
# library (the harder case for symbol visibility), and runs it. The consumer builds with
# -Dwerror=true, which Meson passes on to its subprojects: pollux must build clean then.
# Given a SOVERSION (ELF hosts), it also checks that both shared libraries carry the
# soname libNAME.so.SOVERSION, and that the consumer asks for exactly that one.
#   run.sh SOURCE_ROOT WORK_DIR [SOVERSION]
set -euo pipefail
src=$(cd "$1" && pwd)
rm -rf "$2"
mkdir -p "$2/subprojects"
work=$(cd "$2" && pwd)
cp "$src"/tests/consumer/project/* "$work/"
ln -s "$src" "$work/subprojects/pollux"
meson setup "$work/build" "$work" -Dwerror=true -Dpollux:default_library=shared >"$work/setup.log" 2>&1 ||
  { cat "$work/setup.log"; exit 1; }
ninja -C "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
"$work/build/consumer"

# dynamic TAG FILE: the values of one dynamic-section tag (SONAME, NEEDED), one a line.
dynamic() { readelf -d "$2" | sed -n "s/.*($1).*\\[\\(.*\\)\\]\$/\\1/p"; }
if [ -n "${3:-}" ]; then
  for lib in lib/libpollux.so lib/exec/libpollux-exec.so; do
    got=$(dynamic SONAME "$work/build/subprojects/pollux/$lib")
    want="$(basename "$lib").$3"
    [ "$got" = "$want" ] || { echo "$lib: soname '$got', expected '$want'"; exit 1; }
  done
  dynamic NEEDED "$work/build/consumer" | grep -qxF "libpollux.so.$3" ||
    { echo "consumer does not need libpollux.so.$3:"; readelf -d "$work/build/consumer"; exit 1; }
  echo "sonames ok: libpollux.so.$3, libpollux-exec.so.$3"
fi

# Exports (ELF): each shared library exports only what the installed headers declare. The
# consumer builds in debug, where an unversioned library would also export hundreds of
# std:: instantiations.
if [ -n "${3:-}" ]; then
  meson install -C "$work/build" --destdir "$work/root" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; exit 1; }
  include=$(find "$work/root" -type d -path '*/include/pollux' | head -n 1)
  [ -n "$include" ] || { echo "no include/pollux installed under $work/root"; exit 1; }
  include=$(dirname "$include")
  python3 "$src/tests/consumer/check_exports.py" "$include" \
    "$work/build/subprojects/pollux/lib/libpollux.so" \
    "$work/build/subprojects/pollux/lib/exec/libpollux-exec.so"
fi
