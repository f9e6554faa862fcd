"""hft.backtest and hft.load_quotes: outputs, types, determinism, parity with the CLI."""

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import FAST, PAIRS, oscillating_quotes, to_csv_text

import hft

ORDERS = ["order_id", "t_ns", "seq", "pair", "symbol", "side", "qty", "intent"]
FILLS = ["order_id", "t_ns", "symbol", "side", "qty", "price", "commission", "pair", "signal_t_ns"]
SERIES = [
    "t_ns",
    "a_mid",
    "b_mid",
    "hedge_ratio",
    "volatility_ratio",
    "zscore",
    "position_a",
    "position_b",
    "spread",
    "forecast",
    "hurst",
    "vr_stat",
    "reverting_prob",
    "break_t_ns",
]


def run(quotes, **kw):
    return hft.backtest(quotes, pairs=PAIRS, overrides=FAST, **kw)


def assert_same(x, y):
    pd.testing.assert_frame_equal(x["orders"], y["orders"])
    pd.testing.assert_frame_equal(x["fills"], y["fills"])
    assert list(x["series"]) == list(y["series"])
    for k in x["series"]:
        pd.testing.assert_frame_equal(x["series"][k], y["series"][k])
    assert x["summary"] == y["summary"]


def test_outputs_have_the_run_files_columns_and_types(quotes):
    out = run(quotes)
    assert set(out) == {"orders", "fills", "series", "summary"}
    orders, fills = out["orders"], out["fills"]
    assert list(orders.columns) == ORDERS
    assert list(fills.columns) == FILLS
    for c in ("order_id", "t_ns", "seq", "pair"):
        assert orders[c].dtype == "int64", c
    for c in ("symbol", "side", "intent"):
        assert pd.api.types.is_string_dtype(orders[c]), c
    assert orders["qty"].dtype == "float64"
    for c in ("order_id", "t_ns", "signal_t_ns"):
        assert fills[c].dtype == "int64", c
    for c in ("qty", "price", "commission"):
        assert fills[c].dtype == "float64", c
    assert fills["pair"].dtype == "Int64"
    assert list(out["series"]) == ["AAA-BBB"]
    series = out["series"]["AAA-BBB"]
    assert list(series.columns) == SERIES
    assert series["t_ns"].dtype == "int64"
    assert all(series[c].dtype == "float64" for c in SERIES[1:])
    s = out["summary"]
    assert s["mode"] == "backtest"
    assert s["rows"]["rows"] == len(quotes) == s["rows"]["quotes"]
    assert s["trades"] > 0 and len(orders) == s["orders"] > 0 and len(fills) == s["fills"]
    assert s["series"]["pairs"][0]["rows"] == len(series)
    assert set(fills["symbol"]) == {"AAA", "BBB"}


def test_the_same_input_gives_the_same_output(quotes):
    assert_same(run(quotes), run(quotes))
    scanned = hft.load_quotes(quotes)
    assert len(scanned) == len(quotes) and scanned.symbols == ["AAA", "BBB"]
    assert_same(run(scanned), run(scanned))
    assert_same(run(scanned), run(quotes))


def test_a_dataframe_and_its_csv_give_the_same_backtest(quotes, tmp_path):
    path = tmp_path / "quotes.csv"
    path.write_text(to_csv_text(quotes))
    assert_same(run(quotes), run(path))
    assert_same(run(quotes), run(str(path)))
    assert_same(run(quotes), run(pd.read_csv(path)))


def test_datetime_timestamps_are_nanoseconds(quotes):
    with_dates = quotes.assign(ts_ns=pd.to_datetime(quotes["ts_ns"], unit="ns"))
    assert_same(run(quotes), run(with_dates))


def test_bad_rows_are_skipped_and_counted_with_their_line(quotes):
    bad = pd.concat(
        [
            quotes.iloc[:10],
            pd.DataFrame(
                {
                    "ts_ns": [quotes["ts_ns"].iloc[9]] * 3,
                    "symbol": ["AAA", "ZZZ", "BBB"],
                    "bid": [101.0, 1.0, float("nan")],
                    "bid_size": [1.0, 1.0, 1.0],
                    "ask": [100.0, 2.0, 50.0],
                    "ask_size": [1.0, 1.0, 1.0],
                }
            ),
            quotes.iloc[10:],
        ],
        ignore_index=True,
    )
    rows = run(bad)["summary"]["rows"]
    assert rows["rows"] == len(quotes) + 3
    assert rows["quotes"] == len(quotes)
    assert (rows["crossed_quote"], rows["unknown_symbol"], rows["bad_number"]) == (1, 1, 1)
    # The header is line 1: the first inserted row, index 10, is line 12.
    errors = run(bad)["summary"]["first_errors"]
    assert [(e["line"], e["problem"]) for e in errors] == [
        (12, "crossed_quote"),
        (13, "unknown_symbol"),
        (14, "bad_number"),
    ]


def test_missing_columns_are_named(quotes):
    with pytest.raises(ValueError, match="missing ask_size"):
        hft.backtest(quotes.drop(columns=["ask_size"]))


def test_shortcuts_and_execution_are_params_keys(quotes):
    by_key = run(quotes, execution="passive")
    by_dict = run(quotes, execution={"policy": "passive"})
    assert_same(by_key, by_dict)
    assert by_key["summary"]["dispatch"]["passive_hedges"] > 0
    moved = hft.backtest(quotes, pairs=PAIRS, overrides={**FAST, "strategy.zscore.entry": 2.5})
    assert_same(moved, run(quotes, entry=2.5))
    assert moved["summary"]["series"]["zscore_bands"]["entry"] == 2.5
    with pytest.raises(TypeError, match="unknown keyword entri"):
        run(quotes, entri=2.5)


def test_params_as_text_and_as_a_file_match_overrides(quotes, tmp_path):
    text = (
        '[strategy]\nkind = "zscore"\ngrid_secs = 1.0\nwindow_secs = 30.0\nevaluation_secs = 0.0\n'
        'sizing = "equal"\n[strategy.zscore]\nentry = 1.5\nexit = 0.3\nstop = 50.0\n'
        "min_edge_ratio = 0.0\nmax_hold_secs = 0.0\n[engine]\ntick_by_tick = true\n"
        '[[pairs]]\na = "AAA"\nb = "BBB"\n'
    )
    file = tmp_path / "fast.toml"
    file.write_text(text)
    expected = run(quotes)
    assert_same(hft.backtest(quotes, params=text), expected)
    assert_same(hft.backtest(quotes, params=file), expected)
    assert_same(hft.backtest(quotes, params=str(file)), expected)


def test_the_run_directory_reads_back(quotes, tmp_path):
    out = run(quotes, out=tmp_path / "run")
    back = hft.read_run(tmp_path / "run")
    assert_same(out, back)
    assert back["latency"].empty and list(back["latency"].columns)[0] == "count"


def test_read_run_reads_latency_percentiles(quotes, tmp_path):
    run(quotes, out=tmp_path)
    (tmp_path / "latency").mkdir()
    (tmp_path / "latency" / "end_to_end.hgrm").write_text(
        "       Value     Percentile TotalCount 1/(1-Percentile)\n\n"
        "       1.000 0.000000000000          1           1.00\n"
        "       2.000 0.500000000000          5           2.00\n"
        "       3.000 0.900000000000          9          10.00\n"
        "      40.000 1.000000000000         10\n"
        "#[Mean    =        5.000, StdDeviation   =       11.000]\n"
    )
    latency = hft.read_run(tmp_path)["latency"]
    row = latency.loc["end_to_end"]
    assert (row["count"], row["p50_us"], row["p90_us"], row["p99_us"], row["max_us"]) == (10, 2.0, 3.0, 40.0, 40.0)
    assert latency["count"].dtype == "int64"


def _cli() -> Path | None:
    env = os.environ.get("HFT_BIN")
    if env:
        return Path(env)
    built = Path(__file__).resolve().parents[2] / "target" / "debug" / "hft"
    return built if built.exists() else shutil.which("hft") and Path(shutil.which("hft"))


def test_the_binding_writes_what_hft_backtest_writes(quotes, tmp_path):
    cli = _cli()
    if cli is None:
        pytest.skip("no hft binary (cargo build, or HFT_BIN)")
    ticks = tmp_path / "quotes.csv"
    ticks.write_text(to_csv_text(quotes))
    params = tmp_path / "fast.toml"
    params.write_text(
        "\n".join(
            ['[[pairs]]\na = "AAA"\nb = "BBB"\n[engine]\ntick_by_tick = true\n[strategy]']
            + [f"{k.split('.', 1)[1]} = {v!r}" for k, v in FAST.items() if k.count(".") == 1 and k.startswith("strategy.")]
            + ["[strategy.zscore]"]
            + [f"{k.rsplit('.', 1)[1]} = {v!r}" for k, v in FAST.items() if k.startswith("strategy.zscore.")]
        ).replace("'", '"')
        + "\n"
    )
    subprocess.run(
        [cli, "backtest", "--params", params, "--ticks", ticks, "--out", tmp_path / "cli"],
        check=True,
        capture_output=True,
    )
    hft.backtest(ticks, params=params, out=tmp_path / "py")
    for name in ("orders.csv", "fills.csv", "summary.json", "series/AAA-BBB.csv"):
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name


def test_polars_frames_are_read_like_pandas(quotes):
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({c: quotes[c].tolist() for c in quotes.columns})
    assert_same(run(frame), run(quotes))


def _python_runs_during(call) -> int:
    """How often the main thread ran Python while `call` ran in another thread (well inside
    its start and end): zero if the call held the GIL throughout."""
    import threading
    import time

    span = {}

    def worker():
        span["start"] = time.perf_counter()
        call()
        span["end"] = time.perf_counter()

    thread = threading.Thread(target=worker)
    ticks = []
    thread.start()
    while thread.is_alive():
        ticks.append(time.perf_counter())
    thread.join()
    margin = 0.02
    return sum(span["start"] + margin < t < span["end"] - margin for t in ticks)


def test_the_gil_is_released_during_a_run(quotes):
    long = hft.load_quotes(oscillating_quotes(seconds=20_000))
    assert _python_runs_during(lambda: hft._hft.backtest(long, None, "x", {**FAST, "pairs": [{"a": "AAA", "b": "BBB"}]})) > 0
    grid = [{"strategy.zscore.entry": 1.0 + 0.1 * i} for i in range(8)]
    scanned = hft.load_quotes(quotes)
    assert _python_runs_during(lambda: hft.sweep(scanned, grid, pairs=PAIRS, overrides=FAST, threads=1)) > 0


def test_python_threads_running_backtests_agree(quotes):
    from concurrent.futures import ThreadPoolExecutor

    expected = run(quotes)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: run(quotes), range(2)))
    for r in results:
        assert_same(r, expected)


def test_longer_input_is_not_needed_for_trades():
    assert run(oscillating_quotes(seconds=300))["summary"]["trades"] > 0
