//! The original model, faithfully: beta = mean(A) / mean(B) over the window, volatility ratio
//! VR = std(returns of A) / std(returns of B), fair value of A = beta x B. A below its fair value
//! with VR < 1 opens short A / long B; A above its fair value with VR > 1 opens long A / short B;
//! the opposite signal closes. The original traded equal quantities: params `sizing = "equal"`
//! reproduces that (the shipped default, `beta`, sizes leg B by the mean ratio).
//!
//! Its weaknesses are documented in the README: VR compares volatilities, it does not measure
//! trend; there is no entry threshold (any deviation from fair value is a signal, so it churns on
//! noise), no stop and no holding limit; and the mean ratio is not a hedge ratio.
//!
//! With `strategy.seed.trend = "variance_ratio"` a real trend test replaces VR: the
//! Lo-MacKinlay variance ratio of the spread (fitted on the cold model thread,
//! `strategy.filters.vr_lags`) says "trending" when its z statistic is above
//! `strategy.filters.vr_max_stat` (where the original had VR > 1) and "reverting" when it is below
//! minus that (VR < 1); in between, or before the first test, there is no signal.

use super::{Decision, Direction, Market, Position, StrategyCounters};
use crate::config::{StrategyParams, TrendTest};
use crate::stats::{RollingMean, RollingReturns, VarianceRatio};

/// Rolling state of the original model for one pair.
#[derive(Debug, Clone)]
pub struct SeedModel {
    mean_a: RollingMean,
    mean_b: RollingMean,
    returns_a: RollingReturns,
    returns_b: RollingReturns,
    beta: Option<f64>,
    volatility_ratio: Option<f64>,
    /// The variance-ratio trend test replaces VR (with its threshold), when asked.
    trend_test: Option<f64>,
    /// The latest variance ratio of the spread from the cold thread.
    variance_ratio: Option<VarianceRatio>,
}

impl SeedModel {
    /// A model over `window` grid rows (the original: 120 rows of 30 s = 1 h), with
    /// `strategy.seed.trend` from `params`.
    pub fn new(window: usize, params: &StrategyParams) -> Self {
        SeedModel {
            trend_test: (params.seed.trend == TrendTest::VarianceRatio)
                .then_some(params.filters.vr_max_stat),
            variance_ratio: None,
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

    /// Takes the cold thread's variance ratio of the spread.
    pub(crate) fn set_trend(&mut self, vr: Option<VarianceRatio>) {
        self.variance_ratio = vr;
    }

    /// Forgets the windows (after a structural break).
    pub(crate) fn restart(&mut self) {
        self.mean_a.reset();
        self.mean_b.reset();
        self.returns_a.reset();
        self.returns_b.reset();
        self.beta = None;
        self.volatility_ratio = None;
    }

    /// Whether the pair trends (`Some(true)`), reverts (`Some(false)`) or neither.
    fn trending(&self, vr: f64) -> Option<bool> {
        match self.trend_test {
            None => Some(vr > 1.0).filter(|_| vr != 1.0),
            Some(max_stat) => {
                let stat = self.variance_ratio?.stat;
                if stat > max_stat {
                    Some(true)
                } else if stat < -max_stat {
                    Some(false)
                } else {
                    None
                }
            }
        }
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
        let trending = self.trending(vr);
        let signal = if a < fair && trending == Some(false) {
            Some(Direction::ShortSpread)
        } else if a > fair && trending == Some(true) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EngineParams;
    use crate::types::Quote;

    fn market(a: f64, b: f64) -> Market {
        let q = |instrument, mid: f64| Quote {
            instrument,
            bid: mid - 0.01,
            ask: mid + 0.01,
            ..Default::default()
        };
        Market {
            a: q(0, a),
            b: q(1, b),
            t_ns: 0,
        }
    }

    /// A model whose beta is 2 and whose volatility ratio is below 1 (B moves more).
    fn fed(trend: TrendTest) -> SeedModel {
        let mut params = EngineParams::embedded().strategy;
        params.seed.trend = trend;
        params.filters.vr_max_stat = 2.0;
        let mut m = SeedModel::new(20, &params);
        for t in 0..40 {
            let b = 50.0 + if t % 2 == 0 { 1.0 } else { -1.0 };
            let a = 100.0 + if t % 2 == 0 { 0.5 } else { -0.5 };
            m.on_row(a, b);
        }
        assert!(m.evaluate());
        assert!(m.volatility_ratio().unwrap() < 1.0);
        m
    }

    fn vr(stat: f64) -> VarianceRatio {
        VarianceRatio {
            lags: 8,
            vr: 1.0,
            stat,
            pvalue: 0.5,
        }
    }

    #[test]
    fn the_variance_ratio_test_replaces_the_volatility_ratio_when_asked() {
        let mut c = StrategyCounters::default();
        let below_fair = market(99.0, 50.0);
        let above_fair = market(101.0, 50.0);
        // The original: VR < 1 with A below fair value opens short A / long B.
        let mut original = fed(TrendTest::Off);
        assert_eq!(
            original.decide(&below_fair, &Position::Flat, &mut c),
            Decision::Open(Direction::ShortSpread)
        );
        assert_eq!(
            original.decide(&above_fair, &Position::Flat, &mut c),
            Decision::Hold
        );
        // With the test: no signal before it is known, or inside the band, whatever VR says.
        let mut tested = fed(TrendTest::VarianceRatio);
        assert_eq!(
            tested.decide(&below_fair, &Position::Flat, &mut c),
            Decision::Hold
        );
        tested.set_trend(Some(vr(0.5)));
        assert_eq!(
            tested.decide(&below_fair, &Position::Flat, &mut c),
            Decision::Hold
        );
        // Trending (z above the band) plays VR > 1: A above fair value opens long A / short B.
        tested.set_trend(Some(vr(3.0)));
        assert_eq!(
            tested.decide(&above_fair, &Position::Flat, &mut c),
            Decision::Open(Direction::LongSpread)
        );
        assert_eq!(
            tested.decide(&below_fair, &Position::Flat, &mut c),
            Decision::Hold
        );
        // Reverting (below minus the band) plays VR < 1.
        tested.set_trend(Some(vr(-3.0)));
        assert_eq!(
            tested.decide(&below_fair, &Position::Flat, &mut c),
            Decision::Open(Direction::ShortSpread)
        );
    }
}
