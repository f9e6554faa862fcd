//! `[orderflow]` for BAG (combo) orders: the message orderings real TWS produces for a combo,
//! under the same switches as single orders (`orderflow.rs`; the combo rule itself is in
//! `combos.rs`).
//!
//! - `pending_cancel_ms`: a cancel of a working BAG answers the BAG's PendingCancel and takes
//!   effect later (its legs can still fill meanwhile, their statuses then say PendingCancel);
//!   then 202 and Cancelled for the BAG and its legs at once. A global cancel is at once.
//! - `status_first_probability`: a leg fill's BAG ORDER_STATUS goes before the leg's
//!   EXECUTION_DATA (and a BAG-level execution's status before it).
//! - `commission_delay_ms`, `commission_repeat_probability`: each leg's COMMISSION_REPORT (legs
//!   only, as IB) late and repeated, as for single orders.
//! - `disconnect_at`: the connection dropped right after a BAG's acknowledgement, after a leg
//!   fill that leaves the BAG working (`partial_fill`) or completes it (`filled`), after its
//!   PendingCancel.
//! - `bag_executions_in_replay`: REQ_EXECUTIONS answers include each BAG-level execution
//!   (secType BAG), right after the leg execution that completed its units, as real TWS's
//!   replay can.

use super::GatewayStats;
use super::combos::GatewayCombo;
use super::encode::{ContractInfo, Out};
use super::orderflow::Orderflow;
use super::orders::{Orders, Venue, drop_conn};
use crate::config::OrderMoment;
use crate::exchange::{ExecRec, OrderRec};
use std::collections::BTreeMap;

impl Orders {
    /// The key a combo's deferred cancel waits under: its first leg's ledger index (a leg's
    /// index is never a working single order's, so the two kinds of deferred cancel never
    /// meet).
    fn combo_cancel_key(&self, k: usize) -> Option<usize> {
        self.combos[k].combo.children.first().copied()
    }

    /// A cancel of working combo `k` from `conn`: deferred (PendingCancel now) when
    /// `pending_cancel_ms` says so, else at once.
    pub(super) fn cancel_combo_flow(&mut self, v: &mut Venue<'_>, conn: u64, k: usize) {
        let deferred = match self.combo_cancel_key(k) {
            Some(key) => v.flow.defer_cancel(key),
            None => false,
        };
        if !deferred {
            return self.cancel_combo(v, k);
        }
        let c = &self.combos[k];
        if let Some(s) = v.sessions.of_client(c.bag.client_id) {
            s.send(Out::OrderStatusAs {
                order: &c.bag,
                status: "PendingCancel",
            });
        }
        if v.flow.disconnect_at(OrderMoment::PendingCancel) {
            drop_with_stats(v, conn, OrderMoment::PendingCancel);
        }
    }

    /// A deferred cancel whose key is combo `k`'s takes effect (unless the combo ended
    /// meanwhile). False when the key is no combo's.
    pub(super) fn combo_cancel_due(&mut self, v: &mut Venue<'_>, key: usize) -> bool {
        let Some(k) = (0..self.combos.len()).find(|&k| self.combo_cancel_key(k) == Some(key))
        else {
            return false;
        };
        if self.combos[k].combo.is_working() {
            self.cancel_combo(v, k);
        }
        true
    }

    /// A leg's execution `exec` of combo `k`: its report and the BAG's status in the order the
    /// orderflow draws, the leg's commission (late, repeated), perhaps a dropped connection.
    pub(super) fn report_leg_flow(&mut self, v: &mut Venue<'_>, k: usize, exec: usize) {
        let key = self.combo_cancel_key(k);
        let c = &self.combos[k];
        let e = &self.ledger.executions[exec];
        let mut dropped = None;
        if let Some(s) = v.sessions.of_client(c.bag.client_id) {
            let leg = Out::Execution {
                req_id: -1,
                exec: e,
                contract: &v.contracts[e.symbol],
            };
            let status = bag_status(v.flow, key, &c.bag);
            if v.flow.status_first() {
                s.send(status);
                s.send(leg);
            } else {
                s.send(leg);
                s.send(status);
            }
            v.flow.send_commission(s, e);
            let moment = if c.combo.is_working() {
                OrderMoment::PartialFill
            } else {
                OrderMoment::Filled
            };
            if v.flow.disconnect_at(moment) {
                dropped = Some((s.conn, moment));
            }
        }
        if let Some((conn, moment)) = dropped {
            drop_with_stats(v, conn, moment);
        }
    }

    /// The BAG's ORDER_STATUS of combo `k` (PendingCancel while a deferred cancel waits).
    pub(super) fn bag_status_of(&self, flow: &Orderflow, k: usize) -> Out<'_> {
        bag_status(flow, self.combo_cancel_key(k), &self.combos[k].bag)
    }

    /// Right after combo `k` was acknowledged: perhaps a dropped connection.
    pub(super) fn combo_acknowledged(&mut self, v: &mut Venue<'_>, k: usize) {
        let client_id = self.combos[k].bag.client_id;
        let Some(conn) = v.sessions.of_client(client_id).map(|s| s.conn) else {
            return;
        };
        if v.flow.disconnect_at(OrderMoment::Acknowledged) {
            drop_with_stats(v, conn, OrderMoment::Acknowledged);
        }
    }
}

/// A BAG's ORDER_STATUS: PendingCancel while a deferred cancel (under `key`) waits.
fn bag_status<'a>(flow: &Orderflow, key: Option<usize>, bag: &'a OrderRec) -> Out<'a> {
    match key.and_then(|key| flow.status_of(key, bag)) {
        Some(status) => Out::OrderStatusAs { order: bag, status },
        None => Out::OrderStatus(bag),
    }
}

fn drop_with_stats(v: &mut Venue<'_>, conn: u64, moment: OrderMoment) {
    tracing::warn!(conn, ?moment, "orderflow: dropping the connection (combo)");
    GatewayStats::bump(&v.stats.orderflow_disconnects);
    drop_conn(v.sessions, v.flow, conn);
}

/// The BAG-level executions of `combos` (with `bag_executions_in_replay`), keyed by the
/// ledger index of the leg execution each followed, for a REQ_EXECUTIONS answer.
pub(super) fn bag_replay(
    combos: &[GatewayCombo],
) -> BTreeMap<usize, Vec<(&ExecRec, &ContractInfo)>> {
    let mut after: BTreeMap<usize, Vec<(&ExecRec, &ContractInfo)>> = BTreeMap::new();
    for c in combos {
        for (leg_exec, e) in &c.bag_executions {
            after.entry(*leg_exec).or_default().push((e, &c.contract));
        }
    }
    after
}
