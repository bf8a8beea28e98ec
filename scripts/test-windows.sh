#!/bin/sh
# SPDX-License-Identifier: MIT
# Cross-builds pollux for Windows with mingw-w64 and runs every Windows test suite under
# Wine, in a fresh Wine prefix made for this run. Exits non-zero when a test fails.
#
#   scripts/test-windows.sh [BUILD_DIR]     (default: build-win in the checkout)
#
# Extra `meson test` arguments can be passed in POLLUX_MESON_TEST_ARGS.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-"$root/build-win"}
wine=/usr/lib/wine/wine64
wineserver=/usr/lib/wine/wineserver64

# Packages, installed only when something is missing (Debian 12 names). The posix flavour
# of mingw is what std::thread needs.
missing=
need() { [ -e "$1" ] || command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need meson meson
need ninja ninja-build
need /usr/include/doctest/doctest.h doctest-dev
need /usr/include/asio.hpp libasio-dev
need x86_64-w64-mingw32-g++-posix g++-mingw-w64-x86-64-posix
need x86_64-w64-mingw32-pkg-config mingw-w64-tools
need "$wine" wine64
need "$wineserver" wine64
if [ -n "$missing" ]; then
  sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "test-windows: installing$missing"
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends $missing
fi

# The cross file in cross/ holds the toolchain only. Header-only libraries (doctest, asio)
# reach the mingw compiler through a folder of links inside the build directory, never
# through /usr/include itself (glibc's headers would shadow mingw's), named by a second
# machine file layered over the first. Meson 1.0 machine files cannot name their own
# folder, hence a generated file with absolute paths.
case $builddir in /*) ;; *) builddir="$PWD/$builddir" ;; esac
case $builddir in *"'"*) echo "test-windows: no ' in the build directory, please" >&2; exit 2 ;; esac
hostfile="$builddir/pollux-mingw-headers.ini"
# Meson reads machine files when it configures, never again on --reconfigure: a build
# directory configured without this file is configured afresh.
if [ -f "$builddir/meson-private/cmd_line.txt" ] &&
   ! grep -qF "$hostfile" "$builddir/meson-private/cmd_line.txt"; then
  echo "test-windows: $builddir was configured with other machine files; configuring afresh"
  rm -rf "$builddir"
fi
inc="$builddir/mingw-include"
mkdir -p "$inc"
ln -sfn /usr/include/doctest "$inc/doctest"
ln -sfn /usr/include/asio "$inc/asio"
ln -sfn /usr/include/asio.hpp "$inc/asio.hpp"
content="# Written by scripts/test-windows.sh: the folder of links to the build machine's
# header-only libraries, for the mingw compiler.
[built-in options]
cpp_args = ['-isystem', '$inc']"
# Rewritten only when it changes: Meson reconfigures when a machine file is newer.
[ -f "$hostfile" ] && [ "$(cat "$hostfile")" = "$content" ] || printf '%s\n' "$content" >"$hostfile"

# One prefix per run. Its wineserver is started before wineboot and kept alive for the
# whole run: without it every test executable pays ~2 s of Wine start-up.
WINEPREFIX=$(mktemp -d "${TMPDIR:-/tmp}/pollux-wine.XXXXXX")
WINEARCH=win64
WINEDEBUG=-all
# winedbg disabled: a crashing test then fails at once instead of hanging in the
# debugger until its timeout (rerun without it for a backtrace).
WINEDLLOVERRIDES="mscoree,mshtml=;winedbg.exe=d"
export WINEPREFIX WINEARCH WINEDEBUG WINEDLLOVERRIDES
unset DISPLAY WAYLAND_DISPLAY || true
cleanup() {
  "$wineserver" -k >/dev/null 2>&1 || true
  "$wineserver" -w >/dev/null 2>&1 || true
  rm -rf "$WINEPREFIX"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$wineserver" -p </dev/null >/dev/null 2>&1
# Created once, serially: Wine processes started together on a new prefix race. It boots
# while the build runs (the build starts no Wine process) and is awaited before the tests.
"$wine" wineboot --init </dev/null >/dev/null 2>&1 &
wineboot_pid=$!

# -Dwerror=true: projects that cross-build pollux for Windows pass it on to it.
# -Ddebug=false: no DWARF for mingw to write (an eighth of each compile); winedbg is off
# anyway, and a crash is rerun by hand for a backtrace.
if [ -f "$builddir/build.ninja" ]; then
  meson setup --reconfigure "$builddir" "$root" -Dwerror=true -Ddebug=false
else
  meson setup "$builddir" "$root" -Dwerror=true -Ddebug=false \
    --cross-file "$root/cross/x86_64-w64-mingw32.ini" --cross-file "$hostfile"
fi
ninja -C "$builddir" -j2
wait "$wineboot_pid" || true
# shellcheck disable=SC2086
meson test -C "$builddir" --print-errorlogs --num-processes 2 ${POLLUX_MESON_TEST_ARGS:-}
