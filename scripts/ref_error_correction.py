#!/usr/bin/env python3
"""Reference values for `src/pairs/leader.rs` (error-correction loadings of a pair).

For the series below, the spread s = a - beta b - alpha (beta, alpha: OLS of a on b with a
constant), then the OLS slopes (with a constant) of the changes of a and of b on the lagged
spread: a[t] - a[t-1] on s[t-1] and b[t] - b[t-1] on s[t-1]. Run with statsmodels:
    /work/venv-ref/bin/python scripts/ref_error_correction.py
(statsmodels 0.15.0, numpy 2.4.6 gave the values in the test.)
"""

import numpy as np
import statsmodels.api as sm

# b wanders; a follows it through a spread that mostly closes within a row (a adjusts, b leads).
B = [100.0, 100.4, 99.9, 100.7, 101.2, 100.8, 101.5, 102.1, 101.6, 101.9, 102.6, 102.2, 102.9, 103.5, 103.1, 103.8]
A = [50.3, 50.1, 50.2, 50.2, 50.8, 50.3, 50.9, 51.0, 50.9, 50.8, 51.4, 51.2, 51.3, 51.9, 51.6, 51.8]

a, b = np.array(A), np.array(B)
fit = sm.OLS(a, sm.add_constant(b)).fit()
alpha, beta = fit.params
s = a - beta * b - alpha
lagged = sm.add_constant(s[:-1])
gamma_a = sm.OLS(np.diff(a), lagged).fit().params[1]
gamma_b = sm.OLS(np.diff(b), lagged).fit().params[1]
print(f"beta {beta!r} alpha {alpha!r}")
print(f"gamma_a {gamma_a!r} gamma_b {gamma_b!r}")
print(f"share_a {gamma_a / (gamma_a - beta * gamma_b)!r}")
