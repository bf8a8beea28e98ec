#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Prints the ninja targets that the tests of the given suites need (their executables and
# what they depend on), so that a configuration can build only what it runs.
#   suite-targets.py BUILD_DIR SUITE...
import json
import os
import subprocess
import sys

build, suites = os.path.abspath(sys.argv[1]), set(sys.argv[2:])


def introspect(what):
    out = subprocess.run(['meson', 'introspect', '--' + what, build],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


files = {t['id']: t['filename'] for t in introspect('targets')}
wanted = set()
for test in introspect('tests'):
    # Suites are reported as "project:suite".
    if not suites & {s.split(':')[-1] for s in test['suite']}:
        continue
    paths = [test['cmd'][0]] + [f for dep in test['depends'] for f in files.get(dep, [])]
    wanted.update(os.path.relpath(p, build) for p in paths if p.startswith(build + os.sep))
print('\n'.join(sorted(wanted)))
