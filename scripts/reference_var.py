#!/usr/bin/env python3
"""Reference values for the `var` strategy's cold-thread fits (`hft::stats::vecm_fit`,
`hft::stats::markov_ar1_fit`): statsmodels `VECM` and `MarkovAutoregression` on the real ETF
closes in tests/data/etf23_daily.csv.

Run from the crate root (venv with numpy pandas statsmodels scipy):

    /work/venv-ref/bin/python scripts/reference_var.py > tests/data/var_reference.json

`tests/var_reference.rs` reads the output.
"""
import json
import sys
import warnings

import numpy as np
import pandas as pd
import scipy
import statsmodels
from statsmodels.tsa.vector_ar.vecm import VECM
from statsmodels.tsa.regime_switching.markov_autoregression import MarkovAutoregression

warnings.simplefilter("ignore")
df = pd.read_csv("tests/data/etf23_daily.csv", index_col="Date")

out = {
    "versions": {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "statsmodels": statsmodels.__version__,
    },
    "vecm": [],
}

# Closes (levels, as the strategy's grid rows), the first 1000 rows.
CASES = [
    ("EWG", "EWQ", 1, "ci"),
    ("EWG", "EWQ", 2, "co"),
    ("SPY", "DIA", 1, "ci"),
    ("XLB", "XLE", 3, "n"),
]
for a, b, k_ar_diff, det in CASES:
    y = df[[a, b]].iloc[:1000].to_numpy()
    res = VECM(y, k_ar_diff=k_ar_diff, coint_rank=1, deterministic=det).fit()
    beta = np.vstack([res.beta, res.det_coef_coint]) if det == "ci" else res.beta
    const = res.det_coef[:, 0] if det == "co" else np.zeros(2)
    out["vecm"].append({
        "a": a, "b": b, "rows": 1000, "k_ar_diff": k_ar_diff, "deterministic": det,
        "alpha": res.alpha.tolist(),
        "beta": beta.tolist(),
        "gamma": res.gamma.tolist(),
        "constant": const.tolist(),
        "sigma_u": res.sigma_u.tolist(),
        # One-step forecast of the levels after the sample (VECMResults.predict(steps=1)).
        "predict1": res.predict(steps=1)[0].tolist(),
        "predict5": res.predict(steps=5)[-1].tolist(),
    })

# Markov-switching AR(1) of a real spread: SPY - b DIA - a (OLS line, first 500 rows). The
# likelihood is multimodal: the reference is the best of statsmodels' default fit and a fit with
# 50 random searches (both reach the same optimum here, to 4e-6 in the log-likelihood).
y = df["SPY"].iloc[:500].to_numpy()
x = df["DIA"].iloc[:500].to_numpy()
slope, intercept = np.polyfit(x, y, 1)
spread = y - slope * x - intercept
model = MarkovAutoregression(spread, k_regimes=2, order=1, switching_ar=True,
                             switching_variance=True)
np.random.seed(0)
fits = [model.fit(), model.fit(search_reps=50, maxiter=500)]
best = max(fits, key=lambda r: r.llf)
params = np.asarray(best.params)
# Label the states as the crate does: state 0 has the smaller AR coefficient.
if params[6] > params[7]:
    params = np.array([1 - params[1], 1 - params[0], params[3], params[2], params[5],
                       params[4], params[7], params[6]])
probe = np.array([0.9, 0.05, -0.5, 0.5, 0.5, 0.2, 0.3, 0.95])
out["markov"] = {
    "series": spread.tolist(),
    "param_names": ["p00", "p10", "mean0", "mean1", "sigma2_0", "sigma2_1", "ar0", "ar1"],
    "params": params.tolist(),
    "llf": float(best.llf),
        # The log-likelihood at fixed parameters (no optimisation): MarkovAutoregression.loglike.
    "probe_params": probe.tolist(),
    "probe_llf": float(model.loglike(probe)),
    "probe_filtered_last": model.filter(probe).filtered_marginal_probabilities[-1].tolist(),
}

json.dump(out, sys.stdout, indent=1)
print()
