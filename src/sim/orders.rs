//! Orders at the gateway: IB's acceptance rules (order ids, quantities, types, time in force,
//! account), modification by re-sending a working id, cancels, and the reports IB sends for each
//! step (open order, status, execution, commission, position). Fills come from the shared
//! [`crate::exchange::Matcher`]; this file only answers what it did.

use super::GatewayStats;
use super::encode::{ContractInfo, Out};
use super::order_types::peg_of;
use super::orderflow::{Orderflow, PositionKey};
use super::requests::resolve;
use super::sessions::{Session, Sessions, now_ms};
use super::universe::Trade;
use crate::config::FaultParams;
use crate::config::GatewayParams;
use crate::config::OrderMoment;
use crate::exchange::{
    Book, FillFaults, Ledger, MatchEvent, Matcher, OrderRec, OrderState, PegContext, Pegs, Side,
    Tif,
};
use crate::wire::ids::codes;
use crate::wire::{OrderExtras, OrderRequest};
use std::collections::HashMap;

/// What order handling reads and writes beyond its own state.
pub(super) struct Venue<'a> {
    pub(super) sessions: &'a mut Sessions,
    pub(super) contracts: &'a [ContractInfo],
    pub(super) books: &'a mut [Book],
    pub(super) stats: &'a GatewayStats,
    /// The orderflow switches (`[orderflow]`).
    pub(super) flow: &'a mut Orderflow,
}

impl Venue<'_> {
    /// Drops `conn` now, at a moment of an order's life (`[orderflow]`): what it was sent so far
    /// still goes out, nothing after.
    fn drop_conn(&mut self, conn: u64, moment: OrderMoment) {
        tracing::warn!(conn, ?moment, "orderflow: dropping the connection");
        GatewayStats::bump(&self.stats.orderflow_disconnects);
        drop_conn(self.sessions, self.flow, conn);
    }
}

pub(super) fn drop_conn(sessions: &mut Sessions, flow: &mut Orderflow, conn: u64) {
    sessions.close(conn);
    flow.dropped.push(conn);
}

/// Every order and execution of the gateway's life, and the working orders.
pub(super) struct Orders {
    pub(super) ledger: Ledger,
    /// Working orders and the fill loop (with the fill faults).
    pub(super) matcher: Matcher,
    /// The highest order id each client id has used: a new order must use a higher one.
    max_order_ids: HashMap<i32, i32>,
    /// The lowest id the gateway hands out.
    next_valid_id: i32,
    /// The one account the gateway keeps.
    pub(super) account: String,
    /// The pegged orders (MIDPRICE, PEG MID, Adaptive), re-priced per quote.
    pegs: Pegs,
    /// BAG (combo) orders (`combos.rs`); their legs' child orders are in the ledger.
    pub(super) combos: Vec<super::combos::GatewayCombo>,
}

impl Orders {
    pub(super) fn new(p: &GatewayParams, faults: &FaultParams, exec_prefix: u32) -> Self {
        Orders {
            ledger: Ledger::new(p.commission_per_share, p.commission_min, exec_prefix),
            matcher: Matcher::new(fill_faults(faults)),
            max_order_ids: HashMap::new(),
            next_valid_id: p.next_valid_id,
            account: p.account.clone(),
            pegs: Pegs::default(),
            combos: Vec::new(),
        }
    }

    /// The next valid id for `client_id` (past every id it used).
    pub(super) fn next_id_for(&self, client_id: i32) -> i32 {
        self.max_order_ids
            .get(&client_id)
            .map_or(self.next_valid_id, |m| (m + 1).max(self.next_valid_id))
    }

    /// PLACE_ORDER from `client_id` on `conn`; `feed_unix` is the market's time, the earliest
    /// time an arrival fill is stamped with.
    pub(super) fn place(
        &mut self,
        v: &mut Venue<'_>,
        conn: u64,
        client_id: i32,
        (o, x): (&OrderRequest<'_>, &OrderExtras<'_>),
        feed_unix: i64,
    ) {
        let order_id = o.order_id;
        let time = feed_unix.max(now_ms() / 1000);
        if o.contract.sec_type == "BAG" {
            GatewayStats::bump(&v.stats.bag_orders_received);
        }
        // A new order with a working id is a modification (IB semantics); a combo's legs share
        // its id, so combos are looked up first.
        if let Some(k) = self.combo_of(client_id, order_id) {
            if self.combos[k].combo.is_working() {
                self.modify_combo(v, conn, k, o, time);
            } else {
                let dup = codes::DUPLICATE_ORDER_ID;
                v.sessions.error(conn, order_id, dup, "Duplicate order id");
            }
            return;
        }
        if let Some(i) = self.ledger.find(client_id, order_id) {
            if self.ledger.orders[i].state.is_working() {
                self.modify(v, conn, i, o);
            } else {
                let dup = codes::DUPLICATE_ORDER_ID;
                v.sessions.error(conn, order_id, dup, "Duplicate order id");
            }
            return;
        }
        let max_used = self.max_order_ids.get(&client_id).copied().unwrap_or(0);
        if order_id <= 0 || order_id <= max_used {
            let dup = codes::DUPLICATE_ORDER_ID;
            v.sessions.error(conn, order_id, dup, "Duplicate order id");
            return;
        }
        self.max_order_ids.insert(client_id, order_id);
        if o.contract.sec_type == "BAG" {
            match super::combos::check(v.contracts, o, x) {
                Err((code, msg)) => v.sessions.error(conn, order_id, code, msg),
                Ok(_) if flow_rejects(v, conn, order_id, true) => {}
                Ok(legs) => self.place_combo(v, client_id, (o, &legs), time),
            }
            return;
        }
        let Some(sym) = resolve(v.contracts, &o.contract) else {
            v.sessions.error(
                conn,
                order_id,
                codes::NO_SECURITY_DEFINITION,
                "No security definition has been found for the request",
            );
            return;
        };
        let checked = self
            .validate(o)
            .and_then(|c| Ok((c, peg_of(o, x, feed_unix)?)));
        let ((side, qty, mut limit, tif), peg) = match checked {
            Ok(checked) => checked,
            Err(reason) => return reject(v.sessions, conn, order_id, reason),
        };
        if let Some(peg) = peg {
            let top = v.books[sym].top();
            limit = Some(peg.price(side, top, feed_unix).unwrap_or(1).max(1));
        }
        if flow_rejects(v, conn, order_id, false) {
            return;
        }
        let order = OrderRec {
            client_id,
            order_id,
            perm_id: 0,
            account: self.account.clone(),
            symbol: sym,
            side,
            total: qty,
            filled: 0,
            avg_price: 0.0,
            last_fill_price: 0.0,
            limit,
            tif,
            order_ref: o.order_ref.to_string(),
            state: OrderState::Submitted,
            commission_paid: 0.0,
        };
        let now_ns = crate::latency::now_ns();
        let index = match self.matcher.submit(&mut self.ledger, order, now_ns) {
            Ok(index) => index,
            Err(index) => {
                reject(
                    v.sessions,
                    conn,
                    order_id,
                    "injected fault (every Nth order)",
                );
                self.send_to_owner(v, index, false);
                return;
            }
        };
        if let Some(peg) = peg {
            self.pegs.insert(index, peg);
        }
        self.send_to_owner(v, index, true);
        self.send_to_owner(v, index, false);
        if v.flow.disconnect_at(OrderMoment::Acknowledged) {
            v.drop_conn(conn, OrderMoment::Acknowledged);
        }
        if peg.is_some() {
            self.repeg(v, index, feed_unix, time);
        }
        self.try_fill(v, index, time);
    }

    /// The order's side, whole-share quantity, limit in cents and time in force, or why IB
    /// would reject it.
    fn validate(
        &self,
        o: &OrderRequest<'_>,
    ) -> Result<(Side, u32, Option<i64>, Tif), &'static str> {
        let side = match o.action {
            "BUY" => Side::Buy,
            "SELL" | "SSHORT" => Side::Sell,
            _ => return Err("invalid action"),
        };
        let qty = o.total_quantity;
        if !(qty >= 1.0 && qty.fract() == 0.0 && qty <= 10_000_000.0) {
            return Err("the order quantity must be a positive whole number of shares");
        }
        let limit = match o.order_type {
            "MKT" => None,
            "LMT" if valid_price(o.lmt_price) => Some((o.lmt_price * 100.0).round() as i64),
            "LMT" => return Err("a limit order needs a positive limit price"),
            // Pegged types: priced from the quote by `Peg` (MIDPRICE, PEG MID; others refused).
            _ => None,
        };
        let tif = match o.tif {
            "" | "DAY" | "GTC" => Tif::Day,
            "IOC" => Tif::Ioc,
            _ => return Err("unsupported time in force"),
        };
        if !o.account.is_empty() && o.account != self.account {
            return Err("unknown account");
        }
        Ok((side, qty as u32, limit, tif))
    }

    /// A PLACE_ORDER that re-sends working order `index`: new quantity and limit. A new price
    /// or more shares lose the queue position, fewer shares keep it
    /// ([`crate::exchange::Matcher::modify`]).
    fn modify(&mut self, v: &mut Venue<'_>, conn: u64, index: usize, o: &OrderRequest<'_>) {
        let order = &self.ledger.orders[index];
        let qty = o.total_quantity;
        let id = order.order_id;
        if !(qty >= 1.0 && qty.fract() == 0.0 && qty <= 10_000_000.0) {
            return reject(v.sessions, conn, id, "invalid quantity for modification");
        }
        let limit = match order.limit {
            // A pegged order keeps its peg: its price follows the quote.
            keep if self.pegs.contains(index) => keep,
            Some(_) if valid_price(o.lmt_price) => Some((o.lmt_price * 100.0).round() as i64),
            keep => keep,
        };
        if self
            .matcher
            .modify(&mut self.ledger, index, qty as u32, limit)
            .is_err()
        {
            return reject(v.sessions, conn, id, "invalid quantity for modification");
        }
        self.send_to_owner(v, index, true);
        self.send_to_owner(v, index, false);
        let time = now_ms() / 1000;
        self.try_fill(v, index, time);
    }

    /// CANCEL_ORDER from `client_id`.
    pub(super) fn cancel(&mut self, v: &mut Venue<'_>, conn: u64, client_id: i32, order_id: i32) {
        if let Some(k) = self.combo_of(client_id, order_id)
            && self.combos[k].combo.is_working()
        {
            return self.cancel_combo_flow(v, conn, k);
        }
        match self.ledger.find(client_id, order_id) {
            Some(i) if self.ledger.orders[i].state.is_working() => self.cancel_working(v, conn, i),
            Some(i) => {
                let state = self.ledger.orders[i].state.as_str();
                let msg = format!(
                    "OrderId {order_id} that needs to be cancelled cannot be cancelled, state: {state}."
                );
                v.sessions.error(conn, order_id, 10148, &msg);
            }
            None => {
                let msg = format!("OrderId {order_id} that needs to be cancelled is not found.");
                v.sessions
                    .error(conn, order_id, codes::ORDER_NOT_FOUND, &msg);
            }
        }
    }

    /// A cancel of working order `index`: at once, or (`[orderflow]`) answered 10147 with the
    /// order ended silently, or PendingCancel now and Cancelled later.
    fn cancel_working(&mut self, v: &mut Venue<'_>, conn: u64, index: usize) {
        let order_id = self.ledger.orders[index].order_id;
        if v.flow.reject_cancel() {
            GatewayStats::bump(&v.stats.orderflow_rejects);
            self.matcher.cancel(&mut self.ledger, index);
            let msg = format!("OrderId {order_id} that needs to be cancelled is not found.");
            return v
                .sessions
                .error(conn, order_id, codes::ORDER_NOT_FOUND, &msg);
        }
        if !v.flow.defer_cancel(index) {
            return self.cancel_index(v, index);
        }
        if let Some(s) = v.sessions.of_client(self.ledger.orders[index].client_id) {
            s.send(Out::OrderStatusAs {
                order: &self.ledger.orders[index],
                status: "PendingCancel",
            });
        }
        if v.flow.disconnect_at(OrderMoment::PendingCancel) {
            v.drop_conn(conn, OrderMoment::PendingCancel);
        }
    }

    /// A deferred cancel takes effect (unless the order filled meanwhile).
    pub(super) fn cancel_due(&mut self, v: &mut Venue<'_>, index: usize) {
        if self.combo_cancel_due(v, index) {
            return;
        }
        if self.ledger.orders[index].state.is_working() {
            self.cancel_index(v, index);
        }
    }

    /// REQ_GLOBAL_CANCEL: every working order, whoever placed it.
    pub(super) fn cancel_all(&mut self, v: &mut Venue<'_>) {
        for i in self.matcher.working().to_vec() {
            self.cancel_index(v, i);
        }
        self.cancel_all_combos(v);
    }

    fn cancel_index(&mut self, v: &mut Venue<'_>, index: usize) {
        self.matcher.cancel(&mut self.ledger, index);
        let o = &self.ledger.orders[index];
        if let Some(s) = v.sessions.of_client(o.client_id) {
            s.error(
                o.order_id,
                codes::ORDER_CANCELLED,
                "Order Canceled - reason:",
            );
        }
        self.send_to_owner(v, index, false);
    }

    /// Tries order `index` against the book now (on arrival or after a modification).
    pub(super) fn try_fill(&mut self, v: &mut Venue<'_>, index: usize, time: i64) {
        let Venue {
            sessions,
            contracts,
            books,
            stats,
            flow,
        } = v;
        let now_ns = crate::latency::now_ns();
        self.matcher
            .try_fill(&mut self.ledger, books, index, time, now_ns, |l, e| {
                on_match_event(sessions, contracts, stats, flow, l, e)
            });
    }

    /// A market event on `sym` (its book already holds the new quote): the trade, if any,
    /// moves the queues at its price and fills what it reaches; then the quote fills working
    /// orders it makes marketable or trades through (see [`crate::exchange::QueuePos`]).
    pub(super) fn on_market(
        &mut self,
        v: &mut Venue<'_>,
        sym: usize,
        trade: Option<Trade>,
        time: i64,
    ) {
        let Venue {
            sessions,
            contracts,
            books,
            stats,
            flow,
        } = v;
        let now_ns = crate::latency::now_ns();
        let ledger = &mut self.ledger;
        let mut on = |l: &Ledger, e| on_match_event(sessions, contracts, stats, flow, l, e);
        if let Some(t) = trade {
            self.matcher
                .on_trade(ledger, sym, t.price, t.size, time, now_ns, &mut on);
        }
        self.matcher
            .on_quote(ledger, books, sym, time, now_ns, &mut on);
        let mut cx = PegContext {
            matcher: &mut self.matcher,
            ledger,
            books,
            now_secs: time,
            unix_secs: time,
            now_ns,
        };
        self.pegs.on_quote(&mut cx, sym, &mut on);
        self.combos_on_market(v, sym, trade, time);
    }

    /// Pegged order `index` against its symbol's quote at feed time `now`, executions stamped
    /// at `time` ([`Pegs::repeg`]).
    fn repeg(&mut self, v: &mut Venue<'_>, index: usize, now: i64, time: i64) {
        let Venue {
            sessions,
            contracts,
            books,
            stats,
            flow,
        } = v;
        let mut cx = PegContext {
            matcher: &mut self.matcher,
            ledger: &mut self.ledger,
            books,
            now_secs: now,
            unix_secs: time,
            now_ns: crate::latency::now_ns(),
        };
        let mut on = |l: &Ledger, e| on_match_event(sessions, contracts, stats, flow, l, e);
        self.pegs.repeg(&mut cx, index, &mut on);
    }

    fn send_to_owner(&self, v: &mut Venue<'_>, index: usize, open: bool) {
        send_to_owner(v.sessions, v.contracts, &self.ledger, index, open);
    }
}

/// IB's rejects that end an order with no status at all (`[orderflow]`): true when this
/// placement (of a BAG: `bag`) drew one (answered here). One draw for plain and BAG
/// placements alike, after IB's own checks passed.
fn flow_rejects(v: &mut Venue<'_>, conn: u64, order_id: i32, bag: bool) -> bool {
    let Some(code) = v.flow.reject_order() else {
        return false;
    };
    GatewayStats::bump(&v.stats.orderflow_rejects);
    if bag {
        GatewayStats::bump(&v.stats.orderflow_bag_rejects);
    }
    let msg = format!("Order rejected (orderflow) - code {code}");
    v.sessions.error(conn, order_id, code, &msg);
    true
}

/// A limit price a client set (not IB's unset `f64::MAX`).
fn valid_price(p: f64) -> bool {
    p.is_finite() && p > 0.0 && p != f64::MAX
}

fn reject(sessions: &mut Sessions, conn: u64, order_id: i32, reason: &str) {
    let msg = format!("Order rejected - reason:{reason}");
    sessions.error(conn, order_id, codes::ORDER_REJECTED, &msg);
}

/// Answers what the matcher did: an execution's reports, or an expired IOC order's status.
fn on_match_event(
    sessions: &mut Sessions,
    contracts: &[ContractInfo],
    stats: &GatewayStats,
    flow: &mut Orderflow,
    ledger: &Ledger,
    event: MatchEvent,
) {
    match event {
        MatchEvent::Execution { order, exec } => {
            GatewayStats::bump(&stats.executions);
            report_execution(sessions, contracts, stats, flow, ledger, order, exec);
        }
        MatchEvent::Expired { order } => send_to_owner(sessions, contracts, ledger, order, false),
    }
}

/// Sends order `index`'s OPEN_ORDER (`open`) or ORDER_STATUS to the client that placed it, when
/// it is connected.
fn send_to_owner(
    sessions: &mut Sessions,
    contracts: &[ContractInfo],
    ledger: &Ledger,
    index: usize,
    open: bool,
) {
    let o = &ledger.orders[index];
    if let Some(s) = sessions.of_client(o.client_id) {
        s.send(if open {
            Out::OpenOrder {
                order: o,
                contract: &contracts[o.symbol],
            }
        } else {
            Out::OrderStatus(o)
        });
    }
}

/// An execution's reports to the client that placed the order (execution, status, open order,
/// commission; with `[orderflow]` the status may come first, the commission late or twice, the
/// connection may drop after them), and the new position to every position subscriber (with
/// `[orderflow]` perhaps later).
fn report_execution(
    sessions: &mut Sessions,
    contracts: &[ContractInfo],
    stats: &GatewayStats,
    flow: &mut Orderflow,
    ledger: &Ledger,
    order_index: usize,
    exec_index: usize,
) {
    let e = &ledger.executions[exec_index];
    let o = &ledger.orders[order_index];
    let contract = &contracts[e.symbol];
    let mut drop = None;
    if let Some(s) = sessions.of_client(o.client_id) {
        let status = flow.status_of(order_index, o);
        let exec = Out::Execution {
            req_id: -1,
            exec: e,
            contract,
        };
        if flow.status_first() {
            send_status(s, o, status);
            s.send(Out::OpenOrder { order: o, contract });
            s.send(exec);
        } else {
            s.send(exec);
            send_status(s, o, status);
            s.send(Out::OpenOrder { order: o, contract });
        }
        flow.send_commission(s, e);
        let moment = if o.state.is_working() {
            OrderMoment::PartialFill
        } else {
            OrderMoment::Filled
        };
        if flow.disconnect_at(moment) {
            drop = Some((s.conn, moment));
        }
    }
    if let Some((conn, moment)) = drop {
        tracing::warn!(conn, ?moment, "orderflow: dropping the connection");
        GatewayStats::bump(&stats.orderflow_disconnects);
        drop_conn(sessions, flow, conn);
    }
    let key = (e.account.clone(), e.symbol);
    let pos = ledger.positions.get(&key).copied().unwrap_or_default();
    if flow.position_changed(&key, (pos.qty, pos.avg_cost)) {
        publish_position(sessions, contracts, &key, pos.qty, pos.avg_cost);
    }
}

fn send_status(s: &mut Session, o: &OrderRec, status: Option<&str>) {
    s.send(match status {
        Some(status) => Out::OrderStatusAs { order: o, status },
        None => Out::OrderStatus(o),
    });
}

/// Position `key` as `qty` at `avg_cost`, to every position subscriber.
pub(super) fn publish_position(
    sessions: &mut Sessions,
    contracts: &[ContractInfo],
    key: &PositionKey,
    qty: f64,
    avg_cost: f64,
) {
    let (account, sym) = key;
    for s in sessions.iter_mut().filter(|s| s.positions_subscribed) {
        s.send(Out::Position {
            account,
            contract: &contracts[*sym],
            qty,
            avg_cost,
        });
    }
}

/// The fill faults of `faults`, for the matcher.
fn fill_faults(faults: &FaultParams) -> FillFaults {
    FillFaults {
        max_fill_qty: faults.max_fill_qty,
        fill_delay_ns: faults.fill_delay_ms.saturating_mul(1_000_000),
        reject_every_nth_order: faults.reject_every_nth_order,
    }
}
