#!/usr/bin/env python3
"""The README's execution-policy table: one backtest per policy over the same quote file.

Usage: python3 scripts/execution_table.py [--hft target/release/hft] [--ticks N]
       [--latency-us FEED,ORDER] [--keep DIR] [--no-trades] [--only LABEL,...]
       [--combo-variants]

Writes N ticks of the embedded synthetic universe (params/sim.toml) with the market's trade
prints (`last,last_size` columns; --no-trades strips them, as quote files were before), then
runs `hft backtest` with the embedded engine params and each entry of RUNS applied to its
`[execution]` section (and, with --latency-us, `[backtest] feed_latency_us` / `order_latency_us`),
and prints a Markdown table from each run's summary.json: round trips, fill rate (orders filled
/ orders sent), cost per round trip (implementation shortfall against the mid the engine saw
when the intent was decided, plus commissions, in USD, and the shortfall in cents per share),
legging incidents, net PnL. A policy is one entry of RUNS; `--only A,B` runs the entries whose
labels start with A or B.
"""

import argparse
import json
import pathlib
import re
import subprocess
import sys
import tempfile

# (label, [execution] keys set for the run)
RUNS = [
    ("market", {"policy": '"market"'}),
    ("marketable_limit", {"policy": '"marketable_limit"'}),
    ("passive (join, less_liquid)", {"policy": '"passive"'}),
    ("passive (mid, less_liquid)", {"policy": '"passive"', "passive_price": '"mid"'}),
    (
        "passive (midprice, wider_spread)",
        {"policy": '"passive"', "passive_price": '"midprice"', "passive_leg": '"wider_spread"'},
    ),
    ("adaptive (urgent)", {"policy": '"adaptive"', "adaptive_priority": '"urgent"'}),
    ("adaptive (normal)", {"policy": '"adaptive"', "adaptive_priority": '"normal"'}),
    ("adaptive (patient)", {"policy": '"adaptive"', "adaptive_priority": '"patient"'}),
    ("combo (mid)", {"policy": '"combo"', "combo_price": '"mid"'}),
    ("combo (cross)", {"policy": '"combo"', "combo_price": '"cross"'}),
    ("combo (market)", {"policy": '"combo"', "combo_price": '"market"'}),
]


# `--combo-variants`: the combo's knobs against market (README, "Read honestly, combo").
_COMBO = {"policy": '"combo"', "combo_price": '"mid"'}
COMBO_VARIANTS = [
    ("market", {"policy": '"market"'}),
    ("combo mid", dict(_COMBO)),
    ("combo mid+1", dict(_COMBO, combo_offset_ticks="1")),
    ("combo mid+1 rp9", dict(_COMBO, combo_offset_ticks="1", reprice_ticks="9")),
    ("combo mid rp9", dict(_COMBO, reprice_ticks="9")),
    ("combo mid+1 gu1s", dict(_COMBO, combo_offset_ticks="1", give_up_ms="1000")),
    (
        "combo mid+1 gu10s rp9",
        dict(_COMBO, combo_offset_ticks="1", give_up_ms="10000", reprice_ticks="9"),
    ),
]


def with_keys(base: str, keys: dict) -> str:
    """`base` with each `[execution]` key set (the first line that sets it)."""
    for key, value in keys.items():
        base, n = re.subn(rf"(?m)^{key}\s*=\s*\S+", f"{key} = {value}", base, count=1)
        if n != 1:
            raise SystemExit(f"params/default.toml has no `{key}` line")
    return base


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hft", default="target/release/hft")
    ap.add_argument("--ticks", type=int, default=2_000_000)
    ap.add_argument("--latency-us", default="0,0")
    ap.add_argument("--keep", default="")
    ap.add_argument("--no-trades", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated label prefixes (default: all)")
    ap.add_argument("--combo-variants", action="store_true", help="the combo's knobs instead")
    args = ap.parse_args()
    runs = COMBO_VARIANTS if args.combo_variants else RUNS
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
    quotes = ticks
    if args.no_trades:
        quotes = work / "ticks-no-trades.csv"
        if not quotes.exists():
            with open(ticks) as src, open(quotes, "w") as dst:
                for line in src:
                    dst.write(",".join(line.rstrip("\n").split(",")[:6]) + "\n")
    base = (root / "params" / "default.toml").read_text()
    rows = []
    prefixes = [p for p in args.only.split(",") if p]
    for k, (label, keys) in enumerate(runs):
        if prefixes and not any(label.startswith(p) for p in prefixes):
            continue
        text = with_keys(base, keys)
        if feed_us or order_us:
            text += f"\n[backtest]\nfeed_latency_us = {feed_us}\norder_latency_us = {order_us}\n"
        params = work / f"run{k}.toml"
        params.write_text(text)
        out = work / f"run{k}"
        subprocess.run(
            [args.hft, "backtest", "--params", str(params), "--ticks", str(quotes), "--out", str(out)],
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
                label,
                b["trades"],
                d["orders_filled"] / max(d["orders_sent"], 1),
                (b["shortfall"] + s["pnl"]["commissions"]) / trades,
                100.0 * b["shortfall"] / shares,
                d["legged"],
                s["pnl"]["net"],
            )
        )
    prints = "without trade prints" if args.no_trades else "with trade prints"
    print(
        f"quotes: {args.ticks} ticks of params/sim.toml {prints}; "
        f"latency feed {feed_us} us, order {order_us} us"
    )
    print(
        "| policy | round trips | fill rate | cost per round trip (USD) | shortfall (cents/share) "
        "| legging incidents | net PnL (USD) |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| `{r[0]}` | {r[1]} | {r[2]:.2f} | {r[3]:.2f} | {r[4]:.2f} | {r[5]} | {r[6]:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
