//! `hft`: a pairs-trading engine for Interactive Brokers, and the TWS-compatible paper gateway it
//! is tested against.
//!
//! Rooms, in data-flow order: [`wire`] (the TWS codec), [`io`] (the engine's TWS connection),
//! [`sim`] (the paper gateway), and [`config`] (parameter files).

#![deny(unsafe_op_in_unsafe_fn)]

pub mod backtest;
pub mod bootstrap;
pub mod charts;
pub mod cli;
pub mod config;
pub mod dispatch;
pub mod exchange;
pub mod instruments;
pub mod io;
pub mod journal;
pub mod latency;
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
pub mod types;
pub mod wire;
