"""hft.pairs: the crate's ranking on a DataFrame of closes (or its CSV)."""

import pandas as pd
import pytest

import hft

COLUMNS = ["a", "b", "correlation", "hedge_ratio", "intercept", "adf_stat", "spread_mean",
           "spread_std", "half_life", "passes"]


def test_the_cointegrated_pair_ranks_first(closes):
    ranked = hft.pairs(closes)
    assert list(ranked.columns) == COLUMNS
    assert len(ranked) == 3
    assert {ranked.loc[0, "a"], ranked.loc[0, "b"]} == {"WALK", "TRACK"}
    assert bool(ranked.loc[0, "passes"])
    assert ranked["passes"].dtype == bool
    for c in COLUMNS[2:9]:
        assert ranked[c].dtype == "float64", c
    assert len(hft.pairs(closes, top=1)) == 1


def test_a_csv_reads_as_hft_pairs_reads_it(closes, tmp_path):
    path = tmp_path / "closes.csv"
    closes.to_csv(path, index=False)
    pd.testing.assert_frame_equal(hft.pairs(path), hft.pairs(closes))


def test_level_and_missing_closes_are_checked(closes):
    with pytest.raises(ValueError, match="level"):
        hft.pairs(closes, level=2)
    holes = closes.copy()
    holes.loc[5, "OTHER"] = float("nan")
    with pytest.raises(ValueError, match="OTHER"):
        hft.pairs(holes)
