#!/usr/bin/env python3
"""Where a backtest's two-leg fills land against the quotes of the moment.

Usage: python3 scripts/combo_fills_vs_mid.py TICKS.csv RUN_DIR

For every event at which both legs of a pair filled (two rows of RUN_DIR/fills.csv with the same
t_ns, as a combo's units fill), the net paid is compared with the legs' net mid and net far
touches on the quotes of that event (its own quote included), in cents a share (negative: better than them).
Together with the run's shortfall against the mid at the decision (summary.json), it splits a
combo's cost into what it paid against the market when it filled and how far the market had
moved between the decision and the fill.
"""

import collections
import csv
import json
import pathlib
import sys


def main() -> int:
    ticks_path, run = sys.argv[1], pathlib.Path(sys.argv[2])
    fills = collections.defaultdict(list)
    with open(run / "fills.csv") as f:
        for row in csv.DictReader(f):
            fills[int(row["t_ns"])].append(row)
    events = sorted(t for t, rows in fills.items() if len(rows) == 2)
    quotes = {}
    vs_mid, vs_far, shares_all = 0.0, 0.0, 0
    with open(ticks_path) as f:
        reader = csv.DictReader(f)
        row = next(reader, None)
        for t in events:
            while row is not None and int(row["ts_ns"]) <= t:
                quotes[row["symbol"]] = (float(row["bid"]), float(row["ask"]))
                row = next(reader, None)
            for fill in fills[t]:
                sign = 1 if fill["side"] == "BUY" else -1
                qty, price = int(fill["qty"]), float(fill["price"])
                bid, ask = quotes[fill["symbol"]]
                vs_mid += sign * qty * (price - (bid + ask) / 2)
                vs_far += sign * qty * (price - (ask if sign > 0 else bid))
                shares_all += qty
    summary = json.loads((run / "summary.json").read_text())
    shares = max(shares_all, 1)
    print(f"two-leg fill events: {len(events)}, shares {shares_all}")
    print(f"paid against the net mid when filled: {100 * vs_mid / shares:.2f} cents/share")
    print(f"paid against the net far touches when filled: {100 * vs_far / shares:.2f} cents/share")
    decision = 100 * summary["shortfall"] / max(summary["shares_traded"], 1)
    print(f"shortfall against the mid at the decision (all fills): {decision:.2f} cents/share")
    return 0


if __name__ == "__main__":
    sys.exit(main())
