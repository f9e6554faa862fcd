//! The files of a run directory (`hft run`, `hft backtest`), each format written and read in one
//! place:
//!
//! - the directory itself: [`new_run_dir`] (`run-YYYYMMDD-HHMMSS[-n]`).
//! - `latency/<name>.hgrm`: [`write_latency`], [`read_latency`] (format and parser in `hgrm.rs`).

mod dirs;
mod hgrm;

pub use dirs::new_run_dir;

pub use hgrm::{
    HgrmPoint, LatencyFile, parse_hgrm, percentile_distribution, read_hgrm, read_latency,
    write_latency,
};
