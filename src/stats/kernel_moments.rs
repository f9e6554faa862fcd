//! One bivariate-moments type behind either kernel ([`Kernel`]): a rectangular window
//! ([`RollingCovariance`]) or exponential weights ([`EwmMoments`]); see `kernel.rs` for the
//! definitions each follows.

use super::covariance::MomentsSnapshot;
use super::{EwmMoments, Kernel, RollingCovariance, finite};

/// Bivariate moments under either [`Kernel`]: one type for the strategy and `hft analyze`.
///
/// # Examples
/// ```
/// use hft::stats::{Kernel, KernelMoments};
/// for kernel in [Kernel::Rect { window: 3 }, Kernel::Ema { half_life_rows: 3.0 }] {
///     let mut m = KernelMoments::new(kernel);
///     for x in [1.0, 2.0, 4.0, 7.0] { m.update(x, 2.0 * x); }
///     assert!((m.hedge_ratio().unwrap() - 2.0).abs() < 1e-14);
///     assert!((m.correlation().unwrap() - 1.0).abs() < 1e-14);
/// }
/// ```
#[derive(Debug, Clone)]
pub enum KernelMoments {
    /// A rectangular window (and the latest `x`, for the z-score).
    Rect(RollingCovariance, Option<f64>),
    /// Exponential weights.
    Ema(EwmMoments),
}

impl KernelMoments {
    /// Means, variances and covariance at once (a rectangular window is combined once, not
    /// once per getter): the same values as [`Self::mean_x`], ..., [`Self::covariance`].
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{Kernel, KernelMoments};
    /// let mut m = KernelMoments::new(Kernel::Rect { window: 3 });
    /// for (x, y) in [(1.0, 3.0), (2.0, 5.0), (4.0, 4.0)] { m.update(x, y); }
    /// let s = m.snapshot();
    /// assert_eq!((s.mean_x, s.var_y, s.covariance), (m.mean_x(), m.var_y(), m.covariance()));
    /// ```
    #[inline]
    pub fn snapshot(&self) -> MomentsSnapshot {
        match self {
            KernelMoments::Rect(c, _) => c.snapshot(),
            KernelMoments::Ema(m) => MomentsSnapshot {
                mean_x: m.mean_x(),
                mean_y: m.mean_y(),
                var_x: m.var_x(),
                var_y: m.var_y(),
                covariance: m.covariance(),
            },
        }
    }

    /// Empty moments under `kernel` (the only allocation: the rectangular window's buffers).
    ///
    /// # Panics
    /// On a zero window or a half-life that is not positive and finite.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{Kernel, KernelMoments};
    /// assert_eq!(KernelMoments::new(Kernel::Rect { window: 5 }).kernel(), Kernel::Rect { window: 5 });
    /// ```
    pub fn new(kernel: Kernel) -> Self {
        match kernel {
            Kernel::Rect { window } => KernelMoments::Rect(RollingCovariance::new(window), None),
            Kernel::Ema { half_life_rows } => KernelMoments::Ema(EwmMoments::new(half_life_rows)),
        }
    }

    /// The kernel.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{Kernel, KernelMoments};
    /// let k = KernelMoments::new(Kernel::Ema { half_life_rows: 10.0 }).kernel();
    /// assert!(matches!(k, Kernel::Ema { half_life_rows } if (half_life_rows - 10.0).abs() < 1e-9));
    /// ```
    pub fn kernel(&self) -> Kernel {
        match self {
            KernelMoments::Rect(c, _) => Kernel::Rect { window: c.window() },
            KernelMoments::Ema(m) => Kernel::Ema {
                half_life_rows: 0.5f64.ln() / (1.0 - m.alpha()).ln(),
            },
        }
    }

    /// Adds the next row (non-finite values are ignored).
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{Kernel, KernelMoments};
    /// let mut m = KernelMoments::new(Kernel::Rect { window: 2 });
    /// m.update(1.0, 2.0);
    /// m.update(f64::NAN, 0.0);
    /// m.update(3.0, 4.0);
    /// assert_eq!(m.mean_x(), Some(2.0));
    /// ```
    pub fn update(&mut self, x: f64, y: f64) {
        match self {
            KernelMoments::Rect(c, last) => {
                if x.is_finite() && y.is_finite() {
                    c.update(x, y);
                    *last = Some(x);
                }
            }
            KernelMoments::Ema(m) => m.update(x, y),
        }
    }

    /// Mean of `x` (`None` until a rectangular window is full).
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{Kernel, KernelMoments};
    /// let mut m = KernelMoments::new(Kernel::Rect { window: 2 });
    /// m.update(1.0, 0.0);
    /// assert_eq!(m.mean_x(), None);
    /// m.update(2.0, 0.0);
    /// assert_eq!(m.mean_x(), Some(1.5));
    /// ```
    pub fn mean_x(&self) -> Option<f64> {
        match self {
            KernelMoments::Rect(c, _) => c.mean_x(),
            KernelMoments::Ema(m) => m.mean_x(),
        }
    }

    /// Mean of `y`.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{Kernel, KernelMoments};
    /// let mut m = KernelMoments::new(Kernel::Ema { half_life_rows: 1.0 });
    /// m.update(0.0, 4.0);
    /// assert_eq!(m.mean_y(), Some(4.0));
    /// ```
    pub fn mean_y(&self) -> Option<f64> {
        match self {
            KernelMoments::Rect(c, _) => c.mean_y(),
            KernelMoments::Ema(m) => m.mean_y(),
        }
    }

    /// Variance of `x`: sample (`n - 1`) for `Rect`, bias-corrected weighted for `Ema`.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{Kernel, KernelMoments};
    /// let mut m = KernelMoments::new(Kernel::Rect { window: 2 });
    /// m.update(1.0, 0.0);
    /// m.update(3.0, 0.0);
    /// assert_eq!(m.var_x(), Some(2.0));
    /// ```
    pub fn var_x(&self) -> Option<f64> {
        match self {
            KernelMoments::Rect(c, _) => c.var_x(),
            KernelMoments::Ema(m) => m.var_x(),
        }
    }

    /// Variance of `y`.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{Kernel, KernelMoments};
    /// let mut m = KernelMoments::new(Kernel::Ema { half_life_rows: 1.0 });
    /// m.update(0.0, 0.0);
    /// m.update(0.0, 2.0);
    /// assert_eq!(m.var_y(), Some(2.0));
    /// ```
    pub fn var_y(&self) -> Option<f64> {
        match self {
            KernelMoments::Rect(c, _) => c.var_y(),
            KernelMoments::Ema(m) => m.var_y(),
        }
    }

    /// Covariance of `x` and `y`.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{Kernel, KernelMoments};
    /// let mut m = KernelMoments::new(Kernel::Rect { window: 2 });
    /// m.update(1.0, 5.0);
    /// m.update(3.0, 1.0);
    /// assert_eq!(m.covariance(), Some(-4.0));
    /// ```
    pub fn covariance(&self) -> Option<f64> {
        match self {
            KernelMoments::Rect(c, _) => c.covariance(),
            KernelMoments::Ema(m) => m.covariance(),
        }
    }

    /// Correlation of `x` and `y`.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{Kernel, KernelMoments};
    /// let mut m = KernelMoments::new(Kernel::Rect { window: 3 });
    /// for (x, y) in [(1.0, 3.0), (2.0, 2.0), (3.0, 1.0)] { m.update(x, y); }
    /// assert_eq!(m.correlation(), Some(-1.0));
    /// ```
    pub fn correlation(&self) -> Option<f64> {
        match self {
            KernelMoments::Rect(c, _) => c.correlation(),
            KernelMoments::Ema(m) => m.correlation(),
        }
    }

    /// OLS slope of `y` on `x` (the hedge ratio): `cov / var_x`.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{Kernel, KernelMoments};
    /// let mut m = KernelMoments::new(Kernel::Rect { window: 3 });
    /// for x in [1.0, 2.0, 4.0] { m.update(x, 1.0 - 0.5 * x); }
    /// assert_eq!(m.hedge_ratio(), Some(-0.5));
    /// ```
    pub fn hedge_ratio(&self) -> Option<f64> {
        match self {
            KernelMoments::Rect(c, _) => {
                let var = c.var_x()?;
                (var > 0.0)
                    .then(|| c.covariance().map(|cov| cov / var))
                    .flatten()
                    .and_then(finite)
            }
            KernelMoments::Ema(m) => m.hedge_ratio(),
        }
    }

    /// Z-score of the latest `x` against the kernel's mean and standard deviation of `x`.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{Kernel, KernelMoments};
    /// let mut m = KernelMoments::new(Kernel::Rect { window: 2 });
    /// m.update(0.0, 0.0);
    /// m.update(2.0, 0.0);
    /// // mean 1, sample sd sqrt 2.
    /// assert!((m.zscore_x().unwrap() - 1.0 / 2f64.sqrt()).abs() < 1e-15);
    /// ```
    pub fn zscore_x(&self) -> Option<f64> {
        match self {
            KernelMoments::Rect(c, last) => {
                let (x, mean, var) = ((*last)?, c.mean_x()?, c.var_x()?);
                (var > 0.0)
                    .then(|| (x - mean) / var.sqrt())
                    .and_then(finite)
            }
            KernelMoments::Ema(m) => m.zscore_x(),
        }
    }

    /// Forgets every observation.
    ///
    /// # Examples
    /// ```
    /// use hft::stats::{Kernel, KernelMoments};
    /// let mut m = KernelMoments::new(Kernel::Rect { window: 1 });
    /// m.update(1.0, 1.0);
    /// m.reset();
    /// assert_eq!(m.mean_x(), None);
    /// ```
    pub fn reset(&mut self) {
        match self {
            KernelMoments::Rect(c, last) => {
                c.reset();
                *last = None;
            }
            KernelMoments::Ema(m) => m.reset(),
        }
    }
}
