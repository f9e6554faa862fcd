//! The VAR strategy: entries and exits from the forecast of the spread's change.
//!
//! The cold model thread fits a VAR on the legs' differences or a rank-1 VECM on their levels
//! (`strategy.var.model`; `auto` lets the Johansen trace test decide) and publishes a
//! [`SpreadForecast`]: the forecast change `δ` of the spread `A - hedge B - intercept` over
//! `horizon` grid rows as a linear function of the current mids and the last rows, and the
//! standard deviation `sd` of its error (see `refit.rs`). Per quote the model evaluates
//! `z = δ / sd` in two multiply-adds (the lagged rows' part is cached per grid row):
//!
//! - flat: `z > entry` opens a long spread (the spread is forecast to rise), `z < -entry` a
//!   short one, when the forecast move `|δ| qty_A` covers `min_edge_ratio` round-trip costs;
//! - long: closes when `z < exit`; short: when `z > -exit`; either after `max_hold_secs`.
//!
//! Until the first fit arrives (or while it is undefined) the model holds.

use super::refit::{MAX_LEVEL_LAGS, SpreadForecast};
use super::{
    CloseReason, Decision, Direction, Market, Position, StrategyCounters, round_trip_cost,
};
use crate::config::{CostParams, Sizing, StrategyParams, VarParams};

/// Per-pair state of the VAR strategy.
#[derive(Debug, Clone)]
pub struct VarModel {
    params: VarParams,
    costs: CostParams,
    base_qty: f64,
    sizing: Sizing,
    fit: Option<SpreadForecast>,
    /// The last grid rows, newest first: `(A, B)`.
    rows: [(f64, f64); MAX_LEVEL_LAGS],
    rows_seen: usize,
    /// The forecast's part from the grid rows (lags 1 and up) plus its constant.
    row_part: f64,
}

impl VarModel {
    /// A model for `strategy`'s `[strategy.var]` with `costs`.
    pub fn new(strategy: &StrategyParams, costs: CostParams) -> Self {
        VarModel {
            params: strategy.var,
            costs,
            base_qty: strategy.base_qty as f64,
            sizing: strategy.sizing,
            fit: None,
            rows: [(0.0, 0.0); MAX_LEVEL_LAGS],
            rows_seen: 0,
            row_part: 0.0,
        }
    }

    pub(crate) fn on_row(&mut self, a: f64, b: f64) {
        self.rows.copy_within(..MAX_LEVEL_LAGS - 1, 1);
        self.rows[0] = (a, b);
        self.rows_seen = self.rows_seen.saturating_add(1);
        self.cache_row_part();
    }

    /// Takes a new fit from the model thread.
    pub fn apply(&mut self, fit: Option<SpreadForecast>) {
        self.fit = fit;
        self.cache_row_part();
    }

    /// Forgets the rows (after a structural break; the next fit is from the break on).
    pub(crate) fn restart(&mut self) {
        self.rows_seen = 0;
        self.fit = None;
    }

    fn cache_row_part(&mut self) {
        if let Some(f) = &self.fit {
            self.row_part = f.constant
                + (1..f.levels_order)
                    .map(|i| f.ga[i] * self.rows[i - 1].0 + f.gb[i] * self.rows[i - 1].1)
                    .sum::<f64>();
        }
    }

    /// The fit is published by the model thread; defined once it is there and enough rows
    /// are seen.
    pub(crate) fn evaluate(&mut self) -> bool {
        self.ready().is_some()
    }

    fn ready(&self) -> Option<&SpreadForecast> {
        self.fit
            .as_ref()
            .filter(|f| self.rows_seen + 1 >= f.levels_order)
    }

    /// The latest fit.
    pub fn fit(&self) -> Option<SpreadForecast> {
        self.fit
    }

    /// The hedge ratio of the latest fit.
    pub fn hedge_ratio(&self) -> Option<f64> {
        self.fit.map(|f| f.hedge_ratio)
    }

    /// The forecast change of the spread at mids `a`, `b` and the standard deviation of its
    /// error, once fitted.
    #[inline]
    pub fn forecast(&self, a: f64, b: f64) -> Option<(f64, f64)> {
        let f = self.ready()?;
        Some((self.row_part + f.ga[0] * a + f.gb[0] * b, f.sd))
    }

    /// The spread `A - hedge B - intercept` at mids `a`, `b`, once fitted.
    pub fn spread(&self, a: f64, b: f64) -> Option<f64> {
        self.fit.map(|f| a - f.hedge_ratio * b - f.intercept)
    }

    pub(crate) fn decide(
        &mut self,
        mkt: &Market,
        pos: &Position,
        counters: &mut StrategyCounters,
    ) -> Decision {
        let p = &self.params;
        if let Position::Open { since_ns, .. } = *pos {
            let held_secs = mkt.t_ns.saturating_sub(since_ns) as f64 / 1e9;
            if p.max_hold_secs > 0.0 && held_secs > p.max_hold_secs {
                return Decision::Close(CloseReason::Timeout);
            }
        }
        let (a, b) = (mkt.a.mid(), mkt.b.mid());
        let Some((delta, sd)) = self.forecast(a, b) else {
            return Decision::Hold;
        };
        let z = delta / sd;
        match *pos {
            Position::Flat => {
                if z.abs() <= p.entry {
                    return Decision::Hold;
                }
                let qa = self.base_qty;
                let hedge = self.fit.map_or(1.0, |f| f.hedge_ratio);
                let qb = match self.sizing {
                    Sizing::Beta => qa * hedge.abs(),
                    Sizing::Dollar => qa * a / b,
                    Sizing::Equal => qa,
                }
                .round()
                .max(1.0);
                if delta.abs() * qa < p.min_edge_ratio * round_trip_cost(mkt, qa, qb, &self.costs) {
                    counters.edge_too_small += 1;
                    return Decision::Hold;
                }
                Decision::Open(if z > 0.0 {
                    Direction::LongSpread
                } else {
                    Direction::ShortSpread
                })
            }
            Position::Open { direction, .. } => {
                let faded = match direction {
                    Direction::LongSpread => z < p.exit,
                    Direction::ShortSpread => z > -p.exit,
                };
                if faded {
                    Decision::Close(CloseReason::Exit)
                } else {
                    Decision::Hold
                }
            }
        }
    }
}
