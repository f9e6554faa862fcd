//! Lag selection for the Dickey-Fuller regression without a constant, as statsmodels
//! `adfuller(x, maxlag=None, regression="n", autolag="AIC")` does it (and so `coint`):
//!
//! - **Largest lag** (Schwert 1989, as statsmodels): `maxlag = ceil(12 (N/100)^(1/4))`, capped at
//!   `N/2 - 1` (integer division; `N` the length of the series).
//! - **Common sample.** Every candidate `0..=maxlag` is fitted on the same `N - 1 - maxlag`
//!   observations, so the criteria compare.
//! - **AIC** of each: `-2 llf + 2 (L + 1)` with the Gaussian log-likelihood of the OLS fit, the
//!   lowest wins, the smaller lag on a tie (statsmodels takes `min((aic, lag))`).
//! - The statistic is then the t ratio of the level in the regression with the chosen lag, refitted
//!   on its own (longer) sample: [`adf_no_constant`](super::adf_no_constant).
//!
//! The candidates are nested (level, then lags 1, 2, ...), so one Cholesky factor of the cross
//! products gives every candidate's residual sum of squares (`y'y - |L⁻¹X'y|²` over the leading
//! block). The cross products of the lagged differences over a sample shifted by one row differ by
//! one term in and one term out, so the whole matrix costs `O(N maxlag)` instead of
//! `O(N maxlag²)`: this is what makes 124,750 pairs tractable (see `hft pairs` in the README). The
//! criteria only choose the lag; the reported statistic comes from the QR fit, as before.

use super::stats::adf_no_constant;

/// How many lagged differences the Dickey-Fuller regression gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdfLags {
    /// Exactly this many (0: the plain Dickey-Fuller regression).
    Fixed(usize),
    /// Chosen by AIC up to Schwert's maximum, as statsmodels `autolag="AIC"` (the default).
    #[default]
    Aic,
}

/// A Dickey-Fuller statistic with the lag it used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adf {
    /// The t ratio of the lagged level.
    pub stat: f64,
    /// Lagged differences in the regression.
    pub lags: usize,
}

/// Schwert's largest lag for a series of `n` values, capped as statsmodels caps it (regression
/// without deterministic terms); `None` when the series is too short for any lag.
///
/// # Examples
/// ```
/// use hft::pairs::schwert_maxlag;
/// assert_eq!(schwert_maxlag(2141), Some(26));
/// assert_eq!(schwert_maxlag(252), Some(16));
/// assert_eq!(schwert_maxlag(10), Some(4));
/// assert_eq!(schwert_maxlag(1), None);
/// ```
pub fn schwert_maxlag(n: usize) -> Option<usize> {
    let rule = (12.0 * (n as f64 / 100.0).powf(0.25)).ceil() as usize;
    (n / 2).checked_sub(1).map(|cap| cap.min(rule))
}

/// The Dickey-Fuller statistic (no constant) of `series` with lags per `lags`.
///
/// # Examples
/// ```
/// use hft::pairs::{AdfLags, adf};
/// let noise: Vec<f64> = (0..300).map(|t| ((t as f64 * 12.9898).sin() * 43758.5453).fract() - 0.5).collect();
/// let fixed = adf(&noise, AdfLags::Fixed(2)).unwrap();
/// assert_eq!(fixed.lags, 2);
/// assert!(fixed.stat < -3.0);
/// let chosen = adf(&noise, AdfLags::Aic).unwrap();
/// assert!(chosen.lags <= hft::pairs::schwert_maxlag(300).unwrap());
/// ```
pub fn adf(series: &[f64], lags: AdfLags) -> Option<Adf> {
    let lags = match lags {
        AdfLags::Fixed(k) => k,
        AdfLags::Aic => aic_lag(series)?,
    };
    adf_no_constant(series, lags).map(|stat| Adf { stat, lags })
}

/// The lag AIC chooses (see the module docs).
fn aic_lag(x: &[f64]) -> Option<usize> {
    let n = x.len();
    let max = schwert_maxlag(n)?;
    if max == 0 {
        return Some(0);
    }
    if n < max + 3 || !x.iter().all(|v| v.is_finite()) {
        return None;
    }
    let d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    // Rows are the differences t = max ..= n - 2: y = d[t], level x[t], lag l: d[t - l].
    let (first, last) = (max, n - 2);
    let nobs = last + 1 - first;
    let p = max + 1; // 1 + max regressors: level, lags 1..=max
    // dd[l][m] = Σ_t d[t-l] d[t-m] for l, m in 0..=max (index 0 is y itself).
    let mut dd = vec![0.0; p * p];
    for m in 0..p {
        dd[m] = (first..=last).map(|t| d[t] * d[t - m]).sum();
    }
    for l in 1..p {
        for m in l..p {
            // Shift the sample back by one row: one term in, one term out.
            dd[l * p + m] = dd[(l - 1) * p + m - 1] + d[first - l] * d[first - m]
                - d[last + 1 - l] * d[last + 1 - m];
        }
    }
    // The Gram matrix of the regressors [level, lag 1..=max] and X'y.
    let mut gram = vec![0.0; p * p];
    let mut xty = vec![0.0; p];
    gram[0] = (first..=last).map(|t| x[t] * x[t]).sum();
    xty[0] = (first..=last).map(|t| x[t] * d[t]).sum();
    for m in 1..p {
        let v: f64 = (first..=last).map(|t| x[t] * d[t - m]).sum();
        gram[m] = v;
        gram[m * p] = v;
        xty[m] = dd[m];
        for l in 1..=m {
            gram[l * p + m] = dd[l * p + m];
            gram[m * p + l] = dd[l * p + m];
        }
    }
    let yty = dd[0];
    // Cholesky row by row; after row j, the fit on the first j + 1 regressors is known.
    let mut chol = vec![0.0; p * p];
    let mut w = vec![0.0; p];
    let (mut explained, mut best) = (0.0, None::<(f64, usize)>);
    for j in 0..p {
        for k in 0..=j {
            let s: f64 = gram[j * p + k]
                - (0..k)
                    .map(|i| chol[j * p + i] * chol[k * p + i])
                    .sum::<f64>();
            if k == j {
                // A regressor (numerically) in the span of the earlier ones ends the search.
                if s.is_nan() || s <= 1e-12 * gram[j * p + j] {
                    return best.map(|(_, lag)| lag);
                }
                chol[j * p + j] = s.sqrt();
            } else {
                chol[j * p + k] = s / chol[k * p + k];
            }
        }
        w[j] = (xty[j] - (0..j).map(|i| chol[j * p + i] * w[i]).sum::<f64>()) / chol[j * p + j];
        explained += w[j] * w[j];
        let ssr = yty - explained;
        if ssr.is_nan() || ssr <= 0.0 {
            return best.map(|(_, lag)| lag).or(Some(j));
        }
        // AIC up to terms common to every candidate: nobs ln(ssr) + 2 (number of regressors).
        let aic = nobs as f64 * ssr.ln() + 2.0 * (j + 1) as f64;
        if best.is_none_or(|(b, _)| aic < b) {
            best = Some((aic, j));
        }
    }
    best.map(|(_, lag)| lag)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The criterion by brute force: every candidate fitted by QR on the common sample.
    fn brute_force_lag(x: &[f64]) -> usize {
        use crate::stats::{Matrix, least_squares};
        let n = x.len();
        let max = schwert_maxlag(n).unwrap();
        let d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
        let rows: Vec<usize> = (max..=n - 2).collect();
        let y = Matrix::from_fn(rows.len(), 1, |r, _| d[rows[r]]);
        let mut best = (f64::INFINITY, 0);
        for lag in 0..=max {
            let design = Matrix::from_fn(rows.len(), lag + 1, |r, c| {
                if c == 0 { x[rows[r]] } else { d[rows[r] - c] }
            });
            let (_, resid) = least_squares(&design, &y).unwrap();
            let ssr: f64 = (0..rows.len()).map(|r| resid[(r, 0)].powi(2)).sum();
            let aic = rows.len() as f64 * ssr.ln() + 2.0 * (lag + 1) as f64;
            if aic < best.0 {
                best = (aic, lag);
            }
        }
        best.1
    }

    #[test]
    fn the_recursive_cross_products_choose_the_brute_force_lag() {
        // An AR(3) in differences makes lags matter.
        let noise = |t: usize| ((t as f64 * 78.233).sin() * 43758.5453).fract() - 0.5;
        for (len, seed) in [(60usize, 1usize), (250, 2), (700, 3)] {
            let mut d = vec![0.0; len];
            for t in 3..len {
                d[t] = 0.5 * d[t - 1] - 0.3 * d[t - 2] + 0.2 * d[t - 3] + noise(t + 1000 * seed);
            }
            let mut x = vec![0.0];
            for t in 1..len {
                x.push(0.9 * x[t - 1] + d[t]);
            }
            assert_eq!(aic_lag(&x), Some(brute_force_lag(&x)), "len {len}");
        }
    }

    #[test]
    fn short_or_broken_series_have_no_lag() {
        assert_eq!(aic_lag(&[1.0]), None);
        assert_eq!(aic_lag(&[1.0, f64::NAN, 2.0, 3.0, 1.0, 0.0]), None);
        assert!(adf(&[0.0; 40], AdfLags::Aic).is_none());
    }
}
