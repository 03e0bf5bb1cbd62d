#!/usr/bin/env python3
# check-help.py: yelp-check validate and links on one language of the help.
#
# Copyright 2026 The Tally developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-help.py YELP-CHECK DIR GENERATED-DIR STATIC.page...
#
# DIR holds the language's static pages (help/C, or the build's help/de
# where itstool merged them) and legal.xml; GENERATED-DIR the generated
# tool pages (tools-*.page). Every static page must be there. They are put together in
# one directory, as installed, and checked there.

import os
import shutil
import subprocess
import sys
import tempfile


def main():
    failed = False
    yelp_check, source, generated_dir = sys.argv[1:4]
    static = sys.argv[4:]
    generated = sorted(os.path.join(generated_dir, n) for n in os.listdir(generated_dir)
                       if n.startswith('tools-') and n.endswith('.page'))
    if not generated:
        print(f'no generated tool pages in {generated_dir}')
        failed = True
    with tempfile.TemporaryDirectory(prefix='tally-help-') as tmp:
        for name in static + ['legal.xml']:
            path = os.path.join(source, name)
            if not os.path.exists(path):
                print(f'{path} is missing')
                failed = True
                continue
            shutil.copy(path, tmp)
        for path in generated:
            shutil.copy(path, tmp)

        pages = sorted(os.path.join(tmp, n) for n in os.listdir(tmp) if n.endswith('.page'))
        print(f'{len(pages)} pages ({len(generated)} generated) from {source}')
        for command in (['validate'] + pages, ['links', tmp]):
            result = subprocess.run([yelp_check] + command, cwd=tmp, capture_output=True,
                                    text=True)
            output = (result.stdout + result.stderr).strip()
            print(f'yelp-check {command[0]}: exit status {result.returncode}')
            if output:
                print(output)
            if result.returncode != 0 or output:
                failed = True

    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
