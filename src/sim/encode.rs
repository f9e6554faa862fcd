//! Server-to-client messages of the paper gateway, encoded for the session's protocol: text for
//! clients that negotiated up to 178, protobuf (wire id + 200) for 201 and above.

use super::history::OwnedBar;
use crate::exchange::{ExecRec, OrderRec};
use crate::wire::ids::incoming as id;
use crate::wire::proto::{self as pb, encode_frame};
use crate::wire::text::{
    Bar, CommissionReport, ContractDataView, ContractView, EndMarker, ErrorMsg, ExecutionData,
    HistoricalData, ManagedAccts, NextValidId, OpenOrderView, OrderStatus, PositionData,
    TickByTick, TickByTickData, TickPrice, TickSize,
};
use crate::wire::{FrameWriter, Negotiated};

/// Static description of one instrument the gateway serves.
#[derive(Debug, Clone)]
pub struct ContractInfo {
    pub con_id: i32,
    pub symbol: String,
    pub long_name: String,
}

impl ContractInfo {
    fn view(&self) -> ContractView<'_> {
        ContractView {
            con_id: self.con_id as i64,
            symbol: &self.symbol,
            sec_type: "STK",
            exchange: "SMART",
            primary_exchange: "ARCA",
            currency: "USD",
            local_symbol: &self.symbol,
            trading_class: &self.symbol,
        }
    }

    fn proto(&self) -> pb::Contract {
        pb::Contract {
            con_id: Some(self.con_id),
            symbol: Some(self.symbol.clone()),
            sec_type: Some("STK".into()),
            exchange: Some("SMART".into()),
            primary_exch: Some("ARCA".into()),
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
}

fn decimal(x: f64) -> String {
    let mut b = ryu::Buffer::new();
    let s = b.format(x);
    s.strip_suffix(".0").unwrap_or(s).to_string()
}

impl Out<'_> {
    /// Appends the frame(s) of this message for the session's protocol.
    pub fn encode(&self, out: &mut Vec<u8>, neg: Negotiated) {
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
            } => {
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
            Out::OrderStatus(o) => OrderStatus {
                order_id: o.order_id,
                status: o.state.as_str(),
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
            .encode(out),
            // Text clients get completed orders through OPEN_ORDER too (REQ_COMPLETED_ORDERS is
            // a protobuf-era request here).
            Out::OpenOrder { order, contract } | Out::CompletedOrder { order, contract } => {
                OpenOrderView {
                    order_id: order.order_id,
                    contract: contract.view(),
                    action: order.action(),
                    total_quantity: order.total as f64,
                    order_type: order.order_type(),
                    lmt_price: order.limit_price(),
                    tif: if order.tif == crate::exchange::Tif::Ioc {
                        "IOC"
                    } else {
                        "DAY"
                    },
                    account: &order.account,
                    order_ref: &order.order_ref,
                    client_id: order.client_id,
                    perm_id: order.perm_id,
                    status: order.state.as_str(),
                }
                .encode(out)
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
            } => ExecutionData {
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
            .encode(out),
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
        }
    }

    fn encode_proto(&self, out: &mut Vec<u8>) {
        match *self {
            Out::TickPrice(t) => encode_frame(
                out,
                id::TICK_PRICE,
                &pb::TickPrice {
                    req_id: Some(t.req_id),
                    tick_type: Some(t.tick_type),
                    price: Some(t.price),
                    size: Some(decimal(t.size)),
                    attr_mask: Some(t.attr_mask),
                },
            ),
            Out::TickSize(t) => encode_frame(
                out,
                id::TICK_SIZE,
                &pb::TickSize {
                    req_id: Some(t.req_id),
                    tick_type: Some(t.tick_type),
                    size: Some(decimal(t.size)),
                },
            ),
            Out::TickByTick(t) => {
                let (tick_type, tick) = match t.data {
                    TickByTickData::Last {
                        all_last,
                        price,
                        size,
                        exchange,
                        special,
                        ..
                    } => (
                        if all_last { 2 } else { 1 },
                        pb::Tick::Last(pb::HistoricalTickLast {
                            time: Some(t.time),
                            tick_attrib_last: Some(pb::TickAttribLast {
                                past_limit: Some(false),
                                unreported: Some(false),
                            }),
                            price: Some(price),
                            size: Some(decimal(size)),
                            exchange: Some(exchange.to_string()),
                            special_conditions: Some(special.to_string()),
                        }),
                    ),
                    TickByTickData::BidAsk {
                        bid,
                        ask,
                        bid_size,
                        ask_size,
                        ..
                    } => (
                        3,
                        pb::Tick::BidAsk(pb::HistoricalTickBidAsk {
                            time: Some(t.time),
                            tick_attrib_bid_ask: Some(pb::TickAttribBidAsk {
                                bid_past_low: Some(false),
                                ask_past_high: Some(false),
                            }),
                            price_bid: Some(bid),
                            price_ask: Some(ask),
                            size_bid: Some(decimal(bid_size)),
                            size_ask: Some(decimal(ask_size)),
                        }),
                    ),
                    TickByTickData::MidPoint { mid } => (
                        4,
                        pb::Tick::MidPoint(pb::HistoricalTick {
                            time: Some(t.time),
                            price: Some(mid),
                            size: Some("0".into()),
                        }),
                    ),
                };
                encode_frame(
                    out,
                    id::TICK_BY_TICK,
                    &pb::TickByTickData {
                        req_id: Some(t.req_id),
                        tick_type: Some(tick_type),
                        tick: Some(tick),
                    },
                )
            }
            Out::TickReqParams { req_id } => encode_frame(
                out,
                id::TICK_REQ_PARAMS,
                &pb::TickReqParams {
                    req_id: Some(req_id),
                    min_tick: Some("0.01".into()),
                    bbo_exchange: Some("9c0001".into()),
                    snapshot_permissions: Some(3),
                },
            ),
            Out::SnapshotEnd { req_id } => encode_frame(
                out,
                id::TICK_SNAPSHOT_END,
                &pb::ReqIdOnly {
                    req_id: Some(req_id),
                },
            ),
            Out::Error {
                id: eid,
                code,
                message,
                time_ms,
            } => encode_frame(
                out,
                id::ERR_MSG,
                &pb::ErrorMessage {
                    id: Some(eid),
                    error_time: Some(time_ms),
                    error_code: Some(code),
                    error_msg: Some(message.to_string()),
                    advanced_order_reject_json: None,
                },
            ),
            Out::NextValidId(order_id) => encode_frame(
                out,
                id::NEXT_VALID_ID,
                &pb::NextValidId {
                    order_id: Some(order_id),
                },
            ),
            Out::ManagedAccounts(a) => encode_frame(
                out,
                id::MANAGED_ACCTS,
                &pb::ManagedAccounts {
                    accounts_list: Some(a.to_string()),
                },
            ),
            Out::CurrentTime(t) => encode_frame(
                out,
                id::CURRENT_TIME,
                &pb::CurrentTime {
                    current_time: Some(t),
                },
            ),
            Out::ContractData { req_id, contract } => {
                let v = contract_view(req_id, contract);
                encode_frame(
                    out,
                    id::CONTRACT_DATA,
                    &pb::ContractData {
                        req_id: Some(req_id),
                        contract: Some(contract.proto()),
                        contract_details: Some(pb::ContractDetails {
                            market_name: Some(v.market_name.into()),
                            min_tick: Some("0.01".into()),
                            order_types: Some(v.order_types.into()),
                            valid_exchanges: Some(v.valid_exchanges.into()),
                            price_magnifier: Some(1),
                            long_name: Some(v.long_name.into()),
                            industry: Some(v.industry.into()),
                            time_zone_id: Some(v.time_zone_id.into()),
                            trading_hours: Some(v.trading_hours.into()),
                            liquid_hours: Some(v.liquid_hours.into()),
                            agg_group: Some(1),
                            market_rule_ids: Some(v.market_rule_ids.into()),
                            stock_type: Some(v.stock_type.into()),
                            min_size: Some("1".into()),
                            size_increment: Some("1".into()),
                            suggested_size_increment: Some("100".into()),
                        }),
                    },
                )
            }
            Out::ContractDataEnd { req_id } => encode_frame(
                out,
                id::CONTRACT_DATA_END,
                &pb::ReqIdOnly {
                    req_id: Some(req_id),
                },
            ),
            Out::HistoricalData {
                req_id,
                start,
                end,
                bars,
            } => {
                let bars = bars
                    .iter()
                    .map(|b| pb::HistoricalDataBar {
                        date: Some(b.date.clone()),
                        open: Some(b.open),
                        high: Some(b.high),
                        low: Some(b.low),
                        close: Some(b.close),
                        volume: Some(decimal(b.volume)),
                        wap: Some(decimal(b.wap)),
                        bar_count: Some(b.count),
                    })
                    .collect();
                encode_frame(
                    out,
                    id::HISTORICAL_DATA,
                    &pb::HistoricalData {
                        req_id: Some(req_id),
                        historical_data_bars: bars,
                    },
                );
                encode_frame(
                    out,
                    id::HISTORICAL_DATA_END,
                    &pb::HistoricalDataEnd {
                        req_id: Some(req_id),
                        start_date_str: Some(start.to_string()),
                        end_date_str: Some(end.to_string()),
                    },
                );
            }
            Out::OrderStatus(o) => encode_frame(
                out,
                id::ORDER_STATUS,
                &pb::OrderStatus {
                    order_id: Some(o.order_id),
                    status: Some(o.state.as_str().into()),
                    filled: Some(o.filled.to_string()),
                    remaining: Some(o.remaining().to_string()),
                    avg_fill_price: Some(o.avg_price),
                    perm_id: Some(o.perm_id),
                    parent_id: Some(0),
                    last_fill_price: Some(o.last_fill_price),
                    client_id: Some(o.client_id),
                    why_held: Some(String::new()),
                    mkt_cap_price: Some(0.0),
                },
            ),
            Out::OpenOrder { order, contract } => encode_frame(
                out,
                id::OPEN_ORDER,
                &pb::OpenOrder {
                    order_id: Some(order.order_id),
                    contract: Some(contract.proto()),
                    order: Some(proto_order(order)),
                    order_state: Some(pb::OrderState {
                        status: Some(order.state.as_str().into()),
                    }),
                },
            ),
            Out::CompletedOrder { order, contract } => encode_frame(
                out,
                id::COMPLETED_ORDER,
                &pb::CompletedOrder {
                    contract: Some(contract.proto()),
                    order: Some(proto_order(order)),
                    order_state: Some(pb::OrderState {
                        status: Some(order.state.as_str().into()),
                    }),
                },
            ),
            Out::OpenOrderEnd => encode_frame(out, id::OPEN_ORDER_END, &pb::Empty {}),
            Out::CompletedOrdersEnd => encode_frame(out, id::COMPLETED_ORDERS_END, &pb::Empty {}),
            Out::Execution {
                req_id,
                exec,
                contract,
            } => encode_frame(
                out,
                id::EXECUTION_DATA,
                &pb::ExecutionDetails {
                    req_id: Some(req_id),
                    contract: Some(contract.proto()),
                    execution: Some(pb::Execution {
                        order_id: Some(exec.order_id),
                        exec_id: Some(exec.exec_id.clone()),
                        time: Some(exec.time.clone()),
                        acct_number: Some(exec.account.clone()),
                        exchange: Some("ISLAND".into()),
                        side: Some(exec.side_str().into()),
                        shares: Some(exec.qty.to_string()),
                        price: Some(exec.price),
                        perm_id: Some(exec.perm_id),
                        client_id: Some(exec.client_id),
                        is_liquidation: Some(false),
                        cum_qty: Some(exec.cum_qty.to_string()),
                        avg_price: Some(exec.avg_price),
                        order_ref: Some(exec.order_ref.clone()),
                        last_liquidity: Some(2),
                    }),
                },
            ),
            Out::Commission(e) => encode_frame(
                out,
                id::COMMISSION_REPORT,
                &pb::CommissionAndFeesReport {
                    exec_id: Some(e.exec_id.clone()),
                    commission_and_fees: Some(e.commission),
                    currency: Some("USD".into()),
                    realized_pnl: Some(e.realized_pnl),
                },
            ),
            Out::ExecutionEnd { req_id } => encode_frame(
                out,
                id::EXECUTION_DATA_END,
                &pb::ReqIdOnly {
                    req_id: Some(req_id),
                },
            ),
            Out::Position {
                account,
                contract,
                qty,
                avg_cost,
            } => encode_frame(
                out,
                id::POSITION_DATA,
                &pb::Position {
                    account: Some(account.to_string()),
                    contract: Some(contract.proto()),
                    position: Some(decimal(qty)),
                    avg_cost: Some(avg_cost),
                },
            ),
            Out::PositionEnd => encode_frame(out, id::POSITION_END, &pb::Empty {}),
        }
    }
}

fn proto_order(o: &OrderRec) -> pb::Order {
    pb::Order {
        client_id: Some(o.client_id),
        order_id: Some(o.order_id),
        perm_id: Some(o.perm_id),
        parent_id: Some(0),
        action: Some(o.action().into()),
        total_quantity: Some(o.total.to_string()),
        order_type: Some(o.order_type().into()),
        lmt_price: o.limit.map(|c| c as f64 / 100.0),
        aux_price: None,
        tif: Some(
            if o.tif == crate::exchange::Tif::Ioc {
                "IOC"
            } else {
                "DAY"
            }
            .into(),
        ),
        account: Some(o.account.clone()),
        order_ref: Some(o.order_ref.clone()),
        transmit: Some(true),
        filled_quantity: Some(o.filled.to_string()),
    }
}

fn contract_view(req_id: i32, c: &ContractInfo) -> ContractDataView<'_> {
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
