#!/usr/bin/env python3
# check-manifest.py: the Flatpak manifest, checked offline.
#
# Copyright 2026 The Tally developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-manifest.py MANIFEST
#
# The GNOME runtime cannot be downloaded here, so nothing is built in the
# sandbox; what can be checked without it is:
#
# - it parses: as strict JSON (Python's json, as Flathub's linter reads
#   it first), and with `flatpak-builder --show-manifest` when flatpak-builder
#   is installed, which must print no "Unknown property" or Json warning;
# - the rules of Flathub's linter (flatpak-builder-lint) that need neither
#   the network nor a build, under the linter's own names (RULES below);
# - every module's sources are pinned: an archive or file by https URL and
#   sha256, a git source by commit, a local dir only for Tally itself (..);
# - Tally's own requirements: org.gnome.Platform 49 or later, the app
#   built with meson without tally-server, every module and every
#   permission explained in a "//" comment, and no permission that a
#   portal makes unneeded.
#
# The meson options that the manifest passes are built by the test
# flatpak-meson-options (build-options.py).

import json
import os
import re
import shutil
import subprocess
import sys

APP_ID = 'io.github.tallycredits.Tally'

# The linter's rules checked here. Those left out need the network (appid
# URL checks, EOL runtimes), a build (the build directory and repo checks)
# or the schema that the linter ships (jsonschema-validation-error).
RULES = [
    'manifest-invalid-json',
    'manifest-unknown-properties',
    'manifest-json-warnings',
    'appid-filename-mismatch',
    'appid-less-than-3-components',
    'appid-component-wrong-syntax',
    'appid-too-many-components-for-app',
    'appid-ends-with-lowercase-desktop',
    'appid-uses-code-hosting-domain',
    'appid-code-hosting-too-few-components',
    'toplevel-no-command',
    'toplevel-command-is-path',
    'toplevel-unnecessary-branch',
    'toplevel-cleanup-debug',
    'toplevel-no-modules',
    'manifest-toplevel-build-network-access',
    'module-*-build-network-access',
    'module-*-autotools-non-release-build',
    'module-*-cleanup-debug',
    'module-*-source-dest-filename-is-path',
    'module-*-source-sha1-deprecated',
    'module-*-source-md5-deprecated',
    'module-*-source-git-no-url',
    'module-*-source-git-url-not-http',
    'module-*-source-git-no-tag-commit-branch',
    'module-*-source-git-no-commit-with-tag',
    'module-*-source-git-branch',
    'module-*-multiple-git-sources-stacked',
    'finish-args-contains-both-x11-and-fallback',
    'finish-args-contains-both-x11-and-wayland',
    'finish-args-x11-without-ipc',
    'finish-args-fallback-x11-without-wayland',
    'finish-args-only-wayland',
    'finish-args-contains-inherit-wayland-socket',
    'finish-args-has-socket-gpg-agent',
    'finish-args-has-socket-ssh-auth',
    'finish-args-has-nosocket-*',
    'finish-args-has-unshare-*',
    'finish-args-has-nodevice-*',
    'finish-args-arbitrary-xdg-*-access',
    'finish-args-home-filesystem-access',
    'finish-args-host-filesystem-access',
    'finish-args-reserved-*',
    'finish-args-host-tmp-access',
    'finish-args-unnecessary-appid-own-name',
    'finish-args-own-name-*',
    'finish-args-unnecessary-appid-talk-name',
    'finish-args-wildcard-freedesktop-talk-name',
    'finish-args-wildcard-gnome-talk-name',
    'finish-args-wildcard-kde-talk-name',
    'finish-args-portal-talk-name',
    'finish-args-portal-impl-*-talk-name',
    'finish-args-dconf-talk-name',
    'finish-args-freedesktop-dbus-talk-name',
    'finish-args-incorrect-dbus-gvfs',
    'finish-args-flatpak-spawn-access',
    'finish-args-flatpak-talk-name',
    'finish-args-incorrect-secret-service-talk-name',
    'finish-args-systemd1-talk-name',
    'finish-args-login1-talk-name',
    'finish-args-system-own-name-*',
    'finish-args-wildcard-*-system-talk-name',
]

errors = []


def error(rule, detail=''):
    errors.append(f'{rule}: {detail}' if detail else rule)


def parse(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        error('manifest-invalid-json', f'{exc.msg} (line {exc.lineno}, column {exc.colno})')
        return None

    builder = shutil.which('flatpak-builder')
    if builder is None:
        print('# flatpak-builder is not installed: --show-manifest not run')
        return manifest
    result = subprocess.run([builder, '--show-manifest', path], capture_output=True, text=True,
                            env=dict(os.environ, LC_ALL='C', LANGUAGE='C'), check=False)
    if result.returncode != 0:
        error('manifest-invalid-json', f'flatpak-builder --show-manifest: {result.stderr.strip()}')
    for line in result.stderr.splitlines():
        if 'Unknown property' in line:
            error('manifest-unknown-properties', line.strip())
        elif 'Json-WARNING' in line:
            error('manifest-json-warnings', line.strip())
    print('# flatpak-builder --show-manifest parsed it')
    return manifest


def check_appid(manifest, path):
    appid = manifest.get('id', '')
    if os.path.splitext(os.path.basename(path))[0] != appid:
        error('appid-filename-mismatch', appid)
    split = appid.split('.')
    if len(split) < 3:
        error('appid-less-than-3-components')
        return
    if not all(re.match(r'^[A-Za-z_][\w\-]*$', part) for part in split):
        error('appid-component-wrong-syntax')
    if len(split) > 5:
        error('appid-too-many-components-for-app')
    if split[-1] == 'desktop':
        error('appid-ends-with-lowercase-desktop')
    if split[1].lower() in ('github', 'gitlab'):
        if split[0].lower() != 'io':
            error('appid-uses-code-hosting-domain')
        elif len(split) < 4:
            error('appid-code-hosting-too-few-components')


def check_toplevel(manifest):
    command = manifest.get('command')
    if not command:
        error('toplevel-no-command')
    elif command.startswith('/'):
        error('toplevel-command-is-path', command)
    if manifest.get('branch'):
        error('toplevel-unnecessary-branch')
    if any(c == '/lib/debug' or c.startswith('/lib/debug/') for c in manifest.get('cleanup', [])):
        error('toplevel-cleanup-debug')
    if not manifest.get('modules'):
        error('toplevel-no-modules')
    if '--share=network' in manifest.get('build-options', {}).get('build-args', []):
        error('manifest-toplevel-build-network-access')


def check_source(name, source):
    kind = source.get('type')
    dest_filename = source.get('dest-filename')
    if dest_filename and '/' in dest_filename:
        error(f'module-{name}-source-dest-filename-is-path')
    if kind in ('archive', 'file'):
        if source.get('sha1'):
            error(f'module-{name}-source-sha1-deprecated')
        if source.get('md5'):
            error(f'module-{name}-source-md5-deprecated')
        # Pinned: an https URL and its sha256.
        if not source.get('url', '').startswith('https://'):
            error(f'module-{name}-source-not-pinned', 'an archive needs an https url')
        if not re.fullmatch(r'[0-9a-f]{64}', source.get('sha256', '')):
            error(f'module-{name}-source-not-pinned', 'an archive needs its sha256')
    elif kind == 'git':
        url = source.get('url')
        if not url:
            error(f'module-{name}-source-git-no-url')
            return
        if not url.startswith(('http://', 'https://')):
            error(f'module-{name}-source-git-url-not-http')
        commit, branch, tag = source.get('commit'), source.get('branch'), source.get('tag')
        if not any([commit, branch, tag]):
            error(f'module-{name}-source-git-no-tag-commit-branch')
        elif tag and not commit:
            error(f'module-{name}-source-git-no-commit-with-tag')
        if branch and not re.match(r'[a-f0-9]{4,40}', branch):
            error(f'module-{name}-source-git-branch')
        if not re.fullmatch(r'[0-9a-f]{40}', commit or ''):
            error(f'module-{name}-source-not-pinned', 'a git source needs its commit')
    elif kind == 'dir':
        # Only Tally itself is built from this checkout.
        if name != 'tally' or os.path.normpath(source.get('path', '')) != '..':
            error(f'module-{name}-source-not-pinned', 'a dir source other than this repository')
    elif kind in ('patch', 'inline', 'shell', 'script'):
        pass
    else:
        error(f'module-{name}-source-not-pinned', f'a source of type {kind}')


def check_module(module):
    name = module.get('name')
    if not name:
        error('module-without-name')
        return
    if '--share=network' in module.get('build-options', {}).get('build-args', []):
        error(f'module-{name}-build-network-access')
    if module.get('buildsystem', 'autotools') == 'autotools':
        for opt in module.get('config-opts', []):
            if opt.startswith('--enable-debug') and not opt.endswith('=no'):
                error(f'module-{name}-autotools-non-release-build')
    if any(c == '/lib/debug' or c.startswith('/lib/debug/') for c in module.get('cleanup', [])):
        error(f'module-{name}-cleanup-debug')

    sources = module.get('sources', [])
    if not sources:
        error(f'module-{name}-source-not-pinned', 'no source')
    git_dests = {}
    for source in sources:
        if source.get('type') == 'git' and source.get('url'):
            git_dests.setdefault(source.get('dest', '.'), []).append(source['url'])
        check_source(name, source)
    if any(len(urls) > 1 for urls in git_dests.values()):
        error(f'module-{name}-multiple-git-sources-stacked')

    # Why the module is there.
    if not str(module.get('//', '')).strip():
        error(f'module-{name}-not-explained', 'a "//" key says why the module is there')

    for nested in module.get('modules', []):
        check_module(nested)


def finish_args_by_kind(args):
    kinds = {}
    for arg in args:
        match = re.fullmatch(r'--([a-z-]+)=(.*)', arg)
        if match:
            kinds.setdefault(match.group(1), set()).add(match.group(2))
        else:
            kinds.setdefault(arg.lstrip('-'), set()).add('')
    return kinds


def check_finish_args(manifest):
    appid = manifest.get('id', '')
    args = manifest.get('finish-args', [])
    kinds = finish_args_by_kind(args)
    socket, share, device = kinds.get('socket', set()), kinds.get('share', set()), kinds.get('device', set())
    filesystem = kinds.get('filesystem', set())

    if 'inherit-wayland-socket' in socket:
        error('finish-args-contains-inherit-wayland-socket')
    if 'x11' in socket and 'fallback-x11' in socket:
        error('finish-args-contains-both-x11-and-fallback')
    if 'x11' in socket and 'wayland' in socket:
        error('finish-args-contains-both-x11-and-wayland')
    if ('x11' in socket or 'fallback-x11' in socket) and 'ipc' not in share:
        error('finish-args-x11-without-ipc')
    if 'fallback-x11' in socket and 'wayland' not in socket:
        error('finish-args-fallback-x11-without-wayland')
    if 'wayland' in socket and 'x11' not in socket and 'fallback-x11' not in socket:
        error('finish-args-only-wayland')
    for name in ('gpg-agent', 'ssh-auth'):
        if name in socket:
            error(f'finish-args-has-socket-{name}')
    for kind, values in (('nosocket', socket), ('unshare', share), ('nodevice', device)):
        for value in values:
            if value.startswith('!'):
                error(f'finish-args-has-{kind}-{value[1:]}')
    for kind in ('nosocket', 'unshare', 'nodevice'):
        for value in kinds.get(kind, set()):
            error(f'finish-args-has-{kind}-{value}')

    for fs in filesystem:
        for xdg in ('xdg-data', 'xdg-config', 'xdg-cache'):
            if re.match(rf'^{xdg}(:(create|rw|ro)?)?$', fs):
                error(f'finish-args-arbitrary-{xdg}-access', fs)
        match = re.fullmatch(r'(home|host|host-root|host-etc|host-os|~/?)(:rw|:create|:ro)?', fs)
        if match:
            path = 'home' if match.group(1) in ('~', '~/', 'home') else match.group(1)
            error(f'finish-args-{path}-filesystem-access', fs)
        for reserved in ('/.flatpak-info', '/app', '/bin', '/dev', '/etc', '/lib', '/lib32',
                         '/lib64', '/proc', '/root', '/run/flatpak', '/run/host', '/sbin', '/usr'):
            if re.match(rf'^{re.escape(reserved)}(?:/.*)?(?::(create|rw|ro))?$', fs):
                error(f'finish-args-reserved-{reserved.lstrip("/")}', fs)
        if re.match(r'^/tmp(?:/.*)?(?::(create|rw|ro))?$', fs):
            error('finish-args-host-tmp-access')

    for own in kinds.get('own-name', set()):
        if own == appid or own.startswith(appid + '.'):
            error('finish-args-unnecessary-appid-own-name')
        else:
            error(f'finish-args-own-name-{own}')
    for talk in kinds.get('talk-name', set()):
        if talk == appid or talk.startswith(appid + '.'):
            error('finish-args-unnecessary-appid-talk-name')
        for wildcard in ('freedesktop', 'gnome', 'kde'):
            if talk == f'org.{wildcard}.*':
                error(f'finish-args-wildcard-{wildcard}-talk-name')
        if talk.startswith('org.freedesktop.portal.'):
            error('finish-args-portal-talk-name', talk)
        if talk.startswith('org.freedesktop.impl.portal.'):
            error(f'finish-args-portal-impl-{talk.split(".")[-1].lower()}-talk-name')
        if talk == 'ca.desrt.dconf' or talk.startswith('ca.desrt.dconf.'):
            error('finish-args-dconf-talk-name')
        if talk == 'org.freedesktop.DBus' or talk.startswith('org.freedesktop.DBus.'):
            error('finish-args-freedesktop-dbus-talk-name')
        if talk == 'org.gtk.vfs':
            error('finish-args-incorrect-dbus-gvfs')
        if talk in ('org.freedesktop.Flatpak', 'org.freedesktop.Flatpak.*'):
            error('finish-args-flatpak-spawn-access')
        elif talk.startswith('org.freedesktop.Flatpak.'):
            error('finish-args-flatpak-talk-name')
        if talk == 'org.freedesktop.Secrets':
            error('finish-args-incorrect-secret-service-talk-name')
        for name in ('systemd1', 'login1'):
            if talk == f'org.freedesktop.{name}' or talk.startswith(f'org.freedesktop.{name}.'):
                error(f'finish-args-{name}-talk-name')
    for own in kinds.get('system-own-name', set()):
        error(f'finish-args-system-own-name-{own}')
    for talk in kinds.get('system-talk-name', set()):
        for wildcard in ('freedesktop', 'gnome', 'kde'):
            if talk == f'org.{wildcard}.*':
                error(f'finish-args-wildcard-{wildcard}-system-talk-name')

    # Tally's own rules: each permission explained beside it, and none that
    # a portal makes unneeded (files through the file chooser portal, the
    # notification and OpenURI portals).
    reasons = manifest.get('//finish-args', {})
    for arg in args:
        if not str(reasons.get(arg, '')).strip():
            error('finish-args-not-explained', f'{arg} has no reason in "//finish-args"')
    for arg in reasons:
        if arg not in args:
            error('finish-args-not-explained', f'"//finish-args" explains {arg}, not in finish-args')
    if filesystem:
        error('finish-args-filesystem', 'files go through the file chooser portal: '
              + ', '.join(sorted(filesystem)))
    if 'x11' in socket:
        error('finish-args-x11', 'X11 is only a fallback')
    for talk in kinds.get('talk-name', set()):
        if talk == 'org.freedesktop.Notifications':
            error('finish-args-notifications', 'GNotification uses the Notification portal')


def check_tally(manifest):
    runtime_version = manifest.get('runtime-version', '')
    if manifest.get('runtime') != 'org.gnome.Platform' or manifest.get('sdk') != 'org.gnome.Sdk':
        error('runtime-not-gnome', f'{manifest.get("runtime")}, {manifest.get("sdk")}')
    if not re.fullmatch(r'\d+', runtime_version) or int(runtime_version) < 49:
        error('runtime-too-old', f'org.gnome.Platform {runtime_version}: 49 or later')
    if manifest.get('command') != 'tally':
        error('command-not-tally', str(manifest.get('command')))

    modules = manifest.get('modules', [])
    names = [m.get('name') for m in modules if isinstance(m, dict)]
    if len(names) != len(set(names)):
        error('module-names-not-unique', ', '.join(names))
    if not modules or not isinstance(modules[-1], dict) or modules[-1].get('name') != 'tally':
        error('tally-not-last-module')
        return
    tally = modules[-1]
    if tally.get('buildsystem') != 'meson':
        error('tally-not-meson', str(tally.get('buildsystem')))
    if '-Dserver=false' not in tally.get('config-opts', []):
        error('tally-server-not-left-out', 'tally needs -Dserver=false')
    if tally.get('disabled'):
        error('tally-disabled')


def main():
    path = sys.argv[1]
    manifest = parse(path)
    if manifest is not None:
        check_appid(manifest, path)
        check_toplevel(manifest)
        for module in manifest.get('modules', []):
            if isinstance(module, dict):
                check_module(module)
            else:
                error('module-in-another-file', str(module))
        check_finish_args(manifest)
        check_tally(manifest)
        print(f'# {len(RULES)} of the linter\'s rules checked: {", ".join(RULES)}')
        print(f'# modules: {", ".join(m.get("name", "?") for m in manifest.get("modules", []))}')

    for problem in errors:
        print(problem)
    sys.exit(1 if errors else 0)


if __name__ == '__main__':
    main()
