//! MacKinnon's approximate p-values and finite-sample critical values of the Engle-Granger test
//! with two variables and a constant in the cointegrating regression (statsmodels `coint(y0, y1,
//! trend="c")`, which calls `mackinnonp(stat, regression="c", N=2)` and
//! `mackinnoncrit(N=2, regression="c", nobs=nobs - 1)`).
//!
//! - **p-value:** MacKinnon (1994, "Approximate asymptotic distribution functions for unit-root
//!   and cointegration tests", *Journal of Business & Economic Statistics* 12(2), 167-176): the
//!   normal CDF of a polynomial in the statistic, a quadratic left of `tau_star` and a cubic right
//!   of it (Table 3 and 4, N = 2, constant), 0 below `tau_min` and 1 above `tau_max`. These are the
//!   published coefficients as statsmodels' `adfvalues.py` carries them (its scaling applied).
//! - **Critical values:** MacKinnon (2010, "Critical values for cointegration tests", Queen's
//!   Economics Department Working Paper 1227, Table 2, N = 2, "c"): `β∞ + β1/T + β2/T²` at
//!   1, 5 and 10 %, with `T = rows - 1` as statsmodels (to match Stata's `egranger`).

use crate::stats::normal_sf;

/// Below this the p-value is 0 (MacKinnon 1994, N = 2, constant).
const TAU_MIN: f64 = -18.86;
/// Above this the p-value is 1.
const TAU_MAX: f64 = 0.92;
/// The switch from the small-p to the large-p polynomial.
const TAU_STAR: f64 = -2.62;
/// `Φ(c0 + c1 t + c2 t²)` for `t <= TAU_STAR`.
const SMALL_P: [f64; 3] = [2.92, 1.5012, 3.9796e-2];
/// `Φ(c0 + c1 t + c2 t² + c3 t³)` for `t > TAU_STAR`.
const LARGE_P: [f64; 4] = [2.1945, 6.4695e-1, -2.9198e-1, -4.2377e-2];
/// `β∞, β1, β2` at 1, 5 and 10 % (MacKinnon 2010, Table 2, N = 2, "c").
const CRIT_2010: [[f64; 3]; 3] = [
    [-3.89644, -10.9519, -33.527],
    [-3.33613, -6.1101, -6.823],
    [-3.04445, -4.2412, -2.720],
];

/// MacKinnon's approximate asymptotic p-value of an Engle-Granger statistic (two variables,
/// constant): what statsmodels `coint` returns as its second value.
///
/// # Examples
/// ```
/// use hft::pairs::eg_p_value;
/// assert!((eg_p_value(-3.3377) - 0.05).abs() < 1e-3);
/// assert_eq!(eg_p_value(-20.0), 0.0);
/// assert_eq!(eg_p_value(1.0), 1.0);
/// ```
pub fn eg_p_value(stat: f64) -> f64 {
    if stat.is_nan() {
        return 1.0;
    }
    if stat > TAU_MAX {
        return 1.0;
    }
    if stat < TAU_MIN {
        return 0.0;
    }
    let z = if stat <= TAU_STAR {
        SMALL_P[0] + stat * (SMALL_P[1] + stat * SMALL_P[2])
    } else {
        LARGE_P[0] + stat * (LARGE_P[1] + stat * (LARGE_P[2] + stat * LARGE_P[3]))
    };
    normal_sf(-z)
}

/// MacKinnon's (2010) finite-sample critical values at 1, 5 and 10 % for a cointegrating
/// regression on `rows` rows (statsmodels `coint(...)[2]`).
///
/// # Examples
/// ```
/// use hft::pairs::eg_critical_values;
/// let c = eg_critical_values(2141);
/// assert!((c[1] - (-3.33613 - 6.1101 / 2140.0 - 6.823 / 2140.0f64.powi(2))).abs() < 1e-15);
/// ```
pub fn eg_critical_values(rows: usize) -> [f64; 3] {
    let t = rows.saturating_sub(1).max(1) as f64;
    CRIT_2010.map(|[b0, b1, b2]| b0 + b1 / t + b2 / (t * t))
}
