//! Rolling statistics for the signal stage: fixed windows, O(1) amortized updates, no allocation
//! after `new`.
//!
//! Every statistic is a small struct with `update`, `value`, `is_ready` and `reset`, in the
//! manner of an indicator. Storage is sized once in `new` (a boxed slice in a [`Ring`]); `update`
//! and the read methods never allocate.
//!
//! - [`Ring`]: the fixed-capacity `f64` ring buffer behind every window.
//! - [`RollingMean`], [`RollingVariance`], [`RollingCovariance`]: sliding-window moments.
//! - [`RollingOls`]: least-squares regression of `y` on `x` with intercept (hedge ratio and
//!   spread of a pair).
//! - [`RollingReturns`]: volatility of simple returns of a price.
//! - [`IrregularEma`]: exponential moving average of an irregularly spaced series.
//! - [`GridResampler`]: causal previous-tick resampling of several instruments onto one grid.
//! - [`EwmMoments`], [`Kernel`], [`KernelMoments`]: exponentially weighted moments on the grid,
//!   exactly pandas' `ewm(halflife, adjust=False)`, and one type for either kernel (`kernel.rs`).
//!
//! Cold-path models and tests (they allocate; run them on a snapshot, never inside a tick), each
//! module citing its paper and the library whose definitions it reproduces:
//!
//! - [`var_fit`], [`var_select_order`]: VAR(p) by OLS, lag choice by AIC/BIC/HQIC/FPE
//!   (Lütkepohl 2005; statsmodels `VAR`) in `var.rs`.
//! - [`vecm_fit`]: the VECM by reduced-rank regression (Johansen 1991; Lütkepohl 2005 ch. 7;
//!   statsmodels `VECM`), and [`LevelsVar`], the levels form used for forecasts (`vecm.rs`).
//! - [`markov_ar1_fit`]: a two-state Markov-switching AR(1) by maximum likelihood (Hamilton
//!   1989; statsmodels `MarkovAutoregression`) in `markov.rs`.
//! - [`johansen`]: the Johansen test (Johansen 1991; statsmodels `coint_johansen`).
//! - [`variance_ratio`], [`hurst`], [`RollingHurst`]: Lo-MacKinlay variance ratio (arch), Hurst
//!   by R/S and DFA (`regime.rs`).
//! - [`cusum_ols_resid`], [`chow_test`]: OLS-CUSUM (Ploberger-Krämer 1992; statsmodels) and Chow
//!   (1960) (`breaks.rs`); [`zivot_andrews`]: Zivot-Andrews (1992; statsmodels) (`zivot.rs`).
//! - [`FactorModel`]: the Avellaneda-Lee factor model of a universe (PCA eigenportfolios,
//!   residual regressions, AR(1) s-scores; Avellaneda and Lee 2010), allocation-free after `new`
//!   so the basket strategy's model thread can run it, with [`SymmetricEigen`] (`factor/`).
//! - [`Matrix`], [`least_squares`], [`cholesky`], [`symmetric_eigenvalues`]: the dense linear
//!   algebra behind them (Golub-Van Loan); [`normal_sf`], [`f_sf`], [`kolmogorov_sf`]: their
//!   p-values (`special.rs`).
//!
//! # Numerical approach
//!
//! The moments are kept centered, as in Welford (1962, "Note on a method for calculating
//! corrected sums of squares and products", *Technometrics* 4(3)) and West (1979, "Updating mean
//! and variance estimates: an improved method", *CACM* 22(9)): a count, a mean and a sum of
//! squared (or cross) deviations from the mean, updated one value at a time.
//!
//! A sliding window must also let values go. Downdating (West's update run backwards, or
//! subtracting from plain sums) cancels: when a value far from the rest leaves, the rounding of
//! its large contribution stays in the small sum that remains, until the next recomputation. A
//! window of two over `0, -1, 0, 5e-5` shows it. So nothing is ever subtracted here:
//!
//! - **Two stacks.** The window is split into older values, which carry aggregates of every
//!   suffix (oldest-remaining to end of the block), and newer values, which carry one running
//!   aggregate. The window's moments are the merge of the two, by the pairwise formula of Chan,
//!   Golub and LeVeque (1979, "Updating formulae and a pairwise algorithm for computing sample
//!   variances"; 1983, "Algorithms for computing the sample variance", *The American
//!   Statistician* 37(3)), whose terms are all non-negative. When the older block is used up,
//!   the newer values (then the whole window) are turned into suffix aggregates in one pass:
//!   an exact recomputation, O(window) once every `window` updates, O(1) amortized. This is the
//!   two-stack scheme of sliding-window aggregation (see Tangwongsan, Hirzel and Schneider 2017,
//!   "Low-latency sliding-window aggregation in worst-case constant time", which also gives the
//!   de-amortized DABA variant should the O(window) step ever show in latency).
//! - **Reference shift.** Each block subtracts one of its own values (its newest, or its first)
//!   before summing. Prices at `1e6` with deviations of `1e-4` are then summed as numbers of size
//!   `1e-4`, the subtraction is exact for nearby values (Sterbenz's lemma), and because the
//!   reference is a member of the block the shifted mean is never large against the spread.
//!
//! A value leaves no trace once it is out of the window, rounding does not accumulate, and a
//! window of identical values has sums of exactly zero: every shifted value is `0.0`.
//!
//! Irregularly spaced series use the EMA operator of Zumbach and Müller (2001, "Operators on
//! inhomogeneous time series", *International Journal of Theoretical and Applied Finance* 4(1));
//! the grid resampler implements the previous-tick interpolation they (and Dacorogna et al.,
//! *An Introduction to High-Frequency Finance*, 2001) use to build homogeneous series.
//!
//! # No NaN
//!
//! `value()` and its siblings return `Option<f64>`: `None` while the window is not full, and when
//! the statistic is undefined (one value of a sample variance, zero variance under a correlation or
//! a slope, a result that overflows). They never return NaN or an infinity. Non-finite inputs are
//! ignored: `update(f64::NAN)` leaves the statistic as it was (a bad tick is the bad-tick filter's
//! to count, upstream).

mod breaks;
mod covariance;
mod ema;
mod factor;
mod johansen;
mod kernel;
mod kernel_moments;
mod linalg;
mod markov;
mod mean;
mod moments;
mod ols;
mod regime;
mod resample;
mod returns;
mod ring;
mod special;
mod var;
mod variance;
mod vecm;
mod zivot;

pub use breaks::{TestResult, chow_test, cusum_ols_resid};
pub use covariance::{MomentsSnapshot, RollingCovariance};
pub use ema::{Interpolation, IrregularEma};
pub use factor::{
    EigenError, FactorConfig, FactorCount, FactorFit, FactorModel, FitError, NameFit,
    SymmetricEigen,
};
pub use johansen::{Johansen, johansen};
pub use kernel::{EwmMoments, Kernel};
pub use kernel_moments::KernelMoments;
pub use linalg::{
    Matrix, cholesky, inverse, least_squares, spd_inverse, spd_log_det, symmetric_eigen,
    symmetric_eigenvalues,
};
pub use markov::{MarkovAr1, markov_ar1_fit, markov_ar1_loglike};
pub use mean::RollingMean;
pub use ols::RollingOls;
pub use regime::{HurstMethod, RollingHurst, VarianceRatio, hurst, variance_ratio};
pub use resample::GridResampler;
pub use returns::RollingReturns;
pub use ring::{Iter, Ring};
pub use special::{f_sf, kolmogorov_sf, normal_sf};
pub use var::{InfoCriteria, LagSelection, VarFit, var_fit, var_select_order};
pub use variance::RollingVariance;
pub use vecm::{LevelsVar, Vecm, VecmDeterministic, levels_from_differences, vecm_fit};
pub use zivot::{AutoLag, ZaRegression, ZivotAndrews, zivot_andrews};

/// Why a cold-path model or test (VAR, Johansen, variance ratio, Hurst, breaks, Zivot-Andrews)
/// has no answer for its input.
///
/// # Examples
/// ```
/// use hft::stats::{ModelError, var_fit};
/// let short = [vec![1.0, 2.0], vec![2.0, 1.0]];
/// assert!(matches!(var_fit(&short, 1), Err(ModelError::TooFewRows { .. })));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// Not enough observations for the requested model.
    #[error("too few observations: {got}, the model needs at least {needed}")]
    TooFewRows {
        /// The least number of rows that would do.
        needed: usize,
        /// The rows given.
        got: usize,
    },
    /// A value is NaN or infinite.
    #[error("a value is not finite")]
    NonFinite,
    /// The regressors are (numerically) collinear: a constant series, or a series that is a
    /// linear function of another.
    #[error(
        "the regression is singular (a constant series, or one series a linear function of another)"
    )]
    Singular,
    /// The series have different lengths, or a parameter is out of range.
    #[error("invalid input: {0}")]
    Invalid(&'static str),
}

/// `Some(x)` when `x` is finite: the last guard before a number leaves this module.
#[inline]
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}
