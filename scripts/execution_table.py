#!/usr/bin/env python3
"""The README's execution-policy table: one backtest per policy over the same quote file.

Usage: python3 scripts/execution_table.py [--hft target/release/hft] [--ticks N]
       [--latency-us FEED,ORDER] [--keep DIR] [--policies market,combo,...]

Writes N ticks of the embedded synthetic universe (params/sim.toml), then runs `hft backtest`
with the embedded engine params and `[execution] policy` set to each policy (a `combo:PRICE`
row sets `combo_price = "PRICE"`: mid, cross or market; plain `combo` is the default, mid) (and, with
--latency-us, `[backtest] feed_latency_us` / `order_latency_us`), and prints a Markdown table
from each run's summary.json: round trips, fill rate (orders filled / orders sent), cost per
round trip (implementation shortfall against the mid the engine saw when it wrote each order,
plus commissions, in USD, and the shortfall in cents per share), legging incidents, net PnL.
"""

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

POLICIES = ["market", "marketable_limit", "passive", "combo", "combo:cross", "combo:market"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hft", default="target/release/hft")
    ap.add_argument("--ticks", type=int, default=2_000_000)
    ap.add_argument("--latency-us", default="0,0")
    ap.add_argument("--keep", default="")
    ap.add_argument("--policies", default=",".join(POLICIES))
    args = ap.parse_args()
    feed_us, order_us = (float(x) for x in args.latency_us.split(","))
    root = pathlib.Path(__file__).resolve().parent.parent
    work = pathlib.Path(args.keep or tempfile.mkdtemp(prefix="hft-exec-"))
    work.mkdir(parents=True, exist_ok=True)
    ticks = work / "ticks.csv"
    if not ticks.exists():
        subprocess.run(
            [args.hft, "sim", "--write-ticks", str(args.ticks), "--out", str(ticks)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    base = (root / "params" / "default.toml").read_text()
    rows = []
    for row in args.policies.split(","):
        policy, _, price = row.partition(":")
        text = base.replace('policy = "market"', f'policy = "{policy}"', 1)
        if price:
            text = text.replace('combo_price = "mid"', f'combo_price = "{price}"', 1)
        if feed_us or order_us:
            text += f"\n[backtest]\nfeed_latency_us = {feed_us}\norder_latency_us = {order_us}\n"
        name = row.replace(":", "-")
        params = work / f"{name}.toml"
        params.write_text(text)
        out = work / name
        subprocess.run(
            [args.hft, "backtest", "--params", str(params), "--ticks", str(ticks), "--out", str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        s = json.loads((out / "summary.json").read_text())
        b, d = s, s["dispatch"]  # the backtest's keys are at the top level
        trades = max(b["trades"], 1)
        shares = max(b["shares_traded"], 1.0)
        rows.append(
            (
                row,
                b["trades"],
                d["orders_filled"] / max(d["orders_sent"], 1),
                (b["shortfall"] + s["pnl"]["commissions"]) / trades,
                100.0 * b["shortfall"] / shares,
                d["legged"],
                s["pnl"]["net"],
            )
        )
    print(f"quotes: {args.ticks} ticks of params/sim.toml; latency feed {feed_us} us, order {order_us} us")
    print("| policy | round trips | fill rate | cost per round trip (USD) | shortfall (cents/share) | legging incidents | net PnL (USD) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| `{r[0]}` | {r[1]} | {r[2]:.2f} | {r[3]:.2f} | {r[4]:.2f} | {r[5]} | {r[6]:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
