//! Rolling mean and sample variance over a fixed window.

use super::moments::{Moments, SlidingWindow};
use super::{Ring, finite};

/// Mean, sample variance (`n - 1` in the denominator) and standard deviation of the last
/// `window` values.
///
/// O(1) amortized per update, no allocation after [`RollingVariance::new`]. Welford updates of
/// values shifted by a member of their block, merged by the formula of Chan, Golub and LeVeque;
/// a departed value is never subtracted (see the [module docs](crate::stats)).
///
/// The variance is `None` until the window is full, for a window of one value (the sample
/// variance of one value is undefined), and when every value in the window is the same (the
/// sums are then exactly zero, so a constant series never reports a rounding residue).
///
/// # Examples
///
/// ```
/// use hft::stats::RollingVariance;
///
/// let mut var = RollingVariance::new(4);
/// for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
///     var.update(x);
/// }
/// // Window [5, 5, 7, 9]: mean 6.5, squared deviations 2.25 + 2.25 + 0.25 + 6.25 = 11.
/// assert_eq!(var.mean(), Some(6.5));
/// assert!((var.variance().unwrap() - 11.0 / 3.0).abs() < 1e-12);
/// assert_eq!(var.value(), var.variance());
/// ```
#[derive(Debug, Clone)]
pub struct RollingVariance {
    values: Ring,
    moments: SlidingWindow<Moments>,
}

impl RollingVariance {
    /// A variance over the last `window` values.
    ///
    /// # Panics
    ///
    /// If `window` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingVariance;
    ///
    /// let var = RollingVariance::new(100);
    /// assert_eq!(var.window(), 100);
    /// assert_eq!(var.value(), None);
    /// ```
    pub fn new(window: usize) -> Self {
        RollingVariance {
            values: Ring::new(window),
            moments: SlidingWindow::new(window, 0.0),
        }
    }

    /// Adds `x` as the newest value, evicting the oldest when the window is full. Non-finite `x`
    /// is ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingVariance;
    ///
    /// let mut var = RollingVariance::new(2);
    /// var.update(1.0);
    /// var.update(f64::NAN); // ignored
    /// var.update(3.0);
    /// assert_eq!(var.variance(), Some(2.0));
    /// ```
    #[inline]
    pub fn update(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        if self.values.is_full() {
            if self.moments.front_is_empty() {
                self.moments.flip(self.values.iter());
            }
            self.moments.pop_front();
        }
        self.values.push(x);
        self.moments.push_back(x);
    }

    /// The window's moments once it is full.
    #[inline]
    fn full(&self) -> Option<(Moments, f64)> {
        if self.is_ready() {
            self.moments.total()
        } else {
            None
        }
    }

    /// The mean of the window; `None` until it is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingVariance;
    ///
    /// let mut var = RollingVariance::new(2);
    /// var.update(1.0);
    /// var.update(2.0);
    /// assert_eq!(var.mean(), Some(1.5));
    /// ```
    #[inline]
    pub fn mean(&self) -> Option<f64> {
        let (m, reference) = self.full()?;
        finite(reference + m.mean)
    }

    /// The sample variance of the window (`n - 1` denominator); `None` until the window is full,
    /// for a window of one, and for a constant window.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingVariance;
    ///
    /// let mut var = RollingVariance::new(3);
    /// for x in [5.0, 5.0, 5.0] {
    ///     var.update(x);
    /// }
    /// assert_eq!(var.variance(), None); // zero variance
    /// var.update(8.0); // window [5, 5, 8]: mean 6, squared deviations 1 + 1 + 4
    /// assert_eq!(var.variance(), Some(3.0));
    /// ```
    #[inline]
    pub fn variance(&self) -> Option<f64> {
        let (m, _) = self.full()?;
        // `m2 > 0` refuses a constant window and NaN from overflowing inputs alike.
        if m.n >= 2 && m.m2 > 0.0 {
            finite(m.m2 / (m.n - 1) as f64)
        } else {
            None
        }
    }

    /// The sample standard deviation, `variance().sqrt()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingVariance;
    ///
    /// let mut var = RollingVariance::new(2);
    /// var.update(1.0);
    /// var.update(3.0);
    /// assert_eq!(var.std(), Some(2.0_f64.sqrt()));
    /// ```
    #[inline]
    pub fn std(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }

    /// The sample variance, as [`variance`](Self::variance).
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingVariance;
    ///
    /// let mut var = RollingVariance::new(2);
    /// var.update(1.0);
    /// var.update(3.0);
    /// assert_eq!(var.value(), Some(2.0));
    /// ```
    #[inline]
    pub fn value(&self) -> Option<f64> {
        self.variance()
    }

    /// Whether the window is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingVariance;
    ///
    /// let mut var = RollingVariance::new(2);
    /// var.update(1.0);
    /// assert!(!var.is_ready());
    /// var.update(2.0);
    /// assert!(var.is_ready());
    /// ```
    #[inline]
    pub fn is_ready(&self) -> bool {
        self.values.is_full()
    }

    /// Number of values in the window (at most `window()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingVariance;
    ///
    /// let mut var = RollingVariance::new(3);
    /// var.update(1.0);
    /// assert_eq!(var.len(), 1);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no value has been seen since `new` or `reset`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingVariance;
    ///
    /// assert!(RollingVariance::new(3).is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The window length given to `new`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingVariance;
    ///
    /// assert_eq!(RollingVariance::new(3).window(), 3);
    /// ```
    #[inline]
    pub fn window(&self) -> usize {
        self.values.capacity()
    }

    /// Forgets every value; the window length stays and nothing is allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingVariance;
    ///
    /// let mut var = RollingVariance::new(2);
    /// var.update(1.0);
    /// var.update(2.0);
    /// var.reset();
    /// assert_eq!(var.value(), None);
    /// assert!(var.is_empty());
    /// ```
    pub fn reset(&mut self) {
        self.values.clear();
        self.moments.clear();
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
        // Window 3 over 1, 2, 4, 8, 16: windows [1,2,4] [2,4,8] [4,8,16].
        // Variances by hand: mean 7/3, (16 + 1 + 25)/9 / 2 = 7/3; mean 14/3, 28/3; mean 28/3, 112/3.
        let mut var = RollingVariance::new(3);
        let mut got = Vec::new();
        for x in [1.0, 2.0, 4.0, 8.0, 16.0] {
            var.update(x);
            got.push(var.variance());
        }
        assert_eq!(&got[..2], &[None, None]);
        for (value, expected) in got[2..].iter().zip([7.0 / 3.0, 28.0 / 3.0, 112.0 / 3.0]) {
            assert!(
                close(value.unwrap(), expected, 1e-14),
                "{value:?} vs {expected}"
            );
        }
        assert!(close(var.mean().unwrap(), 28.0 / 3.0, 1e-15));
    }

    #[test]
    fn window_one_has_no_variance() {
        let mut var = RollingVariance::new(1);
        for x in [1.0, 2.0, 3.0] {
            var.update(x);
            assert!(var.is_ready());
            assert_eq!(var.variance(), None);
            assert_eq!(var.std(), None);
            assert_eq!(var.mean(), Some(x));
        }
    }

    #[test]
    fn window_two() {
        let mut var = RollingVariance::new(2);
        var.update(10.0);
        assert_eq!(var.variance(), None);
        var.update(12.0);
        assert_eq!(var.variance(), Some(2.0));
        var.update(12.0);
        assert_eq!(var.variance(), None);
        var.update(9.0);
        assert_eq!(var.variance(), Some(4.5));
    }

    #[test]
    fn constant_after_noise_is_exactly_none() {
        let mut var = RollingVariance::new(5);
        for x in [0.1, 1e-7, 3.7, 1.0 / 3.0, 2.9, 0.6] {
            var.update(x);
        }
        assert!(var.variance().is_some());
        for i in 0..5 {
            var.update(0.7);
            assert_eq!(var.variance().is_none(), i == 4);
        }
        assert_eq!(var.mean(), Some(0.7));
    }

    #[test]
    fn large_level_tiny_variance() {
        // 1e6 + {0, 1e-4, 2e-4}: the stored values differ from the shifted ones by rounding of
        // the level (ulp(1e6) ~ 1.2e-10), so compare with the variance of the stored values.
        let xs = [1e6, 1e6 + 1e-4, 1e6 + 2e-4];
        let d: Vec<f64> = xs.iter().map(|x| x - 1e6).collect();
        let mean = d.iter().sum::<f64>() / 3.0;
        let expected = d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 2.0;
        let mut var = RollingVariance::new(3);
        for _ in 0..10 {
            for x in xs {
                var.update(x);
            }
        }
        assert!(close(var.variance().unwrap(), expected, 1e-9));
        assert!(close(expected, 1e-8, 1e-5));
    }

    #[test]
    fn overflow_is_none_until_it_leaves() {
        let mut var = RollingVariance::new(3);
        for x in [1e300, -1e300, 1e300] {
            var.update(x);
        }
        assert_eq!(var.variance(), None);
        for x in [1.0, 2.0] {
            var.update(x);
            assert_eq!(var.variance(), None);
        }
        var.update(3.0);
        assert_eq!(var.variance(), Some(1.0));
    }

    #[test]
    fn a_spike_is_forgotten_when_it_leaves() {
        // Window 2: after -1 leaves, the variance of [0, 5e-5] owes nothing to it.
        let mut var = RollingVariance::new(2);
        for x in [0.0, -1.0, 0.0, 5e-5] {
            var.update(x);
        }
        assert_eq!(var.variance(), Some(5e-5 * 5e-5 / 2.0));
    }

    #[test]
    fn reset_forgets() {
        let mut var = RollingVariance::new(2);
        var.update(1.0);
        var.update(5.0);
        var.reset();
        var.update(1.0);
        assert_eq!(var.variance(), None);
        var.update(1.0);
        assert_eq!(var.variance(), None);
        var.update(3.0);
        assert_eq!(var.variance(), Some(2.0));
    }
}
