#!/usr/bin/env python3
# tool-pages.py: one Mallard page per tool category, from data/tools/*.json.
#
# Copyright 2026 The Tally developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tool-pages.py --lang C|de OUTDIR TOOL.json...
#
# Every figure on the pages comes from the tools' price rules, computed the
# way libtally does (tally-pricing.c): cost = max (minimum, base + rate *
# ceil (units / per)). Tool names, descriptions and units are shown as the
# catalogue gives them, as the app shows them; the German pages translate
# the units they know.

import argparse
import json
import os
import sys
from xml.sax.saxutils import escape

CATEGORIES = ['images', 'documents', 'text', 'data', 'audio', 'files']

TEXT = {
    'C': {
        'title': 'Tools: {category}',
        'desc': 'What the {category} tools do and what a run of each costs.',
        'intro': 'These are the tools of the {category} group of the <gui>Tools</gui> view. '
                 'The figures come from each tool’s price rule; how the rule works is '
                 'explained in <link xref="estimates"/>.',
        'priced_by': 'Priced by',
        'rule': 'Price rule',
        'range': 'One run',
        'example': 'Worked example',
        'per_run': 'Each run',
        'measure_value': 'The {units} of what you give',
        'measure_words': 'The words of the text',
        'measure_characters': 'The characters of the text',
        'base': '{base} plus ',
        'rate': '{rate} for every {per} {units} or part of them',
        'rate_one': '{rate} per {unit}',
        'minimum': '; at least {minimum}',
        'flat': '{cost}, whatever the input',
        'range_text': 'from {min_units} to {max_units} {units}: '
                      'from {min_cost} to {max_cost}',
        'example_text': '{units_text}: {formula} = {cost}',
        'example_minimum': '{units_text}: {formula} = {raw}, less than the minimum, so {cost}',
        'credits': ('{n} credit', '{n} credits'),
        'units': {},
        'group': 'Tools of this group',
    },
    'de': {
        'title': 'Werkzeuge: {category}',
        'desc': 'Was die Werkzeuge der Gruppe {category} tun und was eine Ausführung kostet.',
        'intro': 'Dies sind die Werkzeuge der Gruppe {category} in der Ansicht '
                 '<gui>Werkzeuge</gui>. Die Zahlen stammen aus der Preisregel jedes Werkzeugs; '
                 'wie die Regel funktioniert, erklärt <link xref="estimates"/>. Namen und '
                 'Beschreibungen der Werkzeuge sind englisch, wie sie der Katalog des Servers '
                 'liefert und die Anwendung sie zeigt.',
        'priced_by': 'Bemessen nach',
        'rule': 'Preisregel',
        'range': 'Eine Ausführung',
        'example': 'Rechenbeispiel',
        'per_run': 'Jede Ausführung',
        'measure_value': '{units} Ihrer Eingabe',
        'measure_words': 'Wörter des Texts',
        'measure_characters': 'Zeichen des Texts',
        'base': '{base} plus ',
        'rate': '{rate} für je angefangene {per} {units}',
        'rate_one': '{rate} pro {unit}',
        'minimum': '; mindestens {minimum}',
        'flat': '{cost}, unabhängig von der Eingabe',
        'range_text': 'von {min_units} bis {max_units} {units}: '
                      'von {min_cost} bis {max_cost}',
        'example_text': '{units_text}: {formula} = {cost}',
        'example_minimum': '{units_text}: {formula} = {raw}, weniger als das Minimum, '
                           'also {cost}',
        'credits': ('{n} Credit', '{n} Credits'),
        'units': {
            'megapixels': ('Megapixel', 'Megapixeln', 'Megapixel'),
            'images': ('Bild', 'Bildern', 'Bilder'),
            'pages': ('Seite', 'Seiten'),
            'words': ('Wort', 'Wörtern', 'Wörter'),
            'characters': ('Zeichen', 'Zeichen'),
            'seconds': ('Sekunde', 'Sekunden'),
            'MB': ('MB', 'MB'),
            'codes': ('Code', 'Codes'),
        },
        'group': 'Werkzeuge dieser Gruppe',
    },
}


def number(n, lang):
    text = f'{n:,}'
    return text.replace(',', '.') if lang == 'de' else text


def credits(n, lang):
    forms = TEXT[lang]['credits']
    return forms[0 if n == 1 else 1].format(n=number(n, lang))


def unit_name(tool, n, lang, dative=False):
    """The unit for @n of them: singular or plural, German where known."""
    german = TEXT[lang]['units'].get(tool['unit'])
    if german is None:
        return tool['unit_singular'] if n == 1 else tool['unit']
    if n == 1:
        return german[0]
    if not dative and len(german) > 2:
        return german[2]
    return german[1]


def cost(pricing, units):
    blocks = -(-units // pricing['per'])
    return max(pricing['minimum'], pricing['base'] + pricing['rate'] * blocks)


def rule_text(tool, lang):
    t = TEXT[lang]
    p = tool['pricing']
    if tool['meter']['measure'] == 'run' or p['min_units'] == p['max_units']:
        return t['flat'].format(cost=credits(cost(p, p['max_units']), lang))
    text = t['base'].format(base=credits(p['base'], lang)) if p['base'] > 0 else ''
    if p['per'] == 1:
        text += t['rate_one'].format(rate=credits(p['rate'], lang),
                                     unit=unit_name(tool, 1, lang))
    else:
        text += t['rate'].format(rate=credits(p['rate'], lang), per=number(p['per'], lang),
                                 units=unit_name(tool, p['per'], lang))
    if p['minimum'] > 0:
        text += t['minimum'].format(minimum=credits(p['minimum'], lang))
    return text


def priced_by(tool, lang):
    t = TEXT[lang]
    measure = tool['meter']['measure']
    if measure == 'run':
        return t['per_run']
    if measure == 'value':
        return t['measure_value'].format(units=unit_name(tool, 2, lang))
    return t['measure_' + measure]


def example(tool, lang):
    t = TEXT[lang]
    p = tool['pricing']
    units = p['typical_units']
    blocks = -(-units // p['per'])
    raw = p['base'] + p['rate'] * blocks
    units_text = f'{number(units, lang)} {unit_name(tool, units, lang)}'
    formula = f'{p["base"]} + {p["rate"]} × ⌈{number(units, lang)} ÷ {number(p["per"], lang)}⌉'
    if raw < p['minimum']:
        return t['example_minimum'].format(units_text=units_text, formula=formula,
                                           raw=number(raw, lang), cost=credits(cost(p, units), lang))
    return t['example_text'].format(units_text=units_text, formula=formula,
                                    cost=credits(raw, lang))


def category_title(category):
    # As the app titles the group in the Tools view.
    return category[:1].upper() + category[1:]


def page(category, tools, lang):
    t = TEXT[lang]
    title = category_title(category)
    out = []
    w = out.append
    w('<?xml version="1.0" encoding="utf-8"?>')
    w('<!-- Generated by help/tool-pages.py from data/tools/*.json: do not edit. -->')
    w(f'<page xmlns="http://projectmallard.org/1.0/" type="topic" id="tools-{category}">')
    w('  <info>')
    w('    <link type="guide" xref="tool-prices"/>')
    w('    <revision pkgversion="0.1" date="2026-12-06" status="candidate"/>')
    w('    <credit type="author"><name>The Tally developers</name></credit>')
    w(f'    <desc>{escape(t["desc"].format(category=title))}</desc>')
    w('  </info>')
    w(f'  <title>{escape(t["title"].format(category=title))}</title>')
    w(f'  <p>{t["intro"].format(category=escape(title))}</p>')
    for tool in tools:
        p = tool['pricing']
        w(f'  <section id="{tool["id"]}">')
        w(f'    <title>{escape(tool["name"])}</title>')
        w(f'    <p>{escape(tool["description"])}</p>')
        w('    <terms>')
        for label, value in [
            (t['priced_by'], priced_by(tool, lang)),
            (t['rule'], rule_text(tool, lang)),
            (t['range'], t['range_text'].format(
                min_units=number(p['min_units'], lang), max_units=number(p['max_units'], lang),
                units=unit_name(tool, p['max_units'], lang),
                min_cost=credits(cost(p, p['min_units']), lang),
                max_cost=credits(cost(p, p['max_units']), lang))),
            (t['example'], example(tool, lang)),
        ]:
            if label == t['range'] and p['min_units'] == p['max_units']:
                continue
            if label == t['example'] and tool['meter']['measure'] == 'run':
                continue
            w('      <item>')
            w(f'        <title>{escape(label)}</title>')
            w(f'        <p>{escape(value)}</p>')
            w('      </item>')
        w('    </terms>')
        w('  </section>')
    w('</page>')
    return '\n'.join(out) + '\n'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--lang', choices=sorted(TEXT), default='C')
    parser.add_argument('outdir')
    parser.add_argument('tools', nargs='+')
    args = parser.parse_args()

    by_category = {}
    for path in args.tools:
        with open(path, encoding='utf-8') as f:
            tool = json.load(f)
        by_category.setdefault(tool['category'], []).append(tool)

    unknown = sorted(set(by_category) - set(CATEGORIES))
    if unknown:
        # help/meson.build lists one output per category: add it there too.
        sys.exit(f'tool-pages.py: categories without a page: {", ".join(unknown)}')

    for category in CATEGORIES:
        tools = sorted(by_category.get(category, []), key=lambda tool: tool['name'].lower())
        path = os.path.join(args.outdir, f'tools-{category}.page')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(page(category, tools, args.lang))


if __name__ == '__main__':
    main()
