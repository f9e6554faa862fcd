//! io's decoding of one frame body: market data into [`MdEvent`]s, order messages into
//! [`OrderEvent`]s, anything else skipped.

use crate::types::{
    Account, BAG_INSTRUMENT, EndKind, ExecId, MdEvent, MdTick, OrderEvent, OrderStatusKind,
};
use crate::wire::Fields;
use crate::wire::ids::{incoming as id, tick_type};
use crate::wire::text::{
    CommissionReport, ErrorMsg, ExecutionData, NextValidId, OpenOrderHead, OrderStatus,
    PositionData, TickByTick, TickByTickData, TickPrice, TickSize,
};

/// What a frame turned into.
pub enum Decoded {
    Md(MdEvent),
    Order(OrderEvent),
    Skip,
}

/// Decodes one frame body for the io stage: market data into an [`MdEvent`] (sequence numbers
/// from `seq`), order messages into an [`OrderEvent`]. Public for benches and tests.
///
/// # Errors
/// The codec's [`crate::wire::DecodeError`].
#[inline]
pub fn decode(
    frame: &[u8],
    version: i32,
    t_recv: u64,
    t_event: u64,
    seq: &mut u64,
    symbols: &[String],
) -> Result<Decoded, crate::wire::DecodeError> {
    let mut f = Fields::new(frame);
    let msg_id = f.i32()?;
    let md = |seq: &mut u64, req_id: i32, tick: MdTick, t_event: u64| {
        *seq += 1;
        Decoded::Md(MdEvent {
            seq: *seq,
            t_recv_ns: t_recv,
            t_enq_ns: 0,
            t_event_ns: t_event,
            req_id,
            tick,
        })
    };
    Ok(match msg_id {
        id::TICK_PRICE => {
            let t = TickPrice::decode(&mut f)?;
            let (price, size) = (t.price, t.size);
            let tick = match t.tick_type {
                tick_type::BID | 66 => MdTick::Bid { price, size },
                tick_type::ASK | 67 => MdTick::Ask { price, size },
                tick_type::LAST | 68 => MdTick::Last { price, size },
                _ => return Ok(Decoded::Skip),
            };
            md(seq, t.req_id, tick, t_event)
        }
        id::TICK_SIZE => {
            let t = TickSize::decode(&mut f)?;
            let tick = match t.tick_type {
                tick_type::BID_SIZE | 69 => MdTick::BidSize(t.size),
                tick_type::ASK_SIZE | 70 => MdTick::AskSize(t.size),
                tick_type::LAST_SIZE | 71 => MdTick::LastSize(t.size),
                tick_type::VOLUME | 74 => MdTick::Volume(t.size),
                _ => return Ok(Decoded::Skip),
            };
            md(seq, t.req_id, tick, t_event)
        }
        id::TICK_BY_TICK => {
            let t = TickByTick::decode(&mut f)?;
            let exch = (t.time.max(0) as u64).saturating_mul(1_000_000_000);
            match t.data {
                TickByTickData::BidAsk {
                    bid,
                    ask,
                    bid_size,
                    ask_size,
                    ..
                } => md(
                    seq,
                    t.req_id,
                    MdTick::BidAsk {
                        bid,
                        ask,
                        bid_size,
                        ask_size,
                    },
                    exch,
                ),
                TickByTickData::Last { price, size, .. } => {
                    md(seq, t.req_id, MdTick::Last { price, size }, exch)
                }
                TickByTickData::MidPoint { .. } => Decoded::Skip,
            }
        }
        id::ORDER_STATUS => {
            let s = OrderStatus::decode(&mut f)?;
            Decoded::Order(OrderEvent::Status {
                order_id: s.order_id,
                status: OrderStatusKind::parse(s.status),
                filled: s.filled,
                remaining: s.remaining,
                avg_fill_price: s.avg_fill_price,
                last_fill_price: s.last_fill_price,
            })
        }
        id::EXECUTION_DATA => {
            let e = ExecutionData::decode(&mut f)?;
            // A combo's BAG-level execution (units at a net) is told apart from its legs'.
            let instrument = if e.contract.sec_type == "BAG" {
                BAG_INSTRUMENT
            } else {
                instrument_of(symbols, e.contract.symbol)
            };
            Decoded::Order(OrderEvent::Execution {
                order_id: e.order_id,
                exec_id: truncated(e.exec_id),
                instrument,
                buy: e.side == "BOT",
                shares: e.shares,
                price: e.price,
                cum_qty: e.cum_qty,
            })
        }
        id::COMMISSION_REPORT => {
            let c = CommissionReport::decode(&mut f)?;
            Decoded::Order(OrderEvent::Commission {
                exec_id: truncated(c.exec_id),
                commission: c.commission,
                realized_pnl: c.realized_pnl,
            })
        }
        id::ERR_MSG => {
            let e = ErrorMsg::decode(&mut f, version)?;
            Decoded::Order(OrderEvent::Error {
                id: e.id,
                code: e.code,
            })
        }
        id::NEXT_VALID_ID => Decoded::Order(OrderEvent::NextValidId(
            NextValidId::decode(&mut f)?.order_id,
        )),
        id::OPEN_ORDER => {
            let o = OpenOrderHead::decode(&mut f)?;
            Decoded::Order(OrderEvent::OpenOrder {
                order_id: o.order_id,
                instrument: instrument_of(symbols, o.contract.symbol),
            })
        }
        id::POSITION_DATA => {
            let p = PositionData::decode(&mut f)?;
            let mut account = Account::new();
            let _ = account.try_push_str(&p.account[..p.account.len().min(account.capacity())]);
            Decoded::Order(OrderEvent::Position {
                account,
                instrument: instrument_of(symbols, p.contract.symbol),
                qty: p.position,
                avg_cost: p.avg_cost,
            })
        }
        id::EXECUTION_DATA_END => Decoded::Order(OrderEvent::End(EndKind::Executions)),
        id::OPEN_ORDER_END => Decoded::Order(OrderEvent::End(EndKind::OpenOrders)),
        id::POSITION_END => Decoded::Order(OrderEvent::End(EndKind::Positions)),
        _ => Decoded::Skip,
    })
}

fn instrument_of(symbols: &[String], symbol: &str) -> u16 {
    symbols
        .iter()
        .position(|s| s == symbol)
        .map_or(u16::MAX, |i| i as u16)
}

fn truncated(s: &str) -> ExecId {
    let mut out = ExecId::new();
    for c in s.chars() {
        if out.try_push(c).is_err() {
            break;
        }
    }
    out
}
