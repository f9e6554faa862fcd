//! The files of a run directory (`hft run`, `hft backtest`), each format written and read in one
//! place:
//!
//! - quote files (`ts_ns,symbol,bid,bid_size,ask,ask_size`): [`QuoteScanner`], the one parser of
//!   the backtest and the gateway's replay, and its rules ([`QuoteScanner::check`]) for every
//!   format: CSV, Parquet and Databento DBN ([`QuoteFormat`]), read as [`QuoteRecord`]s by a
//!   [`QuoteSource`] each, several files merged by time ([`QuoteInputs`]), written by
//!   [`QuoteOutput`] under a temporary name ([`AtomicFile`]).
//!   [`write_quote_row`] is the one CSV quote writer (and [`write_md_event_row`] for raw events).
//!   [`QuoteColumns`]: quote files parsed once into columns (the backtest's and the sweep's input).
//! - run-directory tables as Parquet: [`csv_table_to_parquet`].
//! - `series/<A>-<B>.csv` and `fills.csv`: [`series_csv`], [`fills_csv`] and their readers.
//! - `summary.json`: [`Summary`], one typed schema for the engine and the backtest.
//! - the directory itself: [`new_run_dir`] (`run-YYYYMMDD-HHMMSS[-n]`).
//! - `latency/<name>.hgrm`: [`write_latency`], [`read_latency`] (format and parser in `hgrm.rs`).

mod basket;
mod columns;
mod csv_source;
mod dbn;
mod dirs;
mod hgrm;
mod logs;
mod merge;
mod parquet;
mod parquet_pages;
mod parquet_write;
mod quotes;
mod records;
mod rle;
mod sink;
mod summary;

pub use crate::types::cents;
pub use basket::{BasketSeries, basket_series_csv, basket_series_file, read_basket_series};
pub use columns::{
    CacheKey, CacheUse, ColumnsBuilder, QuoteColumns, SkippedRow, cache_path, load_csv_columns,
};
pub use csv_source::CsvSource;
pub use dbn::{DbnSource, write_dbn};
pub use dirs::new_run_dir;
pub use logs::{
    FILLS_HEADER, FillRow, ParseError, SERIES_HEADER, SeriesEntry, SeriesIndex, bootstrap_file,
    fills_csv, read_fills, read_series, series_csv, series_file,
};
pub use merge::QuoteInputs;
pub use parquet::{ParquetSource, QUOTE_COLUMNS};
pub use parquet_write::{
    ParquetCompression, ParquetOptions, ParquetQuoteWriter, QUOTE_ROW_GROUP, csv_table_to_parquet,
};
pub use quotes::{
    MD_EVENTS_HEADER, QUOTE_HEADER, QUOTE_HEADER_TRADES, QuoteFields, QuoteScanner, RowProblem,
    SymbolKeys, check_trade, is_quote_header, write_md_event_row, write_quote_row,
    write_trade_columns,
};
pub use records::{
    NO_SYMBOL, QuoteFormat, QuoteInputError, QuoteRecord, QuoteSource, SymbolTable, open_source,
};
pub use rle::decode_rle_hybrid;
pub use sink::{AtomicFile, QuoteOutput, write_atomic, write_parquet_tables};
pub use summary::{
    BacktestSummary, BasketSummary, BasketTrading, EngineCounters, EngineSummary, FillsLog,
    JournalSummary, PairSummary, PairTrading, Percentiles, PlacementSummary, Pnl, PositionSummary,
    RowCounters, RowError, RunMode, StrategySummary, Summary,
};

pub use hgrm::{
    HgrmPoint, LatencyFile, parse_hgrm, percentile_distribution, read_hgrm, read_latency,
    write_latency,
};
