#!/usr/bin/env python3
# recharge-trigger.py: what auto-recharge costs each group commit when
# 10,000 users have it off
#
# Copyright 2026 The Tally developers
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: recharge-trigger.py TALLY_SERVER [N_COMMITS]
#
# Starts TALLY_SERVER with the stripe provider (auto-recharge only runs
# there; Stripe itself is never called), gives 10,000 accounts an
# auto_recharge row that is off, then times N_COMMITS grants (one commit
# each, one after the other) and counts the auto_recharge rows SQLite
# visits per commit for the old trigger (a scan of every row) and the new
# one (the accounts the commit touched). Prints figures; asserts no time.

import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

USERS = 10_000
PASSWORD = "correct horse battery staple"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(base, method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as answer:
        return json.loads(answer.read() or b"{}")


def start(binary, data_dir, port):
    args = [binary, "--data-dir=" + data_dir, "--listen=127.0.0.1:%d" % port,
            "--payments-provider=stripe", "--stripe-api-base=http://127.0.0.1:9",
            "--stripe-secret-key=sk_test_bench", "--stripe-webhook-secret=whsec_bench",
            "--stripe-success-url=http://127.0.0.1/ok", "--stripe-cancel-url=http://127.0.0.1/no"]
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:%d" % port
    for _ in range(200):
        try:
            request(base, "GET", "/healthz")
            return server, base
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start")


def seed(db_path):
    """10,000 accounts with auto-recharge saved off."""
    db = sqlite3.connect(db_path)
    now = int(time.time() * 1_000_000)
    db.executemany("INSERT INTO auto_recharge (account_id, user_id, enabled, threshold, pack_id, "
                   "monthly_cap, updated_at) VALUES (?, ?, 0, 100, 'starter', 1, ?)",
                   [(str(uuid.uuid4()), str(uuid.uuid4()), now) for _ in range(USERS)])
    db.commit()
    db.close()


def rows_visited(db_path, sql, params):
    """Rows of auto_recharge the query plan reads: all of them for a scan."""
    db = sqlite3.connect(db_path)
    plan = " ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params))
    count = db.execute("SELECT COUNT(*) FROM auto_recharge").fetchone()[0]
    db.close()
    return (count if plan.startswith("SCAN") else 1), plan


OLD_TRIGGER = ("SELECT account_id, user_id, enabled, threshold, pack_id, monthly_cap, failures, "
               "paused, in_flight FROM auto_recharge "
               "WHERE enabled = 1 AND paused = 0 AND in_flight IS NULL")
TRANSFERS_SINCE = ("SELECT t.seq, t.id, da.id, ca.id FROM transfers t "
                   "JOIN accounts da ON da.num = t.debit_account "
                   "JOIN accounts ca ON ca.num = t.credit_account "
                   "LEFT JOIN transfers p ON p.seq = t.pending_seq "
                   "WHERE t.seq > ? ORDER BY t.seq LIMIT 256")
SETTINGS = ("SELECT account_id, user_id, enabled, threshold, pack_id, monthly_cap, failures, "
            "paused, in_flight FROM auto_recharge WHERE account_id = ?")


def trigger_cost(db_path, rounds=2000):
    """Microseconds of SQLite work per commit, for the old trigger (one
    scan) and the new one (the commit's transfer, then its two accounts)."""
    db = sqlite3.connect(db_path)
    last = db.execute("SELECT MAX(seq) FROM transfers").fetchone()[0]
    began = time.perf_counter()
    for _ in range(rounds):
        db.execute(OLD_TRIGGER).fetchall()
    old = (time.perf_counter() - began) * 1e6 / rounds
    began = time.perf_counter()
    for _ in range(rounds):
        for (_, _, debit, credit) in db.execute(TRANSFERS_SINCE, (last - 1,)).fetchall():
            db.execute(SETTINGS, (debit,)).fetchall()
            db.execute(SETTINGS, (credit,)).fetchall()
    new = (time.perf_counter() - began) * 1e6 / rounds
    db.close()
    return old, new


def main():
    binary = sys.argv[1]
    commits = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    data_dir = tempfile.mkdtemp(prefix="tally-recharge-bench-")
    db_path = os.path.join(data_dir, "tally.db")
    port = free_port()

    subprocess.run([binary, "user", "add", "bench-admin@example.com", "--role", "admin",
                    "--data-dir=" + data_dir], input=PASSWORD.encode(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server, base = start(binary, data_dir, port)
    user = request(base, "POST", "/v1/auth/register",
                   body={"email": "bench@example.com", "password": PASSWORD})
    account_id = user["account"]["id"]
    server.terminate()
    server.wait()

    seed(db_path)
    server, base = start(binary, data_dir, port)
    admin = request(base, "POST", "/v1/auth/login",
                    body={"email": "bench-admin@example.com", "password": PASSWORD})["token"]
    try:
        for _ in range(20):
            request(base, "POST", "/v1/admin/grants", admin,
                    {"account_id": account_id, "amount": 1, "reason": "warm-up"})
        began = time.perf_counter()
        for _ in range(commits):
            request(base, "POST", "/v1/admin/grants", admin,
                    {"account_id": account_id, "amount": 1, "reason": "bench"})
        elapsed = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait()

    old_rows, old_plan = rows_visited(db_path, "SELECT * FROM auto_recharge WHERE enabled = 1 "
                                      "AND paused = 0 AND in_flight IS NULL", ())
    new_rows, new_plan = rows_visited(db_path, "SELECT * FROM auto_recharge "
                                      "WHERE account_id = ?", (account_id,))
    print("%s: %d accounts with auto-recharge off, %d grants one after the other" %
          (os.path.basename(binary), USERS, commits))
    print("  %.3f ms per commit (request to answer)" % (elapsed * 1000 / commits))
    print("  old trigger: %d auto_recharge rows per commit (%s)" % (old_rows, old_plan))
    print("  new trigger: %d row per touched account, 2 touched per grant (%s)" %
          (new_rows, new_plan))
    old_us, new_us = trigger_cost(db_path)
    print("  trigger's SQL per commit: old %.1f µs, new %.1f µs" % (old_us, new_us))
    subprocess.run(["rm", "-rf", data_dir], check=True)


if __name__ == "__main__":
    main()
