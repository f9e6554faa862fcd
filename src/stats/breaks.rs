//! Structural-break tests on a regression: the OLS-CUSUM test on residuals and the Chow test at
//! a known candidate index.
//!
//! - **OLS-CUSUM** (Ploberger and Krämer 1992, "The CUSUM test with OLS residuals",
//!   *Econometrica* 60(2)), as statsmodels `breaks_cusumolsresid(resid, ddof)`: with
//!   `σ̂² T = Σ e²` (times `T / (T - ddof)` when `ddof > 0`), the statistic is
//!   `max_t |Σ_{s ≤ t} e_s| / sqrt(σ̂² T)`, asymptotically the supremum of a Brownian bridge; the
//!   p-value is the Kolmogorov tail `kstwobign.sf(stat)` (see [`kolmogorov_sf`]).
//! - **Chow** (Chow 1960, "Tests of equality between sets of coefficients in two linear
//!   regressions", *Econometrica* 28(3)) for `y = a + b x + e` split at `index` (rows
//!   `..index` and `index..`): `F = ((S - S1 - S2) / k) / ((S1 + S2) / (n - 2k))` with `k = 2`
//!   and `S`, `S1`, `S2` the residual sums of squares of the pooled and the two separate fits;
//!   p-value from `F(k, n - 2k)`.

use super::{ModelError, f_sf, kolmogorov_sf};

/// A test statistic and its p-value.
///
/// # Examples
/// ```
/// use hft::stats::cusum_ols_resid;
/// let resid = [1.0, -1.0, 1.0, -1.0];
/// let t = cusum_ols_resid(&resid, 0).unwrap();
/// assert_eq!(t.stat, 0.5); // max |cumsum| = 1, sqrt(Σe²) = 2
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TestResult {
    /// The statistic.
    pub stat: f64,
    /// Its p-value.
    pub pvalue: f64,
}

/// The OLS-CUSUM test of regression residuals `resid` from a model with `ddof` parameters.
///
/// # Errors
/// [`ModelError::TooFewRows`] for fewer than `ddof + 2` residuals; [`ModelError::NonFinite`];
/// [`ModelError::Singular`] when every residual is zero.
///
/// # Examples
/// ```
/// use hft::stats::{ModelError, cusum_ols_resid};
/// assert_eq!(cusum_ols_resid(&[0.0; 10], 2).unwrap_err(), ModelError::Singular);
/// ```
pub fn cusum_ols_resid(resid: &[f64], ddof: usize) -> Result<TestResult, ModelError> {
    let n = resid.len();
    if n < ddof + 2 {
        return Err(ModelError::TooFewRows {
            needed: ddof + 2,
            got: n,
        });
    }
    if resid.iter().any(|e| !e.is_finite()) {
        return Err(ModelError::NonFinite);
    }
    let mut nobs_sigma2: f64 = resid.iter().map(|e| e * e).sum();
    if ddof > 0 {
        nobs_sigma2 = nobs_sigma2 / (n - ddof) as f64 * n as f64;
    }
    if nobs_sigma2 <= 0.0 {
        return Err(ModelError::Singular);
    }
    let scale = nobs_sigma2.sqrt();
    let (mut sum, mut sup) = (0.0f64, 0.0f64);
    for e in resid {
        sum += e;
        sup = sup.max((sum / scale).abs());
    }
    Ok(TestResult {
        stat: sup,
        pvalue: kolmogorov_sf(sup),
    })
}

/// Residual sum of squares of `y = a + b x` by least squares (centered sums).
fn line_ssr(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxx += dx * dx;
        sxy += dx * dy;
    }
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    // Residuals directly, not syy - slope·sxy, which cancels on a tight fit.
    let ssr: f64 = x
        .iter()
        .zip(y)
        .map(|(a, b)| {
            let e = (b - my) - slope * (a - mx);
            e * e
        })
        .sum();
    Some(ssr)
}

/// The Chow test for a break in `y = a + b x` at `index` (see the module docs in `src/stats/breaks.rs`).
///
/// # Errors
/// [`ModelError::Invalid`] for unequal lengths or an `index` that leaves fewer than three rows
/// on a side; [`ModelError::NonFinite`]; [`ModelError::Singular`] when `x` is constant on a side
/// or the split fits are exact.
///
/// # Examples
/// ```
/// use hft::stats::chow_test;
/// // The slope changes from 1 to 3 at row 50: a very large F.
/// let x: Vec<f64> = (0..100).map(|t| (t as f64 * 0.7).sin() + t as f64 * 0.01).collect();
/// let y: Vec<f64> = x.iter().enumerate().map(|(t, v)| if t < 50 { *v } else { 3.0 * v } + ((t * 7919) % 13) as f64 * 1e-3).collect();
/// let t = chow_test(&y, &x, 50).unwrap();
/// assert!(t.stat > 100.0 && t.pvalue < 1e-10);
/// ```
pub fn chow_test(y: &[f64], x: &[f64], index: usize) -> Result<TestResult, ModelError> {
    let n = y.len();
    if x.len() != n {
        return Err(ModelError::Invalid("series of different lengths"));
    }
    if index < 3 || index + 3 > n {
        return Err(ModelError::Invalid(
            "the Chow index must leave three rows on each side",
        ));
    }
    if x.iter().chain(y).any(|v| !v.is_finite()) {
        return Err(ModelError::NonFinite);
    }
    let pooled = line_ssr(x, y).ok_or(ModelError::Singular)?;
    let first = line_ssr(&x[..index], &y[..index]).ok_or(ModelError::Singular)?;
    let second = line_ssr(&x[index..], &y[index..]).ok_or(ModelError::Singular)?;
    let k = 2.0;
    let within = first + second;
    let df = (n - 4) as f64;
    let stat = ((pooled - within) / k) / (within / df);
    if !stat.is_finite() || within <= 0.0 {
        return Err(ModelError::Singular);
    }
    Ok(TestResult {
        stat,
        pvalue: f_sf(stat, k, df),
    })
}
