#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes a copy of a source file with one seeded bug, for a model to catch.

mutate.py INPUT OUTPUT OLD NEW: OUTPUT is INPUT with the text OLD replaced by NEW. OLD must
occur exactly once, so that a change to the real code that moves or removes it breaks the
build of the seeded model instead of silently seeding nothing. The shipped file is never
touched; the copy lives in the build directory.
"""
import sys


def main() -> int:
    src, dst, old, new = sys.argv[1:5]
    with open(src, encoding="utf-8") as f:
        text = f.read()
    count = text.count(old)
    if count != 1:
        sys.stderr.write(f"{src}: the seeded bug's text occurs {count} times, not once: {old!r}\n")
        return 1
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new))
    return 0


if __name__ == "__main__":
    sys.exit(main())
