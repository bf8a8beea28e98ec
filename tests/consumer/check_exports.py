#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fails on any symbol a pollux shared library exports that a user's code cannot reach.

    check_exports.py INCLUDE_DIR LIBRARY...

INCLUDE_DIR is an installed include folder (what `meson install` puts under includedir).
A user's code reaches only what the installed headers declare: the public API and the
out-of-line halves that the inline headers call. So every exported symbol must be in
namespace pollux (no std:: or __gnu_cxx instantiations, no doctest), outside
pollux::exec::sys (the parker's test hooks), and every namespace, class and function name
in its qualified name must appear as a word in an installed header.
"""
import pathlib
import re
import subprocess
import sys

# What the compiler emits for a class besides its members.
SPECIAL = re.compile(r"^(vtable|typeinfo|typeinfo name|VTT|construction vtable for .*?-in-)"
                     r" for ")


def exports(library):
    out = subprocess.run(["nm", "-D", "--defined-only", "-C", library],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split(" ", 2)
        # Versioned libraries define their version nodes as absolute symbols ("A").
        if len(parts) == 3 and parts[1] not in ("A",):
            yield parts[2]


def strip_templates(name):
    """pollux::Foo<std::vector<int>>::bar(int) -> pollux::Foo::bar(int)"""
    out, depth = [], 0
    for ch in name:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def qualified_name(symbol):
    """The qualified name without return type, parameters or qualifiers."""
    name = SPECIAL.sub("", symbol)
    name = strip_templates(re.sub(r"\[abi:\w+\]", "", name))
    name = name.split("(", 1)[0]
    # A templated function's demangled name starts with its return type.
    name = name.rsplit(" ", 1)[-1] if " " in name and "operator" not in name else name
    # The header set's inline namespace (pollux/sys/abi.hpp) is in every name.
    return re.sub(r"^pollux::abi_\w+::", "pollux::", name)


def offence(symbol, header_words):
    name = qualified_name(symbol)
    if not name.startswith("pollux::"):
        return "outside namespace pollux"
    if name.startswith("pollux::exec::sys::"):
        return "a test hook (pollux::exec::sys)"
    # Every namespace, class and member on the way must be named in an installed header:
    # pollux::exec::Scheduler::run needs Scheduler as well as run.
    for part in name.split("::")[1:]:
        part = part.lstrip("~")
        if part and not part.startswith("operator") and part not in header_words:
            return f"'{part}' is in no installed header"
    return None


def main():
    include, libraries = pathlib.Path(sys.argv[1]), sys.argv[2:]
    header_words = set()
    for header in include.rglob("*.hpp"):
        header_words.update(re.findall(r"[A-Za-z_]\w*", header.read_text()))
    if not header_words:
        sys.exit(f"no headers under {include}")
    bad = 0
    for library in libraries:
        symbols = list(exports(library))
        offenders = [(s, why) for s in symbols if (why := offence(s, header_words))]
        print(f"{library}: {len(symbols)} exported symbols, {len(offenders)} unreachable")
        for symbol, why in offenders:
            print(f"  {symbol}    [{why}]")
        bad += len(offenders)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
