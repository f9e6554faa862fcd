//! Vector autoregression VAR(p) with a constant, estimated equation by equation by OLS, and lag
//! order selection by information criteria.
//!
//! Model (Lütkepohl 2005, *New Introduction to Multiple Time Series Analysis*, ch. 3 and 4.3):
//! `y_t = c + A_1 y_{t-1} + … + A_p y_{t-p} + u_t` for `k` series. Definitions follow statsmodels
//! (`statsmodels.tsa.api.VAR`, `VARResults`, `VAR.select_order`, trend `"c"`):
//!
//! - `nobs = n - p` rows; the design has `df_model = k p + 1` columns.
//! - `sigma_u = Û'Û / (nobs - df_model)`; `sigma_u_mle = Û'Û / nobs`.
//! - With `ld = ln det sigma_u_mle` and `free = p k² + k` (the constants count):
//!   `aic = ld + 2 free / nobs`, `bic = ld + ln(nobs) free / nobs`,
//!   `hqic = ld + 2 ln(ln nobs) free / nobs`,
//!   `fpe = ((nobs + df_model) / (nobs - df_model))^k exp(ld)`.
//! - `select_order(max_lags)` fits every `p` in `0..=max_lags` on the same rows (the first
//!   `max_lags - p` rows are dropped for order `p`) and picks the smallest criterion (the lowest
//!   order on a tie).
//!
//! Cold path: allocates freely.

use super::{Matrix, ModelError, least_squares, spd_log_det};

/// The four information criteria of a fit (statsmodels' definitions, see the module docs).
///
/// # Examples
/// ```
/// use hft::stats::var_fit;
/// let x: Vec<f64> = (0..60).map(|t| ((t * 7) % 11) as f64).collect();
/// let y: Vec<f64> = (0..60).map(|t| ((t * 5) % 13) as f64).collect();
/// let fit = var_fit(&[x, y], 1).unwrap();
/// assert!(fit.criteria.bic > fit.criteria.aic);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct InfoCriteria {
    /// Akaike.
    pub aic: f64,
    /// Schwarz (Bayesian).
    pub bic: f64,
    /// Hannan-Quinn.
    pub hqic: f64,
    /// Final prediction error.
    pub fpe: f64,
}

/// A fitted VAR(p).
///
/// # Examples
/// ```
/// use hft::stats::var_fit;
/// // y_t = 0.5 y_{t-1} + noise, one series.
/// let mut y = vec![0.0];
/// for t in 1..200 { y.push(0.5 * y[t - 1] + ((t * 7919) % 17) as f64 / 17.0 - 0.5); }
/// let fit = var_fit(&[y], 1).unwrap();
/// assert_eq!(fit.coefs.len(), 1);
/// assert!((fit.coefs[0][(0, 0)] - 0.5).abs() < 0.2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct VarFit {
    /// The lag order `p`.
    pub order: usize,
    /// Rows used (`n - p`, less any offset).
    pub nobs: usize,
    /// The constant `c`, one per series.
    pub intercept: Vec<f64>,
    /// `A_1 … A_p`; `coefs[l][(i, j)]` is the effect of series `j` at lag `l + 1` on series `i`.
    pub coefs: Vec<Matrix>,
    /// Residual covariance with the degrees-of-freedom correction.
    pub sigma_u: Matrix,
    /// Information criteria of this fit.
    pub criteria: InfoCriteria,
}

/// The criteria of every order `0..=max_lags` on a common sample, and each criterion's choice.
///
/// # Examples
/// ```
/// use hft::stats::var_select_order;
/// let x: Vec<f64> = (0..120).map(|t| ((t * 7) % 11) as f64).collect();
/// let sel = var_select_order(&[x], 4).unwrap();
/// assert_eq!(sel.criteria.len(), 5);
/// assert!(sel.aic <= 4);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LagSelection {
    /// `criteria[p]` for `p` in `0..=max_lags`.
    pub criteria: Vec<InfoCriteria>,
    /// The order with the smallest AIC.
    pub aic: usize,
    /// The order with the smallest BIC.
    pub bic: usize,
    /// The order with the smallest HQIC.
    pub hqic: usize,
    /// The order with the smallest FPE.
    pub fpe: usize,
}

fn check_columns<S: AsRef<[f64]>>(series: &[S]) -> Result<usize, ModelError> {
    let Some(first) = series.first() else {
        return Err(ModelError::Invalid("no series"));
    };
    let n = first.as_ref().len();
    if series.iter().any(|s| s.as_ref().len() != n) {
        return Err(ModelError::Invalid("series of different lengths"));
    }
    if series
        .iter()
        .any(|s| s.as_ref().iter().any(|v| !v.is_finite()))
    {
        return Err(ModelError::NonFinite);
    }
    Ok(n)
}

/// Fits VAR(`order`) with a constant to the `series` (one slice per variable, aligned), as
/// statsmodels `VAR(np.column_stack(series)).fit(order)`.
///
/// # Errors
/// [`ModelError::TooFewRows`] when fewer than `k p + 2` rows remain after the lags;
/// [`ModelError::Singular`] for collinear regressors (e.g. a constant series);
/// [`ModelError::NonFinite`]; [`ModelError::Invalid`] for no series or unequal lengths.
///
/// # Examples
/// ```
/// use hft::stats::{ModelError, var_fit};
/// assert_eq!(var_fit(&[vec![1.0; 50]], 1).unwrap_err(), ModelError::Singular);
/// ```
pub fn var_fit<S: AsRef<[f64]>>(series: &[S], order: usize) -> Result<VarFit, ModelError> {
    check_columns(series)?;
    fit_with_offset(series, order, 0)
}

fn fit_with_offset<S: AsRef<[f64]>>(
    series: &[S],
    order: usize,
    offset: usize,
) -> Result<VarFit, ModelError> {
    let k = series.len();
    let n = series[0].as_ref().len();
    let df_model = k * order + 1;
    let needed = offset + order + df_model + 1;
    if n < needed {
        return Err(ModelError::TooFewRows { needed, got: n });
    }
    let nobs = n - offset - order;
    let at = |var: usize, t: usize| series[var].as_ref()[t];
    // Row r is time t = offset + order + r: [1, y_{t-1}, …, y_{t-p}].
    let x = Matrix::from_fn(nobs, df_model, |r, c| {
        if c == 0 {
            1.0
        } else {
            let (lag, var) = ((c - 1) / k + 1, (c - 1) % k);
            at(var, offset + order + r - lag)
        }
    });
    let y = Matrix::from_fn(nobs, k, |r, var| at(var, offset + order + r));
    let (params, resid) = least_squares(&x, &y).ok_or(ModelError::Singular)?;
    let sse = resid.t_matmul(&resid);
    let df_resid = nobs - df_model;
    let sigma_u = sse.clone().scaled(1.0 / df_resid as f64);
    let ld = spd_log_det(&sse.scaled(1.0 / nobs as f64)).ok_or(ModelError::Singular)?;
    let free = (order * k * k + k) as f64;
    let nf = nobs as f64;
    let criteria = InfoCriteria {
        aic: ld + 2.0 / nf * free,
        bic: ld + nf.ln() / nf * free,
        hqic: ld + 2.0 * nf.ln().ln() / nf * free,
        fpe: ((nf + df_model as f64) / df_resid as f64).powi(k as i32) * ld.exp(),
    };
    let coefs = (0..order)
        .map(|l| Matrix::from_fn(k, k, |i, j| params[(1 + l * k + j, i)]))
        .collect();
    Ok(VarFit {
        order,
        nobs,
        intercept: (0..k).map(|i| params[(0, i)]).collect(),
        coefs,
        sigma_u,
        criteria,
    })
}

/// The information criteria of VAR(p) for every `p` in `0..=max_lags`, all on the rows after the
/// first `max_lags`, and the order each selects (statsmodels `VAR(...).select_order(max_lags)`,
/// trend `"c"`).
///
/// # Errors
/// [`ModelError::TooFewRows`] when `max_lags` exceeds statsmodels' largest estimable order
/// `(n - k - 1) / (1 + k)`; otherwise as [`var_fit`].
///
/// # Examples
/// ```
/// use hft::stats::{ModelError, var_select_order};
/// let short = vec![1.0, 3.0, 2.0, 5.0, 4.0];
/// assert!(matches!(var_select_order(&[short], 3), Err(ModelError::TooFewRows { .. })));
/// ```
pub fn var_select_order<S: AsRef<[f64]>>(
    series: &[S],
    max_lags: usize,
) -> Result<LagSelection, ModelError> {
    let n = check_columns(series)?;
    let k = series.len();
    let max_estimable = n.saturating_sub(k + 1) / (1 + k);
    if max_lags > max_estimable {
        return Err(ModelError::TooFewRows {
            needed: max_lags * (1 + k) + k + 1,
            got: n,
        });
    }
    let criteria = (0..=max_lags)
        .map(|p| fit_with_offset(series, p, max_lags - p).map(|fit| fit.criteria))
        .collect::<Result<Vec<_>, _>>()?;
    let best = |value: fn(&InfoCriteria) -> f64| {
        let mut best = 0;
        for (p, c) in criteria.iter().enumerate() {
            if value(c) < value(&criteria[best]) {
                best = p;
            }
        }
        best
    };
    Ok(LagSelection {
        aic: best(|c| c.aic),
        bic: best(|c| c.bic),
        hqic: best(|c| c.hqic),
        fpe: best(|c| c.fpe),
        criteria,
    })
}
