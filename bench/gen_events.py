#!/usr/bin/env python3
"""Add an `events` table of paid orders to a members file of gen_members.py.

    python3 bench/gen_events.py N_EVENTS MEMBERS.db [FROM_DAY DAYS]

N_EVENTS `order_paid` events (ids e0000001 …) between FROM_DAY 00:00 (default
2026-04-01) and DAYS days later (default 31), local Asia/Shanghai time, each by a
member of the file (ids m0000001 … mN), with `{"amount": FEN}` as data. Buyers
are skewed towards a minority of members (as in a real shop); amounts are
log-normal around ¥180, so about a third are ¥300 or more. Deterministic: same
arguments and members -> the same rows. The events table is replaced.
"""
import calendar
import random
import sqlite3
import sys
import time

SEED = 20261205


def main():
    if len(sys.argv) not in (3, 5):
        sys.exit("usage: gen_events.py N_EVENTS MEMBERS.db [FROM_DAY DAYS]")
    n = int(sys.argv[1])
    path = sys.argv[2]
    day = sys.argv[3] if len(sys.argv) == 5 else "2026-04-01"
    days = int(sys.argv[4]) if len(sys.argv) == 5 else 31
    start = calendar.timegm(time.strptime(day, "%Y-%m-%d"))
    con = sqlite3.connect(path, isolation_level=None)
    members = con.execute("SELECT count(*) FROM members").fetchone()[0]
    r = random.Random(SEED)
    instants = sorted(start + r.randrange(days * 86400) for _ in range(n))

    def rows():
        for i, t in enumerate(instants, 1):
            # A power of a uniform draw: low member numbers buy far more often.
            member = 1 + int(members * r.random() ** 2.5)
            amount = int(r.lognormvariate(9.8, 0.7))
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))
            yield ("e%07d" % i, "order_paid", "m%07d" % member, stamp,
                   '{"amount": %d}' % amount)

    con.execute("DROP TABLE IF EXISTS events")
    con.execute("CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
                "member_id TEXT NOT NULL, at TEXT NOT NULL, data TEXT NOT NULL)")
    con.execute("BEGIN")
    con.executemany("INSERT INTO events VALUES (?,?,?,?,?)", rows())
    con.execute("COMMIT")
    q = lambda s: con.execute(s).fetchone()[0]
    print("events=%d  buyers=%d  amount>=300yuan=%.1f%%  at=[%s .. %s]" % (
        q("SELECT count(*) FROM events"),
        q("SELECT count(DISTINCT member_id) FROM events"),
        100 * q("SELECT avg(json_extract(data, '$.amount') >= 30000) FROM events"),
        q("SELECT min(at) FROM events"), q("SELECT max(at) FROM events")))
    con.close()


if __name__ == "__main__":
    main()
