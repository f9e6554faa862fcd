//! The paper gateway (`hft sim`): a TWS-compatible server on loopback with a seeded synthetic
//! market (or a replayed quote file); orders fill against [`crate::exchange`]'s book and matcher,
//! and its ledger keeps positions and executions for the life of the gateway.

mod account;
mod account_subs;
mod combo_flow;
mod combos;
mod core;
mod encode;
mod encode_account;
mod encode_proto;
mod encode_ticks;
mod faults;
mod history;
mod market;
mod order_types;
mod orderflow;
mod orders;
mod replay;
mod report;
mod requests;
mod rng;
mod server;
mod sessions;
mod ticks;
mod universe;

pub use encode::ContractInfo;
pub use history::{
    BarQuery, HistoryCache, HistoryError, OwnedBar, Pacing, WhatToShow, parse_bar_size,
    parse_duration,
};
pub use replay::{QuoteFileError, QuoteRow, read_quote_files, read_quotes, write_synthetic};
pub use report::{ExecSnapshot, GatewayStats, LedgerSnapshot, OrderSnapshot, WireReport};
pub use rng::Rng;
pub use server::{Gateway, GatewayError, GatewayOptions};
pub use ticks::{HistTick, MAX_TICKS_PER_REQUEST, TickError, TickHistory, TickQuery};
pub use universe::{MarketEvent, TICK, Trade, Universe};
