//! Rolling volatility of simple returns.

use super::RollingVariance;

/// Standard deviation of the last `window` simple returns `p_t / p_{t-1} - 1` of a price.
///
/// The window counts returns, so it is ready after `window + 1` prices. Each return is computed
/// as `(p_t - p_{t-1}) / p_{t-1}`: the same number mathematically, but the subtraction is exact
/// for nearby prices (Sterbenz's lemma), so tiny returns keep full relative precision where
/// `p_t / p_{t-1} - 1` would keep only their absolute precision of about `1e-16`.
///
/// A price of zero gives no return (neither into nor out of it); non-finite prices are ignored.
///
/// # Examples
///
/// ```
/// use hft::stats::RollingReturns;
///
/// let mut vol = RollingReturns::new(2);
/// for price in [100.0, 101.0, 100.0] {
///     vol.update(price);
/// }
/// // Returns 0.01 and -1/101.
/// let r: [f64; 2] = [0.01, -1.0 / 101.0];
/// let mean = (r[0] + r[1]) / 2.0;
/// let expected = ((r[0] - mean).powi(2) + (r[1] - mean).powi(2)).sqrt();
/// assert!((vol.std().unwrap() - expected).abs() < 1e-15);
/// assert_eq!(vol.value(), vol.std());
/// ```
#[derive(Debug, Clone)]
pub struct RollingReturns {
    returns: RollingVariance,
    previous_price: Option<f64>,
    last_return: Option<f64>,
}

impl RollingReturns {
    /// Volatility over the last `window` returns.
    ///
    /// # Panics
    ///
    /// If `window` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingReturns;
    ///
    /// let vol = RollingReturns::new(30);
    /// assert_eq!(vol.window(), 30);
    /// ```
    pub fn new(window: usize) -> Self {
        RollingReturns {
            returns: RollingVariance::new(window),
            previous_price: None,
            last_return: None,
        }
    }

    /// Takes the next price: the return from the previous price enters the window.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingReturns;
    ///
    /// let mut vol = RollingReturns::new(2);
    /// vol.update(50.0);
    /// assert_eq!(vol.last_return(), None);
    /// vol.update(51.0);
    /// assert_eq!(vol.last_return(), Some(0.02));
    /// ```
    #[inline]
    pub fn update(&mut self, price: f64) {
        if !price.is_finite() {
            return;
        }
        self.last_return = match self.previous_price {
            Some(previous) if previous != 0.0 => {
                let r = (price - previous) / previous;
                // Finite by construction unless the difference overflows.
                r.is_finite().then_some(r)
            }
            _ => None,
        };
        if let Some(r) = self.last_return {
            self.returns.update(r);
        }
        self.previous_price = Some(price);
    }

    /// The newest return; `None` before the second price and right after a price of zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingReturns;
    ///
    /// let mut vol = RollingReturns::new(5);
    /// vol.update(10.0);
    /// vol.update(9.0);
    /// assert_eq!(vol.last_return(), Some(-0.1));
    /// ```
    #[inline]
    pub fn last_return(&self) -> Option<f64> {
        self.last_return
    }

    /// Sample standard deviation of the returns in the window; `None` until the window is full,
    /// for a window of one, and when every return in the window is the same.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingReturns;
    ///
    /// let mut vol = RollingReturns::new(2);
    /// for price in [100.0, 110.0, 121.0] {
    ///     vol.update(price);
    /// }
    /// // Both returns are 10%: no variation. (Equal up to rounding is not equal, so this
    /// // example's prices are chosen to give bit-identical returns.)
    /// assert_eq!(vol.std(), None);
    /// ```
    #[inline]
    pub fn std(&self) -> Option<f64> {
        self.returns.std()
    }

    /// Sample variance of the returns in the window.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingReturns;
    ///
    /// let mut vol = RollingReturns::new(2);
    /// for price in [100.0, 101.0, 100.0] {
    ///     vol.update(price);
    /// }
    /// assert_eq!(vol.variance().map(f64::sqrt), vol.std());
    /// ```
    #[inline]
    pub fn variance(&self) -> Option<f64> {
        self.returns.variance()
    }

    /// Mean of the returns in the window.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingReturns;
    ///
    /// let mut vol = RollingReturns::new(1);
    /// vol.update(4.0);
    /// vol.update(5.0);
    /// assert_eq!(vol.mean(), Some(0.25));
    /// ```
    #[inline]
    pub fn mean(&self) -> Option<f64> {
        self.returns.mean()
    }

    /// The standard deviation of returns, as [`std`](Self::std).
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingReturns;
    ///
    /// let mut vol = RollingReturns::new(2);
    /// vol.update(1.0);
    /// assert_eq!(vol.value(), None);
    /// ```
    #[inline]
    pub fn value(&self) -> Option<f64> {
        self.std()
    }

    /// Whether the window of returns is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingReturns;
    ///
    /// let mut vol = RollingReturns::new(1);
    /// vol.update(1.0);
    /// assert!(!vol.is_ready());
    /// vol.update(2.0);
    /// assert!(vol.is_ready());
    /// ```
    #[inline]
    pub fn is_ready(&self) -> bool {
        self.returns.is_ready()
    }

    /// Number of returns in the window (at most `window()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingReturns;
    ///
    /// let mut vol = RollingReturns::new(3);
    /// vol.update(1.0);
    /// vol.update(2.0);
    /// assert_eq!(vol.len(), 1);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.returns.len()
    }

    /// Whether no return has entered the window since `new` or `reset`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingReturns;
    ///
    /// let mut vol = RollingReturns::new(3);
    /// vol.update(1.0);
    /// assert!(vol.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.returns.is_empty()
    }

    /// The window length (in returns) given to `new`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingReturns;
    ///
    /// assert_eq!(RollingReturns::new(3).window(), 3);
    /// ```
    #[inline]
    pub fn window(&self) -> usize {
        self.returns.window()
    }

    /// Forgets every price and return; the window length stays and nothing is allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::RollingReturns;
    ///
    /// let mut vol = RollingReturns::new(1);
    /// vol.update(1.0);
    /// vol.update(2.0);
    /// vol.reset();
    /// vol.update(3.0);
    /// assert_eq!(vol.last_return(), None);
    /// assert!(!vol.is_ready());
    /// ```
    pub fn reset(&mut self) {
        self.returns.reset();
        self.previous_price = None;
        self.last_return = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_prices() {
        // Returns of 100, 102, 99.96, 101.9592: 0.02, -0.02, 0.02 (up to rounding).
        let mut vol = RollingReturns::new(3);
        for price in [100.0, 102.0, 99.96, 101.9592] {
            vol.update(price);
        }
        // Mean m = 0.02/3; sum (r - m)^2 = 3 * 0.0004 - 3 * m^2 = 0.0012 - 0.0004/3 = 0.0032/3.
        // The decimal prices round (99.96 is not exact), so compare to 1e-12 relative.
        let expected = (0.0032_f64 / 3.0 / 2.0).sqrt();
        let got = vol.std().unwrap();
        assert!(
            (got - expected).abs() <= 1e-12 * expected,
            "{got} vs {expected}"
        );
    }

    #[test]
    fn zero_price_breaks_the_chain() {
        let mut vol = RollingReturns::new(2);
        vol.update(0.0);
        vol.update(1.0); // no return out of zero
        assert_eq!(vol.last_return(), None);
        assert!(vol.is_empty());
        vol.update(0.0); // -100%
        assert_eq!(vol.last_return(), Some(-1.0));
        vol.update(2.0); // no return out of zero
        assert_eq!(vol.last_return(), None);
        vol.update(3.0);
        assert_eq!(vol.last_return(), Some(0.5));
        assert_eq!(vol.len(), 2);
        assert!(vol.std().is_some());
    }

    #[test]
    fn non_finite_prices_are_ignored() {
        let mut vol = RollingReturns::new(1);
        vol.update(2.0);
        vol.update(f64::NAN);
        vol.update(f64::NEG_INFINITY);
        vol.update(3.0);
        assert_eq!(vol.last_return(), Some(0.5));
    }

    #[test]
    fn window_one_has_no_std() {
        let mut vol = RollingReturns::new(1);
        for p in [1.0, 2.0, 3.0] {
            vol.update(p);
        }
        assert!(vol.is_ready());
        assert_eq!(vol.std(), None);
        assert_eq!(vol.mean(), Some(0.5));
    }
}
