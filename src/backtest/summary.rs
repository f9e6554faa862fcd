//! What a backtest produces: the typed summary ([`crate::rundir::Summary`]) and the output files.

use crate::rundir::Summary;
use std::io;
use std::path::Path;

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
