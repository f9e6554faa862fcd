//! Server-to-client messages of the paper gateway, encoded for the session's protocol: text for
//! clients that negotiated up to 178, protobuf (wire id + 200, in `encode_proto.rs`) for 201 and
//! above.

use super::account::PositionValue;
use super::encode_account;
use super::encode_ticks;
use super::history::OwnedBar;
use super::ticks::HistTick;
use crate::exchange::{ExecRec, OrderRec, Tif};
use crate::wire::TickKind;
use crate::wire::ids::incoming as id;
use crate::wire::proto as pb;
use crate::wire::text::AccountMessage;
use crate::wire::{
    Bar, CommissionReport, ContractDataView, ContractView, EndMarker, ErrorMsg, ExecutionData,
    FrameWriter, HistoricalData, ManagedAccts, Negotiated, NextValidId, OpenOrderView, OrderStatus,
    PositionData, TickByTick, TickPrice, TickSize,
};

/// Static description of one instrument the gateway serves.
#[derive(Debug, Clone)]
pub struct ContractInfo {
    pub con_id: i32,
    pub symbol: String,
    pub long_name: String,
    /// `STK` for the universe's stocks, `BAG` for a combo's contract.
    pub sec_type: &'static str,
}

impl ContractInfo {
    pub(super) fn view(&self) -> ContractView<'_> {
        ContractView {
            con_id: self.con_id as i64,
            symbol: &self.symbol,
            sec_type: self.sec_type,
            exchange: "SMART",
            primary_exchange: if self.sec_type == "BAG" { "" } else { "ARCA" },
            currency: "USD",
            local_symbol: &self.symbol,
            trading_class: &self.symbol,
        }
    }

    pub(super) fn proto(&self) -> pb::Contract {
        pb::Contract {
            con_id: Some(self.con_id),
            symbol: Some(self.symbol.clone()),
            sec_type: Some(self.sec_type.into()),
            exchange: Some("SMART".into()),
            primary_exch: Some(self.view().primary_exchange.into()),
            currency: Some("USD".into()),
            local_symbol: Some(self.symbol.clone()),
            trading_class: Some(self.symbol.clone()),
            ..Default::default()
        }
    }
}

/// One outbound message, borrowing the gateway's state.
pub enum Out<'a> {
    TickPrice(TickPrice),
    TickSize(TickSize),
    TickByTick(TickByTick<'a>),
    TickReqParams {
        req_id: i32,
    },
    SnapshotEnd {
        req_id: i32,
    },
    Error {
        id: i32,
        code: i32,
        message: &'a str,
        time_ms: i64,
    },
    NextValidId(i32),
    ManagedAccounts(&'a str),
    CurrentTime(i64),
    ContractData {
        req_id: i32,
        contract: &'a ContractInfo,
    },
    ContractDataEnd {
        req_id: i32,
    },
    HistoricalData {
        req_id: i32,
        start: &'a str,
        end: &'a str,
        bars: &'a [OwnedBar],
    },
    OrderStatus(&'a OrderRec),
    /// An order's status with another status string than its state's (PendingCancel).
    OrderStatusAs {
        order: &'a OrderRec,
        status: &'a str,
    },
    OpenOrder {
        order: &'a OrderRec,
        contract: &'a ContractInfo,
    },
    CompletedOrder {
        order: &'a OrderRec,
        contract: &'a ContractInfo,
    },
    OpenOrderEnd,
    CompletedOrdersEnd,
    Execution {
        req_id: i32,
        exec: &'a ExecRec,
        contract: &'a ContractInfo,
    },
    Commission(&'a ExecRec),
    ExecutionEnd {
        req_id: i32,
    },
    Position {
        account: &'a str,
        contract: &'a ContractInfo,
        qty: f64,
        avg_cost: f64,
    },
    PositionEnd,
    /// Account values, summary rows, updates by model, PnL, market-data type.
    Account(AccountMessage<'a>),
    /// PORTFOLIO_VALUE of one valued position.
    Portfolio {
        contract: &'a ContractInfo,
        value: &'a PositionValue,
        account: &'a str,
    },
    /// The answer to REQ_HISTORICAL_TICKS (96, 97 or 98 by kind).
    HistoricalTicks {
        req_id: i32,
        kind: TickKind,
        ticks: &'a [HistTick],
    },
}

/// A decimal quantity as IB writes it (no trailing `.0`).
pub(super) fn decimal(x: f64) -> String {
    let mut b = ryu::Buffer::new();
    let s = b.format(x);
    s.strip_suffix(".0").unwrap_or(s).to_string()
}

impl Out<'_> {
    /// Appends the frame(s) of this message for the session's protocol.
    pub fn encode(&self, out: &mut Vec<u8>, neg: Negotiated) {
        match *self {
            Out::Account(ref m) => return encode_account::account_message(out, neg.protobuf, m),
            Out::Portfolio {
                contract,
                value,
                account,
            } => return encode_account::portfolio(out, neg.protobuf, contract, value, account),
            Out::HistoricalTicks {
                req_id,
                kind,
                ticks,
            } => {
                return encode_ticks::historical_ticks(out, neg.protobuf, req_id, kind, ticks);
            }
            _ => {}
        }
        if neg.protobuf {
            self.encode_proto(out)
        } else {
            self.encode_text(out, neg.version)
        }
    }

    fn encode_text(&self, out: &mut Vec<u8>, version: i32) {
        match *self {
            Out::TickPrice(t) => t.encode(out),
            Out::TickSize(t) => t.encode(out),
            Out::TickByTick(t) => t.encode(out),
            Out::TickReqParams { req_id } => {
                let mut w = FrameWriter::begin(out);
                w.i32(id::TICK_REQ_PARAMS)
                    .i32(req_id)
                    .f64(0.01)
                    .str("9c0001")
                    .i32(3);
                w.finish();
            }
            Out::SnapshotEnd { req_id } => EndMarker {
                msg_id: id::TICK_SNAPSHOT_END,
                req_id,
            }
            .encode(out),
            Out::Error {
                id: eid,
                code,
                message,
                time_ms,
            } => ErrorMsg {
                id: eid,
                code,
                message,
                advanced_json: "",
                time_ms,
            }
            .encode(out, version),
            Out::NextValidId(order_id) => NextValidId { order_id }.encode(out),
            Out::ManagedAccounts(accounts) => ManagedAccts { accounts }.encode(out),
            Out::CurrentTime(t) => {
                let mut w = FrameWriter::begin(out);
                w.i32(id::CURRENT_TIME).i32(1).i64(t);
                w.finish();
            }
            Out::ContractData { req_id, contract } => contract_view(req_id, contract).encode(out),
            Out::ContractDataEnd { req_id } => EndMarker {
                msg_id: id::CONTRACT_DATA_END,
                req_id,
            }
            .encode(out),
            Out::HistoricalData {
                req_id,
                start,
                end,
                bars,
            } => text_historical(out, version, req_id, start, end, bars),
            Out::OrderStatus(o) => text_order_status(out, o, o.state.as_str()),
            Out::OrderStatusAs { order, status } => text_order_status(out, order, status),
            // Text clients get completed orders through OPEN_ORDER too (REQ_COMPLETED_ORDERS is
            // a protobuf-era request here).
            Out::OpenOrder { order, contract } | Out::CompletedOrder { order, contract } => {
                text_open_order(out, order, contract)
            }
            Out::OpenOrderEnd => EndMarker {
                msg_id: id::OPEN_ORDER_END,
                req_id: -1,
            }
            .encode(out),
            Out::CompletedOrdersEnd => {
                let mut w = FrameWriter::begin(out);
                w.i32(id::COMPLETED_ORDERS_END);
                w.finish();
            }
            Out::Execution {
                req_id,
                exec,
                contract,
            } => text_execution(out, req_id, exec, contract),
            Out::Commission(e) => CommissionReport {
                exec_id: &e.exec_id,
                commission: e.commission,
                currency: "USD",
                realized_pnl: e.realized_pnl,
            }
            .encode(out),
            Out::ExecutionEnd { req_id } => EndMarker {
                msg_id: id::EXECUTION_DATA_END,
                req_id,
            }
            .encode(out),
            Out::Position {
                account,
                contract,
                qty,
                avg_cost,
            } => PositionData {
                account,
                contract: contract.view(),
                position: qty,
                avg_cost,
            }
            .encode(out),
            Out::PositionEnd => EndMarker {
                msg_id: id::POSITION_END,
                req_id: -1,
            }
            .encode(out),
            Out::Account(_) | Out::Portfolio { .. } | Out::HistoricalTicks { .. } => {}
        }
    }
}

fn text_historical(
    out: &mut Vec<u8>,
    version: i32,
    req_id: i32,
    start: &str,
    end: &str,
    bars: &[OwnedBar],
) {
    let bars: Vec<Bar<'_>> = bars
        .iter()
        .map(|b| Bar {
            date: &b.date,
            open: b.open,
            high: b.high,
            low: b.low,
            close: b.close,
            volume: b.volume,
            wap: b.wap,
            count: b.count,
        })
        .collect();
    HistoricalData::encode(out, version, req_id, start, end, &bars)
}

fn text_order_status(out: &mut Vec<u8>, o: &OrderRec, status: &str) {
    OrderStatus {
        order_id: o.order_id,
        status,
        filled: o.filled as f64,
        remaining: o.remaining() as f64,
        avg_fill_price: o.avg_price,
        perm_id: o.perm_id,
        parent_id: 0,
        last_fill_price: o.last_fill_price,
        client_id: o.client_id,
        why_held: "",
        mkt_cap_price: 0.0,
    }
    .encode(out)
}

fn text_open_order(out: &mut Vec<u8>, order: &OrderRec, contract: &ContractInfo) {
    OpenOrderView {
        order_id: order.order_id,
        contract: contract.view(),
        action: order.action(),
        total_quantity: order.total as f64,
        order_type: order.order_type(),
        lmt_price: order.limit_price(),
        tif: if order.tif == Tif::Ioc { "IOC" } else { "DAY" },
        account: &order.account,
        order_ref: &order.order_ref,
        client_id: order.client_id,
        perm_id: order.perm_id,
        status: order.state.as_str(),
    }
    .encode(out)
}

fn text_execution(out: &mut Vec<u8>, req_id: i32, exec: &ExecRec, contract: &ContractInfo) {
    ExecutionData {
        req_id,
        order_id: exec.order_id,
        contract: contract.view(),
        exec_id: &exec.exec_id,
        time: &exec.time,
        account: &exec.account,
        exchange: "ISLAND",
        side: exec.side_str(),
        shares: exec.qty as f64,
        price: exec.price,
        perm_id: exec.perm_id,
        client_id: exec.client_id,
        cum_qty: exec.cum_qty as f64,
        avg_price: exec.avg_price,
        order_ref: &exec.order_ref,
        last_liquidity: 2,
    }
    .encode(out)
}

/// The contract-details view of `c` (text and protobuf share its fields).
pub(super) fn contract_view(req_id: i32, c: &ContractInfo) -> ContractDataView<'_> {
    ContractDataView {
        req_id,
        contract: c.view(),
        market_name: &c.symbol,
        min_tick: 0.01,
        order_types: "DAY,GTC,IOC,LMT,MKT",
        valid_exchanges: "SMART,ARCA,NYSE,NASDAQ,ISLAND",
        long_name: &c.long_name,
        industry: "Synthetic",
        time_zone_id: "UTC",
        trading_hours: "",
        liquid_hours: "",
        market_rule_ids: "26,26,26,26,26",
        stock_type: "COMMON",
    }
}
