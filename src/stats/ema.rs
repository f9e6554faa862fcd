//! Exponential moving average of an irregularly spaced series (Zumbach and Müller 2001).
//!
//! The continuous EMA of a signal `z` with time constant `tau` is
//! `EMA(t) = ∫ exp(-(t - s) / tau) z(s) ds / tau`. Ticks only give `z` at the tick times, so
//! the operator needs an interpolation between ticks; the recursion of Zumbach and Müller
//! ("Operators on inhomogeneous time series", 2001, section 3.1) then computes the integral
//! exactly for that interpolated signal, one tick at a time:
//!
//! ```text
//! alpha = (t_n - t_{n-1}) / tau,   mu = exp(-alpha)
//! EMA(t_n) = mu * EMA(t_{n-1}) + (nu - mu) * z_{n-1} + (1 - nu) * z_n
//! nu = 1                     previous-point interpolation (z holds its value until the next tick)
//! nu = (1 - mu) / alpha      linear interpolation between ticks
//! ```
//!
//! The EMA starts at the first value (as if the signal had always held it); that start fades as
//! `exp(-elapsed / tau)`, hence the optional warm-up.

use super::finite;

/// How the signal is read between two ticks.
///
/// # Examples
///
/// ```
/// use hft::stats::{Interpolation, IrregularEma};
///
/// let ema = IrregularEma::new(1.0, Interpolation::Previous);
/// assert_eq!(ema.interpolation(), Interpolation::Previous);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    /// A tick's value holds until the next tick (previous-tick, causal): the newest tick has no
    /// weight yet at its own time and enters as time passes.
    Previous,
    /// The signal moves linearly from one tick to the next: the newest tick counts at once, in
    /// proportion to the length of the gap before it.
    Linear,
}

/// EMA operator for irregularly spaced ticks, with time constant `tau` seconds.
///
/// O(1) per update, no allocation. Time is in seconds as `f64` (event time, never the wall
/// clock): nanosecond stamps convert as `t_ns as f64 * 1e-9`, which keeps microsecond
/// resolution for epoch times (an `f64` has 53 bits; epoch seconds use 31 of them).
///
/// Ticks must come in non-decreasing time. A tick stamped before the previous one is taken as
/// simultaneous with it; ticks at the same time replace the value without advancing the EMA.
///
/// # Examples
///
/// ```
/// use hft::stats::{Interpolation, IrregularEma};
///
/// // A unit step at t = 0, seen through previous-tick interpolation: after tau seconds the
/// // EMA has covered 1 - 1/e of the step, however the ticks are spaced.
/// let mut ema = IrregularEma::new(2.0, Interpolation::Previous);
/// ema.update(-1.0, 0.0);
/// for t in [0.0, 0.3, 1.1, 2.0] {
///     ema.update(t, 1.0);
/// }
/// let expected = 1.0 - (-1.0_f64).exp();
/// assert!((ema.value().unwrap() - expected).abs() < 1e-15);
/// ```
#[derive(Debug, Clone)]
pub struct IrregularEma {
    tau: f64,
    interpolation: Interpolation,
    warmup: f64,
    state: Option<State>,
}

#[derive(Debug, Clone, Copy)]
struct State {
    first_t: f64,
    last_t: f64,
    last_x: f64,
    ema: f64,
}

impl IrregularEma {
    /// An EMA with time constant `tau_secs`, ready from its first tick.
    ///
    /// # Panics
    ///
    /// If `tau_secs` is not a positive finite number.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::{Interpolation, IrregularEma};
    ///
    /// let mut ema = IrregularEma::new(30.0, Interpolation::Linear);
    /// assert!(!ema.is_ready());
    /// ema.update(0.0, 5.0);
    /// assert_eq!(ema.value(), Some(5.0));
    /// ```
    pub fn new(tau_secs: f64, interpolation: Interpolation) -> Self {
        Self::with_warmup(tau_secs, interpolation, 0.0)
    }

    /// An EMA that becomes ready once `warmup_secs` have passed since its first tick. After a
    /// warm-up of `k * tau` the starting value weighs `exp(-k)` in the EMA.
    ///
    /// # Panics
    ///
    /// If `tau_secs` is not a positive finite number, or `warmup_secs` not a non-negative finite
    /// number.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::{Interpolation, IrregularEma};
    ///
    /// let mut ema = IrregularEma::with_warmup(1.0, Interpolation::Previous, 3.0);
    /// ema.update(10.0, 1.0);
    /// ema.update(12.0, 1.0);
    /// assert_eq!(ema.value(), None); // 2 s of 3
    /// ema.update(13.0, 1.0);
    /// assert_eq!(ema.value(), Some(1.0));
    /// ```
    pub fn with_warmup(tau_secs: f64, interpolation: Interpolation, warmup_secs: f64) -> Self {
        assert!(
            tau_secs.is_finite() && tau_secs > 0.0,
            "IrregularEma tau must be positive and finite, got {tau_secs}"
        );
        assert!(
            warmup_secs.is_finite() && warmup_secs >= 0.0,
            "IrregularEma warm-up must be non-negative and finite, got {warmup_secs}"
        );
        IrregularEma {
            tau: tau_secs,
            interpolation,
            warmup: warmup_secs,
            state: None,
        }
    }

    /// Takes the tick `x` at time `t_secs`. A non-finite time or value is ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::{Interpolation, IrregularEma};
    ///
    /// let mut ema = IrregularEma::new(1.0, Interpolation::Previous);
    /// ema.update(0.0, 2.0);
    /// ema.update(1.0, 4.0); // the 2.0 held for one tau; 4.0 has no weight yet
    /// assert_eq!(ema.value(), Some(2.0));
    /// ```
    #[inline]
    pub fn update(&mut self, t_secs: f64, x: f64) {
        if !(t_secs.is_finite() && x.is_finite()) {
            return;
        }
        let Some(state) = &mut self.state else {
            self.state = Some(State {
                first_t: t_secs,
                last_t: t_secs,
                last_x: x,
                ema: x,
            });
            return;
        };
        let dt = t_secs - state.last_t;
        if dt > 0.0 {
            let alpha = dt / self.tau;
            let mu = (-alpha).exp();
            // Weights of the previous and the new value; mu + w_previous + w_new = 1.
            let (w_previous, w_new) = match self.interpolation {
                // 1 - mu without cancellation for small gaps.
                Interpolation::Previous => (-(-alpha).exp_m1(), 0.0),
                Interpolation::Linear => {
                    // nu = (1 - mu) / alpha; alpha > 0 here, and for tiny alpha expm1 keeps
                    // nu accurate (it tends to 1).
                    let nu = -(-alpha).exp_m1() / alpha;
                    (nu - mu, 1.0 - nu)
                }
            };
            // Increments from the current EMA: a constant series stays exactly constant.
            state.ema += w_previous * (state.last_x - state.ema) + w_new * (x - state.ema);
            state.last_t = t_secs;
        }
        state.last_x = x;
    }

    /// The EMA at the newest tick's time; `None` before the first tick and during the warm-up.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::{Interpolation, IrregularEma};
    ///
    /// let mut ema = IrregularEma::new(1.0, Interpolation::Linear);
    /// assert_eq!(ema.value(), None);
    /// for (t, x) in [(0.0, 3.0), (0.5, 3.0), (4.0, 3.0)] {
    ///     ema.update(t, x);
    /// }
    /// assert_eq!(ema.value(), Some(3.0));
    /// ```
    #[inline]
    pub fn value(&self) -> Option<f64> {
        if !self.is_ready() {
            return None;
        }
        self.state.and_then(|s| finite(s.ema))
    }

    /// Whether a tick has been seen and the warm-up (zero for [`new`](Self::new)) has passed.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::{Interpolation, IrregularEma};
    ///
    /// let mut ema = IrregularEma::new(1.0, Interpolation::Linear);
    /// assert!(!ema.is_ready());
    /// ema.update(0.0, 1.0);
    /// assert!(ema.is_ready());
    /// ```
    #[inline]
    pub fn is_ready(&self) -> bool {
        self.state
            .is_some_and(|s| s.last_t - s.first_t >= self.warmup)
    }

    /// The time constant, in seconds.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::{Interpolation, IrregularEma};
    ///
    /// assert_eq!(IrregularEma::new(2.5, Interpolation::Linear).tau(), 2.5);
    /// ```
    #[inline]
    pub fn tau(&self) -> f64 {
        self.tau
    }

    /// The interpolation between ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::{Interpolation, IrregularEma};
    ///
    /// let ema = IrregularEma::new(1.0, Interpolation::Linear);
    /// assert_eq!(ema.interpolation(), Interpolation::Linear);
    /// ```
    #[inline]
    pub fn interpolation(&self) -> Interpolation {
        self.interpolation
    }

    /// Time of the newest tick that advanced the EMA.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::{Interpolation, IrregularEma};
    ///
    /// let mut ema = IrregularEma::new(1.0, Interpolation::Linear);
    /// ema.update(3.0, 1.0);
    /// ema.update(2.0, 1.0); // earlier than the newest: taken as simultaneous
    /// assert_eq!(ema.last_time(), Some(3.0));
    /// ```
    #[inline]
    pub fn last_time(&self) -> Option<f64> {
        self.state.map(|s| s.last_t)
    }

    /// Forgets every tick; tau, interpolation and warm-up stay.
    ///
    /// # Examples
    ///
    /// ```
    /// use hft::stats::{Interpolation, IrregularEma};
    ///
    /// let mut ema = IrregularEma::new(1.0, Interpolation::Linear);
    /// ema.update(0.0, 1.0);
    /// ema.reset();
    /// assert_eq!(ema.value(), None);
    /// ```
    pub fn reset(&mut self) {
        self.state = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const E_INV: f64 = 0.367_879_441_171_442_33; // 1/e

    #[test]
    fn constant_series_is_exact() {
        for interpolation in [Interpolation::Previous, Interpolation::Linear] {
            let mut ema = IrregularEma::new(0.7, interpolation);
            let mut t = 1.7e9;
            for gap in [0.0, 1e-9, 0.001, 0.5, 3.0, 1e6, 0.25] {
                t += gap;
                ema.update(t, 101.37);
                assert_eq!(ema.value(), Some(101.37));
            }
        }
    }

    #[test]
    fn previous_step_reaches_one_minus_inverse_e_after_tau() {
        let tau = 5.0;
        let mut ema = IrregularEma::new(tau, Interpolation::Previous);
        ema.update(-0.5, 0.0);
        ema.update(0.0, 1.0);
        assert_eq!(ema.value(), Some(0.0)); // the new value has no weight at its own time
        for t in [0.01, 0.2, 2.9, 3.0, 4.4, 5.0] {
            ema.update(t, 1.0);
        }
        let got = ema.value().unwrap();
        assert!((got - (1.0 - E_INV)).abs() < 1e-15, "{got}");
    }

    #[test]
    fn linear_step_is_the_ramp_integral() {
        // Value 0 at t = -delta, 1 at t = 0: the signal ramps over delta. At t = 0 the EMA is
        // 1 - nu(delta / tau); tau later, the gap to 1 has shrunk by 1/e. With delta -> 0 this is
        // 1 - 1/e, and for delta = tau / 1000 within (delta / tau) / (2 e) of it.
        let tau = 2.0;
        let delta = tau / 1000.0;
        let mut ema = IrregularEma::new(tau, Interpolation::Linear);
        ema.update(-10.0, 0.0);
        ema.update(-delta, 0.0);
        for t in [0.0, 0.7, 1.3, 2.0] {
            ema.update(t, 1.0);
        }
        let alpha = delta / tau;
        let nu = -(-alpha).exp_m1() / alpha;
        let expected = 1.0 - E_INV * nu;
        let got = ema.value().unwrap();
        assert!((got - expected).abs() < 1e-14, "{got} vs {expected}");
        assert!((got - (1.0 - E_INV)).abs() < E_INV * alpha / 2.0 * 1.01);
    }

    #[test]
    fn linear_follows_a_ramp_at_any_spacing() {
        // z(t) = t from t0 = 0: EMA(t) = t - tau (1 - exp(-t / tau)), exactly, because linear
        // interpolation of a line is the line.
        let tau = 1.5;
        let mut ema = IrregularEma::new(tau, Interpolation::Linear);
        ema.update(0.0, 0.0);
        let mut t = 0.0;
        for gap in [0.1, 2.0, 0.001, 0.7, 5.0, 0.3, 0.0, 1.1] {
            t += gap;
            ema.update(t, t);
            let expected = t - tau * (1.0 - (-t / tau).exp());
            let got = ema.value().unwrap();
            assert!(
                (got - expected).abs() < 1e-13 * t.max(1.0),
                "{t}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn same_time_ticks_replace_the_value() {
        let mut ema = IrregularEma::new(1.0, Interpolation::Previous);
        ema.update(0.0, 0.0);
        ema.update(1.0, 5.0);
        ema.update(1.0, 1.0); // replaces 5.0 as the value held from t = 1
        ema.update(2.0, 1.0);
        let expected = 1.0 - E_INV; // EMA(1) = 0, then 1.0 held for one tau
        assert!((ema.value().unwrap() - expected).abs() < 1e-15);
    }

    #[test]
    fn backwards_time_is_simultaneous() {
        let mut ema = IrregularEma::new(1.0, Interpolation::Linear);
        ema.update(10.0, 1.0);
        ema.update(9.0, 3.0);
        assert_eq!(ema.value(), Some(1.0));
        assert_eq!(ema.last_time(), Some(10.0));
    }

    #[test]
    fn non_finite_input_is_ignored() {
        let mut ema = IrregularEma::new(1.0, Interpolation::Linear);
        ema.update(f64::NAN, 1.0);
        ema.update(0.0, f64::INFINITY);
        assert_eq!(ema.value(), None);
        ema.update(0.0, 2.0);
        ema.update(1.0, f64::NAN);
        assert_eq!(ema.value(), Some(2.0));
    }

    #[test]
    fn huge_gap_forgets_the_past() {
        let mut ema = IrregularEma::new(1.0, Interpolation::Previous);
        ema.update(0.0, 100.0);
        ema.update(1e6, 100.0);
        ema.update(1e6 + 1e-9, 7.0);
        ema.update(3e6, 7.0);
        assert_eq!(ema.value(), Some(7.0));
    }

    #[test]
    #[should_panic(expected = "tau must be positive")]
    fn zero_tau_panics() {
        let _ = IrregularEma::new(0.0, Interpolation::Linear);
    }
}
