#!/usr/bin/env python3
# check-translation.py: a translation is valid and complete, against the
# strings the sources have now.
#
# Copyright 2026 The Tally developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-translation.py app|help LANG SOURCE-ROOT
#
# app:  po/LANG.po against a template made from po/POTFILES.in with the
#       keywords of meson's glib preset (what `meson compile tally-pot` does).
# help: help/LANG/LANG.po against a template itstool makes from help/C.
# Both the file and its merge with the fresh template go through
# `msgfmt --check --statistics`; any untranslated or fuzzy message fails.

import glob
import os
import subprocess
import sys
import tempfile

GLIB_KEYWORDS = [
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_set_error:4:c-format',
]


def project_keywords(root):
    with open(os.path.join(root, 'po', 'keywords'), encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip() and not line.startswith('#')]


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    output = (result.stdout + result.stderr).strip()
    return result.returncode, output


def template(kind, lang, root, pot):
    if kind == 'app':
        status, output = run(['xgettext', '--from-code=UTF-8', '--add-comments',
                              '--files-from=' + os.path.join(root, 'po', 'POTFILES.in'),
                              '--directory=' + root, '-o', pot] + GLIB_KEYWORDS
                             + project_keywords(root))
    else:
        sources = sorted(glob.glob(os.path.join(root, 'help', 'C', '*.page')))
        sources.append(os.path.join(root, 'help', 'C', 'legal.xml'))
        status, output = run(['itstool', '-o', pot] + sources)
    if status != 0:
        sys.exit(f'the template could not be made:\n{output}')


def statistics(label, po):
    status, output = run(['msgfmt', '--check', '--statistics', '-o', os.devnull, po])
    print(f'{label}: {output}')
    return status == 0 and 'untranslated' not in output and 'fuzzy' not in output


def main():
    kind, lang, root = sys.argv[1:4]
    po = os.path.join(root, 'po', f'{lang}.po') if kind == 'app' else \
        os.path.join(root, 'help', lang, f'{lang}.po')
    ok = statistics(os.path.relpath(po, root), po)

    with tempfile.TemporaryDirectory(prefix='tally-po-') as tmp:
        pot = os.path.join(tmp, 'template.pot')
        merged = os.path.join(tmp, f'{lang}.po')
        template(kind, lang, root, pot)
        status, output = run(['msgmerge', '--quiet', '--no-fuzzy-matching', '-o', merged, po,
                              pot])
        if status != 0:
            sys.exit(f'msgmerge failed:\n{output}')
        ok = statistics('merged with the sources’ strings now', merged) and ok

    if not ok:
        print(f'{os.path.relpath(po, root)} is not complete: update it (meson compile '
              f'{"tally-update-po" if kind == "app" else "help-tally-update-po"}) and translate '
              'what is new')
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
