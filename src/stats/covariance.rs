//! Rolling covariance and correlation of two series over a fixed window.

use super::moments::{CoMoments, SlidingWindow};
use super::{Ring, finite};

/// Means, sample variances, sample covariance and correlation of the last `window` pairs.
///
/// O(1) amortized per update, no allocation after [`RollingCovariance::new`]. Welford co-moment
/// updates of pairs shifted by a member of their block, merged by the formula of Chan, Golub and
/// LeVeque; a departed pair is never subtracted (see the [module docs](crate::stats)).
///
/// The covariance of a window in which one side is constant is exactly `0.0`; the correlation
/// is then undefined (`None`).
///
/// # Examples
///
/// ```
/// use hft::stats::RollingCovariance;
///
/// let mut cov = RollingCovariance::new(3);
/// for (x, y) in [(1.0, 2.0), (2.0, 4.0), (3.0, 6.0)] {
///     cov.update(x, y);
/// }
/// assert_eq!(cov.covariance(), Some(2.0));
/// assert_eq!(cov.correlation(), Some(1.0));
/// assert_eq!(cov.value(), cov.covariance());
/// ```
/// The moments a z-score reads at one grid row ([`super::KernelMoments::snapshot`]), each `None`
/// where its own getter says `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MomentsSnapshot {
    pub mean_x: Option<f64>,
    pub mean_y: Option<f64>,
    pub var_x: Option<f64>,
    pub var_y: Option<f64>,
    pub covariance: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct RollingCovariance {
    xs: Ring,
    ys: Ring,
    moments: SlidingWindow<CoMoments>,
}

/// The window's centered moments in the caller's units (means not shifted).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Centered {
    pub n: usize,
    pub mean_x: f64,
    pub mean_y: f64,
    pub cxx: f64,
    pub cyy: f64,
    pub cxy: f64,
}

impl RollingCovariance {
    /// A covariance over the last `window` pairs.
    ///
    /// # Panics
    ///
    /// If `window` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingCovariance;
    ///
    /// let cov = RollingCovariance::new(50);
    /// assert_eq!(cov.window(), 50);
    /// ```
    pub fn new(window: usize) -> Self {
        RollingCovariance {
            xs: Ring::new(window),
            ys: Ring::new(window),
            moments: SlidingWindow::new(window, (0.0, 0.0)),
        }
    }

    /// Adds the pair `(x, y)` as the newest, evicting the oldest when the window is full. A pair
    /// with a non-finite member is ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingCovariance;
    ///
    /// let mut cov = RollingCovariance::new(2);
    /// cov.update(1.0, 1.0);
    /// cov.update(2.0, f64::NAN); // ignored
    /// assert_eq!(cov.len(), 1);
    /// ```
    #[inline]
    pub fn update(&mut self, x: f64, y: f64) {
        if !(x.is_finite() && y.is_finite()) {
            return;
        }
        if self.xs.is_full() {
            if self.moments.front_is_empty() {
                self.moments.flip(self.xs.iter().zip(self.ys.iter()));
            }
            self.moments.pop_front();
        }
        self.xs.push(x);
        self.ys.push(y);
        self.moments.push_back((x, y));
    }

    /// The window's moments; `None` until the window is full. A constant side has exactly zero
    /// second moments (its shifted values are all zero), and so a zero co-moment.
    #[inline]
    pub(crate) fn centered(&self) -> Option<Centered> {
        if !self.is_ready() {
            return None;
        }
        let (c, (reference_x, reference_y)) = self.moments.total()?;
        Some(Centered {
            n: c.n,
            mean_x: reference_x + c.mean_x,
            mean_y: reference_y + c.mean_y,
            cxx: c.cxx,
            cyy: c.cyy,
            cxy: c.cxy,
        })
    }

    /// Means, sample variances and covariance from one look at the window: each the value its
    /// own getter returns ([`Self::mean_x`], ..., [`Self::covariance`]), bit for bit.
    #[inline]
    pub(crate) fn snapshot(&self) -> MomentsSnapshot {
        let Some(c) = self.centered() else {
            return MomentsSnapshot::default();
        };
        MomentsSnapshot {
            mean_x: finite(c.mean_x),
            mean_y: finite(c.mean_y),
            var_x: sample_variance(c.cxx, c.n),
            var_y: sample_variance(c.cyy, c.n),
            covariance: if c.n < 2 {
                None
            } else {
                finite(c.cxy / (c.n - 1) as f64)
            },
        }
    }

    /// The sample covariance (`n - 1` denominator); `None` until the window is full and for a
    /// window of one.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingCovariance;
    ///
    /// let mut cov = RollingCovariance::new(2);
    /// cov.update(1.0, 5.0);
    /// cov.update(3.0, 1.0);
    /// assert_eq!(cov.covariance(), Some(-4.0));
    /// ```
    #[inline]
    pub fn covariance(&self) -> Option<f64> {
        let c = self.centered()?;
        if c.n < 2 {
            return None;
        }
        finite(c.cxy / (c.n - 1) as f64)
    }

    /// The Pearson correlation, clamped to `[-1, 1]`; `None` until the window is full and when
    /// either side has zero variance.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingCovariance;
    ///
    /// let mut cov = RollingCovariance::new(3);
    /// for (x, y) in [(1.0, 3.0), (2.0, 2.0), (3.0, 1.0)] {
    ///     cov.update(x, y);
    /// }
    /// assert_eq!(cov.correlation(), Some(-1.0));
    /// ```
    #[inline]
    pub fn correlation(&self) -> Option<f64> {
        let c = self.centered()?;
        // One root of the product (one rounding fewer, so exact lines give exactly +-1), or
        // separate roots where the product would under- or overflow.
        let product = c.cxx * c.cyy;
        let scale = if product.is_normal() {
            product.sqrt()
        } else {
            c.cxx.sqrt() * c.cyy.sqrt()
        };
        if scale > 0.0 {
            finite(c.cxy / scale).map(|r| r.clamp(-1.0, 1.0))
        } else {
            None
        }
    }

    /// The mean of the `x` values in the window; `None` until it is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingCovariance;
    ///
    /// let mut cov = RollingCovariance::new(2);
    /// cov.update(1.0, 0.0);
    /// cov.update(2.0, 0.0);
    /// assert_eq!(cov.mean_x(), Some(1.5));
    /// ```
    #[inline]
    pub fn mean_x(&self) -> Option<f64> {
        self.centered().and_then(|c| finite(c.mean_x))
    }

    /// The mean of the `y` values in the window; `None` until it is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingCovariance;
    ///
    /// let mut cov = RollingCovariance::new(2);
    /// cov.update(0.0, 4.0);
    /// cov.update(0.0, 6.0);
    /// assert_eq!(cov.mean_y(), Some(5.0));
    /// ```
    #[inline]
    pub fn mean_y(&self) -> Option<f64> {
        self.centered().and_then(|c| finite(c.mean_y))
    }

    /// The sample variance of `x`; `None` until the window is full, for a window of one and when
    /// the `x` values are all equal.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingCovariance;
    ///
    /// let mut cov = RollingCovariance::new(2);
    /// cov.update(1.0, 7.0);
    /// cov.update(3.0, 7.0);
    /// assert_eq!(cov.var_x(), Some(2.0));
    /// assert_eq!(cov.var_y(), None); // constant
    /// ```
    #[inline]
    pub fn var_x(&self) -> Option<f64> {
        self.centered().and_then(|c| sample_variance(c.cxx, c.n))
    }

    /// The sample variance of `y`; `None` until the window is full, for a window of one and when
    /// the `y` values are all equal.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingCovariance;
    ///
    /// let mut cov = RollingCovariance::new(2);
    /// cov.update(0.0, 1.0);
    /// cov.update(0.0, 5.0);
    /// assert_eq!(cov.var_y(), Some(8.0));
    /// ```
    #[inline]
    pub fn var_y(&self) -> Option<f64> {
        self.centered().and_then(|c| sample_variance(c.cyy, c.n))
    }

    /// The sample covariance, as [`covariance`](Self::covariance).
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingCovariance;
    ///
    /// let mut cov = RollingCovariance::new(2);
    /// cov.update(1.0, 1.0);
    /// cov.update(2.0, 3.0);
    /// assert_eq!(cov.value(), Some(1.0));
    /// ```
    #[inline]
    pub fn value(&self) -> Option<f64> {
        self.covariance()
    }

    /// Whether the window is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingCovariance;
    ///
    /// let mut cov = RollingCovariance::new(1);
    /// assert!(!cov.is_ready());
    /// cov.update(1.0, 2.0);
    /// assert!(cov.is_ready());
    /// ```
    #[inline]
    pub fn is_ready(&self) -> bool {
        self.xs.is_full()
    }

    /// Number of pairs in the window (at most `window()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingCovariance;
    ///
    /// let mut cov = RollingCovariance::new(3);
    /// cov.update(1.0, 2.0);
    /// assert_eq!(cov.len(), 1);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.xs.len()
    }

    /// Whether no pair has been seen since `new` or `reset`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingCovariance;
    ///
    /// assert!(RollingCovariance::new(3).is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.xs.is_empty()
    }

    /// The window length given to `new`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingCovariance;
    ///
    /// assert_eq!(RollingCovariance::new(3).window(), 3);
    /// ```
    #[inline]
    pub fn window(&self) -> usize {
        self.xs.capacity()
    }

    /// Forgets every pair; the window length stays and nothing is allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingCovariance;
    ///
    /// let mut cov = RollingCovariance::new(1);
    /// cov.update(1.0, 2.0);
    /// cov.reset();
    /// assert!(cov.is_empty());
    /// assert_eq!(cov.mean_x(), None);
    /// ```
    pub fn reset(&mut self) {
        self.xs.clear();
        self.ys.clear();
        self.moments.clear();
    }
}

/// `m2 / (n - 1)` when that is a positive finite number.
#[inline]
fn sample_variance(m2: f64, n: usize) -> Option<f64> {
    if n >= 2 && m2 > 0.0 {
        finite(m2 / (n - 1) as f64)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn known_series() {
        // x = [4, 1, 5, 9], y = [1, 8, 2, 8] after sliding window 4 over six pairs.
        // By hand: means 19/4 and 19/4, cxx 131/4, cyy 171/4, cxy 15/4.
        let mut cov = RollingCovariance::new(4);
        for (x, y) in [
            (3.0, 2.0),
            (1.0, 7.0),
            (4.0, 1.0),
            (1.0, 8.0),
            (5.0, 2.0),
            (9.0, 8.0),
        ] {
            cov.update(x, y);
        }
        assert!(close(cov.mean_x().unwrap(), 4.75, 1e-15));
        assert!(close(cov.mean_y().unwrap(), 4.75, 1e-15));
        assert!(close(cov.var_x().unwrap(), 131.0 / 12.0, 1e-14));
        assert!(close(cov.var_y().unwrap(), 171.0 / 12.0, 1e-14));
        assert!(close(cov.covariance().unwrap(), 15.0 / 12.0, 1e-14));
        let r = 15.0 / (131.0_f64 * 171.0).sqrt();
        assert!(close(cov.correlation().unwrap(), r, 1e-14));
    }

    #[test]
    fn constant_side_gives_zero_covariance_and_no_correlation() {
        let mut cov = RollingCovariance::new(3);
        for (x, y) in [(0.3, 1.0), (0.1, 2.0), (0.7, 3.0), (0.2, 4.0)] {
            cov.update(x, y);
        }
        for y in [5.0, 6.0, 7.0] {
            cov.update(0.9, y);
        }
        assert_eq!(cov.covariance(), Some(0.0));
        assert_eq!(cov.correlation(), None);
        assert_eq!(cov.var_x(), None);
        assert_eq!(cov.var_y(), Some(1.0));
        assert_eq!(cov.mean_x(), Some(0.9));
    }

    #[test]
    fn window_one_and_two() {
        let mut one = RollingCovariance::new(1);
        one.update(1.0, 2.0);
        assert!(one.is_ready());
        assert_eq!(one.covariance(), None);
        assert_eq!(one.correlation(), None);
        assert_eq!(one.mean_y(), Some(2.0));

        let mut two = RollingCovariance::new(2);
        two.update(1.0, 2.0);
        two.update(2.0, 1.0);
        assert_eq!(two.covariance(), Some(-0.5));
        assert_eq!(two.correlation(), Some(-1.0));
        two.update(4.0, 5.0);
        assert_eq!(two.covariance(), Some(4.0));
        assert_eq!(two.correlation(), Some(1.0));
    }
}
