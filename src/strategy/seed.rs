//! The original model, faithfully: beta = mean(A) / mean(B) over the window, volatility ratio
//! VR = std(returns of A) / std(returns of B), fair value of A = beta x B. A below its fair value
//! with VR < 1 opens short A / long B; A above its fair value with VR > 1 opens long A / short B;
//! the opposite signal closes. The original traded equal quantities: params `sizing = "equal"`
//! reproduces that (the shipped default, `beta`, sizes leg B by the mean ratio).
//!
//! Its weaknesses are documented in the README: VR compares volatilities, it does not measure
//! trend; there is no entry threshold (any deviation from fair value is a signal, so it churns on
//! noise), no stop and no holding limit; and the mean ratio is not a hedge ratio.

use super::{Decision, Direction, Market, Position, StrategyCounters};
use crate::stats::{RollingMean, RollingReturns};

/// Rolling state of the original model for one pair.
#[derive(Debug, Clone)]
pub struct SeedModel {
    mean_a: RollingMean,
    mean_b: RollingMean,
    returns_a: RollingReturns,
    returns_b: RollingReturns,
    beta: Option<f64>,
    volatility_ratio: Option<f64>,
}

impl SeedModel {
    /// A model over `window` grid rows (the original: 120 rows of 30 s = 1 h).
    pub fn new(window: usize) -> Self {
        SeedModel {
            mean_a: RollingMean::new(window),
            mean_b: RollingMean::new(window),
            returns_a: RollingReturns::new(window),
            returns_b: RollingReturns::new(window),
            beta: None,
            volatility_ratio: None,
        }
    }

    pub(crate) fn on_row(&mut self, a: f64, b: f64) {
        self.mean_a.update(a);
        self.mean_b.update(b);
        self.returns_a.update(a);
        self.returns_b.update(b);
    }

    /// Re-estimates beta and VR; false while either is undefined.
    pub(crate) fn evaluate(&mut self) -> bool {
        self.beta = match (self.mean_a.value(), self.mean_b.value()) {
            (Some(ma), Some(mb)) if mb > 0.0 => Some(ma / mb),
            _ => None,
        };
        self.volatility_ratio = match (self.returns_a.std(), self.returns_b.std()) {
            (Some(sa), Some(sb)) if sb > 0.0 => Some(sa / sb),
            _ => None,
        };
        self.beta.is_some() && self.volatility_ratio.is_some()
    }

    /// Beta (mean ratio), once defined.
    pub fn hedge_ratio(&self) -> Option<f64> {
        self.beta
    }

    /// The volatility ratio, once defined.
    pub fn volatility_ratio(&self) -> Option<f64> {
        self.volatility_ratio
    }

    pub(crate) fn decide(
        &mut self,
        mkt: &Market,
        pos: &Position,
        _counters: &mut StrategyCounters,
    ) -> Decision {
        let (Some(beta), Some(vr)) = (self.beta, self.volatility_ratio) else {
            return Decision::Hold;
        };
        let a = mkt.a.mid();
        let fair = beta * mkt.b.mid();
        let signal = if a < fair && vr < 1.0 {
            Some(Direction::ShortSpread)
        } else if a > fair && vr > 1.0 {
            Some(Direction::LongSpread)
        } else {
            None
        };
        match (pos, signal) {
            (Position::Flat, Some(d)) => Decision::Open(d),
            (Position::Open { direction, .. }, Some(d)) if d != *direction => {
                Decision::Close(super::CloseReason::Exit)
            }
            _ => Decision::Hold,
        }
    }
}
