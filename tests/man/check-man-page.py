#!/usr/bin/env python3
# check-man-page.py: a manual page renders without a warning and documents
# every option its program prints in --help, and every key of a config file.
#
# Copyright 2026 The Tally developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-man-page.py PAGE [--help-of 'PROGRAM ARGS...']... [--subcommands 'PROGRAM ARGS...']
#                               [--config FILE]
#
# The page is rendered with `man --warnings -l` (MANROFFSEQ='' so no
# preprocessor hides a problem): anything on stderr fails. Each --help-of
# command is run and every long option it lists (--foo) must be in the page;
# each --subcommands command prints a usage whose "PROGRAM WORD WORD" lines
# name subcommands, each of which must be in the page; every [group] and
# key (set or commented out) of --config's key file must be in the page.

import argparse
import os
import re
import shlex
import subprocess
import sys


def render(page):
    env = dict(os.environ, MANROFFSEQ='', MANWIDTH='80', LC_ALL='C.UTF-8')
    env.pop('MANPAGER', None)
    env.pop('PAGER', None)
    result = subprocess.run(['man', '--warnings', '-E', 'UTF-8', '-l', page],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, check=False)
    problems = []
    if result.returncode != 0:
        problems.append(f'man exited with status {result.returncode}')
    problems += [f'man: {line}' for line in result.stderr.splitlines() if line.strip()]
    return problems


def page_text(page):
    with open(page, encoding='utf-8') as f:
        text = f.read()
    # What the reader sees of "\-\-foo\c" is "--foo".
    return text.replace('\\-', '-').replace('\\c', '')


def help_options(command):
    result = subprocess.run(shlex.split(command), capture_output=True, text=True, check=False)
    options = set()
    for line in result.stdout.splitlines():
        if line.lstrip().startswith('-'):
            options.update(re.findall(r'(?<![\w-])(--[a-z][a-z-]*)', line))
    if not options:
        sys.exit(f'{command} printed no option')
    return options


def subcommands(command):
    program = os.path.basename(shlex.split(command)[0])
    result = subprocess.run(shlex.split(command), capture_output=True, text=True, check=False)
    found = set()
    for line in (result.stdout + result.stderr).splitlines():
        match = re.match(rf'\s+{re.escape(program)} ((?:[a-z][a-z-]* ?)+)', line)
        if match:
            words = [w for w in match.group(1).split() if w.islower()]
            found.add(' '.join(words[:2]))
    if not found:
        sys.exit(f'{command} printed no subcommand')
    return found


def config_keys(path):
    groups, keys = set(), set()
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            match = re.fullmatch(r'\[([a-z-]+)\]', line)
            if match:
                groups.add(match.group(1))
                continue
            match = re.fullmatch(r'#?\s*([a-z][a-z-]*)\s*=.*', line)
            if match:
                keys.add(match.group(1))
    return groups, keys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('page')
    parser.add_argument('--help-of', action='append', default=[])
    parser.add_argument('--subcommands', action='append', default=[])
    parser.add_argument('--config')
    args = parser.parse_args()

    problems = render(args.page)
    text = page_text(args.page)
    print(f'# {args.page}: rendered by man --warnings')

    for command in args.help_of:
        for option in sorted(help_options(command)):
            if not re.search(rf'{re.escape(option)}(?![\w-])', text):
                problems.append(f'{option} ({command}) is not in the page')
        print(f'# every option of {command} checked')
    for command in args.subcommands:
        for sub in sorted(subcommands(command)):
            if sub not in text:
                problems.append(f'"{sub}" ({command}) is not in the page')
        print(f'# every subcommand of {command} checked')
    if args.config:
        groups, keys = config_keys(args.config)
        for group in sorted(groups):
            if f'[{group}]' not in text:
                problems.append(f'[{group}] of {args.config} is not in the page')
        for key in sorted(keys):
            if not re.search(rf'\.BR? .*(?<![\w-]){re.escape(key)}(?![\w-])', text):
                problems.append(f'key {key} of {args.config} is not in the page')
        print(f'# {len(groups)} groups and {len(keys)} keys of {args.config} checked')

    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
