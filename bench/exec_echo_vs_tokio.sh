#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# User-space instructions per echoed message, examples/exec_echo against the same server
# on tokio 1.24 (bench/peers/tokio_echo: an accept loop, a task per connection, read into
# a buffer and write_all back), both counted in the same run by
# bench/exec_echo_instructions.py: the server under callgrind, 100 connections, lockstep
# rounds, the difference of two run lengths (start-up cancels out), all threads.
# current-thread counts are deterministic to a few instructions; on 2 workers they
# depend on how valgrind interleaves the threads, so the least of 3 runs is printed.
#   bench/exec_echo_vs_tokio.sh [BUILD_DIR] [ROUNDS]     defaults: build/echo-bench, 200
# Installs what is missing (valgrind, cargo, Debian's tokio) with apt-get; builds offline.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build/echo-bench}
rounds=${2:-200}

. bench/tokio_peer.sh
tokio_peer_tools

if [ ! -d "$dir/meson-private" ]; then
  meson setup "$dir" --buildtype=release -Dtests=disabled -Dexamples=enabled \
    -Dmodels=disabled -Dbenchmarks=disabled >/dev/null
fi
ninja -C "$dir" examples/exec_echo >/dev/null
pollux="$dir/examples/exec_echo"
tokio=$(tokio_peer_build tokio_echo "$dir")

# per_msg SERVER WORKERS: the script's figure, alone.
per_msg() {
  local runs=1
  [ "$2" != 0 ] && runs=3
  python3 bench/exec_echo_instructions.py "$1" --rounds "$rounds" --runs "$runs" -- --workers "$2" |
    sed -n 's/.*: \([0-9]*\) instructions per message$/\1/p'
}

rev=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- lib include examples/exec_echo.cpp || rev="$rev+changes"
echo "user-space instructions per message, 100 connections x $rounds and $((2 * rounds)) rounds ($rev)"
printf '| %-14s | %8s | %8s | %6s |\n' flavour pollux tokio ratio
printf '|%s|%s|%s|%s|\n' "----------------" "----------" "----------" "--------"
for workers in 0 2; do
  label=current-thread
  [ "$workers" != 0 ] && label="2 workers"
  p=$(per_msg "$pollux" "$workers")
  t=$(per_msg "$tokio" "$workers")
  ratio=$(python3 -c "print(f'{$p / $t:.2f}')")
  printf '| %-14s | %8s | %8s | %6s |\n' "$label" "$p" "$t" "$ratio"
done
echo "ratio: pollux / tokio (below 1: pollux runs fewer instructions)"
