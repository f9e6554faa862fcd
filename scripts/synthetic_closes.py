#!/usr/bin/env python3
"""A seeded synthetic universe of daily closes for `hft pairs` at scale (standard library only).

    python3 scripts/synthetic_closes.py --symbols 500 --rows 1000 --seed 1 > /tmp/closes500.csv
    hft pairs --closes /tmp/closes500.csv --top 20

Columns `Date, S000, S001, ...`. Symbols come in groups of five that share one random walk in
log price (each member: its own loading on it plus a stationary AR(1) deviation, b = 0.9), so the
pairs inside a group are cointegrated; every fifth group is five independent random walks
instead (pairs there, and across groups, are not). Same seed, same file.
"""
import argparse
import datetime
import math
import random
import sys

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--symbols", type=int, default=500)
parser.add_argument("--rows", type=int, default=1000)
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()
rng = random.Random(args.seed)

groups = (args.symbols + 4) // 5
columns = []
for g in range(groups):
    members = min(5, args.symbols - 5 * g)
    independent = g % 5 == 4
    common, level = [], math.log(rng.uniform(20.0, 200.0))
    for _ in range(args.rows):
        level += rng.gauss(0.0, 0.015)
        common.append(level)
    for _ in range(members):
        loading, offset = rng.uniform(0.8, 1.2), rng.uniform(-0.5, 0.5)
        walk, deviation, series = math.log(rng.uniform(20.0, 200.0)), 0.0, []
        for t in range(args.rows):
            if independent:
                walk += rng.gauss(0.0, 0.015)
                series.append(walk)
            else:
                deviation = 0.9 * deviation + rng.gauss(0.0, 0.01)
                series.append(offset + loading * common[t] + deviation)
        columns.append([math.exp(x) for x in series])

out = sys.stdout
out.write("Date," + ",".join(f"S{i:03d}" for i in range(len(columns))) + "\n")
day = datetime.date(2020, 1, 1)
for t in range(args.rows):
    out.write((day + datetime.timedelta(days=t)).isoformat() + ","
              + ",".join(f"{c[t]:.6f}" for c in columns) + "\n")
