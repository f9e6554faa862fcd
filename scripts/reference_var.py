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

json.dump(out, sys.stdout, indent=1)
print()
