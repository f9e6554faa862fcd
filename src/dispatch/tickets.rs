//! Tickets: every leg of one intent (a pair's two, a basket's names) tracked until hedged or
//! unwound, all legs or none. A leg that fails
//! (rejected, cancelled, lost, or not filled within `risk.leg_timeout_ms`) is re-sent
//! `risk.leg_retries` times to complete the hedge; then what the slot holds is unwound (every
//! leg, as one reducing ticket) and the slot stops trading. An unwind that cannot fill is a
//! naked leg, logged and counted.
//!
//! A leg is re-sent only for what none of its orders can fill any more: a leg that times out
//! while working is cancelled first, and what it lacks is re-sent when the cancel (or a fill)
//! has ended it; a leg with several orders (a passive hedge) re-sends what one of them left
//! short at once, beside the others, so the pair's target never lacks a share the ticket will
//! still send. Two orders never work for the same missing quantity (no over-hedge).

use super::combo::ComboPhase;
use super::execution::PassivePhase;
use super::{Dispatcher, Link, OPEN_TICKETS, PendingOrder, TICKETS};
use crate::config::Policy;
use crate::types::{MAX_BASKET_LEGS, Side};

/// Attempts at each leg of a reducing trade (close or unwind) ...
const UNWIND_RETRIES: u8 = 5;
/// ... and fresh flattens of the pair after that, before a leg is declared naked.
const PAIR_FLATTENS: u8 = 3;

/// One leg of a pair ticket.
#[derive(Debug, Clone, Copy)]
pub(super) struct LegState {
    pub instrument: u16,
    pub side: Side,
    pub qty: f64,
    /// What the leg's orders filled, each by the one definition (`OrderSlot::filled`).
    pub filled: f64,
    /// Orders submitted for the leg (queued or working) that have not ended.
    pub live: u8,
}

/// Where a pair trade stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TicketState {
    Working,
    Hedged,
    Unwound,
}

/// Both legs of one intent, tracked until hedged or unwound.
///
/// Not `Copy`: its legs have room for a full basket, and a clone copies only the legs in use
/// (two for a pair), where a copy of the array would move 3.2 KB per look at a ticket.
#[derive(Debug, Clone)]
pub(super) struct Ticket {
    pub id: u32,
    pub pair: u16,
    pub seq: u64,
    pub opened_ns: u64,
    pub retries: u8,
    pub state: TicketState,
    /// A reducing trade (an unwind of a legged trade, or a close): legs that fail are
    /// retried, never reversed; running out of retries leaves a naked leg.
    pub unwind: bool,
    /// Out of retries, the legs still working were cancelled; the ticket decides once they end.
    pub cancelling: bool,
    /// The engine's own repair (an unwind of a legged trade): it reports under the intent's
    /// sequence number but never as the intent's trade completed.
    pub repair: bool,
    /// An entry a close took over: its working legs were cancelled, it never completes, and
    /// it ends once none of its orders can fill (the close is sized then, from what is held).
    pub superseded: bool,
    /// How its orders are priced (see `execution.rs`).
    pub policy: Policy,
    /// A `passive` ticket's resting phase (`None` once over, or for other policies).
    pub passive: Option<PassivePhase>,
    /// A `combo` ticket's BAG phase (`None` once over, or for other policies).
    pub combo: Option<ComboPhase>,
    /// The legs, in the order of the intent's.
    pub legs: arrayvec::ArrayVec<LegState, MAX_BASKET_LEGS>,
}

impl Ticket {
    /// An order the dispatcher builds on its own clock for `qty` shares of leg `leg` (a re-send,
    /// a hedge, a re-price, a give-up's cross): market-priced by the policy, triggered by no
    /// tick.
    pub(super) fn leg_order(&self, leg: u8, qty: u32, now: u64) -> PendingOrder {
        let l = self.legs[leg as usize];
        PendingOrder {
            instrument: l.instrument,
            pair: self.pair,
            side: l.side,
            qty,
            seq: self.seq,
            ticket: self.id,
            leg,
            t_recv_ns: now,
            t_event_ns: 0,
            cancel_id: 0,
            combo_b: 0,
        }
    }

    /// The ticket's legs.
    pub fn legs(&self) -> &[LegState] {
        &self.legs
    }
}

const _: () = assert!(OPEN_TICKETS <= TICKETS);

impl Dispatcher {
    /// Opens a ticket for `orders` (every leg, at most [`MAX_BASKET_LEGS`]) and submits the legs
    /// with a quantity (for a `passive` ticket of two legs, only the leg that rests: the other
    /// follows its fills; a passive ticket of more legs sends them all at market).
    pub(super) fn open_ticket(
        &mut self,
        pair: u16,
        seq: u64,
        unwind: bool,
        policy: Policy,
        orders: &[PendingOrder],
    ) -> u32 {
        self.open_ticket_for(pair, seq, unwind, false, policy, orders)
    }

    /// [`open_ticket`](Self::open_ticket), saying whether the ticket is the engine's repair.
    fn open_ticket_for(
        &mut self,
        pair: u16,
        seq: u64,
        unwind: bool,
        repair: bool,
        policy: Policy,
        orders: &[PendingOrder],
    ) -> u32 {
        let orders = &orders[..orders.len().min(MAX_BASKET_LEGS)];
        let id = self.next_ticket_id();
        self.next_ticket = id.wrapping_add(1).max(1);
        let leg_state = |o: &PendingOrder| LegState {
            instrument: o.instrument,
            side: o.side,
            qty: o.qty as f64,
            filled: 0.0,
            live: 0,
        };
        let legs = orders.iter().map(leg_state).collect();
        self.tickets[id as usize % TICKETS] = Some(Ticket {
            id,
            pair,
            seq,
            opened_ns: self.now,
            retries: 0,
            state: TicketState::Working,
            unwind,
            cancelling: false,
            repair,
            superseded: false,
            policy,
            passive: None,
            combo: None,
            legs,
        });
        self.open_tickets.push(id);
        if let [a, b] = orders
            && policy == Policy::Combo
            && a.qty != 0
            && b.qty != 0
        {
            // One BAG order for both legs.
            self.open_combo(id, *a, *b);
            self.check_ticket(id, false);
            return id;
        }
        // A passive trade of two legs rests one of them; the other is hedged as it fills.
        let resting = match orders {
            [a, b] if policy == Policy::Passive && a.qty != 0 && b.qty != 0 => {
                Some(self.passive_leg(&[*a, *b]))
            }
            _ => None,
        };
        let now = self.now;
        if let (Some(leg), Some(t)) = (resting, self.ticket_mut(id)) {
            let hedge = orders[1 - leg as usize];
            t.passive = Some(PassivePhase {
                leg,
                started_ns: now,
                order_id: 0,
                price: 0,
                repricing: false,
                giving_up: false,
                reserved: f64::from(hedge.qty),
            });
            let buy = hedge.side == Side::Buy;
            self.adjust_target(pair, hedge.instrument, buy, f64::from(hedge.qty));
        }
        let sent_now = |k: usize| orders[k].qty != 0 && resting.is_none_or(|r| r as usize == k);
        for k in 0..orders.len() {
            if sent_now(k) {
                self.leg_order_started(id, k as u8);
            }
        }
        for (k, &order) in orders.iter().enumerate() {
            let mut order = order;
            if !sent_now(k) {
                continue;
            }
            order.ticket = id;
            order.leg = k as u8;
            self.submit_started(order);
        }
        // A ticket with nothing to do is settled at once.
        self.check_ticket(id, false);
        id
    }

    /// The id the next ticket gets: the next whose entry (id modulo [`TICKETS`]) holds no
    /// working ticket, which is never overwritten (its legs' fills would reach no ticket). Ids
    /// still increase; fewer than [`OPEN_TICKETS`] work when one opens, so one is free.
    pub(super) fn next_ticket_id(&self) -> u32 {
        let mut id = self.next_ticket;
        for _ in 0..TICKETS {
            match &self.tickets[id as usize % TICKETS] {
                Some(t) if t.state == TicketState::Working => id = id.wrapping_add(1).max(1),
                _ => break,
            }
        }
        id
    }

    /// Ticket `id` while it is in the table (0 is no ticket: no table entry has id 0).
    pub(super) fn ticket(&self, id: u32) -> Option<&Ticket> {
        self.tickets[id as usize % TICKETS]
            .as_ref()
            .filter(|t| t.id == id)
    }

    pub(super) fn ticket_mut(&mut self, id: u32) -> Option<&mut Ticket> {
        self.tickets[id as usize % TICKETS]
            .as_mut()
            .filter(|t| t.id == id)
    }

    /// An order for a ticket's leg was submitted (it may be queued).
    pub(super) fn leg_order_started(&mut self, ticket: u32, leg: u8) {
        if ticket == 0 {
            return;
        }
        if let Some(t) = self.ticket_mut(ticket) {
            let l = &mut t.legs[leg as usize];
            l.live = l.live.saturating_add(1);
        }
    }

    /// An order for a ticket's leg is over (filled, rejected, cancelled, lost, never sent).
    pub(super) fn leg_order_ended(&mut self, ticket: u32, leg: u8) {
        if ticket == 0 {
            return;
        }
        if let Some(t) = self.ticket_mut(ticket) {
            let l = &mut t.legs[leg as usize];
            l.live = l.live.saturating_sub(1);
        }
        self.check_ticket(ticket, false);
    }

    /// Cancels the sent orders of the ticket's legs that are late (working, not complete)
    /// and restarts its clock, so the cancel is not repeated before another timeout.
    fn cancel_late_legs(&mut self, t: &Ticket) {
        let now = self.now;
        if let Some(tm) = self.ticket_mut(t.id) {
            tm.opened_ns = now;
        }
        let scan = self.begin_scan();
        for &i in &scan {
            let Some(s) = self.slots[i as usize] else {
                continue;
            };
            let late = s.ticket == t.id
                && !s.status.is_terminal()
                && t.legs[s.leg as usize].filled + 1e-9 < t.legs[s.leg as usize].qty;
            if late {
                self.counters.leg_timeout_cancels += 1;
                self.queue_cancel(s.order_id);
            }
        }
        self.end_scan(scan);
    }

    /// Re-evaluates a ticket after a change; `timed_out` forces a decision on unfilled legs.
    pub(super) fn check_ticket(&mut self, id: u32, timed_out: bool) {
        let complete = |l: &LegState| l.filled + 1e-9 >= l.qty;
        // Looked at in place first: a copy of a ticket (room for a full basket's legs) only
        // when there is more to decide than "still working" or "complete".
        let Some(ticket) = self.ticket(id) else {
            return;
        };
        if ticket.state != TicketState::Working {
            return;
        }
        if ticket.legs().iter().all(complete) {
            self.close_ticket(id, TicketState::Hedged);
            return;
        }
        // The common case, a plain ticket whose unfilled legs are all still covered by orders
        // working or queued: nothing to decide (the rule below finds no leg missing anything).
        if ticket.combo.is_none()
            && ticket.passive.is_none()
            && !ticket.superseded
            && !timed_out
            && (0..ticket.legs().len())
                .all(|k| complete(&ticket.legs[k]) || self.leg_missing(ticket, k).is_none())
        {
            return;
        }
        // Copied again only after a phase step that may have changed it (a market ticket, the
        // common case, is copied once).
        let mut t = ticket.clone();
        let winding_down = self.counters.kill_switch > 0 || self.stopping;
        // A combo ended short waits for its confirming round, even when a close took over.
        if let Some(cp) = t.combo {
            if self.combo_step(&t, cp, winding_down) {
                return;
            }
            let Some(now) = self.ticket(id).cloned() else {
                return;
            };
            t = now;
        }
        if t.superseded {
            if t.legs().iter().all(|l| l.live == 0) {
                self.close_ticket(id, TicketState::Unwound);
            }
            return;
        }
        if let Some(ps) = t.passive {
            // Resting (its own clock, `give_up_ms`, governs; the leg timeout does not).
            if self.passive_step(&t, ps, winding_down) {
                return;
            }
            // The passive phase may have just ended: decide on the ticket as it is now.
            let Some(now) = self.ticket(id).cloned() else {
                return;
            };
            t = now;
        }
        if timed_out && t.legs().iter().any(|l| !complete(l) && l.live > 0) {
            self.cancel_late_legs(&t);
        }
        // A leg is missing what neither its fills nor its orders still working or queued cover:
        // all of what it lacks once its orders ended short (time running out cancels them
        // first), or the part an order left short while others of the leg still work (a
        // passive ticket's hedge leg holds several). The pair's target counts a missing share
        // only once it is re-sent, so it is re-sent at once: a close or an entry sized from the
        // target meanwhile would trade it a second time.
        let missing: arrayvec::ArrayVec<(usize, u32), MAX_BASKET_LEGS> = (0..t.legs().len())
            .filter(|&k| !complete(&t.legs[k]))
            .filter_map(|k| self.leg_missing(&t, k).map(|qty| (k, qty)))
            .collect();
        if missing.is_empty() || self.queue_lacks_room(missing.len()) {
            return;
        }
        self.counters.legged += 1;
        let any_filled = t.legs().iter().any(|l| l.filled > 0.0);
        let none_live = t.legs().iter().all(|l| l.live == 0);
        if !t.unwind && !any_filled && none_live && missing.len() == t.legs().len() {
            // Nothing traded: no exposure, nothing to repair.
            self.close_ticket(id, TicketState::Hedged);
            return;
        }
        // Winding down (kill switch, end of run): no more completing; a flatten to come takes
        // everything back, else the filled leg is unwound below.
        if winding_down && !t.unwind && self.wants_flatten() {
            self.close_ticket(id, TicketState::Unwound);
            return;
        }
        if t.retries < self.max_retries(&t) {
            // Complete the hedge (or the unwind): re-send what each missing leg still lacks.
            let now = self.now;
            if let Some(tm) = self.ticket_mut(id) {
                tm.retries += 1;
                tm.opened_ns = now;
            }
            for &(k, _) in &missing {
                self.leg_order_started(id, k as u8);
            }
            for &(k, qty) in &missing {
                self.counters.leg_resends += 1;
                self.submit_started(t.leg_order(k as u8, qty, now));
            }
            return;
        }
        // Out of retries: what is taken back is sized from the pair's target, which counts
        // the other leg's working order as if it will fill. Cancel it first, decide once it
        // has ended (filled or not), as for a timeout.
        if t.legs().iter().any(|l| !complete(l) && l.live > 0) {
            if !t.cancelling {
                if let Some(tm) = self.ticket_mut(id) {
                    tm.cancelling = true;
                }
                self.cancel_late_legs(&t);
            }
            return;
        }
        if t.unwind {
            self.close_ticket(id, TicketState::Unwound);
            // A reducing trade that cannot complete: flatten the whole pair afresh (new order
            // ids, recomputed from what the pair holds), a few times, before calling it naked.
            let p = t.pair as usize;
            if self
                .pairs
                .get(p)
                .is_some_and(|s| s.flattens < PAIR_FLATTENS)
            {
                self.pairs[p].flattens += 1;
                self.pairs[p].blocked = true;
                self.flatten_pair(t.pair, t.seq);
                return;
            }
            for l in t.legs().iter().filter(|l| l.filled + 1e-9 < l.qty) {
                self.counters.naked_legs += 1;
                tracing::error!(
                    pair = t.pair,
                    instrument = l.instrument,
                    missing = l.qty - l.filled,
                    "naked leg: the closing order did not fill"
                );
            }
            return;
        }
        // Retries exhausted: take back whatever the pair holds and stop trading it.
        self.counters.leg_unwinds += 1;
        tracing::warn!(
            pair = t.pair,
            ticket = id,
            "legged pair trade: unwinding the filled leg; the pair stops trading"
        );
        if let Some(p) = self.pairs.get_mut(t.pair as usize) {
            p.blocked = true;
        }
        self.close_ticket(id, TicketState::Unwound);
        self.flatten_pair(t.pair, t.seq);
    }

    /// The shares leg `k` of ticket `t` (incomplete) lacks and has no order for: everything
    /// it lacks once none of its orders can fill any more, else what its fills and working or
    /// queued orders leave uncovered (at least a share). `None` while it lacks nothing, or
    /// while some order of the leg is counted live but not yet submitted (a ticket sending
    /// several orders counts them all first): its cover is not known until then.
    fn leg_missing(&self, t: &Ticket, k: usize) -> Option<u32> {
        let l = t.legs[k];
        if l.live == 0 {
            return Some((l.qty - l.filled).round() as u32);
        }
        let (shares, orders) = self.leg_cover(t.id, k as u8);
        if orders < usize::from(l.live) {
            return None;
        }
        let uncovered = (l.qty - l.filled - shares).round();
        (uncovered >= 1.0).then_some(uncovered as u32)
    }

    /// The re-sends ticket `t` may make: a reducing trade's, or an entry's (none while winding
    /// down).
    fn max_retries(&self, t: &Ticket) -> u8 {
        let winding_down = self.counters.kill_switch > 0 || self.stopping;
        if t.unwind {
            UNWIND_RETRIES
        } else if winding_down {
            0
        } else {
            self.risk.leg_retries + self.extra_retries(t.policy)
        }
    }

    /// Takes back what slot `pair` will hold once everything in flight completes (filled legs
    /// of a failed trade, and any close or entry overlapping it), as one reducing ticket, so no
    /// leg is left alone whatever else was working.
    pub(super) fn flatten_pair(&mut self, pair: u16, seq: u64) {
        if self.pairs[pair as usize]
            .target
            .iter()
            .all(|q| q.abs() < 1e-9)
        {
            return;
        }
        if self.open_tickets.is_full() {
            self.counters.naked_legs += 1;
            tracing::error!(pair, "naked leg: no room to track the unwind");
            return;
        }
        let orders = self.reducing_orders(pair, seq, self.now, 0);
        self.open_ticket_for(pair, seq, true, true, Policy::Market, &orders);
    }

    /// The orders that take slot `pair` from its target back to flat, one per leg (a leg
    /// already flat gets a zero quantity: it is complete at once).
    pub(super) fn reducing_orders(
        &self,
        pair: u16,
        seq: u64,
        t_recv_ns: u64,
        t_event_ns: u64,
    ) -> arrayvec::ArrayVec<PendingOrder, MAX_BASKET_LEGS> {
        let state = &self.pairs[pair as usize];
        state
            .book
            .instruments()
            .iter()
            .enumerate()
            .map(|(k, &instrument)| {
                let q = state.target[k];
                PendingOrder {
                    instrument,
                    pair,
                    side: if q > 0.0 { Side::Sell } else { Side::Buy },
                    qty: q.abs().round() as u32,
                    seq,
                    ticket: 0,
                    leg: k as u8,
                    t_recv_ns,
                    t_event_ns,
                    cancel_id: 0,
                    combo_b: 0,
                }
            })
            .collect()
    }

    pub(super) fn close_ticket(&mut self, id: u32, state: TicketState) {
        // A hedge still reserved will not be sent: the target no longer counts it.
        self.end_passive(id);
        self.end_combo(id);
        let mut ended = None;
        if let Some(t) = self.ticket_mut(id) {
            t.state = state;
            // Reached: the intent's own trade filled every leg and still stands (not a repair,
            // not an entry a close took over; a ticket ended with nothing traded is not).
            let reached =
                !t.repair && !t.superseded && t.legs().iter().all(|l| l.filled + 1e-9 >= l.qty);
            // A failed trade unwinds (a repair or a superseded entry does not).
            let failed = state == TicketState::Unwound && !t.repair && !t.superseded && !t.unwind;
            ended = Some((t.pair, t.seq, reached, failed));
        }
        self.open_tickets.retain(|x| *x != id);
        self.closes_due = true;
        // An unwind to come reports again under the same sequence number.
        if let Some((pair, seq, reached, failed)) = ended {
            self.report_outcome(pair, seq, reached);
            // The other baskets sharing its orders (`shared.rs`).
            self.end_shared(id, pair, seq, reached, failed);
        }
    }

    /// A leg of ticket `id` went out: the ticket's clock starts now (a leg waiting in the
    /// engine's own rate-limiter queue is not late at the gateway).
    pub(super) fn leg_sent(&mut self, id: u32) {
        let now = self.now;
        if let Some(t) = self.ticket_mut(id) {
            t.opened_ns = now;
        }
    }

    /// Legs that did not fill in time (the clock does not run while the session is down, nor
    /// while a leg of the ticket still waits for the rate limiter).
    pub(super) fn check_timeouts(&mut self) {
        if self.link != Link::Up {
            return;
        }
        let limit = self.risk.leg_timeout_ms * 1_000_000;
        let now = self.now;
        let mut k = 0;
        while k < self.open_tickets.len() {
            let id = self.open_tickets[k];
            let late = self
                .ticket_mut(id)
                .is_some_and(|t| now.saturating_sub(t.opened_ns) > limit)
                && !self
                    .pending
                    .iter()
                    .any(|o| o.ticket == id && o.cancel_id == 0);
            if late {
                self.check_ticket(id, true);
            }
            // check_ticket may have removed it; only advance past tickets still open.
            if self.open_tickets.get(k) == Some(&id) {
                k += 1;
            }
        }
    }

    /// Restarts every open ticket's clock (after the session came back).
    pub(super) fn restart_ticket_clocks(&mut self) {
        let now = self.now;
        for k in 0..self.open_tickets.len() {
            let id = self.open_tickets[k];
            if let Some(t) = self.ticket_mut(id) {
                t.opened_ns = now;
            }
        }
    }
}
