//! Intents through the pre-trade checks; closes sized from what a pair will hold; the loss
//! limit, the kill switch and flattening.

use super::{Dispatcher, KillReason, Link, PendingOrder};
use crate::types::{IntentKind, IntentMsg, MAX_BASKET_LEGS, MAX_LEGS, Side};

impl Dispatcher {
    pub(super) fn handle_intent(&mut self, msg: &IntentMsg) {
        match msg.value.kind {
            IntentKind::StepOpen => return self.open_step(msg.value.seq),
            IntentKind::StepClose => return self.close_step(msg.value.seq),
            _ => {}
        }
        self.counters.intents += 1;
        if !self.intent_taken(msg) {
            // Refused (or nothing to close): the strategy learns what the pair holds.
            self.report_outcome(msg.value.pair, msg.value.seq, false);
        }
    }

    /// An intent through the checks; false when it was refused, or is a close with nothing to
    /// close (a trade it starts reports its outcome when its ticket ends).
    fn intent_taken(&mut self, msg: &IntentMsg) -> bool {
        let intent = &msg.value;
        let p = intent.pair as usize;
        if intent.kind == IntentKind::RebalancePart {
            // Held for the intent that completes it, which decides (and reports) for all.
            self.hold_part(msg);
            return true;
        }
        if p >= self.pairs.len() {
            self.counters.intents_blocked += 1;
            return false;
        }
        if let IntentKind::Close(_) = intent.kind {
            // A basket's close in a decision step nets with the step's other trades.
            if self.in_step(intent.seq) && self.link == Link::Up && self.stage_close(msg) {
                return true;
            }
            // Sized from what the pair will hold, not from what the strategy assumes.
            if self.link != Link::Up {
                self.counters.closes_deferred += 1;
                self.pairs[p].close_seq = intent.seq;
                self.pairs[p].close_t_ns = intent.t_ns;
                self.pairs[p].close_pending = true;
                return true;
            }
            return self.close_pair(intent.pair, intent.seq, msg.t_recv_ns, intent.t_ns);
        }
        if self.counters.kill_switch > 0 || self.pairs[p].blocked || self.stopping {
            self.counters.intents_blocked += 1;
            return false;
        }
        if self.link != Link::Up {
            self.counters.entries_while_down += 1;
            return false;
        }
        // A basket rebalances; a pair opens. Anything else is not the slot's kind of intent.
        if self.is_basket(intent.pair) != (intent.kind == IntentKind::Rebalance) {
            self.counters.intents_blocked += 1;
            return false;
        }
        let max_age = self.risk.max_quote_age_ms * 1_000_000;
        if intent
            .legs
            .iter()
            .any(|l| self.feed.is_stale(l.instrument, self.now, max_age))
        {
            self.counters.entries_stale += 1;
            return false;
        }
        if intent.kind == IntentKind::Rebalance {
            return self.rebalance(msg);
        }
        // The pair must be flat once what is in flight completes (a close still working
        // counts as done: a reversal on one tick trades at once).
        if self.pairs[p].target.iter().any(|&q| q.abs() > 1e-9) {
            self.counters.entries_not_flat += 1;
            return false;
        }
        let orders: arrayvec::ArrayVec<PendingOrder, MAX_BASKET_LEGS> = intent
            .legs
            .iter()
            .map(|leg| PendingOrder {
                instrument: leg.instrument,
                pair: intent.pair,
                side: leg.side,
                qty: leg.qty,
                seq: intent.seq,
                ticket: 0,
                leg: 0,
                t_recv_ns: msg.t_recv_ns,
                t_event_ns: intent.t_ns,
                cancel_id: 0,
                combo_b: 0,
            })
            .collect();
        self.open_checked(intent.pair, intent.seq, &orders)
    }

    /// Every leg or none: a risk check failing on one leg must not leave the others alone.
    /// Opens the entry's ticket when the checks pass.
    fn open_checked(&mut self, pair: u16, seq: u64, orders: &[PendingOrder]) -> bool {
        if !self.risk_allows(orders)
            || self.open_tickets.is_full()
            || self.queue_lacks_room(orders.len())
        {
            self.counters.rejected_by_risk += 1;
            return false;
        }
        let policy = self.policy_of(pair);
        self.open_ticket(pair, seq, false, policy, orders);
        true
    }

    /// A basket's rebalance: its legs are targets; what differs from what each name will hold
    /// goes as one ticket (one order per name: buys and sells of one name net before they are
    /// sent). The basket must have nothing in flight: its targets are then its book, and a
    /// strategy that asks again later (it asks for a state, not a trade) trades the rest.
    fn rebalance(&mut self, msg: &IntentMsg) -> bool {
        let intent = &msg.value;
        let p = intent.pair as usize;
        // The parts of this rebalance (a basket of more than `MAX_LEGS` names), taken once.
        let parts = self.pairs[p].parts.of(intent.seq).copied();
        self.pairs[p].parts.seq = 0;
        if self.slot_busy(intent.pair) {
            self.counters.entries_not_flat += 1;
            return false;
        }
        let state = &self.pairs[p];
        let n = state.book.instruments().len();
        let mut wanted = state.target;
        let mut named = [false; MAX_BASKET_LEGS];
        if let Some(parts) = parts {
            if parts.spoiled {
                self.counters.intents_blocked += 1;
                return false;
            }
            for k in (0..n).filter(|&k| parts.named[k]) {
                named[k] = true;
                wanted[k] = parts.wanted[k];
            }
        }
        for leg in intent.legs.iter() {
            // Every leg a name of the basket, each name once.
            let Some(at) = state.book.leg_of(leg.instrument).filter(|&at| !named[at]) else {
                self.counters.intents_blocked += 1;
                return false;
            };
            named[at] = true;
            wanted[at] = leg.signed() as f64;
        }
        // A basket sent in parts names every name: a set that arrived incomplete must not
        // trade the rest alone.
        if n > MAX_LEGS && named[..n].iter().any(|&k| !k) {
            self.counters.intents_blocked += 1;
            return false;
        }
        let orders: arrayvec::ArrayVec<PendingOrder, MAX_BASKET_LEGS> = state
            .book
            .instruments()
            .iter()
            .enumerate()
            .filter(|&(k, _)| (wanted[k] - state.target[k]).abs() > 0.5)
            .map(|(k, &instrument)| {
                let delta = wanted[k] - state.target[k];
                PendingOrder {
                    instrument,
                    pair: intent.pair,
                    side: if delta > 0.0 { Side::Buy } else { Side::Sell },
                    qty: delta.abs().round() as u32,
                    seq: intent.seq,
                    ticket: 0,
                    leg: 0,
                    t_recv_ns: msg.t_recv_ns,
                    t_event_ns: intent.t_ns,
                    cancel_id: 0,
                    combo_b: 0,
                }
            })
            .collect();
        let max_age = self.risk.max_quote_age_ms * 1_000_000;
        if orders
            .iter()
            .any(|o| self.feed.is_stale(o.instrument, self.now, max_age))
        {
            self.counters.entries_stale += 1;
            return false;
        }
        if orders.is_empty() {
            // Already there: the strategy hears so (its trade is complete).
            self.report_outcome(intent.pair, intent.seq, true);
            return true;
        }
        if self.in_step(intent.seq) {
            // Netted with the step's other baskets when the step closes.
            return self.stage(msg, &orders);
        }
        self.open_checked(intent.pair, intent.seq, &orders)
    }

    /// Closes what pair `pair` holds, both legs as one ticket. Entries of the pair still in
    /// flight are ended first (queued ones dropped, working ones cancelled) and the close waits
    /// for them: sized from a target that counts a working entry, it would reverse the pair
    /// when the entry does not fill. False when there was nothing to close.
    pub(super) fn close_pair(
        &mut self,
        pair: u16,
        seq: u64,
        t_recv_ns: u64,
        t_event_ns: u64,
    ) -> bool {
        for k in 0..self.open_tickets.len() {
            let id = self.open_tickets[k];
            if let Some(t) = self.ticket_mut(id).filter(|t| t.pair == pair && !t.unwind) {
                t.superseded = true;
                // A hedge to come never comes: the close is sized without it.
                if t.passive.is_some() {
                    self.end_passive(id);
                }
                self.release_combo(id);
            }
        }
        // A share of another basket's order still working: the close waits for it to end.
        if self.stop_entries(Some(pair)) | self.combo_confirming(pair) | self.shares_pending(pair) {
            if !self.pairs[pair as usize].close_pending {
                self.counters.closes_after_cancel += 1;
            }
            self.pairs[pair as usize].close_seq = seq;
            self.pairs[pair as usize].close_t_ns = t_event_ns;
            self.pairs[pair as usize].close_pending = true;
            return true;
        }
        if self.pairs[pair as usize]
            .target
            .iter()
            .all(|&q| q.abs() < 1e-9)
        {
            self.counters.closes_flat += 1;
            return false;
        }
        if self.open_tickets.is_full() {
            self.counters.rejected_by_risk += 1;
            self.pairs[pair as usize].close_seq = seq;
            self.pairs[pair as usize].close_t_ns = t_event_ns;
            self.pairs[pair as usize].close_pending = true;
            return true;
        }
        let orders = self.reducing_orders(pair, seq, t_recv_ns, t_event_ns);
        // A reducing ticket: legs that do not fill are retried, never reversed.
        let policy = self.policy_of(pair);
        self.open_ticket(pair, seq, true, policy, &orders);
        true
    }

    /// Pre-trade limits on every leg of an entry together, applied to what each instrument
    /// will hold once everything already submitted completes (not to what has filled so far):
    /// order size, per name (shares and notional), gross notional, net notional (when the
    /// entry moves it away from zero), open orders and the order table.
    pub(super) fn risk_allows(&mut self, legs: &[PendingOrder]) -> bool {
        let r = self.risk;
        if self.seen.at_capacity() {
            if self.counters.rejected_exec_table == 0 {
                tracing::warn!(
                    executions = self.seen.len(),
                    "execution table at its size: no new entries (closes still trade); raise engine.fills_capacity"
                );
            }
            self.counters.rejected_exec_table += 1;
            return false;
        }
        if legs.iter().any(|o| o.qty as f64 > r.max_order_qty) {
            self.counters.rejected_order_qty += 1;
            return false;
        }
        let (mut gross, mut net, mut net_before) = (0.0, 0.0, 0.0);
        for (i, p) in self.positions.iter().enumerate() {
            let delta: f64 = legs
                .iter()
                .filter(|o| o.instrument as usize == i)
                .map(|o| o.side.signed(o.qty as f64))
                .sum();
            let after = self.projected[i] + delta;
            let (_, mid) = self.feed.last(i as u16);
            let price = if mid > 0.0 { mid } else { p.avg_cost };
            if delta != 0.0
                && (after.abs() > r.max_position || after.abs() * price > r.max_name_notional)
            {
                self.counters.rejected_position += 1;
                return false;
            }
            gross += after.abs() * price;
            net += after * price;
            net_before += self.projected[i] * price;
        }
        if gross > r.max_gross_notional
            || (net.abs() > r.max_net_notional && net.abs() > net_before.abs())
        {
            self.counters.rejected_notional += 1;
            return false;
        }
        let queued = self.pending.iter().filter(|o| o.cancel_id == 0).count();
        if self.live.len() + queued + legs.len() > r.max_open_orders {
            self.counters.rejected_open_orders += 1;
            return false;
        }
        // The order table never overwrites a working order (nor one whose executions are on
        // their way): an entry whose orders would land on one is refused whole, rather than
        // sent one leg short.
        let next = self.next_order_id.saturating_add(queued as i32);
        let taken = (0..legs.len() as i32).any(|k| {
            self.slot_of(next.saturating_add(k))
                .and_then(|i| self.slots[i])
                .is_some_and(|s| !s.reusable())
        });
        if taken {
            self.counters.rejected_open_orders += 1;
            return false;
        }
        true
    }

    /// Ends the entries of pair `pair` (of every pair: `None`) still in flight: entry orders
    /// waiting for the rate limiter are dropped (they never go out), working ones are cancelled
    /// (once). Orders that reduce risk stay. True when some entry order still works.
    pub(super) fn stop_entries(&mut self, pair: Option<u16>) -> bool {
        let of_pair = |p: u16| pair.is_none_or(|x| x == p);
        let mut dropped: arrayvec::ArrayVec<PendingOrder, { super::PENDING }> =
            arrayvec::ArrayVec::new();
        let mut k = 0;
        while k < self.pending.len() {
            let o = self.pending[k];
            let entry = o.cancel_id == 0
                && o.ticket != 0
                && of_pair(o.pair)
                && self.ticket_mut(o.ticket).is_some_and(|t| !t.unwind);
            if entry {
                dropped.push(self.pending.remove(k));
            } else {
                k += 1;
            }
        }
        // By reference: iterating by value would move the whole fixed-capacity buffer (48 KB).
        for &o in dropped.iter() {
            self.counters.entries_dropped += 1;
            self.adjust_target(o.pair, o.instrument, o.side == Side::Buy, -(o.qty as f64));
            if o.combo_b > 0 {
                self.combo_not_queued(&o);
            }
            self.leg_order_ended(o.ticket, o.leg);
        }
        let mut working = false;
        let scan = self.begin_scan();
        for &i in &scan {
            let i = i as usize;
            let Some(s) = self.slots[i] else { continue };
            if s.status.is_terminal() || s.reducing || !of_pair(s.pair) {
                continue;
            }
            working = true;
            if !s.cancel_asked {
                if let Some(s) = self.slots[i].as_mut() {
                    s.cancel_asked = true;
                }
                self.queue_cancel(s.order_id);
            }
        }
        self.end_scan(scan);
        working
    }

    /// Realized PnL after commissions since start-up.
    fn realized_net(&self) -> f64 {
        let p: f64 = self
            .positions
            .iter()
            .map(|p| p.realized - p.commissions)
            .sum();
        p - self.unattributed_commissions
    }

    /// Trips the kill switch when the loss at market (realized, commissions, and open
    /// positions marked at the feed's mid) exceeds the limit.
    pub(super) fn check_loss_at_market(&mut self) {
        if self.counters.kill_switch > 0 {
            return;
        }
        let open: f64 = self
            .positions
            .iter()
            .enumerate()
            .filter(|(_, p)| p.qty != 0.0)
            .map(|(i, p)| {
                let (_, mid) = self.feed.last(i as u16);
                if mid > 0.0 {
                    p.qty * (mid - p.avg_cost)
                } else {
                    0.0
                }
            })
            .sum();
        let net = self.realized_net() + open;
        if net < -self.risk.max_daily_loss {
            tracing::error!(
                loss = -net,
                limit = self.risk.max_daily_loss,
                "kill switch: daily loss limit reached at market; no more trading"
            );
            self.kill(KillReason::LossLimit);
        }
    }

    /// Trips the kill switch when the realized loss exceeds the limit (at every fill and
    /// commission; the loss at market is looked at every watchdog period).
    pub(super) fn check_loss(&mut self) {
        if self.counters.kill_switch == 0 && self.realized_net() < -self.risk.max_daily_loss {
            tracing::error!(
                loss = -self.realized_net(),
                limit = self.risk.max_daily_loss,
                "kill switch: daily loss limit reached; no more trading"
            );
            self.kill(KillReason::LossLimit);
        }
    }

    /// The kill switch: no more entries (queued ones dropped, working ones cancelled);
    /// positions flattened when `risk.flatten_on_kill`, once nothing is in flight (a flatten
    /// next to working closes or fills on their way would trade them twice).
    pub(super) fn kill(&mut self, reason: KillReason) {
        if self.counters.kill_switch > 0 {
            return;
        }
        self.counters.kill_switch = 1;
        self.kill_reason = reason;
        if reason == KillReason::Command {
            tracing::error!("kill switch: kill command received; no more trading");
        }
        self.stop_entries(None);
        self.maybe_flatten();
    }

    /// A flatten is wanted now: after the kill switch with `risk.flatten_on_kill`, or when
    /// winding down with `risk.flatten_on_stop`.
    pub(super) fn flatten_due(&self) -> bool {
        (self.counters.kill_switch > 0 && self.risk.flatten_on_kill)
            || (self.stopping && self.risk.flatten_on_stop)
    }

    /// Flattens when one is due and nothing is in flight: the session is up, nothing waits
    /// for the limiter, no order works, no execution a status reported is still on its way.
    /// True when a flatten was started.
    pub(super) fn maybe_flatten(&mut self) -> bool {
        let ready = self.flatten_due()
            && self.flatten_attempts > 0
            && self.link == Link::Up
            && self.pending.is_empty()
            && self.live.is_empty()
            && (self.positions.iter().any(|p| p.qty != 0.0) || self.pair_books_hold())
            && !self.executions_in_flight();
        // (A pair's book can hold what the account does not: two pairs holding a shared name
        // on opposite sides. Each book is flattened by its own orders, which offset each
        // other at the account; netting them without a trade is the cross-basket rule's.)
        if ready {
            self.flatten();
        }
        ready
    }

    /// Market orders closing every position: each pair's legs (so pair books go flat), then
    /// whatever the instrument positions hold beyond the pairs. Attempted a bounded number of
    /// times.
    pub(super) fn flatten(&mut self) {
        if self.flatten_attempts == 0 {
            return;
        }
        self.flatten_attempts -= 1;
        let mut residual: arrayvec::ArrayVec<f64, 4096> =
            self.positions.iter().take(4096).map(|p| p.qty).collect();
        for p in 0..self.pairs.len() {
            let b = self.pairs[p].book;
            for (&instrument, leg) in b.instruments().iter().zip(b.legs()) {
                let q = leg.qty;
                if q != 0.0 {
                    if let Some(r) = residual.get_mut(instrument as usize) {
                        *r -= q;
                    }
                    self.flatten_order(instrument, p as u16, q);
                }
            }
        }
        for (i, q) in residual.into_iter().enumerate() {
            if q.abs() > 1e-9 {
                self.flatten_order(i as u16, u16::MAX, q);
            }
        }
    }

    /// A pair's book holds something (a flatten has work even when the account is flat).
    fn pair_books_hold(&self) -> bool {
        self.pairs[..self.pair_count]
            .iter()
            .any(|p| p.book.legs().iter().any(|l| l.qty != 0.0))
    }

    fn flatten_order(&mut self, instrument: u16, pair: u16, qty: f64) {
        self.counters.flatten_orders += 1;
        self.submit(PendingOrder {
            instrument,
            pair,
            side: if qty > 0.0 { Side::Sell } else { Side::Buy },
            qty: qty.abs().round() as u32,
            seq: 0,
            ticket: 0,
            leg: 0,
            t_recv_ns: self.now,
            t_event_ns: 0,
            cancel_id: 0,
            combo_b: 0,
        });
    }

    /// Checks that run every `WATCHDOG_NS`: leg timeouts, feed staleness, closes held back.
    pub(super) fn cold_checks(&mut self) {
        self.check_loss_at_market();
        if self.link != Link::Up {
            return;
        }
        // The kill's (or the wind-down's) cancels that the full queue dropped, asked again.
        if std::mem::take(&mut self.cancels_dropped)
            && (self.counters.kill_switch > 0 || self.stopping)
        {
            self.stop_entries(None);
        }
        self.maybe_flatten();
        self.ask_about_cancelled();
        if !self.open_tickets.is_empty() {
            self.check_timeouts();
            self.check_resting();
            self.check_combos();
        }
        let max_age = self.risk.max_quote_age_ms * 1_000_000;
        for i in 0..self.stale.len() {
            let (t, _) = self.feed.last(i as u16);
            let stale = t != 0 && self.now.saturating_sub(t) > max_age;
            if stale != self.stale[i] {
                self.stale[i] = stale;
                if stale {
                    self.counters.stale_episodes += 1;
                    tracing::warn!(symbol = %self.symbols[i], "feed stale: no entries in its pairs");
                } else {
                    tracing::info!(symbol = %self.symbols[i], "feed fresh again");
                }
            }
        }
        self.service_closes();
    }

    /// Closes held back (session down, entries still ending, no room) go out when they can.
    pub(super) fn service_closes(&mut self) {
        if self.link != Link::Up {
            return;
        }
        self.closes_due = false;
        for p in 0..self.pairs.len() {
            if self.pairs[p].close_pending {
                self.pairs[p].close_pending = false;
                let (seq, t_ns) = (self.pairs[p].close_seq, self.pairs[p].close_t_ns);
                if !self.close_pair(p as u16, seq, self.now, t_ns) {
                    // Nothing left to close: the strategy hears so now.
                    self.report_outcome(p as u16, seq, false);
                }
            }
        }
    }
}
