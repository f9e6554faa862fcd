#!/usr/bin/env python3
"""The README's execution-policy table: one backtest per policy over the same quote file.

Usage: python3 scripts/execution_table.py [--hft target/release/hft] [--ticks N]
       [--sim SIM.toml] [--seeds S,...] [--latency-us FEED,ORDER] [--keep DIR] [--no-trades]
       [--only LABEL,...] [--combo-variants]

Writes N ticks of a synthetic universe (the embedded params/sim.toml, or --sim's, e.g.
params/sim_liquid.toml; with --seeds one file per market seed) with the market's trade prints
(`last,last_size` columns; --no-trades strips them, as quote files were before), then
runs `hft backtest` with the embedded engine params and each entry of RUNS applied to its
`[execution]` section (and, with --latency-us, `[backtest] feed_latency_us` / `order_latency_us`),
and prints a Markdown table from each run's summary.json: round trips, fill rate (orders filled
/ orders sent), cost per round trip (implementation shortfall against the mid the engine saw
when the intent was decided, plus commissions, in USD, and the shortfall in cents per share),
legging incidents, net PnL; with several seeds the runs are pooled (sums over the seeds'
files) and each seed's cost per round trip is listed. A policy is one entry of RUNS; `--only A,B` runs the entries whose
labels start with A or B.
"""

import argparse
import json
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent

# (label, [execution] keys set for the run)
RUNS = [
    ("market", {"policy": '"market"'}),
    ("marketable_limit", {"policy": '"marketable_limit"'}),
    ("passive (join, less_liquid)", {"policy": '"passive"'}),
    ("passive (join, leader)", {"policy": '"passive"', "passive_leg": '"leader"'}),
    ("passive (join, b: the follower)", {"policy": '"passive"', "passive_leg": '"b"'}),
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


# The pairs' leaders, for `passive_leg = "leader"`: in both generators (params/sim.toml,
# params/sim_liquid.toml) IVV follows SPY and PEP follows KO, so leg A leads in both pairs;
# `hft bootstrap` estimates the same from the generator's history (tests/bootstrap.rs).
LEADERS = {"IVV": "a", "PEP": "a"}


def with_keys(base: str, keys: dict) -> str:
    """`base` with each `[execution]` key set (the first line that sets it), and each pair's
    `leader` when the run rests the leader."""
    if keys.get("passive_leg") == '"leader"':
        for b, leg in LEADERS.items():
            base, n = re.subn(rf'(?m)^b = "{b}"$', f'b = "{b}"\nleader = "{leg}"', base, count=1)
            if n != 1:
                raise SystemExit(f"params/default.toml has no pair with b = {b}")
    for key, value in keys.items():
        base, n = re.subn(rf"(?m)^{key}\s*=\s*\S+", f"{key} = {value}", base, count=1)
        if n != 1:
            raise SystemExit(f"params/default.toml has no `{key}` line")
    return base


def ticks_for(args, work: pathlib.Path, seed) -> pathlib.Path:
    """The quote file of `--sim` at `seed` (None: the file's own), written once into `work`."""
    sim = pathlib.Path(args.sim) if args.sim else None
    name = "ticks.csv" if seed is None else f"ticks-seed{seed}.csv"
    ticks = work / name
    if not ticks.exists():
        cmd = [args.hft, "sim", "--write-ticks", str(args.ticks), "--out", str(ticks)]
        if sim is not None or seed is not None:
            text = (sim or ROOT / "params" / "sim.toml").read_text()
            if seed is not None:
                text, n = re.subn(r"(?m)^seed\s*=\s*\d+", f"seed = {seed}", text, count=1)
                if n != 1:
                    raise SystemExit("the sim params have no `seed` line in [market]")
            sim_file = work / f"sim-{name}.toml"
            sim_file.write_text(text)
            cmd[2:2] = ["--params", str(sim_file)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    if not args.no_trades:
        return ticks
    quotes = work / f"no-trades-{name}"
    if not quotes.exists():
        with open(ticks) as src, open(quotes, "w") as dst:
            for line in src:
                dst.write(",".join(line.rstrip("\n").split(",")[:6]) + "\n")
    return quotes


def run_policy(args, work, quotes, tag, keys, feed_us, order_us) -> dict:
    """One backtest of the embedded engine params with `keys` set in `[execution]`."""
    text = with_keys((ROOT / "params" / "default.toml").read_text(), keys)
    if feed_us or order_us:
        text += f"\n[backtest]\nfeed_latency_us = {feed_us}\norder_latency_us = {order_us}\n"
    params = work / f"{tag}.toml"
    params.write_text(text)
    out = work / tag
    subprocess.run(
        [args.hft, "backtest", "--params", str(params), "--ticks", str(quotes), "--out", str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return json.loads((out / "summary.json").read_text())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hft", default="target/release/hft")
    ap.add_argument("--ticks", type=int, default=2_000_000)
    ap.add_argument("--sim", default="", help="sim params of the quote generator (default: embedded)")
    ap.add_argument("--seeds", default="", help="comma-separated market seeds, pooled (default: the file's)")
    ap.add_argument("--latency-us", default="0,0")
    ap.add_argument("--keep", default="")
    ap.add_argument("--no-trades", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated label prefixes (default: all)")
    ap.add_argument("--combo-variants", action="store_true", help="the combo's knobs instead")
    args = ap.parse_args()
    runs = COMBO_VARIANTS if args.combo_variants else RUNS
    feed_us, order_us = (float(x) for x in args.latency_us.split(","))
    seeds = [int(x) for x in args.seeds.split(",") if x] or [None]
    work = pathlib.Path(args.keep or tempfile.mkdtemp(prefix="hft-exec-"))
    work.mkdir(parents=True, exist_ok=True)
    quote_files = [ticks_for(args, work, seed) for seed in seeds]
    rows = []
    prefixes = [p for p in args.only.split(",") if p]
    for k, (label, keys) in enumerate(runs):
        if prefixes and not any(label.startswith(p) for p in prefixes):
            continue
        pooled = dict(trades=0, shares=0.0, cost=0.0, shortfall=0.0, filled=0, sent=0, legged=0, net=0.0)
        per_seed = []
        for seed, quotes in zip(seeds, quote_files):
            tag = f"run{k}" if seed is None else f"run{k}-seed{seed}"
            s = run_policy(args, work, quotes, tag, keys, feed_us, order_us)
            d = s["dispatch"]  # the backtest's own keys are at the top level
            cost = s["shortfall"] + s["pnl"]["commissions"]
            per_seed.append(cost / max(s["trades"], 1))
            pooled["trades"] += s["trades"]
            pooled["shares"] += s["shares_traded"]
            pooled["cost"] += cost
            pooled["shortfall"] += s["shortfall"]
            pooled["filled"] += d["orders_filled"]
            pooled["sent"] += d["orders_sent"]
            pooled["legged"] += d["legged"]
            pooled["net"] += s["pnl"]["net"]
        rows.append((label, pooled, per_seed))
    prints = "without trade prints" if args.no_trades else "with trade prints"
    source = args.sim or "params/sim.toml"
    seeds_text = f", seeds {args.seeds} pooled" if args.seeds else ""
    print(
        f"quotes: {args.ticks} ticks of {source} {prints}{seeds_text}; "
        f"latency feed {feed_us} us, order {order_us} us"
    )
    per_seed_head = " | cost per round trip by seed (USD)" if len(seeds) > 1 else ""
    print(
        "| policy | round trips | fill rate | cost per round trip (USD) | shortfall (cents/share) "
        f"| legging incidents | net PnL (USD){per_seed_head} |"
    )
    print("|---|---|---|---|---|---|---|" + ("---|" if len(seeds) > 1 else ""))
    for label, p, per_seed in rows:
        trades = max(p["trades"], 1)
        line = (
            f"| `{label}` | {p['trades']} | {p['filled'] / max(p['sent'], 1):.2f} "
            f"| {p['cost'] / trades:.2f} | {100.0 * p['shortfall'] / max(p['shares'], 1.0):.2f} "
            f"| {p['legged']} | {p['net']:.2f} |"
        )
        if len(seeds) > 1:
            line += " " + ", ".join(f"{c:.2f}" for c in per_seed) + " |"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
