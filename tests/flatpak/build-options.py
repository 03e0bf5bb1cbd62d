#!/usr/bin/env python3
# build-options.py: the meson options the Flatpak manifest passes build here.
#
# Copyright 2026 The Tally developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-options.py MANIFEST SOURCE-DIR BUILD-DIR
#
# Configures this source tree as flatpak-builder does for the tally module
# (meson setup --prefix=/app --libdir=lib --buildtype=release, then the
# module's config-opts), with --werror, builds it, installs it into a
# staging folder and checks what is there: the app, its desktop file,
# metainfo, icon, schema and man page, and no tally-server.

import json
import os
import shutil
import subprocess
import sys


def run(*args):
    print('#', ' '.join(args), flush=True)
    result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            check=False)
    if result.returncode != 0:
        print(result.stdout)
        sys.exit(f'{args[0]} {args[1]} failed with status {result.returncode}')


def main():
    manifest_path, source_dir, build_dir = sys.argv[1:4]
    with open(manifest_path, encoding='utf-8') as f:
        manifest = json.load(f)
    tally = next(m for m in manifest['modules'] if isinstance(m, dict) and m.get('name') == 'tally')
    options = tally.get('config-opts', [])

    shutil.rmtree(build_dir, ignore_errors=True)
    stage = os.path.join(build_dir, 'stage')
    run('meson', 'setup', os.path.join(build_dir, 'build'), source_dir, '--prefix=/app',
        '--libdir=lib', '--buildtype=release', '--werror', *options)
    run('meson', 'compile', '-C', os.path.join(build_dir, 'build'))
    run('meson', 'install', '-C', os.path.join(build_dir, 'build'), '--destdir', stage,
        '--no-rebuild', '--quiet')

    app = os.path.join(stage, 'app')
    app_id = manifest['id']
    wanted = [
        'bin/tally',
        f'share/applications/{app_id}.desktop',
        f'share/metainfo/{app_id}.metainfo.xml',
        f'share/icons/hicolor/scalable/apps/{app_id}.svg',
        f'share/glib-2.0/schemas/{app_id}.gschema.xml',
        'share/tally/tools',
        'share/man/man1/tally.1',
    ]
    unwanted = ['bin/tally-server', 'share/man/man1/tally-server.1', 'lib/systemd']
    problems = [f'/app/{p} is not installed' for p in wanted
                if not os.path.exists(os.path.join(app, p))]
    if '-Dserver=false' in options:
        problems += [f'/app/{p} is installed' for p in unwanted
                     if os.path.exists(os.path.join(app, p))]
    if manifest['command'] != 'tally' or not os.access(os.path.join(app, 'bin', 'tally'), os.X_OK):
        problems.append('the manifest\'s command is not the installed app')

    for problem in problems:
        print(problem)
    if not problems:
        print(f'# built and installed with {" ".join(options)}')
        shutil.rmtree(build_dir, ignore_errors=True)
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
