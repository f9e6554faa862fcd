"""Quote files and run directories in Parquet, read and written by pandas + pyarrow: a quote
file pandas writes backtests exactly as its CSV does (and as its DBN conversion does), and
`hft backtest --format parquet` leaves orders, fills and series that pandas reads with the
package's column types."""

import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import FAST, to_csv_text
from test_backtest import _cli

import hft

pytest.importorskip("pyarrow")


def _params(tmp_path: Path) -> Path:
    params = tmp_path / "fast.toml"
    lines = ['[[pairs]]\na = "AAA"\nb = "BBB"\n[engine]\ntick_by_tick = true\n[strategy]']
    lines += [
        f"{k.split('.', 1)[1]} = {v!r}" for k, v in FAST.items() if k.count(".") == 1 and k.startswith("strategy.")
    ]
    lines += ["[strategy.zscore]"]
    lines += [f"{k.rsplit('.', 1)[1]} = {v!r}" for k, v in FAST.items() if k.startswith("strategy.zscore.")]
    params.write_text("\n".join(lines).replace("'", '"').replace("True", "true") + "\n")
    return params


def _backtest(cli, params, ticks, out, *extra):
    done = subprocess.run(
        [cli, "backtest", "--params", params, "--ticks", ticks, "--out", out, *extra],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_pandas_parquet_quotes_backtest_like_their_csv(quotes, tmp_path):
    cli = _cli()
    if cli is None:
        pytest.skip("no hft binary (cargo build, or HFT_BIN)")
    params = _params(tmp_path)
    csv = tmp_path / "quotes.csv"
    csv.write_text(to_csv_text(quotes))
    parquet = tmp_path / "quotes.parquet"
    quotes.to_parquet(parquet)  # pyarrow: nullable columns, dictionary strings, snappy
    dbn = tmp_path / "quotes.dbn"
    subprocess.run([cli, "convert", parquet, dbn], check=True, capture_output=True)
    for name, ticks in (("csv", csv), ("parquet", parquet), ("dbn", dbn)):
        _backtest(cli, params, ticks, tmp_path / name)
    for name in ("orders.csv", "fills.csv", "summary.json", "series/AAA-BBB.csv"):
        ref = (tmp_path / "csv" / name).read_bytes()
        assert (tmp_path / "parquet" / name).read_bytes() == ref, name
        assert (tmp_path / "dbn" / name).read_bytes() == ref, name
    # hft's Parquet output reads back in pandas as the same frame.
    back = tmp_path / "back.parquet"
    subprocess.run([cli, "convert", dbn, back], check=True, capture_output=True)
    back_frame = pd.read_parquet(back)
    pd.testing.assert_frame_equal(back_frame[list(quotes.columns)], quotes, check_dtype=False)
    # The trade columns hft writes: none of these quotes had a trade.
    assert (back_frame["last_size"] == 0).all() and (back_frame["last"] == 0).all()


def test_pandas_trade_columns_read_as_trades(quotes, tmp_path):
    """`last` / `last_size` columns (NaN where a row has no trade, as pandas writes nulls) are
    read as the rows' trades: converted to CSV they come out as the eight-column layout."""
    cli = _cli()
    if cli is None:
        pytest.skip("no hft binary (cargo build, or HFT_BIN)")
    frame = quotes.copy()
    traded = frame.index % 3 == 0
    frame["last"] = frame["ask"].where(traded)
    frame["last_size"] = pd.Series(100.0, index=frame.index).where(traded)
    parquet = tmp_path / "trades.parquet"
    frame.to_parquet(parquet)
    csv = tmp_path / "trades.csv"
    subprocess.run([cli, "convert", parquet, csv], check=True, capture_output=True)
    back = pd.read_csv(csv)
    assert list(back.columns) == ["ts_ns", "symbol", "bid", "bid_size", "ask", "ask_size", "last", "last_size"]
    pd.testing.assert_series_equal(back["last"], frame["last"], check_names=False)
    pd.testing.assert_series_equal(back["last_size"], frame["last_size"], check_names=False)
    # One trade column without the other is refused, naming it.
    lone = tmp_path / "lone.parquet"
    frame.drop(columns=["last_size"]).to_parquet(lone)
    done = subprocess.run([cli, "convert", lone, tmp_path / "x.csv"], capture_output=True, text=True)
    assert done.returncode == 2 and "`last` without `last_size`" in done.stderr, done.stderr


def test_run_directory_tables_read_with_the_package_types(quotes, tmp_path):
    cli = _cli()
    if cli is None:
        pytest.skip("no hft binary (cargo build, or HFT_BIN)")
    ticks = tmp_path / "quotes.csv"
    ticks.write_text(to_csv_text(quotes))
    out = tmp_path / "run"
    _backtest(cli, _params(tmp_path), ticks, out, "--format", "parquet")
    for table, dtypes in (("orders", hft.ORDERS_DTYPES), ("fills", hft.FILLS_DTYPES)):
        frame = pd.read_parquet(out / f"{table}.parquet")
        from_csv = pd.read_csv(out / f"{table}.csv")
        assert list(frame.columns) == list(from_csv.columns)
        assert len(frame) == len(from_csv) > 0
        for column, dtype in dtypes.items():
            if dtype in ("int64", "Int64"):
                assert frame[column].dtype == "int64", (table, column)
            elif dtype == "float64":
                assert frame[column].dtype == "float64", (table, column)
            else:
                assert pd.api.types.is_string_dtype(frame[column]), (table, column)
            assert frame[column].tolist() == from_csv[column].tolist(), (table, column)
    series = pd.read_parquet(out / "series" / "AAA-BBB.parquet")
    from_csv = pd.read_csv(out / "series" / "AAA-BBB.csv")
    pd.testing.assert_frame_equal(series, from_csv, check_dtype=False)
    assert series["t_ns"].dtype == "int64"
