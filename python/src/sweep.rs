//! `hft.sweep`: one backtest per parameter set over quotes scanned once, on Rust threads with the
//! GIL released.
//!
//! Work is handed out by an atomic counter and each result is stored at its set's index, so the
//! output is the same for any number of threads: each backtest is deterministic and shares
//! nothing but the read-only quotes.

use crate::params::{self, Setup};
use crate::quotes::Quotes;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the sweep keeps of one backtest.
#[derive(Debug, Clone, Copy, PartialEq, IntoPyObject)]
pub struct SweepRow {
    pub trades: u64,
    pub net_pnl: f64,
    pub gross_pnl: f64,
    pub commissions: f64,
    /// NaN when undefined (fewer than three equity samples, or no variance).
    pub sharpe: f64,
    pub max_drawdown: f64,
    pub turnover: f64,
    pub shortfall: f64,
    pub time_in_market: f64,
    pub orders: u64,
    pub fills: u64,
}

fn sweep_row(setup: &Setup, quotes: &Quotes) -> SweepRow {
    let out = crate::run_backtest(setup, quotes);
    let s = &out.summary;
    let b = s.backtest();
    SweepRow {
        trades: b.trades,
        net_pnl: s.pnl.net,
        gross_pnl: b.gross_pnl,
        commissions: s.pnl.commissions,
        sharpe: b.sharpe.unwrap_or(f64::NAN),
        max_drawdown: b.max_drawdown,
        turnover: b.turnover,
        shortfall: b.shortfall,
        time_in_market: b.time_in_market,
        orders: s.orders,
        fills: s.fills,
    }
}

/// Runs `setups` over `quotes` on `threads` threads (at least one, at most one per set); the
/// results in `setups` order.
pub fn run_all(setups: &[Setup], quotes: &Quotes, threads: usize) -> Vec<SweepRow> {
    let next = AtomicUsize::new(0);
    let threads = threads.clamp(1, setups.len().max(1));
    let mut indexed: Vec<(usize, SweepRow)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(setup) = setups.get(i) else {
                            return done;
                        };
                        done.push((i, sweep_row(setup, quotes)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    indexed.sort_by_key(|(i, _)| *i);
    indexed.into_iter().map(|(_, row)| row).collect()
}

/// One backtest per dict of `grid` (dotted keys set on top of `params` and `overrides`); every
/// set is parsed and checked before any runs.
#[pyfunction]
#[pyo3(signature = (quotes, grid, params, file, overrides=None, threads=None))]
pub fn sweep<'py>(
    py: Python<'py>,
    quotes: &Bound<'py, Quotes>,
    grid: Vec<Bound<'py, PyDict>>,
    params: Option<&str>,
    file: &str,
    overrides: Option<&Bound<'py, PyDict>>,
    threads: Option<usize>,
) -> PyResult<Vec<SweepRow>> {
    let base = params::overrides(overrides)?;
    let mut setups = Vec::with_capacity(grid.len());
    for (i, set) in grid.iter().enumerate() {
        let mut all = base.clone();
        all.extend(params::overrides(Some(set))?);
        let label = format!("{file} with grid[{i}]");
        setups.push(params::resolve(params, &label, &all).map_err(|e| params::to_py(py, e))?);
    }
    let threads = threads
        .filter(|&t| t > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let quotes = quotes.get();
    Ok(py.detach(|| run_all(&setups, quotes, threads)))
}
