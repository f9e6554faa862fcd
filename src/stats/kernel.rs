//! Exponentially weighted moments on a regular grid, and a choice of kernel (rectangular window
//! or exponential) behind one bivariate-moments type.
//!
//! # The exponential kernel, exactly as pandas
//!
//! The recursion is pandas' `ewm(halflife=h, adjust=False)` (pandas docs, "Exponentially
//! weighted window"; `pandas/_libs/window/aggregations.pyx`, `ewmcov`), written from its
//! definition: with `α = 1 / (1 + com)`, `com = 1 / (1 - exp(ln(1/2) / h)) - 1`, and the first
//! observation as the start,
//!
//! ```text
//! mean_t = ((1-α) mean_{t-1} + α x_t) / ((1-α) + α)            (kept when x_t == mean_{t-1})
//! C_t    = ((1-α) (C_{t-1} + (mx_{t-1} - mx_t)(my_{t-1} - my_t)) + α (x_t - mx_t)(y_t - my_t))
//!          / ((1-α) + α)                                         (the biased co-moment)
//! W2_t   = ((1-α)² W2_{t-1} + α²) / ((1-α) + α)²,  W2_0 = 1       (sum of squared weights)
//! ```
//!
//! **Bias convention** (pandas' default `bias=False`): the variance and covariance are
//! `C_t / (1 - W2_t)`, the reliability-weights correction, undefined (`None`) at the first
//! observation where `W2 = 1`. The correlation is `C_xy / sqrt(C_xx C_yy)` of the biased moments
//! (the correction cancels), as pandas computes it. The hedge ratio is `C_xy / C_xx` (the
//! weighted least-squares slope of `y` on `x`), and the z-score is `(x_t - mean_t) / sd_t` with
//! the corrected standard deviation (pandas `(s - s.ewm(...).mean()) / s.ewm(...).std()`).
//!
//! A half-life given in seconds is converted to grid rows by the grid step:
//! `h_rows = half_life_secs / step_secs`. On the regular grid the weights are then exact; for
//! irregular ticks use [`IrregularEma`](crate::stats::IrregularEma).
//!
//! # The rectangular kernel
//!
//! [`RollingCovariance`](super::RollingCovariance) over `window` rows: sample (`n - 1`) moments, as pandas
//! `rolling(window)` `mean`/`var`/`cov`/`corr`.

use super::finite;

/// The weighting of past rows.
///
/// # Examples
/// ```
/// use hft::stats::Kernel;
/// let k = Kernel::ema_from_secs(30.0, 0.5).unwrap();
/// assert_eq!(k, Kernel::Ema { half_life_rows: 60.0 });
/// assert_eq!(Kernel::ema_from_secs(30.0, 0.0), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kernel {
    /// Equal weights over the last `window` rows.
    Rect {
        /// Rows in the window.
        window: usize,
    },
    /// Weights halving every `half_life_rows` rows (pandas `ewm(halflife=..., adjust=False)`).
    Ema {
        /// Half-life in grid rows (need not be an integer).
        half_life_rows: f64,
    },
}

impl Kernel {
    /// An exponential kernel from a half-life in seconds on a grid of `step_secs`; `None` unless
    /// both are positive and finite.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::Kernel;
    /// assert!(Kernel::ema_from_secs(1.0, 1.0).is_some());
    /// ```
    pub fn ema_from_secs(half_life_secs: f64, step_secs: f64) -> Option<Kernel> {
        let rows = half_life_secs / step_secs;
        (half_life_secs > 0.0 && step_secs > 0.0 && rows.is_finite() && rows > 0.0).then_some(
            Kernel::Ema {
                half_life_rows: rows,
            },
        )
    }
}

/// Exponentially weighted means, variances, covariance and correlation of a pair `(x, y)`
/// (pandas `ewm(halflife, adjust=False)`; see the module docs in `src/stats/kernel.rs` for the exact recursion
/// and the bias convention). Fixed state, O(1) per update, no allocation.
///
/// # Examples
/// ```
/// use hft::stats::EwmMoments;
/// let mut m = EwmMoments::new(1.0); // α = 1/2
/// m.update(0.0, 0.0);
/// assert_eq!(m.var_x(), None); // one observation
/// m.update(2.0, 4.0);
/// assert_eq!(m.mean_x(), Some(1.0));
/// // Biased C = 1/2 (0-1)² + 1/2 (2-1)² = 1; W2 = 1/4 + 1/4: var = 1 / (1 - 1/2) = 2.
/// assert_eq!(m.var_x(), Some(2.0));
/// assert_eq!(m.correlation(), Some(1.0));
/// assert_eq!(m.hedge_ratio(), Some(2.0));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct EwmMoments {
    alpha: f64,
    state: Option<EwmState>,
}

#[derive(Debug, Clone, Copy)]
struct EwmState {
    mean_x: f64,
    mean_y: f64,
    cxx: f64,
    cyy: f64,
    cxy: f64,
    /// Sum of squared normalized weights (`W2` in the module docs).
    sum_w2: f64,
    last_x: f64,
}

impl EwmMoments {
    /// Moments with a half-life of `half_life_rows` grid rows.
    ///
    /// # Panics
    /// If the half-life is not positive and finite.
    ///
    /// # Examples
    /// ```
    /// let m = hft::stats::EwmMoments::new(20.0);
    /// assert!((m.alpha() - (1.0 - 0.5f64.powf(1.0 / 20.0))).abs() < 1e-15);
    /// ```
    pub fn new(half_life_rows: f64) -> Self {
        assert!(
            half_life_rows > 0.0 && half_life_rows.is_finite(),
            "half-life must be positive and finite"
        );
        // pandas: decay = 1 - exp(ln(0.5) / halflife), com = 1 / decay - 1, alpha = 1 / (1 + com).
        let decay = 1.0 - (0.5f64.ln() / half_life_rows).exp();
        let com = 1.0 / decay - 1.0;
        EwmMoments {
            alpha: 1.0 / (1.0 + com),
            state: None,
        }
    }

    /// The smoothing factor `α`.
    ///
    /// # Examples
    /// ```
    /// assert!((hft::stats::EwmMoments::new(1.0).alpha() - 0.5).abs() < 1e-15);
    /// ```
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Adds the pair of the next grid row. Non-finite values are ignored.
    ///
    /// # Examples
    /// ```
    /// let mut m = hft::stats::EwmMoments::new(3.0);
    /// m.update(1.0, f64::NAN);
    /// assert!(!m.is_ready());
    /// ```
    pub fn update(&mut self, x: f64, y: f64) {
        if !x.is_finite() || !y.is_finite() {
            return;
        }
        let Some(s) = self.state.as_mut() else {
            self.state = Some(EwmState {
                mean_x: x,
                mean_y: y,
                cxx: 0.0,
                cyy: 0.0,
                cxy: 0.0,
                sum_w2: 1.0,
                last_x: x,
            });
            return;
        };
        let (old_w, new_w) = (1.0 - self.alpha, self.alpha);
        let total = old_w + new_w;
        let (old_mx, old_my) = (s.mean_x, s.mean_y);
        if s.mean_x != x {
            s.mean_x = (old_w * old_mx + new_w * x) / total;
        }
        if s.mean_y != y {
            s.mean_y = (old_w * old_my + new_w * y) / total;
        }
        let (dx, dy) = (old_mx - s.mean_x, old_my - s.mean_y);
        let (ex, ey) = (x - s.mean_x, y - s.mean_y);
        s.cxx = (old_w * (s.cxx + dx * dx) + new_w * (ex * ex)) / total;
        s.cyy = (old_w * (s.cyy + dy * dy) + new_w * (ey * ey)) / total;
        s.cxy = (old_w * (s.cxy + dx * dy) + new_w * (ex * ey)) / total;
        s.sum_w2 = (s.sum_w2 * (old_w * old_w) + new_w * new_w) / (total * total);
        s.last_x = x;
    }

    /// The unbiasing factor `1 / (1 - W2)`; `None` at the first observation.
    fn correction(s: &EwmState) -> Option<f64> {
        let denominator = 1.0 - s.sum_w2;
        (denominator > 0.0).then(|| 1.0 / denominator)
    }

    /// Whether at least one pair has been seen.
    ///
    /// # Examples
    /// ```
    /// let mut m = hft::stats::EwmMoments::new(3.0);
    /// m.update(1.0, 2.0);
    /// assert!(m.is_ready());
    /// ```
    pub fn is_ready(&self) -> bool {
        self.state.is_some()
    }

    /// The weighted mean of `x` (pandas `ewm(...).mean()`).
    ///
    /// # Examples
    /// ```
    /// let mut m = hft::stats::EwmMoments::new(3.0);
    /// m.update(1.0, 2.0);
    /// assert_eq!(m.mean_x(), Some(1.0));
    /// ```
    pub fn mean_x(&self) -> Option<f64> {
        self.state.and_then(|s| finite(s.mean_x))
    }

    /// The weighted mean of `y`.
    ///
    /// # Examples
    /// ```
    /// let mut m = hft::stats::EwmMoments::new(3.0);
    /// m.update(1.0, 2.0);
    /// assert_eq!(m.mean_y(), Some(2.0));
    /// ```
    pub fn mean_y(&self) -> Option<f64> {
        self.state.and_then(|s| finite(s.mean_y))
    }

    /// The bias-corrected variance of `x` (pandas `ewm(...).var()`, `bias=False`).
    ///
    /// # Examples
    /// ```
    /// let mut m = hft::stats::EwmMoments::new(1.0);
    /// m.update(0.0, 0.0);
    /// m.update(2.0, 0.0);
    /// assert_eq!(m.var_x(), Some(2.0));
    /// ```
    pub fn var_x(&self) -> Option<f64> {
        let s = self.state?;
        finite(s.cxx * Self::correction(&s)?)
    }

    /// The bias-corrected variance of `y`.
    ///
    /// # Examples
    /// ```
    /// let mut m = hft::stats::EwmMoments::new(1.0);
    /// m.update(0.0, 0.0);
    /// m.update(0.0, 2.0);
    /// assert_eq!(m.var_y(), Some(2.0));
    /// ```
    pub fn var_y(&self) -> Option<f64> {
        let s = self.state?;
        finite(s.cyy * Self::correction(&s)?)
    }

    /// The bias-corrected covariance (pandas `ewm(...).cov(other)`).
    ///
    /// # Examples
    /// ```
    /// let mut m = hft::stats::EwmMoments::new(1.0);
    /// m.update(0.0, 0.0);
    /// m.update(2.0, -2.0);
    /// assert_eq!(m.covariance(), Some(-2.0));
    /// ```
    pub fn covariance(&self) -> Option<f64> {
        let s = self.state?;
        finite(s.cxy * Self::correction(&s)?)
    }

    /// The weighted correlation, clamped to `[-1, 1]`; `None` when either side has no variance.
    ///
    /// # Examples
    /// ```
    /// let mut m = hft::stats::EwmMoments::new(2.0);
    /// for (x, y) in [(1.0, 3.0), (2.0, 1.0), (4.0, -3.0)] { m.update(x, y); }
    /// assert_eq!(m.correlation(), Some(-1.0));
    /// ```
    pub fn correlation(&self) -> Option<f64> {
        let s = self.state?;
        Self::correction(&s)?;
        if s.cxx <= 0.0 || s.cyy <= 0.0 {
            return None;
        }
        finite((s.cxy / (s.cxx * s.cyy).sqrt()).clamp(-1.0, 1.0))
    }

    /// The weighted least-squares slope of `y` on `x` (the hedge ratio): `cov / var_x`.
    ///
    /// # Examples
    /// ```
    /// let mut m = hft::stats::EwmMoments::new(2.0);
    /// for x in [1.0, 2.0, 4.0] { m.update(x, 1.0 + 3.0 * x); }
    /// assert!((m.hedge_ratio().unwrap() - 3.0).abs() < 1e-14);
    /// ```
    pub fn hedge_ratio(&self) -> Option<f64> {
        let s = self.state?;
        Self::correction(&s)?;
        (s.cxx > 0.0).then(|| s.cxy / s.cxx).and_then(finite)
    }

    /// The z-score of the latest `x` against its weighted mean and corrected standard deviation.
    ///
    /// # Examples
    /// ```
    /// let mut m = hft::stats::EwmMoments::new(1.0);
    /// m.update(0.0, 0.0);
    /// m.update(2.0, 0.0);
    /// // mean 1, sd sqrt 2.
    /// assert!((m.zscore_x().unwrap() - 1.0 / 2f64.sqrt()).abs() < 1e-15);
    /// ```
    pub fn zscore_x(&self) -> Option<f64> {
        let s = self.state?;
        let var = self.var_x()?;
        (var > 0.0)
            .then(|| (s.last_x - s.mean_x) / var.sqrt())
            .and_then(finite)
    }

    /// Forgets every observation.
    ///
    /// # Examples
    /// ```
    /// let mut m = hft::stats::EwmMoments::new(1.0);
    /// m.update(0.0, 0.0);
    /// m.reset();
    /// assert!(!m.is_ready());
    /// ```
    pub fn reset(&mut self) {
        self.state = None;
    }
}
