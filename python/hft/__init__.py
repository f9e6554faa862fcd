"""The hft pairs-trading engine from Python: the deterministic backtest, parameter sweeps on
Rust threads, pair selection and run directories, as pandas DataFrames.

The work runs in the Rust crate (``hft._hft``) with the GIL released; this module only converts
DataFrames to column buffers on the way in and the crate's CSV bytes and JSON to DataFrames on
the way out (in memory, no temporary files).

>>> import hft
>>> out = hft.backtest("quotes.csv", pairs=[("SPY", "IVV")])       # doctest: +SKIP
>>> out["summary"]["pnl"]["net"], len(out["fills"])                # doctest: +SKIP
"""

from __future__ import annotations

import io
import itertools
import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from . import _hft
from ._errors import ParamsError
from ._hft import Quotes

__all__ = [
    "ParamsError",
    "Quotes",
    "analyze",
    "backtest",
    "load_quotes",
    "pairs",
    "read_run",
    "sweep",
]

QUOTE_COLUMNS = tuple(_hft.QUOTE_HEADER.split(","))
EMBEDDED_PARAMS = "<embedded params/default.toml>"

# Column types of the run files; a column the file does not have is left out.
ORDERS_DTYPES = {
    "order_id": "int64",
    "t_ns": "int64",
    "seq": "int64",
    "pair": "int64",
    "symbol": "str",
    "side": "str",
    "qty": "float64",
    "intent": "str",
}
FILLS_DTYPES = {
    "order_id": "int64",
    "t_ns": "int64",
    "symbol": "str",
    "side": "str",
    "qty": "float64",
    "price": "float64",
    "commission": "float64",
    "pair": "Int64",  # empty for an execution no pair owns (a flatten)
    "signal_t_ns": "int64",
}
SERIES_DTYPES = {name: "float64" for name in _hft.SERIES_HEADER.split(",")}
SERIES_DTYPES["t_ns"] = "int64"

# Keyword shortcuts of backtest() and sweep() for common keys.
SHORTCUTS = {
    "strategy": "strategy.kind",
    "grid_secs": "strategy.grid_secs",
    "window_secs": "strategy.window_secs",
    "evaluation_secs": "strategy.evaluation_secs",
    "base_qty": "strategy.base_qty",
    "sizing": "strategy.sizing",
    "entry": "strategy.zscore.entry",
    "exit": "strategy.zscore.exit",
    "stop": "strategy.zscore.stop",
    "max_hold_secs": "strategy.zscore.max_hold_secs",
    "min_edge_ratio": "strategy.zscore.min_edge_ratio",
    "commission_per_share": "costs.commission_per_share",
}

SWEEP_METRICS = {
    "trades": "int64",
    "net_pnl": "float64",
    "gross_pnl": "float64",
    "commissions": "float64",
    "sharpe": "float64",
    "max_drawdown": "float64",
    "turnover": "float64",
    "shortfall": "float64",
    "time_in_market": "float64",
    "orders": "int64",
    "fills": "int64",
}

LATENCY_PERCENTILES = {
    "p50_us": 0.5,
    "p90_us": 0.9,
    "p99_us": 0.99,
    "p99_9_us": 0.999,
    "p99_99_us": 0.9999,
}


# ---- quotes -----------------------------------------------------------------------------------


def load_quotes(quotes: Any) -> Quotes:
    """Scans quotes once for many backtests: a pandas or polars DataFrame with the columns
    ``ts_ns, symbol, bid, bid_size, ask, ask_size`` (``ts_ns`` as Unix nanoseconds or
    ``datetime64``), or the path of a quote CSV. Every row goes through the crate's one quote
    parser, so a bad row is skipped and counted as ``hft backtest`` does (line numbers count the
    header as line 1).
    """
    if isinstance(quotes, Quotes):
        return quotes
    if isinstance(quotes, (str, os.PathLike)):
        return Quotes.from_csv(os.fspath(quotes))
    columns = list(getattr(quotes, "columns", []))
    missing = [c for c in QUOTE_COLUMNS if c not in columns]
    if missing:
        raise ValueError(
            f"quotes need the columns {', '.join(QUOTE_COLUMNS)}; missing {', '.join(missing)}"
        )
    ts = np.asarray(quotes["ts_ns"].to_numpy())
    if np.issubdtype(ts.dtype, np.datetime64):
        ts = ts.astype("datetime64[ns]").view("int64")
    codes, uniques = pd.factorize(np.asarray(quotes["symbol"].to_numpy(), dtype=object))
    return Quotes.from_columns(
        np.ascontiguousarray(ts, dtype=np.int64).tobytes(),
        np.ascontiguousarray(codes, dtype=np.int64).tobytes(),
        [str(u) for u in uniques],
        *(_float_bytes(quotes[c]) for c in ("bid", "bid_size", "ask", "ask_size")),
    )


def _float_bytes(column: Any) -> bytes:
    try:  # pandas: nullable columns' missing values become NaN (a bad number to the parser)
        values = column.to_numpy(dtype="float64", na_value=np.nan)
    except TypeError:  # polars
        values = np.asarray(column.to_numpy(), dtype="float64")
    return np.ascontiguousarray(values, dtype=np.float64).tobytes()


# ---- parameters -------------------------------------------------------------------------------


def _params_source(params: Any) -> tuple[str | None, str]:
    """``(TOML text or None for the embedded defaults, its name in error messages)``."""
    if params is None:
        return None, EMBEDDED_PARAMS
    if isinstance(params, str) and any(c in params for c in "\n=["):
        return params, "<params string>"
    if isinstance(params, (str, os.PathLike)):
        path = os.fspath(params)
        try:
            return Path(path).read_text(), path
        except OSError as e:
            raise ParamsError(f"{path}: key `<file>`: cannot read: {e}", "<file>", path) from e
    raise TypeError(f"params must be TOML text, a path or None, not {type(params).__name__}")


def _plain(value: Any) -> Any:
    """NumPy scalars as Python numbers (an int stays an int for integer keys), recursively."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _overrides(
    execution: Any,
    pairs: Iterable[Any] | None,
    overrides: Mapping[str, Any] | None,
    shortcuts: Mapping[str, Any],
) -> dict[str, Any]:
    """Dotted key -> value, from the dict, the shortcuts, ``pairs`` and ``execution``."""
    out: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        out[str(key)] = _plain(value)
    unknown = sorted(set(shortcuts) - set(SHORTCUTS))
    if unknown:
        raise TypeError(
            f"unknown keyword {', '.join(unknown)}: use overrides={{'section.key': value}} or one "
            f"of {', '.join(SHORTCUTS)}"
        )
    for name, value in shortcuts.items():
        if value is not None:
            out[SHORTCUTS[name]] = _plain(value)
    if pairs is not None:
        out["pairs"] = [
            _plain(p) if isinstance(p, Mapping) else {"a": str(p[0]), "b": str(p[1])}
            for p in pairs
        ]
    if isinstance(execution, str):
        out["execution.policy"] = execution
    elif isinstance(execution, Mapping):
        for key, value in execution.items():
            out[f"execution.{key}"] = _plain(value)
    elif execution is not None:
        raise TypeError("execution must be a policy name or a dict of [execution] keys")
    return out


# ---- outputs ----------------------------------------------------------------------------------


def _frame(csv: bytes, dtypes: Mapping[str, str]) -> pd.DataFrame:
    """A run file's CSV bytes as a DataFrame with the file's column types."""
    header = csv.split(b"\n", 1)[0].decode().strip().split(",")
    known = {c: dtypes[c] for c in header if c in dtypes}
    return pd.read_csv(io.BytesIO(csv), dtype=known)


def backtest(
    quotes: Any,
    params: Any = None,
    execution: Any = None,
    *,
    pairs: Iterable[Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    out: str | os.PathLike | None = None,
    **shortcuts: Any,
) -> dict[str, Any]:
    """Runs the crate's backtest (``hft backtest``) over ``quotes`` in memory.

    ``quotes``: a pandas or polars DataFrame (``ts_ns, symbol, bid, bid_size, ask, ask_size``),
    a quote CSV path, or :func:`load_quotes`' result. ``params``: TOML text (a ``str`` with a
    newline, ``=`` or ``[``), a params file or ``None`` (the embedded ``params/default.toml``). On top of it: ``overrides`` (dotted keys,
    e.g. ``{"strategy.zscore.entry": 2.5}``), the keyword shortcuts of ``SHORTCUTS`` (``entry=``,
    ``window_secs=``, ``strategy="kalman"`` ...), ``pairs`` (``[("SPY", "IVV")]``) and
    ``execution`` (a policy name or a dict of ``[execution]`` keys). Each is checked as the
    same key in a params file; a bad one raises :class:`ParamsError` naming the key.

    Returns ``{"orders", "fills"}`` DataFrames (the run files' columns), ``"series"`` (a dict
    ``"A-B"`` -> DataFrame of the pair's grid rows) and ``"summary"`` (``summary.json`` as a
    dict). The same inputs give the same outputs. With ``out``, the run directory is also
    written there, byte-identical to ``hft backtest --out`` (``hft report`` charts it).
    """
    q = load_quotes(quotes)
    text, file = _params_source(params)
    extra = _overrides(execution, pairs, overrides, shortcuts)
    summary, orders, fills, series = _hft.backtest(
        q, text, file, extra, None if out is None else os.fspath(out)
    )
    return {
        "orders": _frame(orders, ORDERS_DTYPES),
        "fills": _frame(fills, FILLS_DTYPES),
        "series": {f"{a}-{b}": _frame(csv, SERIES_DTYPES) for a, b, csv in series},
        "summary": json.loads(summary),
    }


def _grid_sets(grid: Any) -> list[dict[str, Any]]:
    if isinstance(grid, Mapping):  # {key: [values]}: every combination
        keys = list(grid)
        return [
            dict(zip(keys, combo)) for combo in itertools.product(*(list(grid[k]) for k in keys))
        ]
    sets = [dict(s) for s in grid]
    return [{str(k): _plain(v) for k, v in s.items()} for s in sets]


def sweep(
    quotes: Any,
    grid: Any,
    params: Any = None,
    threads: int | None = None,
    *,
    execution: Any = None,
    pairs: Iterable[Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    **shortcuts: Any,
) -> pd.DataFrame:
    """One backtest per parameter set over ``quotes`` scanned once, on ``threads`` Rust threads
    (``None``: one per core) with the GIL released.

    ``grid``: a list of dicts of dotted keys (``[{"strategy.zscore.entry": 2.0}, ...]``), or a
    dict of lists for every combination. Each set is applied on top of ``params`` and the other
    overrides (as in :func:`backtest`); every set is checked before any runs.

    Returns one row per set, in ``grid`` order: the set's keys, then ``trades, net_pnl,
    gross_pnl, commissions, sharpe`` (NaN when undefined), ``max_drawdown, turnover, shortfall,
    time_in_market, orders, fills``. The result does not depend on ``threads``.
    """
    sets = _grid_sets(grid)
    q = load_quotes(quotes)
    text, file = _params_source(params)
    extra = _overrides(execution, pairs, overrides, shortcuts)
    rows = _hft.sweep(q, sets, text, file, extra, threads)
    keys = list(dict.fromkeys(k for s in sets for k in s))
    left = pd.DataFrame({k: [s.get(k) for s in sets] for k in keys}, index=range(len(sets)))
    right = pd.DataFrame(
        {m: pd.Series([r[m] for r in rows], dtype=t) for m, t in SWEEP_METRICS.items()}
    )
    return pd.concat([left, right], axis=1)


def analyze(closes: Any, pair: tuple[str, str] | None = None, *, symbols: list[str] | None = None) -> dict:
    """Every research statistic of ``hft analyze`` (variance ratios, Hurst exponents,
    Zivot-Andrews, the pair's OLS, Engle-Granger, half-life, CUSUM, Chow, rectangular and EMA
    kernels, VAR with lag selection, Johansen) for ``pair = (A, B)`` (A regressed on B) or the
    named ``symbols`` of ``closes`` (a DataFrame with a ``Date`` column and one column of closes
    per symbol, or the path of such a CSV). Returns the CLI's ``--json`` report as a dict; every
    key is documented in the README (section "hft analyze"). Bad input raises ``ValueError``.
    """
    wanted = list(pair) if pair is not None else list(symbols or [])
    if not wanted:
        raise ValueError("name a pair=(A, B) or symbols=[...]")
    names, data = _closes_columns(closes)
    return json.loads(
        _hft.analyze_closes(names, [np.ascontiguousarray(c).tobytes() for c in data], wanted)
    )


def _closes_columns(closes: Any) -> tuple[list[str], list[np.ndarray]]:
    """Names and float64 columns of a closes DataFrame or CSV path (``Date`` excluded)."""
    if isinstance(closes, (str, os.PathLike)):
        names, columns = _hft.read_closes(os.fspath(closes))
        return names, [np.asarray(c, dtype=np.float64) for c in columns]
    names = [str(c) for c in closes.columns if str(c).lower() != "date"]
    data = []
    for name, column in zip(names, (c for c in closes.columns if str(c).lower() != "date")):
        values = np.asarray(closes[column].to_numpy(), dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ValueError(f"closes column `{name}`: row {bad[0]} is not a finite number")
        data.append(values)
    return names, data


def pairs(
    closes: Any, top: int | None = None, *, level: int = 5, lags: int = 0
) -> pd.DataFrame:
    """Ranks every pair of ``closes`` by the crate's pair selection (``hft pairs``): return
    correlation and the Engle-Granger test at ``level`` percent (1, 5 or 10), with ``lags``
    lagged differences. ``closes``: a DataFrame with a ``Date`` column (or index) and one column
    of closes per symbol, or the path of such a CSV.

    Returns the first ``top`` rows of the ranking (all for ``None``), by the pair's MacKinnon
    p-value (the larger of its two regression directions; README "Pair selection at scale"):
    ``a, b, correlation, hedge_ratio, intercept, adf_stat, spread_mean, spread_std, half_life``
    (rows; NaN when the spread does not revert) and ``passes`` (pair p-value below ``level``).
    """
    names, data = _closes_columns(closes)
    ranked = json.loads(
        _hft.rank_pairs(names, [np.ascontiguousarray(c).tobytes() for c in data], level, lags, top)
    )
    columns = [
        "a",
        "b",
        "correlation",
        "hedge_ratio",
        "intercept",
        "adf_stat",
        "spread_mean",
        "spread_std",
        "half_life",
        "passes",
    ]
    frame = pd.DataFrame(ranked, columns=columns)
    frame["half_life"] = pd.to_numeric(frame["half_life"], errors="coerce").astype("float64")
    frame["passes"] = frame["passes"].astype(bool)
    for c in columns[2:8]:
        frame[c] = frame[c].astype("float64")
    return frame


# ---- run directories --------------------------------------------------------------------------


def read_run(path: str | os.PathLike) -> dict[str, Any]:
    """An existing run directory (``hft run`` or ``hft backtest`` output) as DataFrames:
    ``orders``, ``fills`` (``None`` when the run has no such file), ``series`` (``"A-B"`` ->
    DataFrame), ``summary`` (dict) and ``latency``: one row per ``latency/*.hgrm`` (read by the
    crate's parser), indexed by name, with ``count`` and ``p50_us ... max_us`` (an empty
    DataFrame when the run has no ``latency/``).
    """
    run = Path(path)
    if not run.is_dir():
        raise FileNotFoundError(f"no run directory {run}")
    summary_file = run / "summary.json"
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else None

    def optional(name: str, dtypes: Mapping[str, str]) -> pd.DataFrame | None:
        file = run / name
        return _frame(file.read_bytes(), dtypes) if file.exists() else None

    series: dict[str, pd.DataFrame] = {}
    entries = (summary or {}).get("series", {}).get("pairs")
    if entries is not None:
        for e in entries:
            file = run / e["file"]
            if file.exists():
                series[f"{e['a']}-{e['b']}"] = _frame(file.read_bytes(), SERIES_DTYPES)
    else:
        for file in sorted((run / "series").glob("*.csv")):
            series[file.stem] = _frame(file.read_bytes(), SERIES_DTYPES)
    return {
        "orders": optional("orders.csv", ORDERS_DTYPES),
        "fills": optional("fills.csv", FILLS_DTYPES),
        "series": series,
        "summary": summary,
        "latency": _latency_frame(_hft.read_latency(os.fspath(run)) or []),
    }


def _latency_frame(files: list[tuple[str, list[tuple[float, float, int]]]]) -> pd.DataFrame:
    rows = []
    for name, points in files:
        row: dict[str, Any] = {"name": name, "count": points[-1][2] if points else 0}
        for column, q in LATENCY_PERCENTILES.items():
            row[column] = next((v for v, p, _ in points if p >= q), np.nan) if points else np.nan
        row["max_us"] = points[-1][0] if points else np.nan
        rows.append(row)
    columns = ["name", "count", *LATENCY_PERCENTILES, "max_us"]
    frame = pd.DataFrame(rows, columns=columns).astype(
        {"count": "int64", **{c: "float64" for c in columns[2:]}}
    )
    return frame.set_index("name")
