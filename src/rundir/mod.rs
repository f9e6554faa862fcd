//! The files of a run directory (`hft run`, `hft backtest`), each format written and read in one
//! place:
//!
//! - `latency/<name>.hgrm`: [`write_latency`], [`read_latency`] (format and parser in `hgrm.rs`).

mod hgrm;

pub use hgrm::{
    HgrmPoint, LatencyFile, parse_hgrm, percentile_distribution, read_hgrm, read_latency,
    write_latency,
};
