#!/usr/bin/env python3
# coverage-report.py: line and branch coverage of the sources, per folder,
# from a build configured with -Db_coverage=true after its tests ran.
#
# Copyright 2026 The Tally developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: coverage-report.py SOURCE-ROOT BUILD-DIR
# Prints a table (folder, lines, branches) and writes it, with gcovr's
# per-file summary, to BUILD-DIR/coverage/. Only the code Tally ships is
# counted: src/, not the tests, the fuzz targets or generated files.

import collections
import json
import os
import subprocess
import sys

FOLDERS = ['src/libtally', 'src/server', 'src/app', 'src/tools']


def summary(root, build, out):
    subprocess.run(['gcovr', '--root', root, '--object-directory', build,
                    '--filter', os.path.join(root, 'src') + '/',
                    '--exclude-unreachable-branches', '--exclude-throw-branches',
                    '--json-summary-pretty', '--json-summary', out],
                   check=True, stdout=subprocess.DEVNULL)
    with open(out, encoding='utf-8') as f:
        return json.load(f)


def folder_of(filename):
    for folder in FOLDERS:
        if filename.startswith(folder + '/'):
            return folder
    return 'src (other)'


def percent(covered, total):
    return f'{100.0 * covered / total:5.1f} %' if total else '    –  '


def main():
    root, build = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    outdir = os.path.join(build, 'coverage')
    os.makedirs(outdir, exist_ok=True)
    data = summary(root, build, os.path.join(outdir, 'files.json'))

    totals = collections.defaultdict(lambda: [0, 0, 0, 0])
    for entry in data['files']:
        t = totals[folder_of(entry['filename'])]
        t[0] += entry['line_covered']
        t[1] += entry['line_total']
        t[2] += entry['branch_covered']
        t[3] += entry['branch_total']

    lines = [f'{"folder":<14} {"lines":>22}   {"branches":>22}']
    for folder in FOLDERS + ['src (other)']:
        if folder not in totals:
            continue
        lc, lt, bc, bt = totals[folder]
        lines.append(f'{folder:<14} {percent(lc, lt)} ({lc:>6}/{lt:>6})   '
                     f'{percent(bc, bt)} ({bc:>6}/{bt:>6})')
    lines.append(f'{"all of src":<14} {percent(data["line_covered"], data["line_total"])} '
                 f'({data["line_covered"]:>6}/{data["line_total"]:>6})   '
                 f'{percent(data["branch_covered"], data["branch_total"])} '
                 f'({data["branch_covered"]:>6}/{data["branch_total"]:>6})')
    table = '\n'.join(lines)
    with open(os.path.join(outdir, 'summary.txt'), 'w', encoding='utf-8') as f:
        f.write(table + '\n')
    print(table)


if __name__ == '__main__':
    main()
