//! Rolling mean over a fixed window.

use super::moments::{SlidingWindow, Sum};
use super::{Ring, finite};

/// Mean of the last `window` values.
///
/// O(1) amortized per update, no allocation after [`RollingMean::new`]. Sums are kept relative
/// to a value of the window and never have a departed value subtracted, so rounding does not
/// drift (see the [module docs](crate::stats)).
///
/// # Examples
///
/// ```
/// use hft::stats::RollingMean;
///
/// let mut mean = RollingMean::new(3);
/// mean.update(1.0);
/// mean.update(2.0);
/// assert_eq!(mean.value(), None); // not ready until the window is full
/// mean.update(3.0);
/// assert_eq!(mean.value(), Some(2.0));
/// mean.update(7.0); // window [2, 3, 7]
/// assert_eq!(mean.value(), Some(4.0));
/// ```
#[derive(Debug, Clone)]
pub struct RollingMean {
    values: Ring,
    sums: SlidingWindow<Sum>,
}

impl RollingMean {
    /// A mean over the last `window` values.
    ///
    /// # Panics
    ///
    /// If `window` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingMean;
    ///
    /// let mean = RollingMean::new(20);
    /// assert_eq!(mean.window(), 20);
    /// ```
    pub fn new(window: usize) -> Self {
        RollingMean {
            values: Ring::new(window),
            sums: SlidingWindow::new(window, 0.0),
        }
    }

    /// Adds `x` as the newest value, evicting the oldest when the window is full. Non-finite `x`
    /// is ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingMean;
    ///
    /// let mut mean = RollingMean::new(1);
    /// mean.update(5.0);
    /// mean.update(f64::NAN); // ignored
    /// assert_eq!(mean.value(), Some(5.0));
    /// ```
    #[inline]
    pub fn update(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        if self.values.is_full() {
            if self.sums.front_is_empty() {
                self.sums.flip(self.values.iter());
            }
            self.sums.pop_front();
        }
        self.values.push(x);
        self.sums.push_back(x);
    }

    /// The mean of the window; `None` until it is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingMean;
    ///
    /// let mut mean = RollingMean::new(2);
    /// mean.update(1e6);
    /// mean.update(1e6 + 1.0);
    /// assert_eq!(mean.value(), Some(1e6 + 0.5));
    /// ```
    #[inline]
    pub fn value(&self) -> Option<f64> {
        if !self.is_ready() {
            return None;
        }
        let (sum, reference) = self.sums.total()?;
        finite(reference + sum.sum / sum.n as f64)
    }

    /// Whether the window is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingMean;
    ///
    /// let mut mean = RollingMean::new(2);
    /// mean.update(1.0);
    /// assert!(!mean.is_ready());
    /// mean.update(1.0);
    /// assert!(mean.is_ready());
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
    /// use hft::stats::RollingMean;
    ///
    /// let mut mean = RollingMean::new(3);
    /// mean.update(1.0);
    /// assert_eq!(mean.len(), 1);
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
    /// use hft::stats::RollingMean;
    ///
    /// assert!(RollingMean::new(3).is_empty());
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
    /// use hft::stats::RollingMean;
    ///
    /// assert_eq!(RollingMean::new(3).window(), 3);
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
    /// use hft::stats::RollingMean;
    ///
    /// let mut mean = RollingMean::new(1);
    /// mean.update(1.0);
    /// mean.reset();
    /// assert_eq!(mean.value(), None);
    /// assert!(mean.is_empty());
    /// ```
    pub fn reset(&mut self) {
        self.values.clear();
        self.sums.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slides_over_the_window() {
        let mut mean = RollingMean::new(3);
        let expected = [
            None,
            None,
            Some(2.0),
            Some(3.0),
            Some(17.0 / 3.0),
            Some(4.0),
        ];
        for (x, expected) in [1.0, 2.0, 3.0, 4.0, 10.0, -2.0].into_iter().zip(expected) {
            mean.update(x);
            match (mean.value(), expected) {
                // A division by 3 rounds once in each computation: an ulp apart at most.
                (Some(got), Some(expected)) => assert!((got - expected).abs() <= 1e-15 * expected),
                (got, expected) => assert_eq!(got, expected),
            }
        }
    }

    #[test]
    fn window_one_is_the_last_value() {
        let mut mean = RollingMean::new(1);
        for x in [3.0, -1.5, 1e300, 0.25] {
            mean.update(x);
            assert_eq!(mean.value(), Some(x));
        }
    }

    #[test]
    fn constant_window_is_exact_after_noise() {
        let mut mean = RollingMean::new(4);
        for x in [0.1, 0.7, 1e-9, 3.3, 0.2] {
            mean.update(x);
        }
        for _ in 0..4 {
            mean.update(0.3);
        }
        assert_eq!(mean.value(), Some(0.3));
    }

    #[test]
    fn non_finite_input_is_ignored() {
        let mut mean = RollingMean::new(2);
        mean.update(1.0);
        mean.update(f64::INFINITY);
        mean.update(f64::NAN);
        assert_eq!(mean.len(), 1);
        mean.update(3.0);
        assert_eq!(mean.value(), Some(2.0));
    }

    #[test]
    fn overflowing_sum_is_none_while_it_lasts() {
        let mut mean = RollingMean::new(2);
        mean.update(-f64::MAX);
        mean.update(f64::MAX); // shifted by -MAX, the sum overflows
        assert_eq!(mean.value(), None);
        mean.update(1.0); // [MAX, 1], shifted by MAX: representable
        assert_eq!(mean.value(), Some(f64::MAX / 2.0));
        mean.update(2.0);
        assert_eq!(mean.value(), Some(1.5));
    }

    #[test]
    fn reset_starts_over() {
        let mut mean = RollingMean::new(2);
        mean.update(1.0);
        mean.update(2.0);
        mean.reset();
        mean.update(10.0);
        assert_eq!(mean.value(), None);
        mean.update(20.0);
        assert_eq!(mean.value(), Some(15.0));
    }
}
