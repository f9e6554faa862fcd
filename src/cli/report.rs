//! `hft report RUN_DIR`: PNG and SVG charts of a run directory of `hft run` or `hft backtest`
//! (drawn by [`crate::charts`]) and `report.html`, one page with the summary, the latency table
//! and every chart.

use std::path::{Path, PathBuf};

/// Draws every chart the run directory has data for into `RUN_DIR/charts/`, writes
/// [`html_path`] with all of them, and returns the chart files written (PNG and SVG of each
/// chart); see [`crate::charts::draw_run`] and [`crate::charts::write_html`].
///
/// # Errors
/// As [`crate::charts::draw_run`]: not a run directory, nothing to plot, a malformed input file
/// (named, with the line), I/O or drawing failures.
pub fn run(run_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let charts = crate::charts::draw_run(run_dir)?;
    crate::charts::write_html(run_dir, &charts)?;
    Ok(charts)
}

/// Where [`run`] writes the report page: `RUN_DIR/report.html`.
pub fn html_path(run_dir: &Path) -> PathBuf {
    run_dir.join(crate::charts::HTML_FILE)
}

/// Draws the charts of `run_dir` and prints their paths; a failure is printed, not returned: the
/// run's own outputs are already written (`hft run` and `hft backtest` end with this).
pub fn print_charts(run_dir: &Path) {
    match run(run_dir) {
        Ok(charts) => {
            println!("charts:");
            for chart in charts {
                println!("  {}", chart.display());
            }
            println!("report: {}", html_path(run_dir).display());
        }
        Err(e) => eprintln!("charts not drawn: {e:#}"),
    }
}
