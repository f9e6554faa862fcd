#!/usr/bin/env python3
"""Writes params/sim_basket100.toml (the paper gateway's factor universe with 100 names) and
params/basket100.toml (the basket strategy over all of them) from params/sim_basket.toml and
params/basket.toml. Deterministic: betas, prices and residual volatilities cycle through fixed
lists, so rerunning it reproduces the committed files.

    python3 scripts/gen_basket100.py
"""
import re
from pathlib import Path

N = 100
root = Path(__file__).resolve().parent.parent
names = [f"U{i:02d}" for i in range(N)]

sim = (root / "params/sim_basket.toml").read_text()
head = sim[: sim.index("[[market.symbols]]")]
head = head.replace(
    "# residual_half_life_secs and volatility vol_per_day: one factor, eight mean-reverting residuals.",
    "# residual_half_life_secs and volatility vol_per_day: one factor, 100 mean-reverting residuals\n"
    "# (IB's default market-data lines). Written by scripts/gen_basket100.py.",
)
head = head.replace("(params/basket.toml)", "(params/basket100.toml)")
head = head.replace("hft sim --params params/sim_basket.toml", "hft sim --params params/sim_basket100.toml")
betas = [0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3]
prices = [60.0, 70.0, 80.0, 90.0, 100.0, 110.0, 120.0, 150.0]
out = [head.rstrip() + "\n"]
for i, name in enumerate(names):
    out.append(
        f"\n[[market.symbols]]\nname = \"{name}\"\nprice = {prices[i % len(prices)]}\n"
        f"beta = {betas[i % len(betas)]}\nvol_per_day = 0.04\nresidual_half_life_secs = 60.0\n"
    )
(root / "params/sim_basket100.toml").write_text("".join(out))

eng = (root / "params/basket.toml").read_text()
eng = eng.replace("params/sim_basket.toml", "params/sim_basket100.toml")
eng = eng.replace("params/basket.toml", "params/basket100.toml")
eng = re.sub(r"max_gross_notional = [0-9.]+", "max_gross_notional = 10000000.0", eng)
eng = re.sub(r"max_net_notional = [0-9.]+", "max_net_notional = 1000000.0", eng)
eng = re.sub(
    r"max_daily_loss = ([0-9.]+)",
    "max_daily_loss = \\1\n"
    "max_open_orders = 200        # a rebalance of 100 names is 100 orders at once\n"
    "# 100 orders at max_messages_per_sec = 45 (IB's limit, the default) take 2.2 s to send: a\n"
    "# leg's clock starts when it is sent, so legs waiting in the limiter are not late.",
    eng,
)
quoted = ", ".join(f'"{n}"' for n in names)
eng = re.sub(r"symbols = \[[^\]]*\]", f"symbols = [{quoted}]", eng)
(root / "params/basket100.toml").write_text(eng)
