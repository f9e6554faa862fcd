//! Parameter sweeps: one backtest per parameter set over quotes scanned once, on threads
//! (`hft sweep`, and `hft.sweep` in the Python package).
//!
//! ```text
//!  quote file ──> ScannedQuotes (QuoteScanner, once) ──┬──> Backtest(set 0) ──> SweepRow 0
//!  grid file ──> ParamSets ──> Setup per set ──────────┼──> Backtest(set 1) ──> SweepRow 1
//!                                                      └──> ...  (N threads, shared rows)
//! ```
//!
//! Work is handed out by an atomic counter and each result is stored at its set's index, so the
//! output is the same for any number of threads: each backtest is deterministic and shares
//! nothing but the read-only rows. A set's row equals `hft backtest` of that set's parameters
//! on the same file (`tests/sweep.rs` checks it): [`Backtest::feed_row`] is the second half of
//! [`Backtest::feed_line`].
//!
//! [`Backtest::feed_row`]: crate::backtest::Backtest::feed_row
//! [`Backtest::feed_line`]: crate::backtest::Backtest::feed_line

mod grid;
mod setup;

/// Appends rows to [`ScannedQuotes`].
pub use crate::rundir::ColumnsBuilder as QuotesBuilder;
/// The quotes a sweep runs over: the file parsed once into columns (the backtest's own input).
pub use crate::rundir::QuoteColumns as ScannedQuotes;
pub use grid::{Axis, MAX_SETS, ParamSets};
pub use setup::{Override, Setup, set_dotted};

use crate::backtest::BacktestOutput;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What a sweep keeps of one backtest (the `summary.json` fields of the same names).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SweepRow {
    pub trades: u64,
    pub net_pnl: f64,
    pub gross_pnl: f64,
    pub commissions: f64,
    /// `None` when undefined (fewer than three equity samples, or no variance).
    pub sharpe: Option<f64>,
    pub max_drawdown: f64,
    pub turnover: f64,
    pub shortfall: f64,
    pub time_in_market: f64,
    pub orders: u64,
    pub fills: u64,
}

impl SweepRow {
    /// The row of one finished backtest.
    pub fn of(out: &BacktestOutput) -> SweepRow {
        let s = &out.summary;
        let b = s.backtest();
        SweepRow {
            trades: b.trades,
            net_pnl: s.pnl.net,
            gross_pnl: b.gross_pnl,
            commissions: s.pnl.commissions,
            sharpe: b.sharpe,
            max_drawdown: b.max_drawdown,
            turnover: b.turnover,
            shortfall: b.shortfall,
            time_in_market: b.time_in_market,
            orders: s.orders,
            fills: s.fills,
        }
    }
}

/// Runs `setups` over `quotes` on `threads` threads (at least one, at most one per set); the
/// rows in `setups` order, the same for any `threads`.
///
/// # Examples
/// ```
/// use hft::sweep::{ScannedQuotes, Setup, run_all};
/// let quotes = ScannedQuotes::from_csv_bytes(b"ts_ns,symbol,bid,bid_size,ask,ask_size\n").unwrap();
/// let setups = vec![Setup::resolve(None, "<embedded>", &[]).unwrap()];
/// let rows = run_all(&setups, &quotes, 4);
/// assert_eq!(rows.len(), 1);
/// assert_eq!(rows[0].trades, 0);
/// ```
///
/// # Panics
/// When a backtest panics (the panic is resumed on the calling thread).
pub fn run_all(setups: &[Setup], quotes: &ScannedQuotes, threads: usize) -> Vec<SweepRow> {
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
                        done.push((i, SweepRow::of(&setup.run(quotes))));
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
