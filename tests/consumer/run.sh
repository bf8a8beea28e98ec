#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds tests/consumer/project with pollux as its subproject 'pollux', as a shared
# library (the harder case for symbol visibility), and runs it. In a git checkout pollux
# comes as a release does: the tarball `meson dist` makes of the committed tree (which
# must hold LICENSE), taken through a [wrap-file]; otherwise the checkout is linked in. The consumer builds with
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
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  meson setup "$work/dist-build" "$src" -Dtests=disabled -Dexamples=disabled \
    -Dbenchmarks=disabled >"$work/dist.log" 2>&1 &&
    meson dist -C "$work/dist-build" --no-tests --allow-dirty --formats gztar \
      >>"$work/dist.log" 2>&1 || { cat "$work/dist.log"; exit 1; }
  tarball=$(ls "$work"/dist-build/meson-dist/*.tar.gz)
  sub=$(basename "$tarball" .tar.gz)
  # (grep -q would stop reading early, and pipefail would count tar's SIGPIPE.)
  tar tzf "$tarball" | grep -x "$sub/LICENSE" >/dev/null || { echo "$sub.tar.gz holds no LICENSE"; exit 1; }
  # In the package cache the wrap needs no download; source_url says where it came from.
  mkdir -p "$work/subprojects/packagecache"
  cp "$tarball" "$work/subprojects/packagecache/"
  cat >"$work/subprojects/pollux.wrap" <<EOF
[wrap-file]
directory = $sub
source_url = file://$tarball
source_filename = $sub.tar.gz
source_hash = $(sha256sum "$tarball" | cut -d' ' -f1)

[provide]
dependency_names = pollux
EOF
  echo "pollux from $sub.tar.gz (meson dist, LICENSE included) through a [wrap-file]"
else
  ln -s "$src" "$work/subprojects/pollux"
  sub=pollux
fi
meson setup "$work/build" "$work" -Dwerror=true -Dpollux:default_library=shared >"$work/setup.log" 2>&1 ||
  { cat "$work/setup.log"; exit 1; }
ninja -C "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
"$work/build/consumer"

# dynamic TAG FILE: the values of one dynamic-section tag (SONAME, NEEDED), one a line.
dynamic() { readelf -d "$2" | sed -n "s/.*($1).*\\[\\(.*\\)\\]\$/\\1/p"; }
if [ -n "${3:-}" ]; then
  for lib in lib/libpollux.so lib/exec/libpollux-exec.so; do
    got=$(dynamic SONAME "$work/build/subprojects/$sub/$lib")
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
    "$work/build/subprojects/$sub/lib/libpollux.so" \
    "$work/build/subprojects/$sub/lib/exec/libpollux-exec.so"
fi
