#!/usr/bin/env python3
"""Reference values for the factor model (`hft::stats::FactorModel`, `hft analyze --basket`).

Run from the crate root with numpy, pandas and statsmodels installed:

    python3 -m venv /work/venv-ref && /work/venv-ref/bin/pip install numpy pandas statsmodels
    /work/venv-ref/bin/python scripts/reference_factor.py > tests/data/factor_reference.json

Each case takes the last `factor_window` simple returns (`pandas pct_change`) of the named ETFs
of `tests/data/etf23_daily.csv` and computes, written from Avellaneda and Lee (2010) with the
library call named beside each step:

- correlation matrix: `numpy.corrcoef`; eigenvalues and vectors: `numpy.linalg.eigh`, reordered
  largest first; each vector's sign turned so that its largest-magnitude component is positive
  (`numpy.argmax(abs(v))`, the first on a tie: the rule of `src/stats/factor`);
- explained variance `eigenvalues / eigenvalues.sum()`; k fixed, or the fewest whose cumulative
  ratio reaches the fraction;
- eigenportfolio weights `v / std(ddof=1)`; factor returns `R @ W` on the last
  `residual_window` rows;
- per name `statsmodels OLS(R_i, add_constant(F)).fit()`: intercept, betas, residuals;
- cumulative residual `numpy.cumsum(resid)`; AR(1) `statsmodels OLS(X[1:],
  add_constant(X[:-1])).fit()`: a, b, `scale` (var_e = SSR / (nobs - 2));
- kappa = -ln(b) / dt, m = a / (1 - b), sigma_eq = sqrt(var_e / (1 - b^2)) for b in (0, 1);
  m_centred = m - mean(m over those names); s = (X[-1] - m_centred) / sigma_eq.
"""
import json
import sys

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm

df = pd.read_csv("tests/data/etf23_daily.csv", index_col="Date")
rets = df.pct_change().iloc[1:]
ALL = list(df.columns)

CASES = [
    dict(name="all23_fixed3", symbols=ALL, factor_window=252, residual_window=60,
         k=dict(fixed=3), dt=1 / 252),
    dict(name="all23_explained55", symbols=ALL, factor_window=252, residual_window=60,
         k=dict(explained=0.55), dt=1 / 252),
    dict(name="equity6_fixed2", symbols=["SPY", "DIA", "XLF", "XLE", "XLK", "XLU"],
         factor_window=120, residual_window=40, k=dict(fixed=2), dt=1.0),
]


def fit(case):
    r = rets[case["symbols"]].to_numpy()[-case["factor_window"]:]
    n = r.shape[1]
    corr = np.corrcoef(r, rowvar=False)
    values, vectors = np.linalg.eigh(corr)
    order = np.argsort(-values, kind="stable")
    values, vectors = values[order], vectors[:, order]
    for j in range(n):
        if vectors[np.argmax(np.abs(vectors[:, j])), j] < 0:
            vectors[:, j] = -vectors[:, j]
    explained = values / values.sum()
    if "fixed" in case["k"]:
        k = case["k"]["fixed"]
    else:
        k = int(np.argmax(np.cumsum(explained) >= case["k"]["explained"] - 1e-12)) + 1
    std = r.std(axis=0, ddof=1)
    weights = vectors[:, :k] / std[:, None]
    tail = r[-case["residual_window"]:]
    factors = tail @ weights
    design = sm.add_constant(factors, has_constant="add")
    names = []
    for i, symbol in enumerate(case["symbols"]):
        reg = sm.OLS(tail[:, i], design).fit()
        x = np.cumsum(reg.resid)
        ar = sm.OLS(x[1:], sm.add_constant(x[:-1])).fit()
        a, b = float(ar.params[0]), float(ar.params[1])
        names.append(dict(symbol=symbol, std=float(std[i]), intercept=float(reg.params[0]),
                          betas=[float(v) for v in reg.params[1:]], a=a, b=b,
                          var_e=float(ar.scale), x_last=float(x[-1])))
    tradeable = [v for v in names if 0 < v["b"] < 1]
    for v in tradeable:
        b = v["b"]
        v["kappa"] = float(-np.log(b) / case["dt"])
        v["m"] = v["a"] / (1 - b)
        v["sigma_eq"] = float(np.sqrt(v["var_e"] / (1 - b * b)))
    mean_m = float(np.mean([v["m"] for v in tradeable])) if tradeable else 0.0
    for v in names:
        if v in tradeable:
            v["m_centred"] = v["m"] - mean_m
            v["s_score"] = (v["x_last"] - v["m_centred"]) / v["sigma_eq"]
        else:
            for key in ("kappa", "m", "sigma_eq", "m_centred", "s_score"):
                v[key] = None
    return dict(case, k_kept=k, eigenvalues=[float(v) for v in values],
                explained_variance=[float(v) for v in explained],
                loadings=[[float(x) for x in vectors[:, j]] for j in range(k)],
                eigenportfolios=[[float(x) for x in weights[:, j]] for j in range(k)],
                names=names)


json.dump(dict(versions=dict(python=sys.version.split()[0], numpy=np.__version__,
                             pandas=pd.__version__, statsmodels=statsmodels.__version__),
               cases=[fit(c) for c in CASES]), sys.stdout, indent=1)
sys.stdout.write("\n")
