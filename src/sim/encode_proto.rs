//! The protobuf encoding of the gateway's messages (server versions 201 and above), one function
//! per message group: market data, session, reference data, orders, executions and positions.

use super::encode::{ContractInfo, Out, contract_view, decimal};
use super::history::OwnedBar;
use crate::exchange::{ExecRec, OrderRec, Tif};
use crate::wire::ids::incoming as id;
use crate::wire::proto::{self as pb, encode_frame};
use crate::wire::{TickByTick, TickByTickData};

impl Out<'_> {
    /// Appends this message's protobuf frame(s).
    pub(super) fn encode_proto(&self, out: &mut Vec<u8>) {
        match *self {
            // Market data.
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
            Out::TickByTick(t) => tick_by_tick(out, &t),
            Out::TickReqParams { req_id } => tick_req_params(out, req_id),
            Out::SnapshotEnd { req_id } => req_id_only(out, id::TICK_SNAPSHOT_END, req_id),
            // Session.
            Out::Error {
                id: eid,
                code,
                message,
                time_ms,
            } => error(out, eid, code, message, time_ms),
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
            // Reference data.
            Out::ContractData { req_id, contract } => contract_data(out, req_id, contract),
            Out::ContractDataEnd { req_id } => req_id_only(out, id::CONTRACT_DATA_END, req_id),
            Out::HistoricalData {
                req_id,
                start,
                end,
                bars,
            } => historical_data(out, req_id, start, end, bars),
            // Orders.
            Out::OrderStatus(o) => order_status(out, o, o.state.as_str()),
            Out::OrderStatusAs { order, status } => order_status(out, order, status),
            Out::OpenOrder { order, contract } => open_order(out, order, contract),
            Out::CompletedOrder { order, contract } => completed_order(out, order, contract),
            Out::OpenOrderEnd => encode_frame(out, id::OPEN_ORDER_END, &pb::Empty {}),
            Out::CompletedOrdersEnd => encode_frame(out, id::COMPLETED_ORDERS_END, &pb::Empty {}),
            // Executions and positions.
            Out::Execution {
                req_id,
                exec,
                contract,
            } => execution(out, req_id, exec, contract),
            Out::Commission(e) => commission(out, e),
            Out::ExecutionEnd { req_id } => req_id_only(out, id::EXECUTION_DATA_END, req_id),
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
            // Encoded by `encode_account` before either protocol is chosen.
            Out::Account(_) | Out::Portfolio { .. } | Out::HistoricalTicks { .. } => {}
        }
    }
}

fn tick_req_params(out: &mut Vec<u8>, req_id: i32) {
    encode_frame(
        out,
        id::TICK_REQ_PARAMS,
        &pb::TickReqParams {
            req_id: Some(req_id),
            min_tick: Some("0.01".into()),
            bbo_exchange: Some("9c0001".into()),
            snapshot_permissions: Some(3),
        },
    )
}

fn error(out: &mut Vec<u8>, eid: i32, code: i32, message: &str, time_ms: i64) {
    encode_frame(
        out,
        id::ERR_MSG,
        &pb::ErrorMessage {
            id: Some(eid),
            error_time: Some(time_ms),
            error_code: Some(code),
            error_msg: Some(message.to_string()),
            advanced_order_reject_json: None,
        },
    )
}

fn req_id_only(out: &mut Vec<u8>, msg_id: i32, req_id: i32) {
    encode_frame(
        out,
        msg_id,
        &pb::ReqIdOnly {
            req_id: Some(req_id),
        },
    );
}

fn tick_by_tick(out: &mut Vec<u8>, t: &TickByTick<'_>) {
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

fn contract_data(out: &mut Vec<u8>, req_id: i32, contract: &ContractInfo) {
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

fn historical_data(out: &mut Vec<u8>, req_id: i32, start: &str, end: &str, bars: &[OwnedBar]) {
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

fn order_status(out: &mut Vec<u8>, o: &OrderRec, status: &str) {
    encode_frame(
        out,
        id::ORDER_STATUS,
        &pb::OrderStatus {
            order_id: Some(o.order_id),
            status: Some(status.into()),
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
    )
}

fn open_order(out: &mut Vec<u8>, order: &OrderRec, contract: &ContractInfo) {
    encode_frame(
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
    )
}

fn completed_order(out: &mut Vec<u8>, order: &OrderRec, contract: &ContractInfo) {
    encode_frame(
        out,
        id::COMPLETED_ORDER,
        &pb::CompletedOrder {
            contract: Some(contract.proto()),
            order: Some(proto_order(order)),
            order_state: Some(pb::OrderState {
                status: Some(order.state.as_str().into()),
            }),
        },
    )
}

fn execution(out: &mut Vec<u8>, req_id: i32, exec: &ExecRec, contract: &ContractInfo) {
    encode_frame(
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
    )
}

fn commission(out: &mut Vec<u8>, e: &ExecRec) {
    encode_frame(
        out,
        id::COMMISSION_REPORT,
        &pb::CommissionAndFeesReport {
            exec_id: Some(e.exec_id.clone()),
            commission_and_fees: Some(e.commission),
            currency: Some("USD".into()),
            realized_pnl: Some(e.realized_pnl),
        },
    )
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
        tif: Some(if o.tif == Tif::Ioc { "IOC" } else { "DAY" }.into()),
        account: Some(o.account.clone()),
        order_ref: Some(o.order_ref.clone()),
        transmit: Some(true),
        filled_quantity: Some(o.filled.to_string()),
    }
}
