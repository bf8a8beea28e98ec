#!/bin/sh
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

# Packages, installed only when something is missing (Debian 12 names; see
# ../shared/WINDOWS-TESTING.md). The posix flavour of mingw is what std::thread needs.
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

# Header-only libraries reach the mingw compiler through a folder of links, never through
# /usr/include itself (glibc's headers would shadow mingw's). The cross file names it.
inc=/tmp/pollux-mingw-include
mkdir -p "$inc"
ln -sfn /usr/include/doctest "$inc/doctest"
ln -sfn /usr/include/asio "$inc/asio"
ln -sfn /usr/include/asio.hpp "$inc/asio.hpp"

# One prefix per run. Its wineserver is started before wineboot and kept alive for the
# whole run: without it every test executable pays ~2 s of Wine start-up.
WINEPREFIX=$(mktemp -d /tmp/pollux-wine.XXXXXX)
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
# Created once, serially: Wine processes started together on a new prefix race.
"$wine" wineboot --init </dev/null >/dev/null 2>&1

if [ -f "$builddir/build.ninja" ]; then
  meson setup --reconfigure "$builddir" "$root" --cross-file "$root/cross/x86_64-w64-mingw32.ini"
else
  meson setup "$builddir" "$root" --cross-file "$root/cross/x86_64-w64-mingw32.ini"
fi
ninja -C "$builddir" -j2
# shellcheck disable=SC2086
meson test -C "$builddir" --print-errorlogs --num-processes 2 ${POLLUX_MESON_TEST_ARGS:-}
