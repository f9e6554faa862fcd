//! What a backtest reports: row counters, per-pair and total results (`summary.json`), and the
//! output files.

use crate::dispatch::DispatchCounters;
use crate::normalize::NormalizeCounters;
use crate::record::SeriesIndex;
use crate::rundir::RowProblem;
use serde::Serialize;
use std::io;
use std::path::Path;

/// A skipped row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub problem: RowProblem,
}

/// Row counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RowCounters {
    pub rows: u64,
    pub quotes: u64,
    pub field_count: u64,
    pub bad_timestamp: u64,
    pub bad_number: u64,
    pub unknown_symbol: u64,
    pub time_backwards: u64,
    pub crossed_quote: u64,
}

/// Summary of one pair.
#[derive(Debug, Clone, Serialize)]
pub struct PairSummary {
    pub a: String,
    pub b: String,
    /// Round trips closed.
    pub trades: u64,
    pub stops: u64,
    pub timeouts: u64,
    pub gross_pnl: f64,
    pub commissions: f64,
    pub net_pnl: f64,
    pub time_in_market: f64,
    pub turnover: f64,
    pub final_position_a: f64,
    pub final_position_b: f64,
    pub hedge_ratio: Option<f64>,
    pub quotes: u64,
    pub grid_rows: u64,
    pub undefined_statistics: u64,
    pub edge_too_small: u64,
    pub intents: u64,
}

/// `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub strategy: String,
    pub rows: RowCounters,
    pub first_errors: Vec<RowError>,
    pub orders: u64,
    pub fills: u64,
    pub trades: u64,
    pub gross_pnl: f64,
    pub commissions: f64,
    pub net_pnl: f64,
    /// Annualized (252 days of 6.5 h) from equity changes sampled on the strategy grid.
    pub sharpe: Option<f64>,
    pub max_drawdown: f64,
    /// Traded notional in USD.
    pub turnover: f64,
    /// Mean over pairs of the fraction of event time with a position.
    pub time_in_market: f64,
    pub pairs: Vec<PairSummary>,
    /// What the normalizer's bad-tick filter did (the engine reports the same counters).
    pub bad_ticks: NormalizeCounters,
    /// What the dispatcher did: orders, fills, risk refusals, legging (the engine's counters).
    pub dispatch: DispatchCounters,
    /// Fills beyond `engine.fills_capacity`, missing from `fills.csv`.
    pub fills_log_dropped: u64,
    /// The series files and the z-score bands, for `hft report`.
    pub series: SeriesIndex,
}

/// Everything a run produces.
pub struct BacktestOutput {
    pub summary: Summary,
    pub orders_csv: Vec<u8>,
    pub fills_csv: Vec<u8>,
    /// Each pair's series file: path relative to the output directory, and its bytes.
    pub series_csv: Vec<(String, Vec<u8>)>,
}

/// Rounds to 6 decimals so summaries do not carry float noise.
pub(super) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Annualized Sharpe ratio of equity changes and the maximum drawdown of the equity curve.
pub(super) fn risk_stats(equity: &[f64], step_ns: u64) -> (Option<f64>, f64) {
    let mut peak = f64::MIN;
    let mut max_dd: f64 = 0.0;
    for &e in equity {
        peak = peak.max(e);
        max_dd = max_dd.max(peak - e);
    }
    if equity.len() < 3 || step_ns == 0 {
        return (None, max_dd);
    }
    let n = (equity.len() - 1) as f64;
    let mean = (equity[equity.len() - 1] - equity[0]) / n;
    let var = equity
        .windows(2)
        .map(|w| (w[1] - w[0] - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0);
    if var.is_nan() || var <= 0.0 {
        return (None, max_dd);
    }
    let steps_per_year = 252.0 * 23_400.0 / (step_ns as f64 / 1e9);
    (Some(mean / var.sqrt() * steps_per_year.sqrt()), max_dd)
}

/// Writes `orders.csv`, `fills.csv`, `series/<A>-<B>.csv` and `summary.json` into `dir` (created
/// if needed).
///
/// # Errors
/// I/O errors.
pub fn write_outputs(out: &BacktestOutput, dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("orders.csv"), &out.orders_csv)?;
    std::fs::write(dir.join("fills.csv"), &out.fills_csv)?;
    for (file, bytes) in &out.series_csv {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)?;
    }
    let mut json = serde_json::to_vec_pretty(&out.summary).map_err(io::Error::other)?;
    json.push(b'\n');
    std::fs::write(dir.join("summary.json"), json)
}
