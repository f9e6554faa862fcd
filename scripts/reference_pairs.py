#!/usr/bin/env python3
"""Reference values for pair selection at scale (`hft::pairs`, `hft pairs`): Engle-Granger with
MacKinnon p-values and AIC lag selection, both regression directions, Benjamini-Hochberg across
all pairs. Prints the Rust tables of `tests/pairs.rs` (section "Selection at scale").

Run from the crate root with numpy, pandas and statsmodels installed (one BLAS thread: the
506 `coint` calls take about 8 minutes on a loaded 2-core box, much longer with threaded BLAS):

    OPENBLAS_NUM_THREADS=1 /work/venv-ref/bin/python scripts/reference_pairs.py

- `coint(a, b)` (trend "c", maxlag None, autolag "aic"): statistic, MacKinnon p-value and the
  2010 critical values; the lag it used from `adfuller(resid, regression="n", autolag="AIC")`,
  the call `coint` makes.
- `mackinnonp(stat, regression="c", N=2)` at fixed statistics.
- A pair's p-value is the larger of its two directions; `multipletests(p, method="fdr_bh")`
  across all 253 pairs of the 23 ETFs gives the q-values.
"""
import itertools
import sys
import warnings

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests
from statsmodels.tsa.adfvalues import mackinnonp
from statsmodels.tsa.stattools import adfuller, coint

warnings.simplefilter("ignore")
df = pd.read_csv("tests/data/etf23_daily.csv", index_col="Date")
print(f"// Python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, "
      f"statsmodels {statsmodels.__version__}")


def lag_of(a, b, stat):
    """The lag `coint` used: its own `adfuller` call on the residuals."""
    resid = sm.OLS(df[a], sm.add_constant(df[b])).fit().resid
    adf = adfuller(resid, maxlag=None, regression="n", autolag="AIC")
    assert abs(adf[0] - stat) < 1e-12 * abs(stat)
    return int(adf[2])


def directed(a, b, with_lag=True):
    stat, p, crit = coint(df[a], df[b])
    lag = lag_of(a, b, stat) if with_lag else None
    return float(stat), float(p), lag, [float(c) for c in crit]


print("const COINT: &[(&str, &str, f64, f64, usize)] = &[")
for a, b in [("SPY", "DIA"), ("DIA", "SPY"), ("EWJ", "XLF"), ("XLF", "EWJ"), ("TLT", "IEF"),
             ("IEF", "TLT"), ("CSJ", "LQD"), ("LQD", "CSJ"), ("XLE", "TLT"), ("EWG", "EWQ")]:
    stat, p, lag, _ = directed(a, b)
    print(f'    ("{a}", "{b}", {stat!r}, {p!r}, {lag}),')
print("];")
print("const CRIT_2141: [f64; 3] = " + repr(directed("SPY", "DIA")[3]) + ";")

print("const MACKINNONP: &[(f64, f64)] = &[")
for stat in [-19.0, -18.0, -6.0, -4.5, -3.9, -3.34, -2.7, -2.62, -2.5, -1.0, 0.0, 0.9, 1.5]:
    print(f"    ({stat!r}, {float(mackinnonp(stat, regression='c', N=2))!r}),")
print("];")

pairs = []
for a, b in itertools.combinations(df.columns, 2):
    f, r = directed(a, b, False), directed(b, a, False)
    shown, other = ((a, b, f), r) if (f[1], f[0]) <= (r[1], r[0]) else ((b, a, r), f)
    pairs.append((shown[0], shown[1], shown[2][0], shown[2][2], shown[2][1], other[0], other[1],
                  max(f[1], r[1])))
q = multipletests([p[-1] for p in pairs], method="fdr_bh")[1]
ranked = sorted(zip(pairs, q), key=lambda x: (x[0][-1], x[0][2]))
print("/// (a, b, adf, lags, p, reverse adf, reverse p, pair p, q), best first.")
print("const RANKING_HEAD: &[(&str, &str, f64, usize, f64, f64, f64, f64, f64)] = &[")
for (a, b, stat, lag, p, rstat, rp, pp), qv in ranked[:8]:
    lag = lag_of(a, b, stat)
    print(f'    ("{a}", "{b}", {stat!r}, {lag}, {p!r}, {rstat!r}, {rp!r}, {pp!r}, {float(qv)!r}),')
print("];")
print("/// (FDR, pairs discovered of 253; pairs whose pair p-value is below 1, 5, 10 %).")
print("const DISCOVERED: &[(f64, usize)] = &[" + ", ".join(
    f"({a}, {int((q <= a).sum())})" for a in (0.01, 0.05, 0.10)) + "];")
print("const PASSING: &[(f64, usize)] = &[" + ", ".join(
    f"({a}, {sum(p[-1] < a for p in pairs)})" for a in (0.01, 0.05, 0.10)) + "];")
print("const BH: &[(f64, f64)] = &[")
p = [0.001, 0.2, 0.03, 0.04, 0.5, 0.03, 1.0, 0.0]
for pv, qv in zip(p, multipletests(p, method="fdr_bh")[1]):
    print(f"    ({pv!r}, {float(qv)!r}),")
print("];")
