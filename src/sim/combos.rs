//! BAG (combo) orders at the gateway: IB's checks, then the shared combo rule
//! ([`crate::exchange::ComboOrder`]: the net check at the legs' touches, per-leg fills at the
//! touch, non-guaranteed legging; a LMT combo out of reach worked in one leg's queue and hedged
//! on each fill, `src/exchange/combo_worked.rs`) and IB's reports.
//!
//! Checks: legs name stock contracts by conId (the gateway's conIds are stable: `756700 + 17 *
//! index` in the universe's symbol order, as contract details serve them); ratios positive;
//! actions BUY or SELL; MKT or LMT at a net price (the net may be negative or zero); a stock
//! combo must carry `NonGuaranteed=1` in smartComboRoutingParams (error 10043 otherwise).
//! A BAG that passes them draws `[orderflow]`'s placement reject (`reject_codes`,
//! `reject_probability`) by the one rule plain orders draw it by (`orders.rs`
//! `flow_rejects`): the code and no status, its legs never booked, counted in
//! `orderflow_rejects` and `orderflow_bag_rejects`.
//!
//! Reports, per leg fill: the leg's EXECUTION_DATA (the leg's contract, the BAG's order id),
//! then, when complete units grew, one BAG-level EXECUTION_DATA (the BAG contract, the units,
//! the average net), then the BAG's ORDER_STATUS (filled and remaining in units, the average
//! net as avgFillPrice), then the leg's COMMISSION_REPORT (legs only; `[orderflow]` may delay
//! or repeat it). Positions move per leg. A modification (the BAG's id re-sent) changes units
//! and the net limit; a cancel ends the BAG and its legs at once (with `[orderflow]`
//! `pending_cancel_ms`, after a PendingCancel). Open-order answers list working combos with
//! their BAG contract. `[orderflow]` for combos (status first, PendingCancel, late and
//! repeated commissions, disconnections, BAG-level executions in REQ_EXECUTIONS) is in
//! `combo_flow.rs`.

use super::GatewayStats;
use super::encode::{ContractInfo, Out};
use super::orders::{Orders, Venue, publish_position};
use crate::exchange::{
    ComboEvent, ComboLegSpec, ComboOrder, ExecRec, Ledger, OrderRec, Side, Trade,
};
use crate::wire::ids::codes;
use crate::wire::{OrderExtras, OrderRequest};

/// IB's error for a combo that needs the NonGuaranteed routing flag.
pub(super) const NON_GUARANTEED_REQUIRED: i32 = 10043;

/// The conId IB gives every BAG contract.
const BAG_CON_ID: i32 = 28_812_380;

/// A combo working (or done) at the gateway.
#[derive(Debug)]
pub(super) struct GatewayCombo {
    pub(super) combo: ComboOrder,
    /// The BAG order as its status and open order report it: units, complete units, the
    /// average net, the net limit.
    pub(super) bag: OrderRec,
    pub(super) contract: ContractInfo,
    /// BAG-level executions reported so far (their ids).
    bag_execs: u32,
    /// Each BAG-level execution, after the ledger index of the leg execution that completed
    /// its units (REQ_EXECUTIONS may replay them: `combo_flow.rs`).
    pub(super) bag_executions: Vec<(usize, ExecRec)>,
}

/// Checks combo `o` with legs `x`: its legs as the gateway's instruments, or
/// `Err((code, message))` as IB would answer it.
pub(super) fn check(
    contracts: &[ContractInfo],
    o: &OrderRequest<'_>,
    x: &OrderExtras<'_>,
) -> Result<Vec<ComboLegSpec>, (i32, &'static str)> {
    let rejected = codes::ORDER_REJECTED;
    if x.legs().is_empty() {
        return Err((rejected, "Order rejected - reason:a combo needs legs"));
    }
    let mut legs = Vec::with_capacity(x.legs().len());
    for leg in x.legs() {
        let Some(symbol) = contracts
            .iter()
            .position(|c| i64::from(c.con_id) == leg.con_id)
        else {
            let msg = "No security definition has been found for the request (combo leg conId)";
            return Err((codes::NO_SECURITY_DEFINITION, msg));
        };
        if leg.ratio <= 0 {
            return Err((
                rejected,
                "Order rejected - reason:combo leg ratio must be positive",
            ));
        }
        let side = match leg.action {
            "BUY" => Side::Buy,
            "SELL" => Side::Sell,
            _ => {
                return Err((
                    rejected,
                    "Order rejected - reason:combo leg action must be BUY or SELL",
                ));
            }
        };
        legs.push(ComboLegSpec {
            symbol,
            side,
            ratio: leg.ratio as u32,
        });
    }
    if o.order_type != "MKT" && o.order_type != "LMT" {
        return Err((
            rejected,
            "Order rejected - reason:combos are MKT or LMT at a net price",
        ));
    }
    if o.order_type == "LMT" && net_cents(o.lmt_price).is_none() {
        return Err((
            rejected,
            "Order rejected - reason:a LMT combo needs a net limit price",
        ));
    }
    let qty = o.total_quantity;
    if !(qty >= 1.0 && qty.fract() == 0.0 && qty <= 1_000_000.0) {
        return Err((
            rejected,
            "Order rejected - reason:the combo quantity must be a positive whole number",
        ));
    }
    if o.action != "BUY" && o.action != "SELL" {
        return Err((rejected, "Order rejected - reason:invalid action"));
    }
    if !x.non_guaranteed {
        let msg = "Order rejected - reason:stock combo orders must be non-guaranteed \
                   (smartComboRoutingParams NonGuaranteed=1)";
        return Err((NON_GUARANTEED_REQUIRED, msg));
    }
    Ok(legs)
}

/// A net limit in cents: any finite price IB's unset value is not (a net may be negative).
fn net_cents(p: f64) -> Option<i64> {
    (p.is_finite() && p != f64::MAX && p != -f64::MAX).then(|| (p * 100.0).round() as i64)
}

impl Orders {
    /// The combo with this client and order id.
    pub(super) fn combo_of(&self, client_id: i32, order_id: i32) -> Option<usize> {
        self.combos
            .iter()
            .rposition(|c| c.bag.client_id == client_id && c.bag.order_id == order_id)
    }

    /// A new combo `o` over `legs` (checked) from `client_id` on `conn`: booked, acknowledged,
    /// tried at once.
    pub(super) fn place_combo(
        &mut self,
        v: &mut Venue<'_>,
        client_id: i32,
        (o, legs): (&OrderRequest<'_>, &[ComboLegSpec]),
        time: i64,
    ) {
        let template = ComboOrder::template(client_id, o.order_id, &self.account, o.order_ref);
        let units = o.total_quantity as u32;
        let limit = if o.order_type == "LMT" {
            net_cents(o.lmt_price)
        } else {
            None
        };
        let combo = if o.action == "SELL" {
            ComboOrder::new_sold(&mut self.ledger, template.clone(), legs, units, limit)
        } else {
            ComboOrder::new(&mut self.ledger, template.clone(), legs, units, limit)
        };
        let symbol = legs
            .iter()
            .map(|l| v.contracts[l.symbol].symbol.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let bag = OrderRec {
            perm_id: self.ledger.next_perm_id(),
            side: if o.action == "SELL" {
                Side::Sell
            } else {
                Side::Buy
            },
            total: units,
            limit,
            ..template
        };
        self.combos.push(GatewayCombo {
            combo,
            bag,
            contract: ContractInfo {
                con_id: BAG_CON_ID,
                long_name: symbol.clone(),
                symbol,
                sec_type: "BAG",
            },
            bag_execs: 0,
            bag_executions: Vec::new(),
        });
        let k = self.combos.len() - 1;
        send_bag(v, &self.combos[k], true);
        send_bag(v, &self.combos[k], false);
        self.combo_acknowledged(v, k);
        self.try_combo(v, k, time);
    }

    /// The BAG's id re-sent while it works: new units and net limit, tried again.
    pub(super) fn modify_combo(
        &mut self,
        v: &mut Venue<'_>,
        conn: u64,
        k: usize,
        o: &OrderRequest<'_>,
        time: i64,
    ) {
        let qty = o.total_quantity;
        let limit = match o.order_type {
            "LMT" => net_cents(o.lmt_price),
            _ => None,
        };
        let c = &mut self.combos[k];
        let ok = qty >= 1.0
            && qty.fract() == 0.0
            && (o.order_type == "MKT" || limit.is_some())
            && c.combo.modify(&mut self.ledger, qty as u32, limit).is_ok();
        if !ok {
            let msg = "Order rejected - reason:invalid combo modification";
            v.sessions
                .error(conn, c.bag.order_id, codes::ORDER_REJECTED, msg);
            return;
        }
        c.bag.total = qty as u32;
        c.bag.limit = limit;
        c.bag.state = c.combo.state;
        send_bag(v, &self.combos[k], true);
        send_bag(v, &self.combos[k], false);
        self.try_combo(v, k, time);
    }

    /// Cancels combo `k` (its legs with it) and answers 202 and the status.
    pub(super) fn cancel_combo(&mut self, v: &mut Venue<'_>, k: usize) {
        let c = &mut self.combos[k];
        c.combo.cancel(&mut self.ledger);
        c.bag.state = c.combo.state;
        let (client_id, order_id) = (c.bag.client_id, c.bag.order_id);
        if let Some(s) = v.sessions.of_client(client_id) {
            s.error(order_id, codes::ORDER_CANCELLED, "Order Canceled - reason:");
        }
        send_bag(v, &self.combos[k], false);
    }

    /// A quote (and the trade printed with it) on `sym`: the working combos with a leg on it
    /// move their worked child's queue and are tried again ([`ComboOrder::on_market`]).
    pub(super) fn combos_on_market(
        &mut self,
        v: &mut Venue<'_>,
        sym: usize,
        trade: Option<Trade>,
        time: i64,
    ) {
        for k in 0..self.combos.len() {
            if self.combos[k].combo.is_working() && self.combos[k].combo.trades(sym) {
                self.work_combo(v, k, time, Some((sym, trade)));
            }
        }
    }

    /// Every working combo is cancelled (REQ_GLOBAL_CANCEL).
    pub(super) fn cancel_all_combos(&mut self, v: &mut Venue<'_>) {
        for k in 0..self.combos.len() {
            if self.combos[k].combo.is_working() {
                self.cancel_combo(v, k);
            }
        }
    }

    /// One try at combo `k` (on arrival or a modification), answered as IB does.
    fn try_combo(&mut self, v: &mut Venue<'_>, k: usize, time: i64) {
        self.work_combo(v, k, time, None);
    }

    /// Combo `k` on a market event (`market`: the symbol and its trade) or tried as it stands,
    /// answered as IB does (see the module rules).
    fn work_combo(
        &mut self,
        v: &mut Venue<'_>,
        k: usize,
        time: i64,
        market: Option<(usize, Option<Trade>)>,
    ) {
        let mut events = Vec::new();
        let c = &mut self.combos[k];
        let on = |_: &Ledger, e| events.push(e);
        match market {
            Some((sym, trade)) => {
                c.combo
                    .on_market(&mut self.ledger, v.books, sym, trade, time, on)
            }
            None => c.combo.try_fill(&mut self.ledger, v.books, time, on),
        }
        let mut last_leg_exec = None;
        for e in events {
            match e {
                ComboEvent::LegExecution { exec, .. } => {
                    GatewayStats::bump(&v.stats.executions);
                    last_leg_exec = Some(exec);
                    self.report_leg(v, k, exec);
                }
                ComboEvent::Units { units, net } => {
                    let c = &mut self.combos[k];
                    c.bag.filled += units;
                    c.bag.avg_price = net;
                    c.bag.last_fill_price = net;
                    c.bag.state = c.combo.state;
                    c.bag_execs += 1;
                    let exec = bag_exec(c, units, net, &self.ledger, time);
                    let status = self.bag_status_of(v.flow, k);
                    let c = &self.combos[k];
                    if let Some(s) = v.sessions.of_client(c.bag.client_id) {
                        s.send(Out::Execution {
                            req_id: -1,
                            exec: &exec,
                            contract: &c.contract,
                        });
                        s.send(status);
                    }
                    let after = last_leg_exec.unwrap_or(usize::MAX);
                    self.combos[k].bag_executions.push((after, exec));
                }
            }
        }
    }

    /// A leg's execution: its report, the BAG's status, the leg's commission (in the orders
    /// `[orderflow]` draws: `combo_flow.rs`), the position.
    fn report_leg(&mut self, v: &mut Venue<'_>, k: usize, exec: usize) {
        self.report_leg_flow(v, k, exec);
        let e = &self.ledger.executions[exec];
        let key = (e.account.clone(), e.symbol);
        let pos = self.ledger.positions.get(&key).copied().unwrap_or_default();
        if v.flow.position_changed(&key, (pos.qty, pos.avg_cost)) {
            publish_position(v.sessions, v.contracts, &key, pos.qty, pos.avg_cost);
        }
    }
}

/// The BAG-level execution of `units` more units of combo `c` at `net`.
fn bag_exec(c: &GatewayCombo, units: u32, net: f64, ledger: &Ledger, time: i64) -> ExecRec {
    let first = c.combo.children.first().map(|&i| &ledger.orders[i]);
    ExecRec {
        exec_id: crate::exchange::exec_id_text(c.bag.perm_id as u32, c.bag_execs, 2),
        order_index: first.map_or(0, |_| c.combo.children[0]),
        client_id: c.bag.client_id,
        order_id: c.bag.order_id,
        perm_id: c.bag.perm_id,
        account: c.bag.account.clone(),
        symbol: first.map_or(0, |o| o.symbol),
        side: c.bag.side,
        qty: units,
        price: net,
        cum_qty: c.bag.filled,
        avg_price: c.bag.avg_price,
        time: crate::wire::format_tws_time(time),
        unix_secs: time,
        order_ref: c.bag.order_ref.clone(),
        commission: 0.0,
        realized_pnl: f64::MAX,
    }
}

/// The BAG's OPEN_ORDER (`open`) or ORDER_STATUS to the client that placed it.
fn send_bag(v: &mut Venue<'_>, c: &GatewayCombo, open: bool) {
    if let Some(s) = v.sessions.of_client(c.bag.client_id) {
        s.send(if open {
            Out::OpenOrder {
                order: &c.bag,
                contract: &c.contract,
            }
        } else {
            Out::OrderStatus(&c.bag)
        });
    }
}
