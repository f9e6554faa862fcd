//! Parameter sweeps: one backtest per parameter set over quotes parsed once into columns, on a
//! rayon pool (`hft sweep`, and `hft.sweep` in the Python package); shards of a sweep for a
//! cluster and their merge ([`Shard`], [`merge`]).
//!
//! ```text
//!  quote file ──> QuoteColumns (QuoteScanner, once) ──┬──> pass: Backtest(set 0..4) ──> rows 0..4
//!  grid file ──> ParamSets ──> Setup per set ─────────┼──> pass: Backtest(set 4..8) ──> rows 4..8
//!                                                     └──> ...  (N threads, shared columns)
//! ```
//!
//! A pass runs a few sets' backtests over the same chunk of rows, chunk after chunk; each
//! result is stored at its set's index, so the output is the same for any number of threads:
//! each backtest is deterministic and shares nothing but the read-only columns. A set's row
//! equals `hft backtest` of that set's parameters on the same file (`tests/sweep.rs` checks
//! it): both run [`Backtest::feed_columns`].
//!
//! [`Backtest::feed_columns`]: crate::backtest::Backtest::feed_columns

mod family;
mod grid;
mod setup;
mod shard;

/// Appends rows to [`ScannedQuotes`].
pub use crate::rundir::ColumnsBuilder as QuotesBuilder;
/// The quotes a sweep runs over: the file parsed once into columns (the backtest's own input).
pub use crate::rundir::QuoteColumns as ScannedQuotes;
pub use family::signal_key;
pub use grid::{Axis, MAX_SETS, ParamSets};
pub use setup::{Override, Setup, set_dotted};
pub use shard::{Merged, SHARD_FILE, Shard, ShardFile, ShardRow, merge};

use crate::backtest::{Backtest, BacktestOutput};
use crate::rundir::Summary;

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

/// The metrics of [`SweepRow`], in column order (`sweep.csv`, [`SweepRow::cells`]).
pub const METRICS: [&str; 11] = [
    "trades",
    "net_pnl",
    "gross_pnl",
    "commissions",
    "sharpe",
    "max_drawdown",
    "turnover",
    "shortfall",
    "time_in_market",
    "orders",
    "fills",
];

impl SweepRow {
    /// The row of one finished backtest.
    pub fn of(out: &BacktestOutput) -> SweepRow {
        Self::of_summary(&out.summary)
    }

    /// The row of a finished backtest's summary.
    pub fn of_summary(s: &Summary) -> SweepRow {
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

    /// The metrics as `sweep.csv` writes them ([`METRICS`] order): numbers as Rust prints them
    /// (the shortest text that reads back to the same value), an undefined Sharpe empty.
    pub fn cells(&self) -> [String; 11] {
        [
            self.trades.to_string(),
            self.net_pnl.to_string(),
            self.gross_pnl.to_string(),
            self.commissions.to_string(),
            self.sharpe.map_or(String::new(), |s| s.to_string()),
            self.max_drawdown.to_string(),
            self.turnover.to_string(),
            self.shortfall.to_string(),
            self.time_in_market.to_string(),
            self.orders.to_string(),
            self.fills.to_string(),
        ]
    }

    /// The row [`SweepRow::cells`] wrote: the same values, bit for bit.
    ///
    /// # Examples
    /// ```
    /// use hft::sweep::SweepRow;
    /// let cells = ["3", "-1.5", "0.1", "1.6", "", "2", "1e21", "0.3", "0.25", "6", "7"];
    /// let row = SweepRow::from_cells(&cells.map(String::from)).unwrap();
    /// assert_eq!((row.sharpe, row.turnover), (None, 1e21));
    /// assert_eq!(SweepRow::from_cells(&row.cells()), Some(row));
    /// ```
    pub fn from_cells(cells: &[String]) -> Option<SweepRow> {
        let [
            trades,
            net,
            gross,
            comm,
            sharpe,
            dd,
            turnover,
            shortfall,
            tim,
            orders,
            fills,
        ] = cells
        else {
            return None;
        };
        let f = |s: &String| s.parse::<f64>().ok();
        Some(SweepRow {
            trades: trades.parse().ok()?,
            net_pnl: f(net)?,
            gross_pnl: f(gross)?,
            commissions: f(comm)?,
            sharpe: if sharpe.is_empty() {
                None
            } else {
                Some(f(sharpe)?)
            },
            max_drawdown: f(dd)?,
            turnover: f(turnover)?,
            shortfall: f(shortfall)?,
            time_in_market: f(tim)?,
            orders: orders.parse().ok()?,
            fills: fills.parse().ok()?,
        })
    }
}

/// Sets that run side by side in one pass over the rows (each chunk of rows is read once, for
/// all of them, while it is in cache; a family among them computes its signal once).
pub const SETS_PER_PASS: usize = 8;
/// Rows of one chunk of a pass (about 250 KB of columns).
const CHUNK_ROWS: usize = 4096;

/// Runs `setups` over `quotes` on `threads` threads (rayon; at least one); the rows in `setups`
/// order, the same for any `threads`: each backtest is deterministic and shares nothing but
/// the read-only columns and, within a family, the signal every member would compute alike.
///
/// The sets are dealt into passes of at most [`SETS_PER_PASS`] sets (set `i` into pass
/// `i mod passes`), as many passes as keep every thread busy; a pass runs its sets' backtests
/// over the same chunk of rows before it moves on to the next chunk. Within a pass, sets whose
/// parameters differ only in the rules ([`signal_key`]) form a family: the first computes the
/// signal of each chunk and records it, the others replay it (`strategy::tape`). A member
/// whose replay went out of step is run again on its own.
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
    use rayon::prelude::*;
    let threads = threads.clamp(1, setups.len().max(1));
    let passes = threads * setups.len().div_ceil(threads * SETS_PER_PASS).max(1);
    let passes: Vec<Vec<usize>> = (0..passes.min(setups.len()))
        .map(|k| (k..setups.len()).step_by(passes).collect())
        .collect();
    let run = || -> Vec<Vec<(usize, SweepRow)>> {
        passes
            .par_iter()
            .map(|sets| run_pass(setups, sets, quotes))
            .collect()
    };
    let done = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(run),
        // No threads to be had: the same sets on this one.
        Err(_) => passes
            .iter()
            .map(|sets| run_pass(setups, sets, quotes))
            .collect(),
    };
    let mut rows = vec![None; setups.len()];
    for (i, row) in done.into_iter().flatten() {
        rows[i] = Some(row);
    }
    rows.into_iter().flatten().collect()
}

/// The backtests of one pass's `sets`, side by side over each chunk of rows in turn, each
/// family's signal computed by its first member.
fn run_pass(setups: &[Setup], sets: &[usize], quotes: &ScannedQuotes) -> Vec<(usize, SweepRow)> {
    let mut families: Vec<(Vec<usize>, Vec<Backtest>, bool)> = family::families(setups, sets)
        .into_iter()
        .map(|members| {
            let mut bts: Vec<Backtest> = members
                .iter()
                .map(|&i| setups[i].sweep_backtest())
                .collect();
            let shared = bts.len() > 1 && bts[0].record_signal();
            (members, bts, shared)
        })
        .collect();
    let rows = quotes.accepted();
    let mut start = 0;
    loop {
        let end = (start + CHUNK_ROWS).min(rows);
        for (_, bts, shared) in &mut families {
            match bts.split_first_mut() {
                Some((leader, members)) if *shared => {
                    leader.clear_signal();
                    leader.feed_columns(quotes, start..end);
                    for bt in members {
                        leader.lend_signal(bt);
                        bt.feed_columns(quotes, start..end);
                        leader.take_back_signal(bt);
                    }
                }
                _ => bts
                    .iter_mut()
                    .for_each(|bt| bt.feed_columns(quotes, start..end)),
            }
        }
        start = end;
        if start >= rows {
            break;
        }
    }
    let mut out = Vec::with_capacity(sets.len());
    for (members, bts, _) in families {
        for (i, bt) in members.into_iter().zip(bts) {
            let summary = if bt.signal_lost() {
                tracing::warn!(
                    set = i,
                    "a replayed signal went out of step; running the set alone"
                );
                let mut alone = setups[i].sweep_backtest();
                alone.run_columns(quotes);
                alone.finish_summary()
            } else {
                bt.finish_summary()
            };
            out.push((i, SweepRow::of_summary(&summary)));
        }
    }
    out
}
