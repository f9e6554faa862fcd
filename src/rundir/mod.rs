//! The files of a run directory (`hft run`, `hft backtest`), each format written and read in one
//! place:
//!
//! - quote files (`ts_ns,symbol,bid,bid_size,ask,ask_size`): [`QuoteScanner`], the one parser of
//!   the backtest and the gateway's replay, and [`write_quote_row`], the one writer.
//! - `series/<A>-<B>.csv` and `fills.csv`: [`series_csv`], [`fills_csv`] and their readers.
//! - `summary.json`: [`Summary`], one typed schema for the engine and the backtest.
//! - the directory itself: [`new_run_dir`] (`run-YYYYMMDD-HHMMSS[-n]`).
//! - `latency/<name>.hgrm`: [`write_latency`], [`read_latency`] (format and parser in `hgrm.rs`).

mod dirs;
mod hgrm;
mod logs;
mod quotes;
mod summary;

pub use crate::types::cents;
pub use dirs::new_run_dir;
pub use logs::{
    FILLS_HEADER, FillRow, ParseError, SERIES_HEADER, SeriesEntry, SeriesIndex, bootstrap_file,
    fills_csv, read_fills, read_series, series_csv, series_file,
};
pub use quotes::{
    MD_EVENTS_HEADER, QUOTE_HEADER, QuoteFields, QuoteScanner, RowProblem, SymbolKeys,
    write_md_event_row, write_quote_row,
};
pub use summary::{
    BacktestSummary, EngineCounters, EngineSummary, FillsLog, JournalSummary, PairSummary,
    PairTrading, Percentiles, PlacementSummary, Pnl, PositionSummary, RowCounters, RowError,
    RunMode, StrategySummary, Summary,
};

pub use hgrm::{
    HgrmPoint, LatencyFile, parse_hgrm, percentile_distribution, read_hgrm, read_latency,
    write_latency,
};
