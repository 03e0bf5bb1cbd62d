#!/usr/bin/env python3
# check-potfiles.py: po/POTFILES.in lists every file with translatable
# strings, and no GtkBuilder file has a user-facing string not marked for
# translation, as xgettext sees them.
#
# Copyright 2026 The Tally developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-potfiles.py SOURCE-ROOT XGETTEXT

import html
import os
import re
import subprocess
import sys
import tempfile

GLIB_MARKS = ['_', 'N_', 'C_', 'NC_', 'ngettext', 'g_dngettext', 'g_dpgettext2']


def marks(root):
    """A pattern for a call of any function whose strings are translated."""
    names = list(GLIB_MARKS)
    with open(os.path.join(root, 'po', 'keywords'), encoding='utf-8') as f:
        for line in f:
            found = re.match(r'--keyword=(\w+)', line)
            if found:
                names.append(found.group(1))
    return re.compile(r'\b(?:' + '|'.join(map(re.escape, names)) + r')\s*\(')


def listed(root):
    with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip() and not line.startswith('#')]


def candidates(root):
    """Every source file that can hold translatable strings."""
    for top in ('src', 'ui', 'data'):
        for directory, _, names in os.walk(os.path.join(root, top)):
            for name in names:
                path = os.path.relpath(os.path.join(directory, name), root)
                if name.endswith(('.c', '.ui', '.desktop.in', '.metainfo.xml.in',
                                  '.gschema.xml')):
                    yield path


def translatable(root, path, pattern):
    with open(os.path.join(root, path), encoding='utf-8') as f:
        text = f.read()
    if path.endswith('.c'):
        return pattern.search(text) is not None
    if path.endswith('.ui'):
        return 'translatable="yes"' in text
    # The desktop file, metainfo and schema: all of them are translated.
    return True


def msgids(xgettext, args):
    with tempfile.NamedTemporaryFile(suffix='.pot') as pot:
        result = subprocess.run([xgettext, '--force-po', '--no-wrap',
                                 '-o', pot.name] + args, stderr=subprocess.PIPE, text=True)
        # gettext 0.21 says it uses its own copy of GTK's rules: that is fine.
        for line in result.stderr.splitlines():
            if 'fallback ITS rule file' not in line:
                print(line, file=sys.stderr)
        result.check_returncode()
        text = open(pot.name, encoding='utf-8').read()
    # Each string where it is, so that one left unmarked is found even when
    # the same text is marked elsewhere. The ITS extraction keeps XML's
    # escapes (&amp;), GtkBuilder's does not.
    found = set()
    for entry in text.split('\n\n'):
        lines = re.findall(r'^#: (.*)$', entry, re.M)
        msgid = re.search(r'^msgid "(.+)"$', entry, re.M)
        if msgid is None:
            continue
        for location in ' '.join(lines).split():
            found.add((location.rsplit(':', 1)[-1], html.unescape(msgid.group(1))))
    return found


def main():
    root, xgettext = sys.argv[1], sys.argv[2]
    problems = []
    files = listed(root)

    for path in files:
        if not os.path.exists(os.path.join(root, path)):
            problems.append(f'{path} is listed in po/POTFILES.in but does not exist')
    pattern = marks(root)
    for path in sorted(candidates(root)):
        if translatable(root, path, pattern) and path not in files:
            problems.append(f'{path} has translatable strings but is not in po/POTFILES.in')

    its = os.path.join(root, 'po', 'ui-strings.its')
    uis = sorted(p for p in candidates(root) if p.endswith('.ui'))
    for path in uis:
        full = os.path.join(root, path)
        marked = msgids(xgettext, ['-L', 'Glade', full])
        everything = msgids(xgettext, ['--its', its, full])
        for line, text in sorted(everything - marked, key=lambda found: int(found[0])):
            if re.search(r'[^\W\d_]', text):
                problems.append(f'{path}:{line}: “{text}” is not marked for translation')

    print(f'{len(files)} files in po/POTFILES.in; {len(uis)} UI files read with xgettext')
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
