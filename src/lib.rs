//! `hft`: a pairs-trading engine for Interactive Brokers, and the TWS-compatible paper gateway it
//! is tested against.
//!
//! Rooms, leaves first (no module imports one above it):
//!
//! - [`types`], [`instruments`], [`config`], [`latency`], [`metrics`]: messages, symbol
//!   indices, parameter files, clocks and histograms, the numbers the stages publish for the
//!   operators (Prometheus endpoint, status line);
//! - [`wire`] (the TWS codec), [`calendar`] (US-equity sessions, on the codec's dates), [`stats`], [`strategy`], [`exchange`] (book, matcher, ledger,
//!   accounting), [`runtime`] (wait strategies, the stage loop);
//! - the stages in data-flow order, [`io`] -> [`normalize`] -> [`signal`] -> [`dispatch`], with
//!   [`journal`], [`record`] and [`rundir`] (every run file);
//! - [`backtest`], [`sim`] (the paper gateway), [`pipeline`] (the engine's threads), [`pairs`],
//!   [`bootstrap`], [`history`] (tick download), [`sweep`] (one backtest per parameter set on threads), [`charts`], and [`cli`].

#![deny(unsafe_op_in_unsafe_fn)]

pub mod analysis;
pub mod backtest;
pub mod bootstrap;
pub mod calendar;
pub mod charts;
pub mod cli;
pub mod config;
pub mod dispatch;
pub mod exchange;
pub mod history;
pub mod instruments;
pub mod io;
pub mod journal;
pub mod latency;
pub mod metrics;
pub mod normalize;
pub mod pairs;
pub mod pipeline;
pub mod record;
pub mod rundir;
pub mod runtime;
pub mod signal;
pub mod sim;
pub mod stats;
pub mod strategy;
pub mod sweep;
pub mod types;
pub mod wire;
