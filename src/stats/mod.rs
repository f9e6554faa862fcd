//! Rolling statistics for the signal stage: fixed windows, O(1) updates, no allocation after `new`.
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
//!
//! # Numerical approach
//!
//! The moments are kept centered, as in Welford (1962, "Note on a method for calculating
//! corrected sums of squares and products", *Technometrics* 4(3)) and West (1979, "Updating mean
//! and variance estimates: an improved method", *CACM* 22(9)): a count, a mean and a sum of
//! squared (or cross) deviations from the mean. A sliding window replaces the oldest value by the
//! newest in one step (a West-style removal and Welford addition folded together), so the window
//! never holds fewer values while sliding.
//!
//! Two more measures keep the answers close to an exact two-pass computation (Chan, Golub and
//! LeVeque 1983, "Algorithms for computing the sample variance"):
//!
//! - **A reference value is subtracted** from every input before it enters the sums: the first
//!   value of the current epoch (see below). Prices at `1e6` with deviations of `1e-4` are then
//!   summed as numbers of size `1e-4`, and the subtraction itself is exact when the two numbers
//!   are within a factor of two of each other (Sterbenz's lemma).
//! - **Error never drifts.** Beside the sliding state, a fresh add-only Welford accumulation runs
//!   over the values entering the window. After `window` updates it describes exactly the values
//!   in the window, so it replaces the sliding state (with its own reference), and a new
//!   accumulation starts. Rounding error from removals therefore lives at most two windows long.
//!   This is an exact recomputation every `window` updates spread over those updates: O(1) in the
//!   worst case, where a periodic two-pass would cost O(window) on one tick.
//!
//! A window of identical values has variance exactly zero, but a sliding update may leave a
//! residue of rounding there. Each statistic counts the run of equal values ending at the newest
//! one, so a constant window is recognised exactly and reported as such.
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

mod covariance;
mod ema;
mod mean;
mod moments;
mod ols;
mod resample;
mod returns;
mod ring;
mod variance;

pub use covariance::RollingCovariance;
pub use ema::{Interpolation, IrregularEma};
pub use mean::RollingMean;
pub use ols::RollingOls;
pub use resample::GridResampler;
pub use returns::RollingReturns;
pub use ring::{Iter, Ring};
pub use variance::RollingVariance;

/// `Some(x)` when `x` is finite: the last guard before a number leaves this module.
#[inline]
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Length of the run of equal values ending at `x`, given the previous newest value and run,
/// capped at `cap` (a run as long as the window is all the window needs to know).
#[inline]
fn extend_run(previous: Option<f64>, run: usize, x: f64, cap: usize) -> usize {
    match previous {
        Some(last) if last == x => (run + 1).min(cap),
        _ => 1,
    }
}
