#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# User-space instructions per operation, pollux against raw epoll, for W1, W3, W4 and W6:
# each benchmark program runs once under callgrind, and the inclusive cost of its
# measured functions (pollux_w*, raw_w*: both sides run in the same process) is divided
# by the operations they made. Instruction counts are deterministic: unlike wall time,
# they do not depend on the machine's load.
#   bench/instructions.sh [BUILD_DIR]     default: build-bench (configured if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-bench}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
if [ ! -d "$dir/meson-private" ]; then
  meson setup "$dir" --buildtype=release -Dtests=disabled -Dexamples=disabled -Dexec=disabled >/dev/null
fi
ninja -C "$dir" bench/bench_tcp_pingpong bench/bench_waker_pingpong bench/bench_add_remove \
  bench/bench_add_poll_remove >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# measure NAME OPS PROGRAM ARGS...: prints NAME, pollux and raw instructions per op, ratio.
measure() {
  local name=$1 ops=$2 program=$3; shift 3
  valgrind --tool=callgrind --callgrind-out-file="$out/$program.cg" "$dir/bench/$program" "$@" >/dev/null 2>&1
  callgrind_annotate --inclusive=yes "$out/$program.cg" 2>/dev/null | python3 -c '
import re, sys
name, ops = sys.argv[1], int(sys.argv[2])
cost = {"pollux": 0, "raw": 0}
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) .*::(pollux|raw)_w\d", line)
    if m:
        cost[m.group(2)] += int(m.group(1).replace(",", ""))
p, r = cost["pollux"] / ops, cost["raw"] / ops
print(f"{name:34} pollux {p:7.1f}  raw epoll {r:7.1f}  ratio {p / r:.3f}")
' "$name" "$ops"
}

echo "user-space instructions per operation (callgrind, $dir)"
measure "W1 tcp ping-pong (per round trip)" 5000 bench_tcp_pingpong --iters 5000 --runs 1 --idle 0
measure "W3 wake ping-pong (per round trip)" 5000 bench_waker_pingpong --iters 5000 --runs 1
measure "W4 add + remove" 20000 bench_add_remove --iters 20000 --runs 1
measure "W6 add + poll(0) + remove" 20000 bench_add_poll_remove --iters 20000 --runs 1
