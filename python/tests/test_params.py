"""A bad parameter raises hft.ParamsError naming the key (never a crash)."""

import pytest
from conftest import FAST, PAIRS

import hft


@pytest.mark.parametrize(
    "params, overrides, key",
    [
        ('[strategy]\nkind = "zscore"\nentyr = 2.0\n', None, "strategy.entyr"),
        ('[strategy]\nkind = "zscore"\n[strategy.zscore]\nentry = "high"\n', None, "strategy.zscore.entry"),
        ('[strategy]\nkind = "nope"\n', None, "strategy.kind"),
        ("[strategy\nkind =", None, "<syntax>"),
        (None, {"strategy.zscore.entyr": 2.0}, "strategy.zscore.entyr"),
        (None, {"strategy.zscore.entry": "high"}, "strategy.zscore.entry"),
        (None, {"strategy.grid_secs": -1.0}, "strategy.grid_secs"),
        (None, {"strategy.kind.deeper": 1}, "strategy.kind.deeper"),
        (None, {"risk.max_open_orders": 1.5}, "risk.max_open_orders"),
        (None, {"backtest.order_latency_hgrm": "/no/such.hgrm"}, "backtest.order_latency_hgrm"),
    ],
)
def test_a_bad_key_raises_params_error_naming_it(quotes, params, overrides, key):
    with pytest.raises(hft.ParamsError) as err:
        hft.backtest(quotes, params=params, overrides=overrides)
    assert err.value.key == key
    assert f"`{key}`" in str(err.value)
    assert isinstance(err.value, ValueError)


def test_an_unreadable_params_file_is_a_params_error(quotes, tmp_path):
    with pytest.raises(hft.ParamsError) as err:
        hft.backtest(quotes, params=tmp_path / "missing.toml")
    assert err.value.key == "<file>"


def test_a_bad_grid_set_is_named_before_any_run(quotes):
    grid = [{"strategy.zscore.entry": 2.0}, {"strategy.zscore.entyr": 2.0}]
    with pytest.raises(hft.ParamsError) as err:
        hft.sweep(quotes, grid, pairs=PAIRS, overrides=FAST)
    assert err.value.key == "strategy.zscore.entyr"
    assert "grid[1]" in str(err.value)


def test_an_unsupported_override_type_is_a_type_error(quotes):
    with pytest.raises(TypeError, match="strategy.zscore.entry"):
        hft.backtest(quotes, overrides={"strategy.zscore.entry": object()})


def test_numpy_scalars_are_plain_values(quotes):
    import numpy as np

    a = hft.backtest(quotes, pairs=PAIRS, overrides={**FAST, "risk.max_open_orders": np.int64(50)})
    b = hft.backtest(quotes, pairs=PAIRS, overrides={**FAST, "risk.max_open_orders": 50})
    assert a["summary"] == b["summary"]
