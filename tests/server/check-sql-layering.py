#!/usr/bin/env python3
# check-sql-layering.py: SQL only in the server's store files.
#
# Copyright 2026 The Tally developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-sql-layering.py SERVER-SOURCE-DIR
#
# No sqlite3_* call and no sqlite3_stmt in src/server outside
# tally-store.c, tally-store-*.c and their headers (issue 12;
# docs/server-architecture.md, "The server's tables"). The writer drives
# the connection through the ledger (transactions, savepoints) and
# tally-store-wal.c (the WAL hook, synchronous, checkpoints).
#
# The same for PostgreSQL (issue 19): libpq (PQ*(), PGconn, PGresult) and
# TallyPg's statements (tally_pg_exec*()) only in the store files and in
# tally-pg.c, tally-pg-*.c, the PostgreSQL store's base, and their
# headers.
#
# And the rest of the server (the business rules, the writer, the API's
# pages, the commands, the sweeps) reaches the ledger and the server's
# tables only through the TallyRulesStore and TallyApiStore interfaces:
# no TallyStore, TallyLedger, TallyPg, tally_store_*(), tally_ledger_*()
# or tally_pg_*() in code outside the store files (comments and strings
# aside), so the server runs on either store. tally_store_open(), which
# picks the store a configuration names, is the one way in.

import pathlib
import re
import sys

SQL = re.compile(r'\b(sqlite3_\w+|PQ[a-z]\w*|PGconn|PGresult|tally_pg_exec\w*)\b')
CONCRETE = re.compile(r'\b(TallyStore|TallyLedger|TallyPg|TALLY_PG_\w+|tally_store_(?!open\b)\w+|'
                      r'tally_ledger_\w+|tally_pg_\w+)\b')
COMMENT_OR_STRING = re.compile(r'/\*.*?\*/|"(?:\\.|[^"\\])*"', re.S)


def is_store(name):
    return name.startswith(('tally-store.', 'tally-store-', 'tally-pg.', 'tally-pg-'))


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: check-sql-layering.py SERVER-SOURCE-DIR')
    source_dir = pathlib.Path(sys.argv[1])
    files = sorted(list(source_dir.glob('*.c')) + list(source_dir.glob('*.h')))
    if not files:
        sys.exit(f'{source_dir}: no source files')

    offenders = []
    for path in files:
        if is_store(path.name):
            continue
        text = path.read_text(encoding='utf-8')
        for number, line in enumerate(text.splitlines(), 1):
            match = SQL.search(line)
            if match:
                offenders.append(f'{path.name}:{number}: {match.group(0)}')

    concrete = []
    on_interface = [path for path in files if not is_store(path.name)]
    for path in on_interface:
        # Blanked, not removed, so line numbers stay right.
        text = COMMENT_OR_STRING.sub(lambda m: re.sub(r'[^\n]', ' ', m.group(0)),
                                     path.read_text(encoding='utf-8'))
        for number, line in enumerate(text.splitlines(), 1):
            match = CONCRETE.search(line)
            if match:
                concrete.append(f'{path.name}:{number}: {match.group(0)}')

    for offender in offenders + concrete:
        print(offender)
    if offenders:
        sys.exit(f'{len(offenders)} use(s) of SQLite or libpq outside tally-store*.c and '
                 'tally-pg*.c: move the SQL into a store file')
    if concrete:
        sys.exit(f'{len(concrete)} use(s) of a concrete store outside the store files: '
                 'go through TallyRulesStore or TallyApiStore')
    print(f'{len(files)} files checked: SQL only in the store, '
          f'{len(on_interface)} files only on the store interfaces')


main()
