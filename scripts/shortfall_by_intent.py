#!/usr/bin/env python3
"""Implementation shortfall of a backtest run split by intent kind (open, close, repair).

Usage: python3 scripts/shortfall_by_intent.py TICKS.csv RUN_DIR

Each fill is priced against the mid of its symbol in the quote file at the time of the first
order of its intent (its `seq`), the mid the engine saw when it decided; positive is paid away.
Prints shares and cents a share per kind (the first word of orders.csv's `intent`). Needs pandas.
"""

import sys

import pandas as pd


def main() -> int:
    ticks, run = sys.argv[1], sys.argv[2]
    t = pd.read_csv(ticks, usecols=["ts_ns", "symbol", "bid", "ask"])
    t["mid"] = (t.bid + t.ask) / 2
    o = pd.read_csv(f"{run}/orders.csv")
    f = pd.read_csv(f"{run}/fills.csv")
    o = o.join(o.groupby("seq").t_ns.min().rename("dec_t"), on="seq")
    fo = f.merge(o[["order_id", "intent", "dec_t"]], on="order_id")
    parts = []
    for sym, g in fo.groupby("symbol"):
        q = t[t.symbol == sym].sort_values("ts_ns")[["ts_ns", "mid"]]
        parts.append(pd.merge_asof(g.sort_values("dec_t"), q, left_on="dec_t", right_on="ts_ns"))
    m = pd.concat(parts)
    m["paid"] = (m.price - m.mid) * m.side.map({"BUY": 1, "SELL": -1}) * m.qty
    for kind, g in m.groupby(m.intent.str.split("_").str[0]):
        print(f"{kind}: {g.qty.sum():.0f} shares, {100 * g.paid.sum() / g.qty.sum():.3f} cents/share")
    print(f"all: {m.qty.sum():.0f} shares, {100 * m.paid.sum() / m.qty.sum():.3f} cents/share")
    return 0


if __name__ == "__main__":
    sys.exit(main())
