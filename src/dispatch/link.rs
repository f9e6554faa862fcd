//! The session as dispatch sees it: up, down, or reconciling. Reconciliation (at start-up, after
//! a reconnection, and after 1101/1102) asks the gateway for executions, open orders and
//! positions; executions not yet counted are counted (once), orders the gateway no longer has
//! end, orders nobody owns are cancelled, and positions that still differ are adopted from the
//! gateway. Trading resumes only when all three answers are in.

use super::{Control, Dispatcher, OrderSlot, SeenExec};
use crate::journal::Recovered;
use crate::record::FillRecord;
use crate::types::{Account, EndKind, OrderStatusKind};

/// Request id of the reconciliation's REQ_EXECUTIONS.
pub const RECONCILE_REQ_ID: i32 = 900_000;

/// A position that differs from the gateway's, or an order it no longer lists that has not
/// filled, is looked at again this long after (positions can lag executions, and a fill can
/// race the answers) ...
const POSITION_RECHECK_NS: u64 = 1_000_000_000;
/// ... and taken as it is after this many looks that each found a change.
const MAX_POSITION_RECHECKS: u8 = 5;

/// How long a final status may take to follow IB's 202 (order cancelled) before the gateway
/// is asked about the order (TWS sometimes sends the 202 alone).
const CANCEL_STATUS_GRACE_NS: u64 = 2_000_000_000;

/// Reconciliation answers asked for and not yet ended, per kind (executions, open orders,
/// positions). A round started while an older one is still answering (1102 during a
/// reconciliation) completes only when every answer asked for has ended: the latest round's
/// answers come last, so its open orders are known before lost orders are ended.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Outstanding([u8; 3]);

impl Outstanding {
    fn index(kind: EndKind) -> usize {
        match kind {
            EndKind::Executions => 0,
            EndKind::OpenOrders => 1,
            EndKind::Positions => 2,
        }
    }

    fn asked(&mut self) {
        for n in &mut self.0 {
            *n = n.saturating_add(1);
        }
    }

    /// One answer ended; true when more answers of the same kind are still to come.
    fn ended(&mut self, kind: EndKind) -> bool {
        let n = &mut self.0[Self::index(kind)];
        *n = n.saturating_sub(1);
        *n > 0
    }

    fn all_in(&self) -> bool {
        self.0.iter().all(|&n| n == 0)
    }
}

/// Where the session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Link {
    /// Trading.
    Up,
    /// No session (socket lost), or the gateway lost IB (1100): nothing is sent.
    Down,
    /// Waiting for the answers (`Dispatcher::outstanding`); `startup` on the first one of the
    /// run; `subscribe`: market data is requested once reconciled (start-up, new session), so
    /// no signal is built on ticks that cannot be traded.
    Reconciling { startup: bool, subscribe: bool },
}

impl Link {
    pub(super) fn is_reconciling(self) -> bool {
        matches!(self, Link::Reconciling { .. })
    }
}

impl Dispatcher {
    /// Loads the state of a previous run from its journal: orders (in the order table),
    /// executions (counted, so a replay is not counted again), positions and pair books.
    pub(super) fn restore(&mut self, r: &Recovered) {
        if let Some(min) = r.orders.iter().map(|o| o.order_id).min() {
            self.first_order_id = self.first_order_id.min(min);
        }
        self.next_order_id = self.next_order_id.max(r.max_order_id + 1);
        for o in &r.orders {
            let Ok(offset) = usize::try_from(o.order_id - self.first_order_id) else {
                continue;
            };
            let status = if !o.done {
                OrderStatusKind::Submitted
            } else if o.filled + 1e-9 >= o.qty as f64 {
                OrderStatusKind::Filled
            } else {
                OrderStatusKind::Cancelled
            };
            let i = offset % self.slots.len();
            let slot = OrderSlot {
                order_id: o.order_id,
                instrument: o.instrument,
                pair: o.pair,
                // Tickets do not survive a restart; pair books show any legging.
                ticket: 0,
                leg: o.leg,
                signal_t_ns: 0,
                qty: o.qty as f64,
                status_filled: o.filled,
                exec_filled: o.filled,
                buy: o.buy,
                reducing: o.ticket == 0,
                cancel_asked: false,
                unlisted: false,
                cancel_reported_ns: 0,
                status,
                epoch: 0,
                live_at: 0,
                // A combo's legs are linked to their BAG again (`combo_resume.rs`).
                combo: super::combo_resume::combo_link(r, o),
            };
            if o.done {
                self.unlive(i);
                self.slots[i] = Some(slot);
            } else {
                self.open_slot(i, slot);
            }
        }
        // Internal crosses go back in file order among the executions (average cost).
        let mut crosses = r.crosses.iter().peekable();
        for (x, e) in r.executions.iter().enumerate() {
            while let Some(c) = crosses.next_if(|c| c.after_executions <= x) {
                self.book_piece(c.pair, c.instrument, c.qty, c.price);
                self.count_cross(c.pair, c.qty, c.price);
            }
            if (e.instrument as usize) >= self.positions.len() {
                continue;
            }
            let fill = self.fills.len() as u32;
            let logged = self.fills.push(FillRecord {
                t_ns: 0,
                signal_t_ns: 0,
                order_id: e.order_id,
                instrument: e.instrument,
                pair: e.pair,
                qty: e.qty,
                price: e.price,
                commission: 0.0,
            });
            let fill = if logged { fill } else { u32::MAX };
            let seen = SeenExec::executed(e.instrument, e.pair, fill);
            if self.remember_exec(e.exec_id, seen) {
                self.counters.journal_fills += 1;
                // Its report is awaited as a live execution's (a crash usually comes before
                // it; the replay after reconnecting brings it), unless the journal has it.
                self.commissions_awaited += 1;
                if !self.restore_split(r, x) {
                    self.apply_fill(e.instrument, e.pair, e.qty, e.price);
                }
                // No report in the journal yet: the replay after reconnecting books it.
                if e.commission != 0.0 {
                    self.apply_commission(&e.exec_id, e.commission);
                }
            }
        }
        for c in crosses {
            self.book_piece(c.pair, c.instrument, c.qty, c.price);
            self.count_cross(c.pair, c.qty, c.price);
        }
        for p in self.pairs.iter_mut() {
            for (t, l) in p.target.iter_mut().zip(p.book.legs()) {
                *t = l.qty;
            }
        }
        self.restore_combo_tickets(r);
        for (x, p) in self.projected.iter_mut().zip(self.positions.iter()) {
            *x = p.qty;
        }
        // Orders still working when the journal ended count towards their pair's target (a
        // shared one towards its carrier's, as when it was sent: its pieces move it on).
        for o in r.orders.iter().filter(|o| !o.done) {
            let rest = (o.qty as f64 - o.filled).max(0.0);
            self.adjust_target(o.pair, o.instrument, o.buy, rest);
        }
        // Ticket ids stay unique within the journal (its `S` lines name tickets).
        let last_ticket = r.orders.iter().map(|o| o.ticket);
        let last_ticket = last_ticket.chain(r.shares.iter().map(|s| s.ticket)).max();
        if let Some(t) = last_ticket {
            self.next_ticket = self.next_ticket.max(t.wrapping_add(1).max(1));
        }
        self.restore_shared(r);
        tracing::info!(
            orders = r.orders.len(),
            fills = self.counters.journal_fills,
            next_order_id = self.next_order_id,
            "journal restored"
        );
    }

    /// Asks the gateway for executions, open orders and positions; trading waits for the
    /// answers.
    pub(super) fn start_reconcile(&mut self, startup: bool, subscribe: bool) {
        self.epoch = self.epoch.wrapping_add(1);
        self.recon_positions.fill(None);
        // A round already under way, or one a link loss interrupted, keeps its flags (start-up,
        // market data to request): its steps are still owed.
        let carried = std::mem::take(&mut self.unfinished_round);
        let (startup, subscribe) = match self.link {
            Link::Reconciling {
                startup: s,
                subscribe: m,
            } => (startup || s, subscribe || m),
            _ => (startup, subscribe),
        };
        let (startup, subscribe) = (startup || carried.0, subscribe || carried.1);
        self.link = Link::Reconciling { startup, subscribe };
        self.round_asked_ns = self.now;
        self.outstanding.asked();
        self.submit_control(Control::Executions);
        self.submit_control(Control::OpenOrders);
        self.submit_control(Control::Positions);
    }

    /// Market data for every instrument again (new session, or 1101).
    fn resubscribe(&mut self) {
        for i in 0..self.symbols.len() {
            self.submit_control(Control::Subscribe(i as u16));
        }
    }

    /// A link loss during a reconciliation: the next round owes that round's steps too.
    fn keep_unfinished_round(&mut self) {
        if let Link::Reconciling { startup, subscribe } = self.link {
            self.unfinished_round.0 |= startup;
            self.unfinished_round.1 |= subscribe;
        }
    }

    pub(super) fn on_disconnected(&mut self) {
        self.counters.disconnects += 1;
        self.keep_unfinished_round();
        self.link = Link::Down;
        self.recheck_at = 0;
        // What waited for the old session is void: the new one reconciles from scratch.
        self.controls.clear();
        self.outstanding = Outstanding::default();
        tracing::warn!("session lost: trading paused until it is back and reconciled");
    }

    /// io connected a new session (and handed its writer to whoever owns the socket).
    pub(super) fn on_reconnected(&mut self, next_valid_id: i32) {
        self.counters.reconnects += 1;
        // Re-seed order ids: never below what the gateway expects, never reusing ours.
        self.next_order_id = self.next_order_id.max(next_valid_id);
        self.start_reconcile(false, true);
    }

    /// 1100 / 1101 / 1102.
    pub(super) fn on_link_notice(&mut self, code: i32) {
        use crate::wire::ids::codes;
        match code {
            codes::CONNECTIVITY_LOST => {
                self.counters.link_losses += 1;
                self.keep_unfinished_round();
                self.link = Link::Down;
                self.recheck_at = 0;
                tracing::warn!("1100: the gateway lost IB; trading paused");
            }
            codes::RESTORED_DATA_LOST => {
                tracing::warn!("1101: restored, market data lost; resubscribing and reconciling");
                self.resubscribe();
                self.start_reconcile(false, false);
            }
            _ => {
                tracing::info!("1102: restored, data kept; reconciling");
                self.start_reconcile(false, false);
            }
        }
    }

    /// An order the gateway reports working.
    pub(super) fn on_open_order(&mut self, order_id: i32) {
        let Link::Reconciling { startup, .. } = self.link else {
            return;
        };
        match self.slot_index(order_id) {
            Some(_) if !startup || self.resumed_combo_order(order_id) => {
                let epoch = self.epoch;
                // A combo is listed once, for both its legs.
                for i in self.order_slots(order_id).into_iter().flatten() {
                    if let Some(s) = self.slots[i].as_mut() {
                        s.epoch = epoch;
                        s.unlisted = false;
                    }
                }
            }
            // Working orders of a previous run (known from the journal or not) belong to no
            // ticket of this one: cancel them.
            _ => {
                self.counters.orphan_cancels += 1;
                tracing::warn!(order_id, "cancelling a working order no ticket owns");
                let epoch = self.epoch;
                if let Some(s) = self
                    .slot_index(order_id)
                    .and_then(|i| self.slots[i].as_mut())
                {
                    s.epoch = epoch;
                }
                self.queue_cancel(order_id);
            }
        }
    }

    pub(super) fn on_position(&mut self, account: &Account, instrument: u16, qty: f64, avg: f64) {
        if !self.link.is_reconciling() || account.as_str() != self.account {
            return;
        }
        if let Some(p) = self.recon_positions.get_mut(instrument as usize) {
            *p = Some((qty, avg));
        }
    }

    /// After the start-up reconciliation of a `--resume`: a pair whose book holds one leg only,
    /// with nothing working for it, is a trade the journal saw half done (its other order lost
    /// at the crash). Tickets do not survive a restart, so nothing else would complete or undo
    /// it: its lone leg is taken back, as a failed trade's is (one reducing ticket).
    fn take_back_restored_legs(&mut self) {
        for p in 0..self.pair_count {
            let lone = self.pairs[p].book.pair().is_legged();
            let pair = p as u16;
            let working = self
                .live
                .iter()
                .filter_map(|&i| self.slots[i as usize])
                .any(|s| s.pair == pair)
                || self
                    .open_tickets
                    .iter()
                    .any(|&id| self.ticket(id).is_some_and(|t| t.pair == pair));
            if lone && !working {
                self.counters.leg_unwinds += 1;
                tracing::warn!(pair, "a pair resumed with one leg: taking it back");
                self.flatten_pair(pair, 0);
            }
        }
    }

    pub(super) fn on_end(&mut self, kind: EndKind) {
        // Counted even while the link is down (1100): the socket still answers.
        let more = self.outstanding.ended(kind);
        if kind == EndKind::Positions {
            self.submit_control(Control::CancelPositions);
            if more {
                // An older round's positions: the newer answer says what is held.
                self.recon_positions.fill(None);
            }
        }
        let Link::Reconciling { startup, subscribe } = self.link else {
            return;
        };
        if !self.outstanding.all_in() {
            return;
        }
        // The answers interleave: only now are all the executions in. An order ended before
        // its replayed fills were counted would be re-sent for what it had filled.
        let orders_settled = self.end_lost_orders();
        let positions_settled = self.compare_positions(startup);
        self.rechecks = if orders_settled && positions_settled {
            0
        } else {
            self.rechecks.saturating_add(1)
        };
        if !(orders_settled && positions_settled) {
            // A difference seen once: trading waits for a second look.
            self.recheck_at = self.now + POSITION_RECHECK_NS;
            return;
        }
        self.recheck_at = 0;
        self.link = Link::Up;
        self.reconciled_epoch = self.epoch;
        self.closes_due = true;
        if subscribe {
            self.resubscribe();
        }
        self.counters.reconciliations += 1;
        self.restart_ticket_clocks();
        // A pair whose book an adopted position changed holds what it did not trade: it is
        // closed and stops trading.
        for p in 0..self.pairs.len() {
            if std::mem::take(&mut self.pairs[p].adopted) {
                self.counters.leg_unwinds += 1;
                tracing::warn!(pair = p, "closing a pair changed by an adopted position");
                self.pairs[p].blocked = true;
                self.close_pair(p as u16, 0, self.now, 0);
            }
        }
        for k in 0..self.open_tickets.len().min(self.open_tickets.capacity()) {
            if let Some(&id) = self.open_tickets.get(k) {
                self.check_ticket(id, false);
            }
        }
        if startup {
            self.take_back_restored_legs();
        }
        tracing::info!(
            fills = self.counters.fills,
            recovered = self.counters.recovered_fills,
            "reconciled with the gateway; trading"
        );
        if startup {
            let inherited = self.positions.iter().any(|p| p.qty != 0.0);
            if inherited && self.risk.flatten_on_start {
                tracing::warn!("risk.flatten_on_start: closing the positions found at start-up");
                self.flatten_attempts = self.flatten_attempts.max(1);
                self.flatten();
                self.flatten_attempts = 3;
            } else if inherited {
                tracing::warn!(
                    "positions found at start-up are kept (risk.flatten_on_start = false); pairs holding them take no new entries"
                );
            }
        }
    }

    /// Orders we believe working that the gateway did not list are over. One whose fills add
    /// up has filled; one short of its quantity ends (and its leg may be re-sent) only when a
    /// second round still does not list it: a fill racing the answers (an execution after
    /// the executions answer) would else be traded twice. False when some order waits for
    /// that look.
    fn end_lost_orders(&mut self) -> bool {
        let epoch = self.epoch;
        let give_up = self.rechecks >= MAX_POSITION_RECHECKS;
        let mut settled = true;
        let scan = self.begin_scan();
        for &i in &scan {
            let i = i as usize;
            let Some(s) = self.slots[i] else { continue };
            if s.status.is_terminal() || s.epoch == epoch {
                continue;
            }
            let filled = s.filled() + 1e-9 >= s.qty;
            if !filled && !s.unlisted && !give_up {
                if let Some(s) = self.slots[i].as_mut() {
                    s.unlisted = true;
                }
                settled = false;
                continue;
            }
            self.counters.orders_lost += 1;
            tracing::warn!(
                order_id = s.order_id,
                "the gateway no longer has this order"
            );
            let status = if filled {
                OrderStatusKind::Filled
            } else {
                OrderStatusKind::Cancelled
            };
            self.order_ended(i, status);
        }
        self.end_scan(scan);
        settled
    }

    /// Orders IB reported cancelled (202) with no final status within the grace: a round asks
    /// the gateway, and each ends as an order it no longer lists does ([`end_lost_orders`]),
    /// sized by its executions. Ended on the 202 alone, its leg would be re-sent before an
    /// execution still on its way, and traded twice.
    ///
    /// [`end_lost_orders`]: Self::end_lost_orders
    pub(super) fn ask_about_cancelled(&mut self) {
        let now = self.now;
        let due = |s: &OrderSlot| {
            s.cancel_reported_ns != 0
                && !s.status.is_terminal()
                && now.saturating_sub(s.cancel_reported_ns) > CANCEL_STATUS_GRACE_NS
        };
        if !self.outstanding.all_in() {
            return;
        }
        let mut asked = false;
        for k in 0..self.live.len() {
            if let Some(s) = self.slots[self.live[k] as usize]
                .as_mut()
                .filter(|s| due(s))
            {
                s.cancel_reported_ns = 0;
                asked = true;
            }
        }
        if asked {
            tracing::warn!("orders cancelled (202) with no final status: asking the gateway");
            self.start_reconcile(false, false);
        }
    }

    /// The second look at positions that differed is due: another round is asked for.
    pub(super) fn poll_recheck(&mut self) {
        if self.recheck_at != 0 && self.now >= self.recheck_at && self.outstanding.all_in() {
            self.recheck_at = 0;
            self.start_reconcile(false, false);
        }
        // A round a combo waits for (`combo.rs`), never started inside another's answers.
        if self.combo_round_due && self.link != Link::Down && self.outstanding.all_in() {
            self.combo_round_due = false;
            self.start_reconcile(false, false);
        }
    }

    /// Positions that still differ from the gateway's after its executions are adopted once
    /// a second look finds the same difference (positions can lag executions: one answer is
    /// not enough). False when some difference waits for that look.
    fn compare_positions(&mut self, startup: bool) -> bool {
        let give_up = self.rechecks >= MAX_POSITION_RECHECKS;
        let mut settled = true;
        for i in 0..self.positions.len() {
            let (qty, avg) = self.recon_positions[i].unwrap_or((0.0, 0.0));
            let diff = qty - self.positions[i].qty;
            if diff.abs() <= 1e-6 {
                self.suspect[i] = None;
                continue;
            }
            // The same difference, in an answer asked for well after the instrument's latest
            // fill: a positions answer lagging a fill is not confirmed by another lagging it.
            let quiet =
                self.round_asked_ns.saturating_sub(self.last_fill_ns[i]) > POSITION_RECHECK_NS;
            let confirmed = quiet && self.suspect[i].is_some_and(|d| (d - diff).abs() <= 1e-6);
            if !confirmed && !give_up {
                self.suspect[i] = Some(diff);
                settled = false;
                tracing::warn!(
                    symbol = %self.symbols[i],
                    engine = self.positions[i].qty,
                    gateway = qty,
                    "position differs from the gateway's: looking again before adopting it"
                );
                continue;
            }
            self.suspect[i] = None;
            self.adopt_position(i, qty, avg, startup);
        }
        settled
    }

    /// Takes the gateway's position of instrument `i`. Outside start-up the difference goes
    /// to the one pair trading the instrument (book and target), which is then closed.
    fn adopt_position(&mut self, i: usize, qty: f64, avg: f64, startup: bool) {
        self.counters.position_mismatches += 1;
        let diff = qty - self.positions[i].qty;
        tracing::error!(
            symbol = %self.symbols[i],
            engine = self.positions[i].qty,
            gateway = qty,
            "position differs from the gateway's: adopting the gateway's"
        );
        self.projected[i] += diff;
        let p = &mut self.positions[i];
        p.qty = qty;
        p.avg_cost = avg;
        if startup {
            // Inherited: no pair of this run traded it.
            return;
        }
        let mut owners = self
            .pairs
            .iter()
            .enumerate()
            .filter_map(|(k, s)| s.book.leg_of(i as u16).map(|leg| (k, leg)));
        let (Some((k, leg)), None) = (owners.next(), owners.next()) else {
            // Shared by pairs (or by none): the instrument's residual, flattened as such.
            return;
        };
        let s = &mut self.pairs[k];
        let l = &mut s.book.legs_mut()[leg];
        if l.qty == 0.0 {
            l.avg_cost = avg;
        }
        l.qty += diff;
        if l.qty.abs() <= 1e-9 {
            l.qty = 0.0;
        }
        s.target[leg] += diff;
        s.adopted = true;
    }
}
