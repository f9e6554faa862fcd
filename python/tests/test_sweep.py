"""hft.sweep: one row per set, the same for any thread count, equal to single backtests."""

import pandas as pd
import pytest
from conftest import FAST, PAIRS

import hft

GRID = [
    {"strategy.zscore.entry": e, "strategy.zscore.exit": x}
    for e in (1.0, 1.5, 2.0)
    for x in (0.0, 0.3)
]
METRICS = ["trades", "net_pnl", "gross_pnl", "commissions", "sharpe", "max_drawdown", "turnover",
           "shortfall", "time_in_market", "orders", "fills"]


@pytest.fixture(scope="module")
def scanned(quotes):
    return hft.load_quotes(quotes)


def test_one_row_per_set_with_its_params_and_metrics(scanned):
    df = hft.sweep(scanned, GRID, pairs=PAIRS, overrides=FAST, threads=2)
    assert list(df.columns) == ["strategy.zscore.entry", "strategy.zscore.exit", *METRICS]
    assert len(df) == len(GRID)
    assert df["strategy.zscore.entry"].tolist() == [s["strategy.zscore.entry"] for s in GRID]
    for c in ("trades", "orders", "fills"):
        assert df[c].dtype == "int64"
    for c in METRICS:
        if c not in ("trades", "orders", "fills"):
            assert df[c].dtype == "float64", c
    assert (df["trades"] > 0).all()
    assert df["net_pnl"].nunique() > 1


def test_threads_do_not_change_the_result(scanned):
    one = hft.sweep(scanned, GRID, pairs=PAIRS, overrides=FAST, threads=1)
    two = hft.sweep(scanned, GRID, pairs=PAIRS, overrides=FAST, threads=2)
    many = hft.sweep(scanned, GRID, pairs=PAIRS, overrides=FAST, threads=16)
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(one, many)
    pd.testing.assert_frame_equal(one, hft.sweep(scanned, GRID, pairs=PAIRS, overrides=FAST))


def test_a_row_is_the_backtest_of_its_set(scanned):
    df = hft.sweep(scanned, GRID, pairs=PAIRS, overrides=FAST)
    for i in (0, 3, 5):
        s = hft.backtest(scanned, pairs=PAIRS, overrides={**FAST, **GRID[i]})["summary"]
        row = df.iloc[i]
        assert row["trades"] == s["trades"]
        assert row["net_pnl"] == s["pnl"]["net"]
        assert row["commissions"] == s["pnl"]["commissions"]
        assert row["max_drawdown"] == s["max_drawdown"]
        assert row["turnover"] == s["turnover"]
        assert row["sharpe"] == s["sharpe"] or (s["sharpe"] is None and pd.isna(row["sharpe"]))


def test_a_dict_of_lists_is_every_combination(scanned):
    grid = {"strategy.zscore.entry": [1.0, 1.5, 2.0], "strategy.zscore.exit": [0.0, 0.3]}
    pd.testing.assert_frame_equal(
        hft.sweep(scanned, grid, pairs=PAIRS, overrides=FAST),
        hft.sweep(scanned, GRID, pairs=PAIRS, overrides=FAST),
    )


def test_an_empty_grid_is_an_empty_frame(scanned):
    df = hft.sweep(scanned, [], pairs=PAIRS, overrides=FAST)
    assert df.empty and list(df.columns) == METRICS
