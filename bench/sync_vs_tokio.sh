#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# User-space instructions per operation of the sync benchmarks, pollux-exec against tokio
# 1.24: bench/exec_sync.cpp and its peer bench/peers/tokio_sync (the same workloads,
# names and operation counts), each line run alone (--only, --flavor) under callgrind.
# A line's cost per operation is the difference between a run of 2N operations and one
# of N, divided by N: what a run costs regardless of its length (starting the process,
# building the runtime, its threads) cancels out, and what is left is the operations,
# with everything they make the runtime do (scheduling, waking, parking), on all threads.
# current-thread lines are deterministic; multi_thread ones depend on how valgrind
# interleaves the threads (it runs one at a time), so they move by a few percent (and
# tokio's contended Mutex by more: read that line with care).
#   bench/sync_vs_tokio.sh [BUILD_DIR] [N]      defaults: build/sync-bench, 20000
# Installs what is missing (valgrind, cargo, Debian's tokio) with apt-get; builds offline.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build/sync-bench}
n=${2:-20000}

. bench/tokio_peer.sh
tokio_peer_tools

if [ ! -d "$dir/meson-private" ]; then
  meson setup "$dir" --buildtype=release -Dtests=disabled -Dexamples=disabled \
    -Dmodels=disabled -Dbenchmarks=enabled >/dev/null
fi
ninja -C "$dir" bench/bench_exec_sync >/dev/null
pollux="$dir/bench/bench_exec_sync"
tokio=$(tokio_peer_build tokio_sync "$dir")

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# instructions PROGRAM FLAVOR NAME OPS: callgrind's total over all threads. On 2 workers,
# the least of 3 runs: how long an idle worker spins before it parks depends on how
# valgrind interleaved the threads, and that only ever adds instructions.
instructions() {
  local file="$out/cg" best="" runs=1 total
  [ "$2" = mt ] && runs=3
  for _ in $(seq "$runs"); do
    valgrind --tool=callgrind --callgrind-out-file="$file" "$1" --iters "$4" --runs 1 \
      --flavor "$2" --only "$3" >/dev/null 2>&1
    total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$file" | tail -1)
    if [ -z "$best" ] || [ "$total" -lt "$best" ]; then best=$total; fi
  done
  echo "$best"
}

# per_op PROGRAM FLAVOR NAME: instructions per operation, (I(2N) - I(N)) / N.
per_op() {
  local one two
  one=$(instructions "$1" "$2" "$3" "$n")
  two=$(instructions "$1" "$2" "$3" $((2 * n)))
  python3 -c "print(f'{($two - $one) / $n:.0f}')"
}

lines=("mpsc bounded 1024, 1 producer" "mpsc bounded 1024, 4 producers"
  "mpsc unbounded, 1 producer" "mpsc unbounded, 4 producers" "oneshot create+send+recv"
  "Notify ping-pong" "Semaphore(2), 4 tasks" "Mutex, 4 tasks")

rev=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- lib include || rev="$rev+changes"
echo "user-space instructions per operation (callgrind; N = $n and 2N; $rev)"
printf '| %-30s | %-14s | %8s | %8s | %6s |\n' benchmark flavour pollux tokio ratio
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..32})" "$(printf -- '-%.0s' {1..16})" \
  "----------" "----------" "--------"
for flavor in ct mt; do
  label=current-thread
  [ "$flavor" = mt ] && label="2 workers"
  for name in "${lines[@]}"; do
    p=$(per_op "$pollux" "$flavor" "$name")
    t=$(per_op "$tokio" "$flavor" "$name")
    ratio=$(python3 -c "print(f'{$p / $t:.2f}' if $t > 0 else '-')")
    printf '| %-30s | %-14s | %8s | %8s | %6s |\n' "$name" "$label" "$p" "$t" "$ratio"
  done
done
echo "ratio: pollux / tokio (below 1: pollux runs fewer instructions)"
