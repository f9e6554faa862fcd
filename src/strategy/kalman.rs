//! The Kalman strategy: hedge ratio and intercept as a two-state random walk observed through
//! `A = beta B + alpha + noise` (the standard dynamic linear regression; see E. Chan, "Algorithmic
//! Trading", 2013, ch. 3). State covariance grows by `delta / (1 - delta)` per grid row; the
//! observation noise variance is `observation_var`. Entries when the forecast error of A exceeds
//! `entry_k` standard deviations of its forecast variance; exits when it comes back within
//! `exit_k` (0 = when it crosses zero).

use super::{CloseReason, Decision, Direction, Market, Position, StrategyCounters};
use crate::config::{KalmanParams, PairParams};

/// Rows of filtering before the model trades.
const WARMUP_ROWS: u32 = 20;

/// Filter state for one pair.
#[derive(Debug, Clone)]
pub struct KalmanModel {
    /// State: slope (beta) and intercept (alpha).
    beta: f64,
    alpha: f64,
    /// State covariance, row-major 2x2.
    p: [f64; 4],
    transition_var: f64,
    params: KalmanParams,
    rows: u32,
}

impl KalmanModel {
    /// A filter started from the bootstrap's hedge ratio and intercept when known.
    pub fn new(params: KalmanParams, seed: &PairParams) -> Self {
        let known = seed.hedge_ratio.is_some();
        KalmanModel {
            beta: seed.hedge_ratio.unwrap_or(0.0),
            alpha: seed.intercept.unwrap_or(0.0),
            // Confident start from the bootstrap; otherwise a vague prior.
            p: if known {
                [1e-4, 0.0, 0.0, 1e-2]
            } else {
                [1.0, 0.0, 0.0, 1.0]
            },
            transition_var: params.delta / (1.0 - params.delta),
            params,
            rows: if known { WARMUP_ROWS } else { 0 },
        }
    }

    pub(crate) fn on_row(&mut self, a: f64, b: f64) {
        // Predict: random-walk state.
        let mut p = self.p;
        p[0] += self.transition_var;
        p[3] += self.transition_var;
        // Update with h = [b, 1].
        let ph0 = p[0] * b + p[1];
        let ph1 = p[2] * b + p[3];
        let q = b * ph0 + ph1 + self.params.observation_var;
        if !(q > 0.0 && q.is_finite()) {
            return;
        }
        let e = a - (self.beta * b + self.alpha);
        let (k0, k1) = (ph0 / q, ph1 / q);
        self.beta += k0 * e;
        self.alpha += k1 * e;
        // P = P - K h P  (h P = [ph0, ph1] by symmetry).
        self.p = [
            p[0] - k0 * ph0,
            p[1] - k0 * ph1,
            p[2] - k1 * ph0,
            p[3] - k1 * ph1,
        ];
        self.rows = self.rows.saturating_add(1);
    }

    /// The filter updates on every row; it is defined once warmed up.
    pub(crate) fn evaluate(&mut self) -> bool {
        self.rows >= WARMUP_ROWS && self.beta.is_finite() && self.alpha.is_finite()
    }

    /// The filtered hedge ratio, once warmed up.
    pub fn hedge_ratio(&self) -> Option<f64> {
        (self.rows >= WARMUP_ROWS && self.beta.is_finite()).then_some(self.beta)
    }

    /// Forecast error of A at the given mids and the standard deviation of its forecast.
    ///
    /// The forecast is of the next row's observation, so its variance is taken from the state
    /// covariance predicted one step ahead, `P + transition_var I`, as in the update (Chan's
    /// `Q = x R x' + Ve` with `R = P + Vw`).
    pub fn forecast(&self, a_mid: f64, b_mid: f64) -> Option<(f64, f64)> {
        if self.rows < WARMUP_ROWS {
            return None;
        }
        let p = &self.p;
        let (p0, p3) = (p[0] + self.transition_var, p[3] + self.transition_var);
        let q = b_mid * (p0 * b_mid + p[1]) + (p[2] * b_mid + p3) + self.params.observation_var;
        if !(q > 0.0 && q.is_finite()) {
            return None;
        }
        Some((a_mid - (self.beta * b_mid + self.alpha), q.sqrt()))
    }

    pub(crate) fn decide(
        &mut self,
        mkt: &Market,
        pos: &Position,
        _counters: &mut StrategyCounters,
    ) -> Decision {
        let Some((e, sd)) = self.forecast(mkt.a.mid(), mkt.b.mid()) else {
            return Decision::Hold;
        };
        let k = &self.params;
        match *pos {
            Position::Flat if e > k.entry_k * sd => Decision::Open(Direction::ShortSpread),
            Position::Flat if e < -k.entry_k * sd => Decision::Open(Direction::LongSpread),
            Position::Open {
                direction: Direction::ShortSpread,
                ..
            } if e < k.exit_k * sd => Decision::Close(CloseReason::Exit),
            Position::Open {
                direction: Direction::LongSpread,
                ..
            } if e > -k.exit_k * sd => Decision::Close(CloseReason::Exit),
            _ => Decision::Hold,
        }
    }
}
