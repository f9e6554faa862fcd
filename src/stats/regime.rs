//! Regime statistics: the Lo-MacKinlay variance ratio and the Hurst exponent by rescaled range
//! (R/S) and by detrended fluctuation analysis (DFA), over a whole sample or a rolling window.
//!
//! # Variance ratio
//!
//! Lo and MacKinlay (1988, "Stock market prices do not follow random walks: evidence from a
//! simple specification test", *Review of Financial Studies* 1(1)), with the definitions of arch's
//! `VarianceRatio(y, lags=q, trend="c", debiased=True, robust=True, overlap=True)` (arch docs,
//! "Unit root testing"; Campbell, Lo and MacKinlay 1997, eq. 2.4.37-2.4.44). For levels `y`
//! (e.g. log prices) with `nq = n - 1` one-period differences `Δy` and drift
//! `μ = (y_n - y_1) / nq`:
//!
//! ```text
//! σ²_1 = Σ (Δy - μ)² / (nq - 1)
//! σ²_q = Σ_t (y_t - y_{t-q} - qμ)² / m,        m = q (nq - q + 1) (1 - q / nq)
//! VR   = σ²_q / σ²_1
//! θ    = Σ_{k=1}^{q-1} 4 (1 - k/q)² δ_k,       δ_k = nq Σ_t z_t z_{t-k} / (Σ_t z_t)²,  z = (Δy - μ)²
//! stat = sqrt(nq) (VR - 1) / sqrt(θ),          p-value = 2 (1 - Φ(|stat|))
//! ```
//!
//! `VR < 1` means mean reversion at horizon `q`, `VR > 1` momentum.
//!
//! # Hurst exponent
//!
//! Both estimators take the **increments** of a process (returns, or the changes of a spread) and
//! use window sizes `n = min_window · 2^j` for every `j ≥ 0` with `n ≤ len / 4`; each size splits
//! the sample into `⌊len / n⌋` consecutive non-overlapping blocks from the start (a remainder at
//! the end is left out). The exponent is the least-squares slope of `ln F(n)` on `ln n`.
//!
//! - **R/S** (Hurst 1951, "Long-term storage capacity of reservoirs", *Trans. ASCE* 116; Mandelbrot
//!   and Wallis 1969): in each block, `Z` the cumulative sums of the block's deviations from its
//!   mean, `R = max Z - min Z`, `S` the block's population standard deviation; `F(n)` is the mean
//!   of `R / S` over blocks with `S > 0`. Classic R/S, without the Anis-Lloyd small-sample
//!   correction: for independent increments it is biased upward at small `n` (about 0.55-0.6
//!   with `min_window = 8`).
//! - **DFA-1** (Peng et al. 1994, "Mosaic organization of DNA nucleotides", *Phys. Rev. E* 49):
//!   the profile `Y_i = Σ_{j ≤ i} (x_j - x̄)`; in each block the mean squared residual of the
//!   least-squares line through `(0..n, Y)`; `F(n)` the square root of the mean over blocks.
//!
//! Both give `H ≈ 0.5` for independent increments (a random walk), `H < 0.5` for anti-persistent
//! increments (a mean-reverting level), `H > 0.5` for persistent ones (a trending level).

use super::{ModelError, Ring, normal_sf};

/// A variance-ratio test result (arch `VarianceRatio`: `vr`, `stat`, `pvalue`).
///
/// # Examples
/// ```
/// use hft::stats::variance_ratio;
/// // A zig-zag reverts at once: the two-period variance is far below twice the one-period one.
/// let y: Vec<f64> = (0..200).map(|t| if t % 2 == 0 { 0.0 } else { 1.0 } + t as f64 * 0.01).collect();
/// let v = variance_ratio(&y, 2).unwrap();
/// assert!(v.vr < 0.1 && v.stat < 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct VarianceRatio {
    /// The horizon `q`.
    pub lags: usize,
    /// The variance ratio.
    pub vr: f64,
    /// The heteroskedasticity-robust z statistic.
    pub stat: f64,
    /// Two-sided p-value against the standard normal.
    pub pvalue: f64,
}

/// The Lo-MacKinlay variance ratio of the levels `y` at horizon `lags` (overlapping, de-biased,
/// heteroskedasticity-robust, with drift), as arch.
///
/// # Errors
/// [`ModelError::Invalid`] for `lags < 2`; [`ModelError::TooFewRows`] for fewer than
/// `2 lags + 2` values; [`ModelError::NonFinite`]; [`ModelError::Singular`] for a series with no
/// variation around its drift.
///
/// # Examples
/// ```
/// use hft::stats::{ModelError, variance_ratio};
/// let line: Vec<f64> = (0..50).map(|t| t as f64).collect();
/// assert_eq!(variance_ratio(&line, 2).unwrap_err(), ModelError::Singular);
/// ```
pub fn variance_ratio(y: &[f64], lags: usize) -> Result<VarianceRatio, ModelError> {
    if lags < 2 {
        return Err(ModelError::Invalid(
            "variance ratio lags must be at least 2",
        ));
    }
    if y.len() < 2 * lags + 2 {
        return Err(ModelError::TooFewRows {
            needed: 2 * lags + 2,
            got: y.len(),
        });
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(ModelError::NonFinite);
    }
    let q = lags;
    let nq = y.len() - 1;
    let nqf = nq as f64;
    let mu = (y[nq] - y[0]) / nqf;
    let sum_z: f64 = y.windows(2).map(|w| (w[1] - w[0] - mu).powi(2)).sum();
    let sigma2_1 = sum_z / nqf * (nqf / (nqf - 1.0));
    let qf = q as f64;
    let sum_q: f64 = (q..y.len())
        .map(|t| (y[t] - y[t - q] - qf * mu).powi(2))
        .sum();
    let m = qf * (nqf - qf + 1.0) * (1.0 - qf / nqf);
    let sigma2_q = sum_q / (nqf * qf) * (nqf * qf / m);
    let z = |t: usize| (y[t + 1] - y[t] - mu).powi(2);
    let scale = sum_z * sum_z;
    let mut theta = 0.0;
    for k in 1..q {
        let delta = nqf * (k..nq).map(|t| z(t) * z(t - k)).sum::<f64>() / scale;
        theta += 4.0 * (1.0 - k as f64 / qf).powi(2) * delta;
    }
    let vr = sigma2_q / sigma2_1;
    let stat = nqf.sqrt() * (vr - 1.0) / theta.sqrt();
    if sigma2_1 <= 0.0 || !vr.is_finite() || !stat.is_finite() {
        return Err(ModelError::Singular);
    }
    Ok(VarianceRatio {
        lags,
        vr,
        stat,
        pvalue: 2.0 * normal_sf(stat.abs()),
    })
}

/// At most this many window sizes (doublings) fit in any slice length.
const MAX_SIZES: usize = 64;

/// Which Hurst estimator.
///
/// # Examples
/// ```
/// use hft::stats::{HurstMethod, hurst};
/// let x: Vec<f64> = (0..512).map(|t| ((t as f64 * 12.9898).sin() * 43758.5453).fract()).collect();
/// let h = hurst(&x, 8, HurstMethod::Dfa).unwrap();
/// assert!((h - 0.5).abs() < 0.15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HurstMethod {
    /// Rescaled range.
    RescaledRange,
    /// Detrended fluctuation analysis (linear detrending).
    Dfa,
}

/// The Hurst exponent of the `increments` (see the module docs in `src/stats/regime.rs` for the exact
/// definitions). Allocation-free.
///
/// # Errors
/// [`ModelError::Invalid`] for `min_window < 2`; [`ModelError::TooFewRows`] for fewer than
/// `8 min_window` increments (two window sizes); [`ModelError::NonFinite`];
/// [`ModelError::Singular`] when a window size has no block with variation.
///
/// # Examples
/// ```
/// use hft::stats::{HurstMethod, ModelError, hurst};
/// assert_eq!(
///     hurst(&[0.0; 40], 8, HurstMethod::RescaledRange),
///     Err(ModelError::TooFewRows { needed: 64, got: 40 })
/// );
/// assert_eq!(hurst(&[0.0; 100], 8, HurstMethod::Dfa), Err(ModelError::Singular));
/// ```
pub fn hurst(
    increments: &[f64],
    min_window: usize,
    method: HurstMethod,
) -> Result<f64, ModelError> {
    if min_window < 2 {
        return Err(ModelError::Invalid(
            "the Hurst minimum window must be at least 2",
        ));
    }
    let n = increments.len();
    if n < 8 * min_window {
        return Err(ModelError::TooFewRows {
            needed: 8 * min_window,
            got: n,
        });
    }
    if increments.iter().any(|v| !v.is_finite()) {
        return Err(ModelError::NonFinite);
    }
    let mut log_size = [0.0; MAX_SIZES];
    let mut log_f = [0.0; MAX_SIZES];
    let mut count = 0;
    let mut size = min_window;
    while size <= n / 4 && count < MAX_SIZES {
        let f = match method {
            HurstMethod::RescaledRange => rescaled_range(increments, size),
            HurstMethod::Dfa => fluctuation(increments, size),
        };
        match f {
            Some(f) if f > 0.0 && f.is_finite() => {
                log_size[count] = (size as f64).ln();
                log_f[count] = f.ln();
                count += 1;
            }
            _ => return Err(ModelError::Singular),
        }
        size *= 2;
    }
    slope(&log_size[..count], &log_f[..count]).ok_or(ModelError::Singular)
}

/// Least-squares slope of `y` on `x`.
fn slope(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxx: f64 = x.iter().map(|v| (v - mx) * (v - mx)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx).filter(|s| s.is_finite())
}

/// Mean R/S over the blocks of `size` with a non-zero standard deviation.
fn rescaled_range(x: &[f64], size: usize) -> Option<f64> {
    let (mut total, mut blocks) = (0.0, 0usize);
    for block in x.chunks_exact(size) {
        let mean = block.iter().sum::<f64>() / size as f64;
        let (mut z, mut max, mut min, mut ss) = (0.0f64, f64::NEG_INFINITY, f64::INFINITY, 0.0);
        for v in block {
            let d = v - mean;
            z += d;
            max = max.max(z);
            min = min.min(z);
            ss += d * d;
        }
        let s = (ss / size as f64).sqrt();
        if s > 0.0 {
            total += (max - min) / s;
            blocks += 1;
        }
    }
    (blocks > 0).then(|| total / blocks as f64)
}

/// DFA-1 fluctuation `F(size)`.
fn fluctuation(x: &[f64], size: usize) -> Option<f64> {
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    let n = size as f64;
    let t_mean = (n - 1.0) / 2.0;
    let stt = n * (n * n - 1.0) / 12.0; // Σ (t - t̄)² for t = 0..n
    let (mut base, mut total, mut blocks) = (0.0, 0.0, 0usize);
    for block in x.chunks_exact(size) {
        // Profile values in this block: base + running sum; two passes, the second centered.
        let (mut y, mut sum_y) = (base, 0.0);
        for v in block {
            y += v - mean;
            sum_y += y;
        }
        let y_mean = sum_y / n;
        let (mut y, mut syy, mut sty) = (base, 0.0, 0.0);
        for (t, v) in block.iter().enumerate() {
            y += v - mean;
            let dy = y - y_mean;
            syy += dy * dy;
            sty += (t as f64 - t_mean) * dy;
        }
        base = y;
        total += (syy - sty * sty / stt).max(0.0) / n;
        blocks += 1;
    }
    (blocks > 0).then(|| (total / blocks as f64).sqrt())
}

/// The Hurst exponent over the last `window` increments, recomputed on demand (O(window log
/// window) per [`value`](Self::value), no allocation after `new`).
///
/// # Examples
/// ```
/// use hft::stats::{HurstMethod, RollingHurst};
/// let mut h = RollingHurst::new(256, 8, HurstMethod::Dfa);
/// for t in 0..300 { h.update(((t as f64 * 12.9898).sin() * 43758.5453).fract() - 0.5); }
/// assert!(h.is_ready());
/// assert!((h.value().unwrap() - 0.5).abs() < 0.2);
/// ```
#[derive(Debug, Clone)]
pub struct RollingHurst {
    window: Ring,
    scratch: Vec<f64>,
    min_window: usize,
    method: HurstMethod,
}

impl RollingHurst {
    /// A rolling estimator over `window` increments.
    ///
    /// # Panics
    /// If `window` is zero.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{HurstMethod, RollingHurst};
    /// assert!(!RollingHurst::new(64, 8, HurstMethod::RescaledRange).is_ready());
    /// ```
    pub fn new(window: usize, min_window: usize, method: HurstMethod) -> Self {
        RollingHurst {
            window: Ring::new(window),
            scratch: vec![0.0; window],
            min_window,
            method,
        }
    }

    /// Adds the next increment (non-finite values are ignored).
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{HurstMethod, RollingHurst};
    /// let mut h = RollingHurst::new(64, 8, HurstMethod::Dfa);
    /// h.update(f64::NAN);
    /// assert!(!h.is_ready());
    /// ```
    pub fn update(&mut self, increment: f64) {
        if increment.is_finite() {
            self.window.push(increment);
        }
    }

    /// Whether the window is full.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{HurstMethod, RollingHurst};
    /// let mut h = RollingHurst::new(2, 8, HurstMethod::Dfa);
    /// h.update(1.0);
    /// h.update(2.0);
    /// assert!(h.is_ready());
    /// ```
    pub fn is_ready(&self) -> bool {
        self.window.is_full()
    }

    /// The exponent over the window; `None` until it is full or when undefined (see [`hurst`]).
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{HurstMethod, RollingHurst};
    /// let mut h = RollingHurst::new(64, 8, HurstMethod::Dfa);
    /// for _ in 0..64 { h.update(1.0); }
    /// assert_eq!(h.value(), None); // no variation
    /// ```
    pub fn value(&mut self) -> Option<f64> {
        if !self.is_ready() {
            return None;
        }
        let (a, b) = self.window.as_slices();
        self.scratch[..a.len()].copy_from_slice(a);
        self.scratch[a.len()..a.len() + b.len()].copy_from_slice(b);
        hurst(&self.scratch, self.min_window, self.method).ok()
    }

    /// Forgets every increment.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{HurstMethod, RollingHurst};
    /// let mut h = RollingHurst::new(1, 8, HurstMethod::Dfa);
    /// h.update(1.0);
    /// h.reset();
    /// assert!(!h.is_ready());
    /// ```
    pub fn reset(&mut self) {
        self.window.clear();
    }
}
