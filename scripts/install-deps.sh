#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs, from Debian/Ubuntu packages, whatever the build needs and is missing.
#   scripts/install-deps.sh          compilers (gcc, clang), meson, ninja, doctest, cmake, doxygen,
#                                    relacy-dev (the model checker of tests/model/), python3,
#                                    redis-tools and redis-server (kv_server's tests and bench)
#   scripts/install-deps.sh windows  also mingw-w64 (posix), Wine and asio for the Windows suite
set -euo pipefail

want=(g++ clang meson ninja-build doctest-dev pkg-config cmake relacy-dev doxygen python3
      redis-tools redis-server)
if [ "${1:-}" = windows ]; then
  want+=(g++-mingw-w64-x86-64-posix mingw-w64-tools wine64 wine libasio-dev)
fi

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "installing: ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
