//! Families of sets: sets whose parameters differ only in the rules compute the same signal
//! from the same quotes, so one of them computes it and the others replay it
//! (`crate::strategy::tape`).
//!
//! The rules are what a z-score pair does with its signal: `strategy.zscore` entry, exit, stop,
//! max_hold_secs and min_edge_ratio, `strategy.base_qty` and `sizing`, `[costs]`,
//! `[execution]`, `[risk]`, each pair's `execution` and `leader`, and the tables' sizes
//! (`engine.fills_capacity`, `engine.series_capacity`). Any other difference puts two sets
//! in different families; so does anything [`Backtest::record_signal`] refuses, and such a
//! set computes its own signal.
//!
//! [`Backtest::record_signal`]: crate::backtest::Backtest::record_signal

use super::Setup;
use crate::config::{EngineParams, StrategyKind};

/// `params` with every rule set to one value: sets with equal keys share a signal.
///
/// # Examples
/// ```
/// use hft::config::EngineParams;
/// use hft::sweep::signal_key;
/// let mut a = EngineParams::embedded();
/// let mut b = a.clone();
/// b.strategy.zscore.entry = 3.0;
/// b.execution.collar_ticks += 1;
/// assert_eq!(signal_key(&a), signal_key(&b));
/// a.strategy.window_secs *= 2.0;
/// assert_ne!(signal_key(&a), signal_key(&b));
/// ```
pub fn signal_key(params: &EngineParams) -> EngineParams {
    let fixed = EngineParams::embedded();
    let mut key = params.clone();
    let (z, fz) = (&mut key.strategy.zscore, &fixed.strategy.zscore);
    (z.entry, z.exit, z.stop, z.max_hold_secs, z.min_edge_ratio) = (
        fz.entry,
        fz.exit,
        fz.stop,
        fz.max_hold_secs,
        fz.min_edge_ratio,
    );
    key.strategy.base_qty = fixed.strategy.base_qty;
    key.strategy.sizing = fixed.strategy.sizing;
    key.costs = fixed.costs;
    key.execution = fixed.execution;
    key.risk = fixed.risk;
    key.engine.fills_capacity = fixed.engine.fills_capacity;
    key.engine.series_capacity = fixed.engine.series_capacity;
    for p in &mut key.pairs {
        p.execution = None;
        p.leader = None;
    }
    key
}

/// Whether a set can be in a family at all: a z-score strategy with no latency profile and no
/// value tilt (the backtest checks the rest when it is asked to record).
fn may_share(setup: &Setup) -> bool {
    setup.params.strategy.kind == StrategyKind::Zscore
        && setup.latency_profile.is_none()
        && setup.value_tilts.iter().all(Option::is_none)
}

/// `sets` (indexes into `setups`) grouped into families, each in `sets` order; a set that
/// cannot share is a family of its own. Deterministic: the first set of each family leads it.
pub(super) fn families(setups: &[Setup], sets: &[usize]) -> Vec<Vec<usize>> {
    let mut out: Vec<(Option<EngineParams>, Vec<usize>)> = Vec::new();
    for &i in sets {
        let key = may_share(&setups[i]).then(|| signal_key(&setups[i].params));
        match out.iter_mut().find(|(k, _)| k.is_some() && *k == key) {
            Some((_, members)) => members.push(i),
            None => out.push((key, vec![i])),
        }
    }
    out.into_iter().map(|(_, members)| members).collect()
}
