//! The z-score strategy (default): spread = A - beta x B - alpha with a rolling OLS hedge ratio
//! (re-estimated every `evaluation_secs`, or on every grid row), the spread's z-score over the
//! window, entry at |z| > entry, exit when the spread comes back within `exit` (or crosses the
//! mean), stop at |z| > stop, a maximum holding time, and no entry unless the expected move to the
//! exit level covers the round-trip cost.
//!
//! The moments are weighted by `strategy.kernel`: a rectangular window (default) or exponential
//! weights with `strategy.half_life_secs` ([`KernelMoments`]); with the exponential kernel no
//! decision is made before `window` rows (its start weighs `2^(-rows / half-life)`).
//!
//! Regime filter (`max_hurst`, off by default): at each re-estimation the Hurst exponent (DFA-1,
//! [`RollingHurst`]) of the spread's changes over the last `hurst_window_secs` of rows, each
//! change taken with the hedge ratio of its row; while it is above `max_hurst` the spread trends
//! rather than reverts, and no new position is opened (exits and stops still apply). Until that
//! window is full (or while the exponent is undefined) the regime is unknown and no position is
//! opened either.
//!
//! The spread's mean and variance come from the window's moments for the current beta and alpha:
//! `mean = mean(A) - beta mean(B) - alpha`, `var = var(A) + beta^2 var(B) - 2 beta cov(A, B)`,
//! so the z-score costs O(1) per quote and needs no second window of spreads.

use super::{
    CloseReason, Decision, Direction, Market, Position, StrategyCounters, round_trip_cost,
};
use crate::config::{CostParams, KernelKind, Sizing, StrategyParams, ZScoreParams};
use crate::stats::{HurstMethod, Kernel, KernelMoments, MomentsSnapshot, RollingHurst};

/// Rolling state of the z-score strategy for one pair.
#[derive(Debug, Clone)]
pub struct ZScoreModel {
    /// x = B, y = A.
    moments: KernelMoments,
    /// Grid rows seen, up to `warmup_rows`.
    rows_seen: usize,
    /// Rows before the moments are used (the window of either kernel).
    warmup_rows: usize,
    beta: Option<f64>,
    alpha: f64,
    params: ZScoreParams,
    costs: CostParams,
    base_qty: f64,
    /// Leg sizing, for the cost of a prospective entry.
    sizing: Sizing,
    continuous: bool,
    /// After a stop or timeout, no re-entry until the spread has come back within `exit`.
    cooling_down: bool,
    /// Spread mean and standard deviation for the current window and beta.
    spread: Option<(f64, f64)>,
    /// `alpha + mean` and `1 / std` of the spread: the per-quote z-score is then one fused
    /// multiply-add and a multiply, no division.
    z_offset: f64,
    z_scale: f64,
    /// The regime filter, when `max_hurst > 0`; `trending` is also true while the regime is
    /// unknown.
    regime: Option<RegimeFilter>,
    /// What the last [`ZScoreModel::evaluate`] returned, while no row has come since (`None`:
    /// a row or a restart came): a re-estimation on the same window is the same fit, so it is
    /// not computed again (with `evaluation_secs = 0` the strategy asks on every quote).
    evaluated: Option<bool>,
}

/// What [`ZScoreModel::decide`] reads of the model besides its rules: the hedge ratio, the
/// spread's moments and the regime. It depends on the quotes and the signal's parameters only,
/// never on what the pair holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ZSignal {
    beta: Option<f64>,
    spread: Option<(f64, f64)>,
    z_offset: f64,
    z_scale: f64,
    /// The regime filter's `trending` and exponent, when it is on.
    regime: Option<(bool, Option<f64>)>,
}

/// The Hurst exponent of the spread's changes and whether it says "trending".
#[derive(Debug, Clone)]
struct RegimeFilter {
    hurst: RollingHurst,
    previous_row: Option<(f64, f64)>,
    trending: bool,
    /// The exponent at the last re-estimation.
    last: Option<f64>,
}

impl ZScoreModel {
    /// A model for `strategy` (its grid, window, kernel, evaluation cadence, sizing and
    /// `zscore` thresholds) with `costs`: moments under `strategy.kernel`, decisions after
    /// `window_secs` of grid rows, beta re-estimated on every row when `evaluation_secs` is 0.
    pub fn new(strategy: &StrategyParams, costs: CostParams) -> Self {
        let rows = |secs: f64| ((secs / strategy.grid_secs).round() as usize).max(2);
        let window = rows(strategy.window_secs);
        let kernel = match strategy.kernel {
            KernelKind::Rect => Kernel::Rect { window },
            KernelKind::Ema => Kernel::Ema {
                half_life_rows: strategy.half_life_secs / strategy.grid_secs,
            },
        };
        let params = strategy.zscore;
        let hurst_window = rows(params.hurst_window_secs);
        let (continuous, base_qty, sizing) = (
            strategy.evaluation_secs == 0.0,
            strategy.base_qty,
            strategy.sizing,
        );
        let regime = (params.max_hurst > 0.0).then(|| RegimeFilter {
            hurst: RollingHurst::new(hurst_window.max(64), 8, HurstMethod::Dfa),
            previous_row: None,
            trending: false,
            last: None,
        });
        ZScoreModel {
            regime,
            moments: KernelMoments::new(kernel),
            rows_seen: 0,
            warmup_rows: window,
            beta: None,
            alpha: 0.0,
            params,
            costs,
            base_qty: base_qty as f64,
            sizing,
            continuous,
            cooling_down: false,
            spread: None,
            z_offset: 0.0,
            z_scale: 0.0,
            evaluated: None,
        }
    }

    pub(crate) fn on_row(&mut self, a: f64, b: f64) {
        self.evaluated = None;
        self.moments.update(b, a);
        if let Some(r) = self.regime.as_mut() {
            if let (Some((pa, pb)), Some(beta)) = (r.previous_row, self.beta) {
                r.hurst.update((a - pa) - beta * (b - pb));
            }
            r.previous_row = Some((a, b));
        }
        self.rows_seen = (self.rows_seen + 1).min(self.warmup_rows);
        if self.continuous {
            self.evaluate();
        } else {
            self.set_spread(self.compute_spread_moments());
        }
    }

    /// Re-estimates beta and alpha by OLS over the window; false while undefined. Its inputs
    /// (the window, the rows seen, the Hurst exponent) change only with a row or a restart, so
    /// a second call without one returns the first call's answer, the state left as it was.
    pub(crate) fn evaluate(&mut self) -> bool {
        if let Some(defined) = self.evaluated {
            return defined;
        }
        let defined = self.fit();
        self.evaluated = Some(defined);
        defined
    }

    fn fit(&mut self) -> bool {
        if let Some(r) = self.regime.as_mut() {
            r.last = r.hurst.value();
            r.trending = r.last.is_none_or(|h| h > self.params.max_hurst);
        }
        if self.rows_seen < self.warmup_rows {
            self.set_spread(None);
            return false;
        }
        // One look at the window for the fit and the spread's moments.
        let m = self.moments.snapshot();
        match (m.covariance, m.var_x, m.mean_x, m.mean_y) {
            (Some(cov), Some(var_b), Some(mean_b), Some(mean_a)) if var_b > 0.0 => {
                let beta = cov / var_b;
                self.beta = Some(beta);
                self.alpha = mean_a - beta * mean_b;
                self.set_spread(self.spread_moments_of(&m));
                true
            }
            _ => {
                self.set_spread(self.spread_moments_of(&m));
                false
            }
        }
    }

    /// Forgets the window (after a structural break): the moments, beta and the regime filter
    /// start again from the next row.
    pub(crate) fn restart(&mut self) {
        self.evaluated = None;
        self.moments.reset();
        self.rows_seen = 0;
        self.beta = None;
        self.alpha = 0.0;
        self.cooling_down = false;
        self.set_spread(None);
        if let Some(r) = self.regime.as_mut() {
            r.hurst.reset();
            r.previous_row = None;
            r.trending = true;
            r.last = None;
        }
    }

    /// The Hurst exponent of the regime filter at the last re-estimation (`None` when the filter
    /// is off or the exponent undefined).
    pub fn hurst(&self) -> Option<f64> {
        self.regime.as_ref().and_then(|r| r.last)
    }

    /// The hedge ratio in use, once defined.
    pub fn hedge_ratio(&self) -> Option<f64> {
        self.beta
    }

    /// What the rules read of the model: its signal after the latest row and re-estimation.
    pub(crate) fn signal(&self) -> ZSignal {
        ZSignal {
            beta: self.beta,
            spread: self.spread,
            z_offset: self.z_offset,
            z_scale: self.z_scale,
            regime: self.regime.as_ref().map(|r| (r.trending, r.last)),
        }
    }

    /// Takes `signal` as its own (a sweep set replaying the signal another set computed from
    /// the same quotes; [`super::tape`]). The window is not touched: a model that replays never
    /// takes rows.
    pub(crate) fn load_signal(&mut self, signal: &ZSignal) {
        self.beta = signal.beta;
        self.spread = signal.spread;
        self.z_offset = signal.z_offset;
        self.z_scale = signal.z_scale;
        if let (Some(r), Some((trending, last))) = (self.regime.as_mut(), signal.regime) {
            r.trending = trending;
            r.last = last;
        }
    }

    /// Mean and standard deviation of the spread over the window for the current beta and alpha
    /// (cached: they change only with a new grid row or a new beta, not per quote).
    pub fn spread_moments(&self) -> Option<(f64, f64)> {
        self.spread
    }

    fn set_spread(&mut self, spread: Option<(f64, f64)>) {
        self.spread = spread;
        if let Some((mean, std)) = spread {
            self.z_offset = self.alpha + mean;
            self.z_scale = 1.0 / std;
        }
    }

    fn compute_spread_moments(&self) -> Option<(f64, f64)> {
        self.spread_moments_of(&self.moments.snapshot())
    }

    /// The spread's mean and standard deviation from the window's moments `m`.
    fn spread_moments_of(&self, m: &MomentsSnapshot) -> Option<(f64, f64)> {
        if self.rows_seen < self.warmup_rows {
            return None;
        }
        let beta = self.beta?;
        let mean = m.mean_y? - beta * m.mean_x? - self.alpha;
        let var = m.var_y? + beta * beta * m.var_x? - 2.0 * beta * m.covariance?;
        // Below a hundredth of a cent the spread is flat: no z-score.
        if var.is_nan() || var <= 1e-8 {
            return None;
        }
        Some((mean, var.sqrt()))
    }

    /// The z-score of the spread at the current mids, once defined.
    #[inline]
    pub fn zscore(&self, a_mid: f64, b_mid: f64) -> Option<f64> {
        let beta = self.beta?;
        self.spread?;
        Some((a_mid - beta * b_mid - self.z_offset) * self.z_scale)
    }

    pub(crate) fn decide(
        &mut self,
        mkt: &Market,
        pos: &Position,
        counters: &mut StrategyCounters,
    ) -> Decision {
        // The holding limit applies even while the statistics are undefined.
        if let Position::Open { since_ns, .. } = *pos {
            let held_secs = mkt.t_ns.saturating_sub(since_ns) as f64 / 1e9;
            if self.params.max_hold_secs > 0.0 && held_secs > self.params.max_hold_secs {
                self.cooling_down = true;
                return Decision::Close(CloseReason::Timeout);
            }
        }
        let (Some(z), Some(beta), Some((_, std))) = (
            self.zscore(mkt.a.mid(), mkt.b.mid()),
            self.beta,
            self.spread_moments(),
        ) else {
            return Decision::Hold;
        };
        let p = &self.params;
        match *pos {
            Position::Flat => {
                if self.cooling_down {
                    if z.abs() < p.exit {
                        self.cooling_down = false;
                    }
                    return Decision::Hold;
                }
                if z.abs() <= p.entry || z.abs() >= p.stop {
                    return Decision::Hold;
                }
                if self.regime.as_ref().is_some_and(|r| r.trending) {
                    return Decision::Hold;
                }
                let qa = self.base_qty;
                let qb = match self.sizing {
                    Sizing::Beta => qa * beta.abs(),
                    Sizing::Dollar => qa * mkt.a.mid() / mkt.b.mid(),
                    Sizing::Equal => qa,
                }
                .round()
                .max(1.0);
                let edge = (z.abs() - p.exit) * std * qa;
                if edge < p.min_edge_ratio * round_trip_cost(mkt, qa, qb, &self.costs) {
                    counters.edge_too_small += 1;
                    return Decision::Hold;
                }
                Decision::Open(if z > 0.0 {
                    Direction::ShortSpread
                } else {
                    Direction::LongSpread
                })
            }
            Position::Open { direction, .. } => {
                if z.abs() > p.stop {
                    self.cooling_down = true;
                    return Decision::Close(CloseReason::Stop);
                }
                let back = match direction {
                    Direction::ShortSpread => z < p.exit,
                    Direction::LongSpread => z > -p.exit,
                };
                if back {
                    Decision::Close(CloseReason::Exit)
                } else {
                    Decision::Hold
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ZScoreModel;
    use crate::config::{CostParams, EngineParams};

    /// A re-estimation without a new row leaves the model exactly as fitting the window again
    /// does (the cached answer is the fit's own), across the warm-up and a restart.
    #[test]
    fn evaluating_again_without_a_row_changes_nothing() {
        let mut params = EngineParams::embedded().strategy;
        params.evaluation_secs = 0.0;
        params.window_secs = 20.0 * params.grid_secs;
        let mut once = ZScoreModel::new(&params, CostParams::default());
        let mut thrice = once.clone();
        for k in 0..200u32 {
            let b = 50.0 + (f64::from(k) * 0.37).sin();
            let a = 2.0 * b + 0.1 * (f64::from(k) * 1.3).cos();
            if k == 120 {
                once.restart();
                thrice.restart();
            }
            once.on_row(a, b);
            thrice.on_row(a, b);
            // What every call did before: fit the window again.
            let first = once.fit();
            assert_eq!(once.fit(), first);
            assert_eq!(thrice.evaluate(), first);
            assert_eq!(thrice.evaluate(), first);
            assert_eq!(thrice.evaluate(), first, "row {k}");
            let bits = |m: &ZScoreModel| {
                let (mean, std) = m.spread_moments().unwrap_or((f64::NAN, f64::NAN));
                [m.hedge_ratio().unwrap_or(f64::NAN), mean, std].map(f64::to_bits)
            };
            assert_eq!(bits(&once), bits(&thrice), "row {k}");
            assert_eq!(
                once.zscore(a, b).map(f64::to_bits),
                thrice.zscore(a, b).map(f64::to_bits)
            );
        }
        assert!(once.hedge_ratio().is_some(), "the fit was defined");
    }
}
