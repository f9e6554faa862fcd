//! The threshold levels the charts draw: the entry, exit and stop bands of the decision
//! statistic ([`ZScoreBands`]) and the pair filters' thresholds ([`FilterLevels`]).

use crate::config::{BreakTest, StrategyKind, StrategyParams, TrendTest};
use serde::{Deserialize, Serialize};

/// Entry, exit and stop levels of [`GridSample::zscore`](super::GridSample::zscore), symmetric around zero, for the charts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ZScoreBands {
    pub entry: f64,
    pub exit: f64,
    pub stop: Option<f64>,
}

impl ZScoreBands {
    /// The bands of the configured model; `None` for the seed model (no thresholds).
    pub fn of(params: &StrategyParams) -> Option<Self> {
        match params.kind {
            // The basket's bands are its s-score rules, charted with its own series.
            StrategyKind::Seed | StrategyKind::Basket => None,
            StrategyKind::Zscore => Some(ZScoreBands {
                entry: params.zscore.entry,
                exit: params.zscore.exit,
                stop: Some(params.zscore.stop),
            }),
            StrategyKind::Kalman => Some(ZScoreBands {
                entry: params.kalman.entry_k,
                exit: params.kalman.exit_k,
                stop: None,
            }),
            StrategyKind::Var => Some(ZScoreBands {
                entry: params.var.entry,
                exit: params.var.exit,
                stop: None,
            }),
        }
    }
}

/// The pair filters' thresholds, for the charts (each `None` when its filter is off).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterLevels {
    /// `strategy.zscore.max_hurst`.
    pub max_hurst: Option<f64>,
    /// `strategy.filters.vr_max_stat` (trend test, or the seed model's variance-ratio trend).
    pub vr_max_stat: Option<f64>,
    /// `strategy.filters.markov_min_prob`.
    pub markov_min_prob: Option<f64>,
    /// Whether a break test runs.
    pub breaks: bool,
    /// Whether the spread and its VAR forecast are drawn (`var` strategy).
    pub forecast: bool,
}

impl FilterLevels {
    /// The levels of the configured filters; `None` when no filter is on and the model is not
    /// `var`.
    pub fn of(params: &StrategyParams) -> Option<Self> {
        let f = &params.filters;
        let vr = f.trend != TrendTest::Off
            || (params.kind == StrategyKind::Seed && params.seed.trend != TrendTest::Off);
        let levels = FilterLevels {
            max_hurst: (params.kind == StrategyKind::Zscore && params.zscore.max_hurst > 0.0)
                .then_some(params.zscore.max_hurst),
            vr_max_stat: vr.then_some(f.vr_max_stat),
            markov_min_prob: f.markov.then_some(f.markov_min_prob),
            breaks: f.breaks != BreakTest::Off,
            forecast: params.kind == StrategyKind::Var,
        };
        (levels != FilterLevels::default()).then_some(levels)
    }
}
