//! The pair filters' hot-path side: what the cold fits found ([`FilterState`]) turned into
//! "may this pair enter now?" and "must it flatten?", for any strategy kind
//! (`[strategy.filters]`).
//!
//! - **Breaks**: a break newer than the last one seen stops entries until
//!   `break_resume_secs` of event time have passed since the break's grid time, and (with
//!   `flatten_on_break`) closes an open position once, as a stop. The model re-estimates from
//!   the break on: the cold fits drop the rows before it, and the strategy's own rolling
//!   statistics restart (see `PairStrategy`).
//! - **Trend**: no entry while the spread's variance-ratio z statistic is above `vr_max_stat`.
//! - **Markov regime**: no entry while the filtered probability of the mean-reverting state is
//!   below `markov_min_prob`.
//!
//! An enabled filter without a defined value (no fit yet, too few rows) blocks entries: the
//! regime is unknown.

use super::refit::FilterState;
use crate::config::{BreakTest, FilterParams, TrendTest};

/// What a grid row records of the filters and the `var` model, for the charts (stored as `f32`
/// to keep a row small; `None` when off or undefined).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FilterSample {
    /// The `var` model's spread `A - hedge B - intercept` at the row.
    pub spread: Option<f32>,
    /// Its forecast `horizon` rows ahead (the spread plus the forecast change).
    pub forecast: Option<f32>,
    /// The z-score model's Hurst exponent (its `max_hurst` filter).
    pub hurst: Option<f32>,
    /// The spread's variance-ratio z statistic (trend test).
    pub vr_stat: Option<f32>,
    /// The Markov regime model's probability of the mean-reverting state.
    pub reverting_prob: Option<f32>,
    /// Grid time of the latest structural break.
    pub break_t_ns: Option<u64>,
}

/// A pair's filter state on the signal thread.
#[derive(Debug, Clone)]
pub struct PairFilters {
    params: FilterParams,
    state: FilterState,
    /// Whether a fit has arrived.
    fitted: bool,
    /// A break was found and the position (if any) is to be closed.
    flatten_pending: bool,
}

/// What a new fit changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterNews {
    /// Nothing that needs the model's attention.
    Nothing,
    /// A new structural break: the model restarts its statistics.
    Break,
}

impl PairFilters {
    /// Filters per `params` (all off by default).
    pub fn new(params: FilterParams) -> Self {
        PairFilters {
            params,
            state: FilterState::default(),
            fitted: false,
            flatten_pending: false,
        }
    }

    /// Takes the filters' part of a new fit.
    pub fn apply(&mut self, state: FilterState) -> FilterNews {
        let new_break = state.break_t_ns.is_some() && state.break_t_ns != self.state.break_t_ns;
        self.state = state;
        self.fitted = true;
        if new_break {
            self.flatten_pending |= self.params.flatten_on_break;
            FilterNews::Break
        } else {
            FilterNews::Nothing
        }
    }

    /// What the filters last found.
    pub fn state(&self) -> &FilterState {
        &self.state
    }

    /// Some filter is on.
    pub fn any(&self) -> bool {
        self.params.any()
    }

    /// Whether a new position may be opened at event time `t_ns`.
    #[inline]
    pub fn entry_allowed(&self, t_ns: u64) -> bool {
        let p = &self.params;
        if !p.any() {
            return true;
        }
        if !self.fitted {
            return false;
        }
        if p.breaks != BreakTest::Off
            && let Some(t_break) = self.state.break_t_ns
            && t_ns < t_break.saturating_add((p.break_resume_secs * 1e9) as u64)
        {
            return false;
        }
        if p.trend != TrendTest::Off
            && self
                .state
                .variance_ratio
                .is_none_or(|v| v.stat > p.vr_max_stat)
        {
            return false;
        }
        if p.markov
            && self
                .state
                .reverting_prob
                .is_none_or(|prob| prob < p.markov_min_prob)
        {
            return false;
        }
        true
    }

    /// True once after a break with `flatten_on_break`.
    #[inline]
    pub fn take_flatten(&mut self) -> bool {
        std::mem::take(&mut self.flatten_pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::VarianceRatio;

    #[test]
    fn a_break_blocks_entries_until_resume_and_flattens_once() {
        let params = FilterParams {
            breaks: BreakTest::Chow,
            flatten_on_break: true,
            break_resume_secs: 10.0,
            ..FilterParams::default()
        };
        let mut f = PairFilters::new(params);
        assert!(!f.entry_allowed(0), "no fit yet: unknown");
        assert_eq!(f.apply(FilterState::default()), FilterNews::Nothing);
        assert!(f.entry_allowed(0));
        let broken = FilterState {
            break_t_ns: Some(100_000_000_000),
            ..FilterState::default()
        };
        assert_eq!(f.apply(broken), FilterNews::Break);
        assert!(f.take_flatten());
        assert!(!f.take_flatten());
        assert!(!f.entry_allowed(105_000_000_000));
        assert!(f.entry_allowed(110_000_000_000));
        // The same break again is not news.
        assert_eq!(f.apply(broken), FilterNews::Nothing);
        assert!(!f.take_flatten());
    }

    #[test]
    fn trend_and_regime_thresholds() {
        let params = FilterParams {
            trend: TrendTest::VarianceRatio,
            vr_max_stat: 2.0,
            markov: true,
            markov_min_prob: 0.6,
            ..FilterParams::default()
        };
        let mut f = PairFilters::new(params);
        let vr = |stat| VarianceRatio {
            lags: 8,
            vr: 1.0,
            stat,
            pvalue: 0.5,
        };
        f.apply(FilterState {
            variance_ratio: Some(vr(-1.0)),
            reverting_prob: Some(0.7),
            ..FilterState::default()
        });
        assert!(f.entry_allowed(0));
        f.apply(FilterState {
            variance_ratio: Some(vr(2.5)),
            reverting_prob: Some(0.7),
            ..FilterState::default()
        });
        assert!(!f.entry_allowed(0), "trending");
        f.apply(FilterState {
            variance_ratio: Some(vr(0.0)),
            reverting_prob: Some(0.4),
            ..FilterState::default()
        });
        assert!(!f.entry_allowed(0), "trending regime more likely");
        f.apply(FilterState {
            variance_ratio: None,
            reverting_prob: Some(0.9),
            ..FilterState::default()
        });
        assert!(!f.entry_allowed(0), "undefined test blocks");
    }
}
