//! `hft report RUN_DIR`: PNG and SVG charts of a run directory of `hft run` or `hft backtest`
//! (drawn by [`crate::charts`]).

use std::path::{Path, PathBuf};

/// Draws every chart the run directory has data for into `RUN_DIR/charts/` and returns the
/// files written (PNG and SVG of each chart); see [`crate::charts::draw_run`].
///
/// # Errors
/// As [`crate::charts::draw_run`]: not a run directory, nothing to plot, a malformed input file
/// (named, with the line), I/O or drawing failures.
pub fn run(run_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    crate::charts::draw_run(run_dir)
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
        }
        Err(e) => eprintln!("charts not drawn: {e:#}"),
    }
}
