//! The vector error-correction model (VECM) by maximum likelihood (Johansen's reduced-rank
//! regression), and the levels-VAR form of a VECM or of a VAR in differences, for forecasting.
//!
//! Model (Lütkepohl 2005, *New Introduction to Multiple Time Series Analysis*, ch. 7.2.3):
//! `Δy_t = α β' y⁺_{t-1} + Γ_1 Δy_{t-1} + … + Γ_{p-1} Δy_{t-p+1} + c + u_t` with cointegration
//! rank `r`, `y⁺ = (y, 1)` when the constant is inside the cointegration relation
//! ([`VecmDeterministic::Inside`], statsmodels `"ci"`), `c` only with the constant outside
//! (`"co"`). The computation follows statsmodels' `VECM(endog, k_ar_diff, coint_rank,
//! deterministic).fit()` (method `"ml"`) step by step, from its documented definitions:
//!
//! 1. With `p = k_ar_diff + 1` and `T = n - p` rows: `ΔY` the differences at `t = p..n`, `Y₁`
//!    the levels at `t - 1` (with a column of ones for `"ci"`), `ΔX` the lagged differences,
//!    lag 1 first (with a column of ones for `"co"`).
//! 2. `R0`, `R1`: residuals of `ΔY` and `Y₁` regressed on `ΔX`; `Sij = Ri'Rj / T`.
//! 3. `β̃`: the eigenvectors of the `r` largest solutions of `|λ S11 - S10 S00⁻¹ S01| = 0`,
//!    normalised so that its first `r` rows are the identity (`β̃ (β̃[..r])⁻¹`).
//! 4. `α = S01 β (β' S11 β)⁻¹`; `Γ` (and `c`) by least squares of `ΔY - Y₁ β α'` on `ΔX`;
//!    `Σ_u = Û'Û / T`.
//!
//! Cold path: allocates freely.

use super::linalg::lower_inverse;
use super::{Matrix, ModelError, cholesky, inverse, least_squares, symmetric_eigen};

/// Where the VECM's constant sits (statsmodels' `deterministic`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VecmDeterministic {
    /// No constant (`"n"`).
    None,
    /// A constant in each equation, outside the cointegration relation (`"co"`).
    Outside,
    /// A constant inside the cointegration relation (`"ci"`): the spread's intercept.
    Inside,
}

/// A fitted VECM (statsmodels `VECMResults`' `alpha`, `beta`, `const_coint`, `gamma`, `det_coef`,
/// `sigma_u`).
///
/// # Examples
/// ```
/// use hft::stats::{VecmDeterministic, vecm_fit};
/// // b a random walk (a deterministic hash standing in for draws), a = 2 b + 1 + noise.
/// let noise = |t: usize| ((t as f64 * 12.9898).sin() * 43758.5453).fract().abs() - 0.5;
/// let b: Vec<f64> = (0..400).scan(0.0, |l, t| { *l += noise(t); Some(*l) }).collect();
/// let a: Vec<f64> = b.iter().enumerate().map(|(t, v)| 2.0 * v + 1.0 + 0.3 * noise(t + 999)).collect();
/// let v = vecm_fit(&[a, b], 1, 1, VecmDeterministic::Inside).unwrap();
/// assert_eq!(v.beta[(0, 0)], 1.0); // normalised on the first series
/// assert!((v.beta[(1, 0)] + 2.0).abs() < 0.05); // spread = a - 2 b - 1
/// assert!((v.beta[(2, 0)] + 1.0).abs() < 0.2);
/// assert!(v.alpha[(0, 0)] < 0.0); // a falls back when the spread is high
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Vecm {
    /// Lagged differences `p - 1`.
    pub k_ar_diff: usize,
    /// Cointegration rank `r`.
    pub coint_rank: usize,
    /// Where the constant sits.
    pub deterministic: VecmDeterministic,
    /// Rows used, `T = n - k_ar_diff - 1`.
    pub nobs: usize,
    /// Loadings `α`, `k x r`.
    pub alpha: Matrix,
    /// Cointegration vectors `β`, `(k + 1) x r` with [`VecmDeterministic::Inside`] (the last row
    /// is statsmodels' `const_coint`), else `k x r`.
    pub beta: Matrix,
    /// `[Γ_1 … Γ_{p-1}]`, `k x k (p - 1)`.
    pub gamma: Matrix,
    /// The constant outside the relation (zeros unless [`VecmDeterministic::Outside`]).
    pub constant: Vec<f64>,
    /// Residual covariance `Û'Û / T`.
    pub sigma_u: Matrix,
    /// Every eigenvalue of step 3, largest first.
    pub eigenvalues: Vec<f64>,
}

/// A VAR in levels, `y_t = c + A_1 y_{t-1} + … + A_p y_{t-p} + u_t`: the form both a VECM and
/// a VAR in differences take for forecasting.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelsVar {
    /// `c`.
    pub constant: Vec<f64>,
    /// `A_1 … A_p`, each `k x k`.
    pub coefs: Vec<Matrix>,
    /// The innovations' covariance.
    pub sigma_u: Matrix,
}

impl LevelsVar {
    /// The point forecasts of `y_{n+1} … y_{n+steps}` after the aligned `history` (one slice per
    /// variable, at least `p` rows), as statsmodels `VECMResults.predict(steps)` /
    /// `VARResults.forecast`.
    ///
    /// # Errors
    /// [`ModelError::Invalid`] for a history of other width or shorter than the order.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{Matrix, levels_from_differences};
    /// let d = Matrix::from_rows(&[vec![0.5]]);
    /// let l = levels_from_differences(None, &[d], vec![0.0], Matrix::from_rows(&[vec![1.0]]));
    /// // Last change +2: the next changes are +1, +0.5.
    /// let f = l.forecast(&[vec![0.0, 2.0]], 2).unwrap();
    /// assert_eq!(f, vec![vec![3.0], vec![3.5]]);
    /// ```
    pub fn forecast<S: AsRef<[f64]>>(
        &self,
        history: &[S],
        steps: usize,
    ) -> Result<Vec<Vec<f64>>, ModelError> {
        let k = self.constant.len();
        let p = self.coefs.len();
        if history.len() != k || history.iter().any(|s| s.as_ref().len() < p) {
            return Err(ModelError::Invalid("forecast history of the wrong shape"));
        }
        // Newest first.
        let mut lags: Vec<Vec<f64>> = (0..p)
            .map(|l| {
                history
                    .iter()
                    .map(|s| s.as_ref()[s.as_ref().len() - 1 - l])
                    .collect()
            })
            .collect();
        let mut out = Vec::with_capacity(steps);
        for _ in 0..steps {
            let next: Vec<f64> = (0..k)
                .map(|i| {
                    self.constant[i]
                        + (0..p)
                            .map(|l| {
                                (0..k)
                                    .map(|j| self.coefs[l][(i, j)] * lags[l][j])
                                    .sum::<f64>()
                            })
                            .sum::<f64>()
                })
                .collect();
            lags.pop();
            lags.insert(0, next.clone());
            out.push(next);
        }
        Ok(out)
    }
}

impl Vecm {
    /// The VECM as a VAR in levels of order `p = k_ar_diff + 1` (Lütkepohl eq. 6.3.8):
    /// `A_1 = I + Π + Γ_1`, `A_i = Γ_i - Γ_{i-1}`, `A_p = -Γ_{p-1}`, with `Π = α β'` on the
    /// levels and the constant `c + α β_const'`.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{VecmDeterministic, vecm_fit};
    /// let noise = |t: usize| ((t as f64 * 12.9898).sin() * 43758.5453).fract().abs() - 0.5;
    /// let b: Vec<f64> = (0..300).scan(0.0, |l, t| { *l += noise(t); Some(*l) }).collect();
    /// let a: Vec<f64> = b.iter().enumerate().map(|(t, v)| v + 0.3 * noise(t + 7)).collect();
    /// let v = vecm_fit(&[a, b], 2, 1, VecmDeterministic::Inside).unwrap();
    /// let l = v.levels_var();
    /// assert_eq!(l.coefs.len(), 3);
    /// // The lag polynomial at 1 is Π: the coefficients sum to I + α β'.
    /// let sum00: f64 = l.coefs.iter().map(|a| a[(0, 0)]).sum();
    /// assert!((sum00 - (1.0 + v.alpha[(0, 0)] * v.beta[(0, 0)])).abs() < 1e-12);
    /// ```
    pub fn levels_var(&self) -> LevelsVar {
        let k = self.alpha.rows();
        let pi = Matrix::from_fn(k, k, |i, j| {
            (0..self.coint_rank)
                .map(|s| self.alpha[(i, s)] * self.beta[(j, s)])
                .sum()
        });
        let mut constant = self.constant.clone();
        if self.deterministic == VecmDeterministic::Inside {
            for (i, c) in constant.iter_mut().enumerate() {
                *c += (0..self.coint_rank)
                    .map(|s| self.alpha[(i, s)] * self.beta[(k, s)])
                    .sum::<f64>();
            }
        }
        let gamma = |l: usize| Matrix::from_fn(k, k, |i, j| self.gamma[(i, l * k + j)]);
        let diffs: Vec<Matrix> = (0..self.k_ar_diff).map(gamma).collect();
        levels_from_differences(Some(&pi), &diffs, constant, self.sigma_u.clone())
    }
}

/// A VAR in differences `Δy_t = c + Π y_{t-1} + Σ D_i Δy_{t-i}` (`Π` absent for a VAR in
/// differences) written in levels: `A_1 = I + Π + D_1`, `A_i = D_i - D_{i-1}`, `A_{p+1} = -D_p`.
///
/// # Examples
/// ```
/// use hft::stats::{Matrix, levels_from_differences};
/// // Δy_t = 0.5 Δy_{t-1}: y_t = 1.5 y_{t-1} - 0.5 y_{t-2}.
/// let d = Matrix::from_rows(&[vec![0.5]]);
/// let l = levels_from_differences(None, &[d], vec![0.0], Matrix::from_rows(&[vec![1.0]]));
/// assert_eq!(l.coefs.iter().map(|a| a[(0, 0)]).collect::<Vec<_>>(), [1.5, -0.5]);
/// ```
pub fn levels_from_differences(
    pi: Option<&Matrix>,
    diffs: &[Matrix],
    constant: Vec<f64>,
    sigma_u: Matrix,
) -> LevelsVar {
    let k = constant.len();
    let order = diffs.len() + 1;
    let coefs = (0..order)
        .map(|i| {
            Matrix::from_fn(k, k, |r, c| {
                let d = |l: usize| diffs.get(l).map_or(0.0, |m| m[(r, c)]);
                if i == 0 {
                    let eye = if r == c { 1.0 } else { 0.0 };
                    eye + pi.map_or(0.0, |p| p[(r, c)]) + d(0)
                } else {
                    d(i) - d(i - 1)
                }
            })
        })
        .collect();
    LevelsVar {
        constant,
        coefs,
        sigma_u,
    }
}

/// Fits a VECM to the aligned `series` (one slice per variable), as statsmodels
/// `VECM(np.column_stack(series), k_ar_diff=k_ar_diff, coint_rank=coint_rank,
/// deterministic=…).fit()`.
///
/// # Errors
/// [`ModelError::Invalid`] for fewer than two series, unequal lengths, or a rank outside
/// `1..=k`; [`ModelError::TooFewRows`]; [`ModelError::NonFinite`]; [`ModelError::Singular`] for
/// collinear series.
///
/// # Examples
/// ```
/// use hft::stats::{ModelError, VecmDeterministic, vecm_fit};
/// let a: Vec<f64> = (0..50).map(|t| (t as f64).sin()).collect();
/// let err = vecm_fit(&[a.clone(), a], 1, 3, VecmDeterministic::Inside).unwrap_err();
/// assert!(matches!(err, ModelError::Invalid(_)));
/// ```
pub fn vecm_fit<S: AsRef<[f64]>>(
    series: &[S],
    k_ar_diff: usize,
    coint_rank: usize,
    deterministic: VecmDeterministic,
) -> Result<Vecm, ModelError> {
    let k = series.len();
    if k < 2 {
        return Err(ModelError::Invalid("a VECM needs at least two series"));
    }
    if coint_rank == 0 || coint_rank > k {
        return Err(ModelError::Invalid(
            "the cointegration rank must be in 1..=series",
        ));
    }
    let n = series[0].as_ref().len();
    if series.iter().any(|s| s.as_ref().len() != n) {
        return Err(ModelError::Invalid("series of different lengths"));
    }
    if series
        .iter()
        .any(|s| s.as_ref().iter().any(|v| !v.is_finite()))
    {
        return Err(ModelError::NonFinite);
    }
    let inside = deterministic == VecmDeterministic::Inside;
    let outside = deterministic == VecmDeterministic::Outside;
    let dx_cols = k * k_ar_diff + usize::from(outside);
    let m = k + usize::from(inside);
    let p = k_ar_diff + 1;
    let needed = p + dx_cols + m + 2;
    if n < needed {
        return Err(ModelError::TooFewRows { needed, got: n });
    }
    let rows = n - p;
    let y = |t: usize, v: usize| series[v].as_ref()[t];
    let dy = |t: usize, v: usize| y(t + 1, v) - y(t, v);
    // Row r is time t = p + r.
    let delta_y = Matrix::from_fn(rows, k, |r, v| dy(p - 1 + r, v));
    let y_lag1 = Matrix::from_fn(rows, m, |r, v| if v < k { y(p - 1 + r, v) } else { 1.0 });
    let delta_x = Matrix::from_fn(rows, dx_cols, |r, c| {
        if c < k * k_ar_diff {
            let (lag, v) = (c / k + 1, c % k);
            dy(p - 1 + r - lag, v)
        } else {
            1.0
        }
    });
    let residualize = |target: &Matrix| -> Result<Matrix, ModelError> {
        if dx_cols == 0 {
            return Ok(target.clone());
        }
        least_squares(&delta_x, target)
            .map(|(_, r)| r)
            .ok_or(ModelError::Singular)
    };
    let r0 = residualize(&delta_y)?;
    let r1 = residualize(&y_lag1)?;
    let t = rows as f64;
    let s00 = r0.t_matmul(&r0).scaled(1.0 / t);
    let s01 = r0.t_matmul(&r1).scaled(1.0 / t);
    let s11 = r1.t_matmul(&r1).scaled(1.0 / t);
    // |λ S11 - S10 S00⁻¹ S01| = 0 through S11 = L L': the symmetric L⁻¹ S10 S00⁻¹ S01 L⁻ᵀ.
    let l_inv = lower_inverse(&cholesky(&s11).ok_or(ModelError::Singular)?);
    let s00_inv = inverse(&s00).ok_or(ModelError::Singular)?;
    let s10 = s01.transpose();
    let core = l_inv
        .matmul(&s10)
        .matmul(&s00_inv)
        .matmul(&s01)
        .matmul(&l_inv.transpose());
    let (eigenvalues, vectors) = symmetric_eigen(&core);
    // β̃ = L⁻ᵀ u for the r leading eigenvectors u.
    let raw = l_inv
        .transpose()
        .matmul(&Matrix::from_fn(m, coint_rank, |i, j| vectors[(i, j)]));
    let head = Matrix::from_fn(coint_rank, coint_rank, |i, j| raw[(i, j)]);
    let beta = raw.matmul(&inverse(&head).ok_or(ModelError::Singular)?);
    let bs11b = beta.t_matmul(&s11.matmul(&beta));
    let alpha = s01
        .matmul(&beta)
        .matmul(&inverse(&bs11b).ok_or(ModelError::Singular)?);
    let pi = alpha.matmul(&beta.transpose()); // k x m
    let corrected = Matrix::from_fn(rows, k, |r, i| {
        delta_y[(r, i)] - (0..m).map(|j| y_lag1[(r, j)] * pi[(i, j)]).sum::<f64>()
    });
    let (coef, resid) = if dx_cols == 0 {
        (Matrix::zeros(0, k), corrected)
    } else {
        least_squares(&delta_x, &corrected).ok_or(ModelError::Singular)?
    };
    let gamma = Matrix::from_fn(k, k * k_ar_diff, |i, c| coef[(c, i)]);
    let constant = (0..k)
        .map(|i| if outside { coef[(dx_cols - 1, i)] } else { 0.0 })
        .collect();
    let sigma_u = resid.t_matmul(&resid).scaled(1.0 / t);
    if !(alpha.all_finite() && beta.all_finite() && sigma_u.all_finite()) {
        return Err(ModelError::Singular);
    }
    Ok(Vecm {
        k_ar_diff,
        coint_rank,
        deterministic,
        nobs: rows,
        alpha,
        beta,
        gamma,
        constant,
        sigma_u,
        eigenvalues,
    })
}
