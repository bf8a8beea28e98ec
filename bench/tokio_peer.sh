# SPDX-License-Identifier: MIT
# Sourced by the bench scripts that run a tokio peer (bench/peers/*): installs what is
# missing (valgrind, cargo, Debian's tokio) with apt-get, and builds a peer offline.

# tokio_peer_tools: valgrind, cargo and Debian's tokio 1.24, installed when missing.
tokio_peer_tools() {
  local missing=() sudo=""
  command -v valgrind >/dev/null || missing+=(valgrind)
  command -v cargo >/dev/null || missing+=(cargo)
  compgen -G "/usr/share/cargo/registry/tokio-1.*" >/dev/null || missing+=(librust-tokio-dev)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y "${missing[@]}" >/dev/null ||
    { $sudo apt-get update >/dev/null && $sudo apt-get install -y "${missing[@]}" >/dev/null; }
}

# tokio_peer_build NAME DIR: builds bench/peers/NAME into DIR/NAME and prints the
# program's path. cargo reads .cargo/config.toml (Debian's registry in place of
# crates.io) from the directory it runs in.
tokio_peer_build() {
  local target
  target=$(realpath -m "$2/$1")
  (cd "bench/peers/$1" && cargo build --release --offline --quiet --target-dir "$target")
  echo "$target/release/$1"
}
