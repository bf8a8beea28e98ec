#!/bin/sh
# SPDX-License-Identifier: MIT
# The header sets' ABI tags (pollux/sys/abi.hpp): tests/abi_tag.cpp compiled against the
# header set this library was built for links and runs; compiled against the other set it
# must fail to link, on a reference to the other set's tag. Without the tags the epoll
# library links with the opaque headers (Poll::create and Poll::poll exist in both) and
# corrupts memory.
#   abi_tag.sh SOURCE_ROOT GENERATED_INCLUDE LIBRARY OWN_SET OTHER_SET WORK_DIR CXX...
set -eu
src=$1 gen=$2 lib=$3 own=$4 other=$5 work=$6
shift 6
cxx="$*"  # the compiler command: words without spaces of their own (e.g. "ccache c++")
mkdir -p "$work"
static=
case $lib in *.a) static=-DPOLLUX_STATIC ;; esac

# build SET OUT: compiles and links the program against SET's headers (log in OUT.log).
build() {
  # shellcheck disable=SC2086
  $cxx -std=c++20 $static -I"$src/include" -I"$src/include/backend/$1" -I"$gen" \
    "$src/tests/abi_tag.cpp" "$lib" -pthread -o "$2" >"$2.log" 2>&1
}

if ! build "$own" "$work/own"; then
  echo "the program does not build against its own header set ($own):"; cat "$work/own.log"
  exit 1
fi
LD_LIBRARY_PATH=$(dirname "$lib") "$work/own"

if build "$other" "$work/other"; then
  echo "built against the $other headers, linked with the $own library: no ABI tag stops it"
  exit 1
fi
if ! grep -q "abi_$other" "$work/other.log"; then
  echo "the $other headers failed to build, but not on a reference to pollux::abi_$other:"
  cat "$work/other.log"
  exit 1
fi
echo "the $other headers fail to link with the $own library:"
grep -m 1 "abi_$other" "$work/other.log"
