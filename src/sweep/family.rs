//! Families of sets: sets whose parameters differ only in the rules compute the same signal
//! from the same quotes, so one of them computes it and the others replay it
//! (`crate::strategy::tape`).
//!
//! The rules are what a z-score pair does with its signal: `strategy.zscore` entry, exit, stop,
//! max_hold_secs and min_edge_ratio, `strategy.base_qty` and `sizing`, `[costs]`,
//! `[execution]`, `[risk]`, each pair's `execution` and `leader`, and the tables' sizes
//! (`engine.fills_capacity`, `engine.series_capacity`). Any other difference puts two sets
//! in different families. A family whose backtests cannot share a signal (another model,
//! baskets, pair filters, latencies: [`Backtest::record_signal`] refuses) runs each member on
//! its own signal.
//!
//! [`Backtest::record_signal`]: crate::backtest::Backtest::record_signal

use super::Setup;
use crate::config::EngineParams;

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

/// `sets` (indexes into `setups`) grouped into families by [`signal_key`], each in `sets`
/// order. Deterministic: the first set of each family leads it. Whether a family can share at
/// all is its leader's backtest's to say ([`Backtest::record_signal`]): when it cannot, each
/// member computes its own signal.
///
/// [`Backtest::record_signal`]: crate::backtest::Backtest::record_signal
pub(super) fn families(setups: &[Setup], sets: &[usize]) -> Vec<Vec<usize>> {
    let mut out: Vec<(EngineParams, Vec<usize>)> = Vec::new();
    for &i in sets {
        let key = signal_key(&setups[i].params);
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(i),
            None => out.push((key, vec![i])),
        }
    }
    out.into_iter().map(|(_, members)| members).collect()
}
