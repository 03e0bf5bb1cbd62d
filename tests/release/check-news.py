#!/usr/bin/env python3
# check-news.py: the AppStream <releases> match NEWS.
#
# Copyright 2026 The Tally developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-news.py NEWS METAINFO PROJECT-VERSION
#
# NEWS has one entry per release, newest first, under a heading
# "Tally VERSION (YYYY-MM-DD)". The metainfo must list the same releases
# with the same dates in the same order, the newest being the project's
# version; each release's first paragraph must be the entry's first
# paragraph and each of its <li> items a "- " item of the entry.

import re
import sys
import xml.etree.ElementTree as ET


def normal(text):
    return ' '.join(text.split())


def news_entries(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    heads = list(re.finditer(r'^Tally (\S+) \((\d{4}-\d{2}-\d{2})\)\n=+\n', text, re.M))
    if not heads:
        sys.exit(f'{path}: no "Tally VERSION (DATE)" heading')
    entries = []
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[head.end():end].strip()
        paragraphs = re.split(r'\n\s*\n', body)
        items = [normal(m.group(1))
                 for m in re.finditer(r'^- (.*(?:\n  .*)*)', body, re.M)]
        entries.append((head.group(1), head.group(2), normal(paragraphs[0]), items))
    return entries


XML_LANG = '{http://www.w3.org/XML/1998/namespace}lang'


def untranslated(elements):
    # The built metainfo carries each translation beside the original
    # (xml:lang="de"); NEWS is in English.
    return [e for e in elements if XML_LANG not in e.attrib]


def metainfo_releases(path):
    releases = []
    for release in ET.parse(path).getroot().iter('release'):
        description = release.find('description')
        paragraphs = untranslated(description.findall('p')) if description is not None else []
        first = paragraphs[0] if paragraphs else None
        items = [normal(''.join(li.itertext())) for li in untranslated(release.iter('li'))]
        releases.append((release.get('version'), release.get('date'),
                         normal(''.join(first.itertext())) if first is not None else None,
                         items))
    return releases


def main():
    news_path, metainfo_path, version = sys.argv[1:4]
    news = news_entries(news_path)
    releases = metainfo_releases(metainfo_path)
    problems = []

    if news[0][0] != version:
        problems.append(f'the newest entry of NEWS is {news[0][0]}, the project is {version}')
    if [(v, d) for v, d, _, _ in news] != [(v, d) for v, d, _, _ in releases]:
        problems.append(f'NEWS has {[(v, d) for v, d, _, _ in news]}, '
                        f'the metainfo {[(v, d) for v, d, _, _ in releases]}')
    for (version_n, _, first_n, items_n), (_, _, first_m, items_m) in zip(news, releases):
        if first_m != first_n:
            problems.append(f'{version_n}: the metainfo says “{first_m}”, NEWS “{first_n}”')
        for item in items_m:
            if item not in items_n:
                problems.append(f'{version_n}: “{item}” is not an item of NEWS')
        print(f'# {version_n}: {len(items_m)} items of the metainfo found in NEWS')

    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
