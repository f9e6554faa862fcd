//! The paper gateway (`hft sim`): a TWS-compatible server on loopback with a seeded synthetic
//! market (or a replayed quote file), a simple book that fills orders, and accounts that keep
//! positions and executions for the life of the gateway.

mod book;
mod core;
mod encode;
mod faults;
mod history;
mod ledger;
mod replay;
mod rng;
mod server;
mod universe;

pub use self::core::{GatewayStats, LedgerSnapshot, OrderSnapshot, WireReport};
pub use crate::config::FaultParams;
pub use book::{Book, Fill, Side};
pub use encode::ContractInfo;
pub use history::{
    BarQuery, HistoryCache, HistoryError, OwnedBar, Pacing, WhatToShow, parse_bar_size,
    parse_duration,
};
pub use ledger::{ExecRec, Ledger, OrderRec, OrderState, PositionRec, Tif};
pub use replay::{QUOTE_HEADER, QuoteFileError, QuoteRow, read_quotes, write_synthetic};
pub use rng::Rng;
pub use server::{Gateway, GatewayError, GatewayOptions};
pub use universe::{BookTop, MarketEvent, TICK, Trade, Universe};
