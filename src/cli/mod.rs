//! Subcommands of the `hft` binary (the CLI parsing itself is in `main.rs`).

pub mod analyze;
pub mod backtest;
pub mod bootstrap;
pub mod convert;
pub mod duration;
pub mod history;
pub mod measure;
pub mod pairs;
pub mod report;
pub mod run;
pub mod sim;
pub mod soak;
pub mod sweep;
pub mod valuation;
