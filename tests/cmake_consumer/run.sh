#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs this checkout (a small build: no tests, examples or benchmarks) into a staging
# prefix, then builds tests/cmake_consumer against it with find_package(pollux) and runs
# it. The prefix is moved after the install, so the package must find itself relative to
# its own location. Then asks for a version the package must refuse (0.1 is compatible
# with 0.1.x only, see README "Versions and stability").
#   run.sh SOURCE_ROOT WORK_DIR [MESON_SETUP_ARGS...]
#   run.sh SOURCE_ROOT WORK_DIR --installed-from BUILD_DIR PREFIX
# The second form installs the build that runs the test (meson install --destdir) instead
# of configuring and building pollux once more, which keeps the test command's time down.
set -euo pipefail
command -v cmake >/dev/null || { echo "cmake not installed: skipped"; exit 77; }
src=$(cd "$1" && pwd)
mkdir -p "$2"
work=$(cd "$2" && pwd)
shift 2
rm -rf "$work"
mkdir -p "$work"
# Meson's cmake module runs `cmake --system-information`, which works in a fixed folder
# under the current one: two of these scripts run side by side must not share it.
cd "$work"
if [ "${1:-}" = --installed-from ]; then
  meson install -C "$2" --no-rebuild --destdir "$work/staging" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; exit 1; }
  mv "$work/staging$3" "$work/moved"
else
  meson setup "$work/build" "$src" --prefix="$work/installed" -Dtests=disabled \
    -Dexamples=disabled -Dbenchmarks=disabled "$@" >"$work/setup.log" 2>&1 ||
    { cat "$work/setup.log"; exit 1; }
  meson install -C "$work/build" >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
  mv "$work/installed" "$work/moved"
fi
prefix="$work/moved"

# The headers must compile clean in a consumer's warnings too.
cmake -S "$src/tests/cmake_consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }
cmake --build "$work/cmake-build" >"$work/cmake-build.log" 2>&1 ||
  { cat "$work/cmake-build.log"; exit 1; }
"$work/cmake-build/cmake_consumer"

read -r major minor _ < <(sed -n "s/^  version: '\([0-9]*\)\.\([0-9]*\)\.\([0-9]*\)',$/\1 \2 \3/p" \
  "$src/meson.build")
next="$major.$((minor + 1))"
if cmake -S "$src/tests/cmake_consumer" -B "$work/cmake-next" -DCMAKE_PREFIX_PATH="$prefix" \
    -DPOLLUX_VERSION_WANTED="$next" >"$work/cmake-next.log" 2>&1; then
  echo "find_package(pollux $next) accepted pollux $major.$minor:"; cat "$work/cmake-next.log"
  exit 1
fi
grep -q 'considered but not accepted' "$work/cmake-next.log" ||
  { echo "find_package(pollux $next) failed for another reason:"; cat "$work/cmake-next.log"; exit 1; }
echo "find_package(pollux $next) refused, as it must"
