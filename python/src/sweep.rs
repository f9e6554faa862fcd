//! `hft.sweep`: one backtest per parameter set over quotes scanned once, on Rust threads with the
//! GIL released.
//!
//! The sweep itself is the crate's ([`hft::sweep::run_all`], which `hft sweep` runs too): work
//! handed out by an atomic counter, each result stored at its set's index, so the output is the
//! same for any number of threads.

use crate::params;
use crate::quotes::Quotes;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// What the sweep keeps of one backtest, as a Python dict.
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

impl From<hft::sweep::SweepRow> for SweepRow {
    fn from(r: hft::sweep::SweepRow) -> Self {
        SweepRow {
            trades: r.trades,
            net_pnl: r.net_pnl,
            gross_pnl: r.gross_pnl,
            commissions: r.commissions,
            sharpe: r.sharpe.unwrap_or(f64::NAN),
            max_drawdown: r.max_drawdown,
            turnover: r.turnover,
            shortfall: r.shortfall,
            time_in_market: r.time_in_market,
            orders: r.orders,
            fills: r.fills,
        }
    }
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
        setups.push(
            hft::sweep::Setup::resolve(params, &label, &all).map_err(|e| params::to_py(py, e))?,
        );
    }
    let threads = threads
        .filter(|&t| t > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let quotes = quotes.get().rows();
    let rows = py.detach(|| hft::sweep::run_all(&setups, quotes, threads));
    Ok(rows.into_iter().map(SweepRow::from).collect())
}
