"""Synthetic inputs, generated in the test (no data files)."""

import math

import numpy as np
import pandas as pd
import pytest

# The pair of `oscillating_quotes`, trading often: z-score on a 1 s grid over 30 s,
# re-estimated every row, equal legs, no cost gate (tests/common's fast_zscore_pair).
FAST = {
    "engine.tick_by_tick": True,
    "strategy.kind": "zscore",
    "strategy.grid_secs": 1.0,
    "strategy.window_secs": 30.0,
    "strategy.evaluation_secs": 0.0,
    "strategy.sizing": "equal",
    "strategy.zscore.entry": 1.5,
    "strategy.zscore.exit": 0.3,
    "strategy.zscore.stop": 50.0,
    "strategy.zscore.min_edge_ratio": 0.0,
    "strategy.zscore.max_hold_secs": 0.0,
}
PAIRS = [("AAA", "BBB")]


def oscillating_quotes(t0: int = 1_700_000_000, seconds: int = 1_200) -> pd.DataFrame:
    """AAA and BBB, one row each per second; A's spread to B oscillates (a sine of period 240 s,
    one dollar wide), as tests/common/mod.rs builds it for the Rust tests."""
    rows = []
    for k in range(seconds):
        a = int(math.floor(10_000.0 + 100.0 * math.sin(2.0 * math.pi * k / 240.0) + 0.5))
        b = 5_000 + (k // 7) % 3
        ts = (t0 + k) * 1_000_000_000
        for symbol, cents in (("AAA", a), ("BBB", b)):
            rows.append((ts, symbol, cents / 100, 300.0, (cents + 1) / 100, 200.0))
    return pd.DataFrame(rows, columns=["ts_ns", "symbol", "bid", "bid_size", "ask", "ask_size"])


def to_csv_text(df: pd.DataFrame) -> str:
    """The quote file of `df`, written as the Rust tests write theirs (two decimals)."""
    lines = ["ts_ns,symbol,bid,bid_size,ask,ask_size"]
    for r in df.itertuples(index=False):
        lines.append(f"{r.ts_ns},{r.symbol},{r.bid:.2f},{r.bid_size:.0f},{r.ask:.2f},{r.ask_size:.0f}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def quotes() -> pd.DataFrame:
    return oscillating_quotes()


@pytest.fixture(scope="session")
def closes() -> pd.DataFrame:
    """Three symbols over 400 days: a random walk, a noisy tracker of it, an independent walk."""
    rng = np.random.default_rng(7)
    walk = 100.0 + np.cumsum(rng.normal(0.0, 1.0, 400))
    track = 20.0 + 0.5 * walk + rng.normal(0.0, 0.3, 400)
    other = 80.0 + np.cumsum(rng.normal(0.0, 1.0, 400))
    dates = pd.date_range("2020-01-01", periods=400, freq="D").strftime("%Y-%m-%d")
    return pd.DataFrame({"Date": dates, "WALK": walk, "TRACK": track, "OTHER": other})
