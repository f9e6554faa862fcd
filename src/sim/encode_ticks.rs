//! The answers to REQ_HISTORICAL_TICKS in both encodings, one message per request with `done`
//! set. Text layouts (no version field):
//!
//! - HISTORICAL_TICKS (96, MIDPOINT): `reqId | n | n x (time | unused 0 | price | size) | done`
//! - HISTORICAL_TICKS_BID_ASK (97): `reqId | n | n x (time | mask | bid | ask | bidSize |
//!   askSize) | done`, mask bit 0 askPastHigh, bit 1 bidPastLow (always 0 here)
//! - HISTORICAL_TICKS_LAST (98, TRADES): `reqId | n | n x (time | mask | price | size | exchange
//!   | specialConditions) | done`
//!
//! Protobuf: `HistoricalTicks`, `HistoricalTicksBidAsk`, `HistoricalTicksLast` with the same
//! content (`isDone` true), as the `ibapi` crate decodes them.

use super::encode::decimal;
use super::ticks::HistTick;
use super::universe::TICK;
use crate::wire::ids::incoming as id;
use crate::wire::proto::{self as pb, encode_frame};
use crate::wire::{FrameWriter, TickKind};

/// The exchange reported on historical trades.
const TRADE_EXCHANGE: &str = "ISLAND";

fn dollars(cents: i64) -> f64 {
    cents as f64 * TICK
}

/// Trade price and size of a tick that is a trade (the side it hit).
fn trade(t: &HistTick) -> (f64, u32) {
    match t.trade_at_ask {
        Some(true) => (dollars(t.ask), t.ask_size),
        _ => (dollars(t.bid), t.bid_size),
    }
}

/// Appends the answer to a historical-ticks request of `kind` (the ticks already filtered).
pub(super) fn historical_ticks(
    out: &mut Vec<u8>,
    protobuf: bool,
    req_id: i32,
    kind: TickKind,
    ticks: &[HistTick],
) {
    if protobuf {
        return proto(out, req_id, kind, ticks);
    }
    let mut w = FrameWriter::begin(out);
    let msg_id = match kind {
        TickKind::Midpoint => id::HISTORICAL_TICKS,
        TickKind::BidAsk => id::HISTORICAL_TICKS_BID_ASK,
        TickKind::Trades => id::HISTORICAL_TICKS_LAST,
    };
    w.i32(msg_id).i32(req_id).i32(ticks.len() as i32);
    for t in ticks {
        w.i64(t.time);
        match kind {
            TickKind::Midpoint => {
                w.i32(0).f64(t.mid()).str("0");
            }
            TickKind::BidAsk => {
                w.i32(0).f64(dollars(t.bid)).f64(dollars(t.ask));
                w.str(&decimal(f64::from(t.bid_size)))
                    .str(&decimal(f64::from(t.ask_size)));
            }
            TickKind::Trades => {
                let (price, size) = trade(t);
                w.i32(0).f64(price).str(&decimal(f64::from(size)));
                w.str(TRADE_EXCHANGE).str("");
            }
        }
    }
    w.bool(true);
    w.finish();
}

fn proto(out: &mut Vec<u8>, req_id: i32, kind: TickKind, ticks: &[HistTick]) {
    let req_id = Some(req_id);
    let is_done = Some(true);
    match kind {
        TickKind::Midpoint => encode_frame(
            out,
            id::HISTORICAL_TICKS,
            &pb::HistoricalTicks {
                req_id,
                historical_ticks: ticks
                    .iter()
                    .map(|t| pb::HistoricalTick {
                        time: Some(t.time),
                        price: Some(t.mid()),
                        size: Some("0".into()),
                    })
                    .collect(),
                is_done,
            },
        ),
        TickKind::BidAsk => encode_frame(
            out,
            id::HISTORICAL_TICKS_BID_ASK,
            &pb::HistoricalTicksBidAsk {
                req_id,
                historical_ticks_bid_ask: ticks
                    .iter()
                    .map(|t| pb::HistoricalTickBidAsk {
                        time: Some(t.time),
                        tick_attrib_bid_ask: Some(pb::TickAttribBidAsk {
                            bid_past_low: Some(false),
                            ask_past_high: Some(false),
                        }),
                        price_bid: Some(dollars(t.bid)),
                        price_ask: Some(dollars(t.ask)),
                        size_bid: Some(decimal(f64::from(t.bid_size))),
                        size_ask: Some(decimal(f64::from(t.ask_size))),
                    })
                    .collect(),
                is_done,
            },
        ),
        TickKind::Trades => encode_frame(
            out,
            id::HISTORICAL_TICKS_LAST,
            &pb::HistoricalTicksLast {
                req_id,
                historical_ticks_last: ticks
                    .iter()
                    .map(|t| {
                        let (price, size) = trade(t);
                        pb::HistoricalTickLast {
                            time: Some(t.time),
                            tick_attrib_last: Some(pb::TickAttribLast {
                                past_limit: Some(false),
                                unreported: Some(false),
                            }),
                            price: Some(price),
                            size: Some(decimal(f64::from(size))),
                            exchange: Some(TRADE_EXCHANGE.into()),
                            special_conditions: Some(String::new()),
                        }
                    })
                    .collect(),
                is_done,
            },
        ),
    }
}
