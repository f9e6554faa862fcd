#!/usr/bin/env python3
"""Reference values for the issue-15 statistics (`hft::stats` and `hft analyze`).

Run from the crate root with statsmodels, arch, pandas, numpy and scipy installed:

    python3 -m venv /tmp/refenv && /tmp/refenv/bin/pip install statsmodels arch pandas numpy scipy
    /tmp/refenv/bin/python scripts/reference_wishlist.py > tests/data/wishlist_reference.json

Every value is computed by the library function named beside it (or, where no library has the
statistic, by the numpy code below, written from the definition in `src/stats`). The output is
JSON; `tests/wishlist.rs` and `tests/analyze.rs` read it.
"""
import json
import sys
import warnings

import arch
import numpy as np
import pandas as pd
import scipy
import scipy.stats
import statsmodels
import statsmodels.api as sm
from arch.unitroot import VarianceRatio
from statsmodels.stats.diagnostic import breaks_cusumolsresid
from statsmodels.tsa.api import VAR
from statsmodels.tsa.stattools import zivot_andrews
from statsmodels.tsa.vector_ar.vecm import coint_johansen

warnings.simplefilter("ignore")
df = pd.read_csv("tests/data/etf23_daily.csv", index_col="Date")
logp = np.log(df)
rets = logp.diff().iloc[1:]

# Defaults of `hft analyze` (keep in step with src/cli/analyze.rs).
RECT_WINDOW = 60
EMA_HALF_LIFE = 20.0
VR_LAGS = [2, 4, 8, 16]
MAX_LAGS = 8
JOHANSEN = (0, 1)  # det_order, k_ar_diff
HURST_MIN = 8
ZA = dict(trim=0.15, maxlag=None, regression="c", autolag="AIC")
CUSUM_DDOF = 2


def f(x):
    return float(x)


def ewm_block(x, y, half_life, rows):
    ex, ey = x.ewm(halflife=half_life, adjust=False), y.ewm(halflife=half_life, adjust=False)
    cov = x.ewm(halflife=half_life, adjust=False).cov(y)
    corr = x.ewm(halflife=half_life, adjust=False).corr(y)
    pick = lambda s: [None if np.isnan(v) else f(v) for v in s.iloc[rows]]
    return dict(half_life=half_life, rows=rows, mean_x=pick(ex.mean()), mean_y=pick(ey.mean()),
                var_x=pick(ex.var()), var_y=pick(ey.var()), cov=pick(cov), corr=pick(corr))


def rect_block(x, y, window, rows):
    rx, ry = x.rolling(window), y.rolling(window)
    pick = lambda s: [None if np.isnan(v) else f(v) for v in s.iloc[rows]]
    return dict(window=window, rows=rows, mean_x=pick(rx.mean()), mean_y=pick(ry.mean()),
                var_x=pick(rx.var()), var_y=pick(ry.var()), cov=pick(rx.cov(y)),
                corr=pick(rx.corr(y)))


def hurst_rs(x, min_window):
    """R/S: sizes n = min_window * 2^k <= len/4; chunks from the start; R over the cumulative
    deviations (max - min), S the population std; mean R/S over chunks with S > 0; slope of
    ln(mean R/S) on ln n."""
    x = np.asarray(x, float)
    sizes, rs = [], []
    n = min_window
    while n <= len(x) // 4:
        vals = []
        for c in range(len(x) // n):
            chunk = x[c * n:(c + 1) * n]
            z = np.cumsum(chunk - chunk.mean())
            s = chunk.std()
            if s > 0:
                vals.append((z.max() - z.min()) / s)
        sizes.append(n)
        rs.append(np.mean(vals))
        n *= 2
    return f(np.polyfit(np.log(sizes), np.log(rs), 1)[0])


def hurst_dfa(x, min_window):
    """DFA-1: profile y = cumsum(x - mean x); boxes of n = min_window * 2^k <= len/4 from the
    start; in each box the mean squared residual of a least-squares line on 0..n-1; F(n) the
    root of the mean over boxes; slope of ln F(n) on ln n."""
    x = np.asarray(x, float)
    y = np.cumsum(x - x.mean())
    sizes, fl = [], []
    n = min_window
    while n <= len(x) // 4:
        t = np.arange(n, dtype=float)
        f2 = []
        for c in range(len(x) // n):
            box = y[c * n:(c + 1) * n]
            coef = np.polyfit(t, box, 1)
            f2.append(np.mean((box - np.polyval(coef, t)) ** 2))
        sizes.append(n)
        fl.append(np.sqrt(np.mean(f2)))
        n *= 2
    return f(np.polyfit(np.log(sizes), np.log(fl), 1)[0])


def vr_list(y, lags):
    out = []
    for q in lags:
        v = VarianceRatio(np.asarray(y, float), lags=q, trend="c", debiased=True, robust=True,
                          overlap=True)
        out.append(dict(lags=q, vr=f(v.vr), stat=f(v.stat), pvalue=f(v.pvalue)))
    return out


def za(x, trim, maxlag, regression, autolag):
    stat, p, cv, lags, bp = zivot_andrews(np.asarray(x, float), trim=trim, maxlag=maxlag,
                                          regression=regression, autolag=autolag)
    return dict(stat=f(stat), pvalue=f(p), crit_1=f(cv["1%"]), crit_5=f(cv["5%"]),
                crit_10=f(cv["10%"]), lags=int(lags), break_index=int(bp))


def var_block(data, maxlags, p=None):
    model = VAR(np.asarray(data, float))
    sel = model.select_order(maxlags)
    ics = {k: [f(v) for v in sel.ics[k]] for k in ("aic", "bic", "hqic", "fpe")}
    selected = {k: int(sel.selected_orders[k]) for k in ("aic", "bic", "hqic", "fpe")}
    order = selected["aic"] if p is None else p
    res = model.fit(order)
    return dict(max_lags=maxlags, criteria=ics, selected=selected, order=order,
                intercept=[f(v) for v in res.params[0]],
                coefs=[[[f(v) for v in row] for row in lag] for lag in res.coefs],
                sigma_u=[[f(v) for v in row] for row in res.sigma_u],
                aic=f(res.aic), bic=f(res.bic), hqic=f(res.hqic), fpe=f(res.fpe))


def johansen_block(data, det_order, k_ar_diff):
    r = coint_johansen(np.asarray(data, float), det_order, k_ar_diff)
    return dict(det_order=det_order, k_ar_diff=k_ar_diff, eigenvalues=[f(v) for v in r.eig],
                trace=[f(v) for v in r.trace_stat], max_eigen=[f(v) for v in r.max_eig_stat],
                trace_crit=[[f(v) for v in row] for row in r.trace_stat_crit_vals],
                max_eigen_crit=[[f(v) for v in row] for row in r.max_eig_stat_crit_vals])


def chow(y, x, index):
    """F test of equal coefficients (constant and slope) before and after `index`."""
    X = np.column_stack([np.ones(len(x)), x])
    ssr = lambda yy, XX: float(np.sum((yy - XX @ np.linalg.lstsq(XX, yy, rcond=None)[0]) ** 2))
    s, s1, s2 = ssr(y, X), ssr(y[:index], X[:index]), ssr(y[index:], X[index:])
    k, n = X.shape[1], len(y)
    stat = ((s - s1 - s2) / k) / ((s1 + s2) / (n - 2 * k))
    return dict(index=index, f=f(stat), pvalue=f(scipy.stats.f.sf(stat, k, n - 2 * k)))


def pair_block(a, b):
    ya, yb = df[a], df[b]
    fit = sm.OLS(ya, sm.add_constant(yb)).fit()
    alpha, beta = f(fit.params["const"]), f(fit.params[b])
    resid = np.asarray(fit.resid)
    adf = f(sm.tsa.adfuller(resid, maxlag=0, regression="n", autolag=None)[0])
    spread = ya - beta * yb
    hl = sm.OLS(spread.diff().iloc[1:], sm.add_constant(spread.shift(1).iloc[1:])).fit()
    lam = f(hl.params.iloc[1])
    stat, p, _ = breaks_cusumolsresid(resid, ddof=CUSUM_DDOF)
    n = len(ya)
    last = len(ya) - 1
    rect = rect_block(yb, ya, RECT_WINDOW, [last])
    ema = ewm_block(yb, ya, EMA_HALF_LIFE, [last])
    sr, se = spread.rolling(RECT_WINDOW), spread.ewm(halflife=EMA_HALF_LIFE, adjust=False)
    kern = lambda blk, m, s: dict(mean=f(m.iloc[-1]), std=f(s.iloc[-1]),
                                  zscore=f((spread.iloc[-1] - m.iloc[-1]) / s.iloc[-1]),
                                  hedge_ratio=blk["cov"][0] / blk["var_x"][0],
                                  correlation=blk["corr"][0])
    return dict(
        a=a, b=b, hedge_ratio=beta, intercept=alpha,
        correlation=f(ya.pct_change().corr(yb.pct_change())), adf_stat=adf,
        half_life=f(-np.log(2) / lam) if lam < 0 else None,
        cusum=dict(ddof=CUSUM_DDOF, stat=f(stat), pvalue=f(p)),
        chow=chow(np.asarray(ya), np.asarray(yb), n // 2),
        kernels=dict(rect=dict(window=RECT_WINDOW, **kern(rect, sr.mean(), sr.std())),
                     ema=dict(half_life=EMA_HALF_LIFE, **kern(ema, se.mean(), se.std()))),
        spread=dict(variance_ratio=vr_list(spread, VR_LAGS),
                    hurst_rs=hurst_rs(np.diff(spread), HURST_MIN),
                    hurst_dfa=hurst_dfa(np.diff(spread), HURST_MIN),
                    zivot_andrews=za(spread, **ZA)),
    )


def analyze(symbols):
    out = dict(rows=len(df), symbols=symbols, series=[])
    for s in symbols:
        out["series"].append(dict(
            symbol=s, variance_ratio=vr_list(logp[s], VR_LAGS),
            hurst_rs=hurst_rs(rets[s], HURST_MIN), hurst_dfa=hurst_dfa(rets[s], HURST_MIN),
            zivot_andrews=za(logp[s], **ZA)))
    if len(symbols) == 2:
        out["pair"] = pair_block(*symbols)
    out["var"] = var_block(rets[symbols], MAX_LAGS)
    out["johansen"] = johansen_block(df[symbols], *JOHANSEN)
    return out


rows = [0, 1, 2, 3, 10, 59, 60, 100, 500, 1000, 1500, 2000, 2140]
ref = dict(
    versions=dict(python=sys.version.split()[0], numpy=np.__version__, pandas=pd.__version__,
                  scipy=scipy.__version__, statsmodels=statsmodels.__version__,
                  arch=arch.__version__),
    ewm=[dict(x=x, y=y, **ewm_block(df[x], df[y], h, rows))
         for x, y, h in [("DIA", "SPY", 20.0), ("VGK", "EFA", 5.0), ("EWQ", "EWG", 60.5)]],
    rect=[dict(x=x, y=y, **rect_block(df[x], df[y], w, rows))
          for x, y, w in [("DIA", "SPY", 60), ("VGK", "EFA", 20)]],
    var=[dict(symbols=s, **var_block(rets[s], m, p))
         for s, m, p in [(["SPY", "DIA"], 8, None), (["EFA", "VGK", "EWG"], 5, 2),
                         (["EWG", "EWQ"], 4, 0)]],
    johansen=[dict(symbols=s, **johansen_block(df[s], d, k))
              for s, d, k in [(["SPY", "DIA"], 0, 1), (["EFA", "VGK", "EWG"], -1, 2),
                              (["EWG", "EWQ"], 1, 0), (["TLT", "IEF", "LQD", "BND"], 0, 3)]],
    variance_ratio=[dict(symbol=s, **v) for s in ("SPY", "EWG") for v in vr_list(logp[s], [2, 5, 10])],
    hurst=[dict(symbol=s, transform="log_returns", min_window=m, rs=hurst_rs(rets[s], m),
                dfa=hurst_dfa(rets[s], m)) for s, m in [("SPY", 8), ("EFA", 16)]],
    cusum=[dict(a=a, b=b, ddof=d, **dict(zip(("stat", "pvalue"), map(f, breaks_cusumolsresid(
        np.asarray(sm.OLS(df[a], sm.add_constant(df[b])).fit().resid), ddof=d)[:2]))))
        for a, b, d in [("SPY", "DIA", 0), ("EFA", "VGK", 2), ("EWG", "EWQ", 2)]],
    chow=[dict(a=a, b=b, **chow(np.asarray(df[a]), np.asarray(df[b]), i))
          for a, b, i in [("SPY", "DIA", 1070), ("EFA", "VGK", 500), ("EWG", "EWQ", 1800)]],
    zivot_andrews=[dict(symbol=s, transform="log", trim=t, maxlag=m, regression=r, autolag=al,
                        **za(logp[s], t, m, r, al))
                   for s, t, m, r, al in [("SPY", 0.15, None, "c", "AIC"),
                                          ("EWG", 0.10, 3, "t", None),
                                          ("EFA", 0.2, 2, "ct", None),
                                          ("TLT", 0.15, 6, "ct", "BIC")]],
    analyze_pair=analyze(["SPY", "DIA"]),
    analyze_symbols=analyze(["EFA", "VGK", "EWG"]),
)
json.dump(ref, sys.stdout, indent=1)
print()
