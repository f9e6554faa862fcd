//! Rolling least-squares regression of `y` on `x` with intercept: the hedge ratio of a pair.

use super::covariance::{Centered, RollingCovariance};
use super::finite;

/// Ordinary least squares `y = intercept + slope * x + e` over the last `window` pairs.
///
/// `slope = cov(x, y) / var(x)`, `intercept = mean(y) - slope * mean(x)`, from the centered
/// moments of a [`RollingCovariance`]; O(1) amortized per update, no allocation after
/// [`RollingOls::new`].
///
/// Everything is `None` until the window is full and while the `x` values are all equal (the
/// slope is undefined).
///
/// # Examples
///
/// ```
/// use hft::stats::RollingOls;
///
/// let mut ols = RollingOls::new(4);
/// for x in [1.0, 2.0, 3.0, 4.0] {
///     ols.update(x, 2.0 * x + 1.0);
/// }
/// let (slope, intercept) = ols.value().unwrap();
/// assert!((slope - 2.0).abs() < 1e-12);
/// assert!((intercept - 1.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone)]
pub struct RollingOls {
    moments: RollingCovariance,
}

impl RollingOls {
    /// A regression over the last `window` pairs.
    ///
    /// # Panics
    ///
    /// If `window` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingOls;
    ///
    /// let ols = RollingOls::new(60);
    /// assert_eq!(ols.window(), 60);
    /// ```
    pub fn new(window: usize) -> Self {
        RollingOls {
            moments: RollingCovariance::new(window),
        }
    }

    /// Adds the pair `(x, y)` as the newest, evicting the oldest when the window is full. A pair
    /// with a non-finite member is ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingOls;
    ///
    /// let mut ols = RollingOls::new(2);
    /// ols.update(1.0, 1.0);
    /// ols.update(f64::INFINITY, 1.0); // ignored
    /// assert_eq!(ols.len(), 1);
    /// ```
    #[inline]
    pub fn update(&mut self, x: f64, y: f64) {
        self.moments.update(x, y);
    }

    /// Moments when the slope is defined: window full, `x` not constant.
    #[inline]
    fn fit(&self) -> Option<(Centered, f64)> {
        let c = self.moments.centered()?;
        if c.cxx > 0.0 {
            let slope = finite(c.cxy / c.cxx)?;
            Some((c, slope))
        } else {
            None
        }
    }

    /// The slope (hedge ratio): `cov(x, y) / var(x)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingOls;
    ///
    /// let mut ols = RollingOls::new(2);
    /// ols.update(1.0, 3.0);
    /// ols.update(3.0, 4.0);
    /// assert_eq!(ols.slope(), Some(0.5));
    /// ```
    #[inline]
    pub fn slope(&self) -> Option<f64> {
        self.fit().map(|(_, slope)| slope)
    }

    /// The intercept: `mean(y) - slope * mean(x)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingOls;
    ///
    /// let mut ols = RollingOls::new(2);
    /// ols.update(1.0, 3.0);
    /// ols.update(3.0, 4.0);
    /// assert_eq!(ols.intercept(), Some(2.5));
    /// ```
    #[inline]
    pub fn intercept(&self) -> Option<f64> {
        self.fit()
            .and_then(|(c, slope)| finite(c.mean_y - slope * c.mean_x))
    }

    /// `(slope, intercept)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingOls;
    ///
    /// let mut ols = RollingOls::new(2);
    /// ols.update(1.0, 3.0);
    /// assert_eq!(ols.value(), None); // not ready
    /// ols.update(3.0, 4.0);
    /// assert_eq!(ols.value(), Some((0.5, 2.5)));
    /// ```
    #[inline]
    pub fn value(&self) -> Option<(f64, f64)> {
        Some((self.slope()?, self.intercept()?))
    }

    /// Standard deviation of the residuals with `n - 2` degrees of freedom (the standard error
    /// of the regression); `None` for windows shorter than 3 and when the slope is undefined.
    /// A perfect fit gives `Some(0.0)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingOls;
    ///
    /// let mut ols = RollingOls::new(4);
    /// for (x, y) in [(0.0, 0.0), (1.0, 2.0), (2.0, 2.0), (3.0, 4.0)] {
    ///     ols.update(x, y);
    /// }
    /// // Fit y = 0.2 + 1.2 x; residuals -0.2, 0.6, -0.6, 0.2; SSR 0.8 over 2 degrees of freedom.
    /// assert!((ols.residual_std().unwrap() - 0.4_f64.sqrt()).abs() < 1e-12);
    /// ```
    #[inline]
    pub fn residual_std(&self) -> Option<f64> {
        let (c, slope) = self.fit()?;
        if c.n < 3 {
            return None;
        }
        // SSR = Syy - slope * Sxy; rounding may take a perfect fit slightly below zero.
        let ssr = (c.cyy - slope * c.cxy).max(0.0);
        finite((ssr / (c.n - 2) as f64).sqrt())
    }

    /// The fitted `y` at `x`: `intercept + slope * x`, computed around the means
    /// (`mean(y) + slope * (x - mean(x))`) so large price levels do not cancel.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingOls;
    ///
    /// let mut ols = RollingOls::new(2);
    /// ols.update(1.0, 3.0);
    /// ols.update(3.0, 4.0);
    /// assert_eq!(ols.predict(5.0), Some(5.0));
    /// ```
    #[inline]
    pub fn predict(&self, x: f64) -> Option<f64> {
        let (c, slope) = self.fit()?;
        finite(c.mean_y + slope * (x - c.mean_x))
    }

    /// The residual `y - predict(x)`: the spread of a pair at `(x, y)`, computed around the
    /// means as `(y - mean(y)) - slope * (x - mean(x))`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingOls;
    ///
    /// let mut ols = RollingOls::new(2);
    /// ols.update(1.0, 3.0);
    /// ols.update(3.0, 4.0);
    /// assert_eq!(ols.residual(5.0, 6.0), Some(1.0));
    /// ```
    #[inline]
    pub fn residual(&self, x: f64, y: f64) -> Option<f64> {
        let (c, slope) = self.fit()?;
        finite((y - c.mean_y) - slope * (x - c.mean_x))
    }

    /// Whether the window is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingOls;
    ///
    /// let mut ols = RollingOls::new(1);
    /// ols.update(1.0, 1.0);
    /// assert!(ols.is_ready());
    /// assert_eq!(ols.slope(), None); // one point fixes no slope
    /// ```
    #[inline]
    pub fn is_ready(&self) -> bool {
        self.moments.is_ready()
    }

    /// Number of pairs in the window (at most `window()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingOls;
    ///
    /// let mut ols = RollingOls::new(3);
    /// ols.update(1.0, 2.0);
    /// assert_eq!(ols.len(), 1);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.moments.len()
    }

    /// Whether no pair has been seen since `new` or `reset`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingOls;
    ///
    /// assert!(RollingOls::new(3).is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.moments.is_empty()
    }

    /// The window length given to `new`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingOls;
    ///
    /// assert_eq!(RollingOls::new(3).window(), 3);
    /// ```
    #[inline]
    pub fn window(&self) -> usize {
        self.moments.window()
    }

    /// The underlying moments (means, variances, correlation of the window).
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingOls;
    ///
    /// let mut ols = RollingOls::new(2);
    /// ols.update(1.0, 2.0);
    /// ols.update(3.0, 6.0);
    /// assert_eq!(ols.moments().mean_y(), Some(4.0));
    /// ```
    #[inline]
    pub fn moments(&self) -> &RollingCovariance {
        &self.moments
    }

    /// Forgets every pair; the window length stays and nothing is allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingOls;
    ///
    /// let mut ols = RollingOls::new(2);
    /// ols.update(1.0, 2.0);
    /// ols.update(3.0, 6.0);
    /// ols.reset();
    /// assert_eq!(ols.value(), None);
    /// ```
    pub fn reset(&mut self) {
        self.moments.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn exact_line_at_a_large_level() {
        // y = 0.5 x + 3 with x near 1e6 in steps of 0.01; the window slides many times.
        let mut ols = RollingOls::new(5);
        for i in 0..50 {
            let x = 1e6 + 0.01 * f64::from(i % 13);
            ols.update(x, 0.5 * x + 3.0);
        }
        let (slope, intercept) = ols.value().unwrap();
        // y carries rounding of ulp(5e5) ~ 6e-11 on deviations of ~1e-2, hence 1e-7 on the slope.
        assert!(close(slope, 0.5, 1e-7), "{slope}");
        // The intercept extrapolates to x = 0, 1e6 away: slope error times 1e6.
        assert!(close(intercept, 3.0, 0.1), "{intercept}");
        assert!(ols.residual_std().unwrap() < 1e-9);
        let x = 1e6 + 0.05;
        assert!(close(ols.residual(x, 0.5 * x + 3.0).unwrap(), 0.0, 1e-9));
    }

    #[test]
    fn constant_x_has_no_slope() {
        let mut ols = RollingOls::new(3);
        for (x, y) in [(1.0, 1.0), (2.0, 5.0), (3.0, 2.0), (4.0, 3.0)] {
            ols.update(x, y);
        }
        assert!(ols.slope().is_some());
        for y in [1.0, 2.0, 3.0] {
            ols.update(7.0, y);
        }
        assert_eq!(ols.slope(), None);
        assert_eq!(ols.intercept(), None);
        assert_eq!(ols.value(), None);
        assert_eq!(ols.residual_std(), None);
        assert_eq!(ols.predict(1.0), None);
    }

    #[test]
    fn constant_y_has_zero_slope() {
        let mut ols = RollingOls::new(3);
        for (x, y) in [(1.0, 9.0), (2.0, 5.0), (1.5, 4.0), (2.5, 4.0), (3.5, 4.0)] {
            ols.update(x, y);
        }
        assert_eq!(ols.value(), Some((0.0, 4.0)));
        assert_eq!(ols.residual_std(), Some(0.0));
    }

    #[test]
    fn window_two_fits_a_line_without_residual_std() {
        let mut ols = RollingOls::new(2);
        ols.update(2.0, 1.0);
        ols.update(4.0, 5.0);
        assert_eq!(ols.value(), Some((2.0, -3.0)));
        assert_eq!(ols.residual_std(), None);
    }
}
