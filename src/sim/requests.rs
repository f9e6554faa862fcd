//! Requests the gateway answers from what it knows, without changing the market or the orders:
//! contract details, historical bars (paced like IB), executions, positions, open and completed
//! orders. Each answer is written to the asking session.

use super::combos::GatewayCombo;
use super::encode::{ContractInfo, Out};
use super::history::{BarQuery, HistoryCache, HistoryError, parse_end_date};
use super::sessions::Session;
use super::ticks::{TickHistory, TickQuery};
use super::universe::Universe;
use crate::config::SimParams;
use crate::exchange::{Ledger, Side};
use crate::wire::ids::codes;
use crate::wire::{ContractSpec, ExecutionFilter, HistoricalRequest, HistoricalTicksRequest};
use std::time::Instant;

/// The symbol a request's contract names: a US stock, by contract id or by symbol.
pub(super) fn resolve(contracts: &[ContractInfo], c: &ContractSpec<'_>) -> Option<usize> {
    if !c.sec_type.is_empty() && c.sec_type != "STK" {
        return None;
    }
    if !c.currency.is_empty() && c.currency != "USD" {
        return None;
    }
    if c.con_id != 0 {
        return contracts.iter().position(|k| k.con_id as i64 == c.con_id);
    }
    contracts.iter().position(|k| k.symbol == c.symbol)
}

/// The error IB sends for a contract it does not know.
pub(super) fn no_security_definition(s: &mut Session, req_id: i32) {
    s.error(
        req_id,
        codes::NO_SECURITY_DEFINITION,
        "No security definition has been found for the request",
    );
}

/// REQ_CONTRACT_DATA.
pub(super) fn contract_data(
    s: &mut Session,
    contracts: &[ContractInfo],
    req_id: i32,
    c: &ContractSpec<'_>,
) {
    match resolve(contracts, c) {
        Some(sym) => {
            s.send(Out::ContractData {
                req_id,
                contract: &contracts[sym],
            });
            s.send(Out::ContractDataEnd { req_id });
        }
        None => no_security_definition(s, req_id),
    }
}

/// Historical bars and ticks, drawn backwards from the universe as the live feed started (so
/// they do not depend on when they are requested), cached per query.
pub(super) struct History {
    cache: HistoryCache,
    ticks: TickHistory,
    universe_at_start: Universe,
    /// Unix seconds of the live start.
    start_unix: i64,
    /// REQ_HISTORICAL_TICKS received over the gateway's life (for `faults.drop_on_tick_request`).
    tick_requests: u64,
}

impl History {
    pub(super) fn new(universe_at_start: Universe, params: &SimParams, start_unix: i64) -> Self {
        History {
            cache: HistoryCache::default(),
            ticks: TickHistory::from_universe(universe_at_start.clone(), params, start_unix),
            universe_at_start,
            start_unix,
            tick_requests: 0,
        }
    }

    /// Counts a REQ_HISTORICAL_TICKS; true when it is the `drop_on` th (0 = never), whose
    /// connection the fault closes instead of answering.
    pub(super) fn tick_request_drops(&mut self, drop_on: u64) -> bool {
        self.tick_requests += 1;
        drop_on != 0 && self.tick_requests == drop_on
    }

    /// REQ_HISTORICAL_TICKS: the ticks in one message, or the error IB sends (321 validation,
    /// 162 pacing or no data).
    pub(super) fn ticks(
        &mut self,
        s: &mut Session,
        contracts: &[ContractInfo],
        h: &HistoricalTicksRequest<'_>,
    ) {
        let Some(sym) = resolve(contracts, &h.contract) else {
            return no_security_definition(s, h.req_id);
        };
        let query = TickQuery::new(
            sym,
            h.start_date_time,
            h.end_date_time,
            h.number_of_ticks,
            h.what_to_show,
            h.use_rth,
        );
        let query = match query {
            Ok(q) => q,
            Err(e) => return s.error(h.req_id, codes::ERROR_VALIDATING_REQUEST, e.message()),
        };
        let symbol = &contracts[sym].symbol;
        let contract_key = format!("{symbol}|{}", h.what_to_show);
        let key = format!(
            "{contract_key}|{}|{}|{}|{}",
            h.start_date_time, h.end_date_time, h.number_of_ticks, h.use_rth
        );
        let weight = query.kind.pacing_weight() as usize;
        if let Err(msg) = s.pacing.admit(Instant::now(), &contract_key, &key, weight) {
            return s.error(h.req_id, codes::HISTORICAL_PACING, msg);
        }
        match self.ticks.answer(&query) {
            Ok(ticks) => s.send(Out::HistoricalTicks {
                req_id: h.req_id,
                kind: query.kind,
                ticks: &ticks,
            }),
            Err(e) => s.error(h.req_id, codes::HISTORICAL_PACING, e.message()),
        }
    }

    /// REQ_HISTORICAL_DATA: the bars, or the error IB sends (validation, pacing).
    pub(super) fn request(
        &mut self,
        s: &mut Session,
        contracts: &[ContractInfo],
        h: &HistoricalRequest<'_>,
    ) {
        let Some(sym) = resolve(contracts, &h.contract) else {
            return no_security_definition(s, h.req_id);
        };
        if h.keep_up_to_date {
            return s.error(
                h.req_id,
                codes::ERROR_VALIDATING_REQUEST,
                "keepUpToDate is not supported by the paper gateway",
            );
        }
        let query = BarQuery::new(
            sym,
            h.duration,
            h.bar_size,
            h.end_date_time,
            h.what_to_show,
            h.format_date,
            self.start_unix,
        );
        let query = match query {
            Ok(q) => q,
            Err(e) => {
                let code = if e == HistoryError::TooManyBars {
                    codes::HISTORICAL_PACING
                } else {
                    codes::ERROR_VALIDATING_REQUEST
                };
                return s.error(h.req_id, code, e.message());
            }
        };
        let symbol = &contracts[sym].symbol;
        let key = format!(
            "{}|{}|{}|{}|{}",
            symbol, h.end_date_time, h.duration, h.bar_size, h.what_to_show
        );
        if let Err(msg) = s.pacing.admit(Instant::now(), symbol, &key, 1) {
            return s.error(h.req_id, codes::HISTORICAL_PACING, msg);
        }
        let (bars, start, end) = self
            .cache
            .bars(&self.universe_at_start, &query, self.start_unix);
        s.send(Out::HistoricalData {
            req_id: h.req_id,
            start: &start,
            end: &end,
            bars: &bars,
        });
    }
}

/// REQ_EXECUTIONS: every execution that passes the filter, each with its commission; with
/// `bags` (`[orderflow]` `bag_executions_in_replay`), each combo's BAG-level executions too,
/// right after the leg execution that completed their units (no commission: IB reports
/// commissions for legs only).
pub(super) fn executions(
    s: &mut Session,
    (ledger, bags): (&Ledger, Option<&[GatewayCombo]>),
    contracts: &[ContractInfo],
    req_id: i32,
    f: &ExecutionFilter<'_>,
) {
    let since = parse_end_date(f.time).flatten();
    let bag_execs = super::combo_flow::bag_replay(bags.unwrap_or_default());
    for (index, e) in ledger.executions.iter().enumerate() {
        let side_ok = match f.side {
            "" => true,
            "BUY" | "BOT" => e.side == Side::Buy,
            "SELL" | "SLD" => e.side == Side::Sell,
            _ => false,
        };
        let ok = (f.client_id == 0 || e.client_id == f.client_id)
            && (f.account.is_empty() || e.account == f.account)
            && (f.symbol.is_empty() || contracts[e.symbol].symbol == f.symbol)
            && side_ok
            && since.is_none_or(|t| e.unix_secs >= t);
        if ok {
            s.send(Out::Execution {
                req_id,
                exec: e,
                contract: &contracts[e.symbol],
            });
            s.send(Out::Commission(e));
            for &(bag, contract) in bag_execs.get(&index).into_iter().flatten() {
                s.send(Out::Execution {
                    req_id,
                    exec: bag,
                    contract,
                });
            }
        }
    }
    s.send(Out::ExecutionEnd { req_id });
}

/// REQ_POSITIONS: every position, then updates as fills change them.
pub(super) fn positions(s: &mut Session, ledger: &Ledger, contracts: &[ContractInfo]) {
    s.positions_subscribed = true;
    for ((account, sym), p) in &ledger.positions {
        s.send(Out::Position {
            account,
            contract: &contracts[*sym],
            qty: p.qty,
            avg_cost: p.avg_cost,
        });
    }
    s.send(Out::PositionEnd);
}

/// REQ_OPEN_ORDERS (the client's own, `client_id`) or REQ_ALL_OPEN_ORDERS (`None`): the orders
/// in `working` and the working combos (with their BAG contract), each as open order and
/// status.
pub(super) fn open_orders(
    s: &mut Session,
    (ledger, combos): (&Ledger, &[GatewayCombo]),
    contracts: &[ContractInfo],
    working: &[usize],
    client_id: Option<i32>,
) {
    let orders = working
        .iter()
        .map(|&i| (&ledger.orders[i], &contracts[ledger.orders[i].symbol]));
    let bags = combos
        .iter()
        .filter(|c| c.combo.is_working())
        .map(|c| (&c.bag, &c.contract));
    for (o, contract) in orders
        .chain(bags)
        .filter(|(o, _)| client_id.is_none_or(|c| o.client_id == c))
    {
        s.send(Out::OpenOrder { order: o, contract });
        s.send(Out::OrderStatus(o));
    }
    s.send(Out::OpenOrderEnd);
}

/// REQ_COMPLETED_ORDERS: every order that no longer works.
pub(super) fn completed_orders(s: &mut Session, ledger: &Ledger, contracts: &[ContractInfo]) {
    for o in ledger.orders.iter().filter(|o| !o.state.is_working()) {
        s.send(Out::CompletedOrder {
            order: o,
            contract: &contracts[o.symbol],
        });
    }
    s.send(Out::CompletedOrdersEnd);
}
