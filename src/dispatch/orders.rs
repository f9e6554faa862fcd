//! Orders out (through the rate limiter) and their lives: statuses, errors, and the one
//! definition of what each has filled (executions and commissions are in `fills.rs`).

use super::{Control, Dispatcher, Link, OrderSlot, Outbound, PendingOrder, PlaceOrder};
use crate::journal::JournalEntry;
use crate::types::{OrderEvent, OrderMsg, OrderStatusKind, Side};
use crate::wire::ids::codes;

/// Errors after which an order is over, often with no final status (PROTOCOL.md, "Message
/// orderings"): rejected, duplicate order id, price increment, no security definition,
/// security not allowed, the order to cancel is not found.
const ORDER_ENDING_CODES: [i32; 6] = [
    codes::ORDER_REJECTED,
    codes::DUPLICATE_ORDER_ID,
    110,
    codes::NO_SECURITY_DEFINITION,
    203,
    codes::ORDER_NOT_FOUND,
];

/// IB's error for a combo without NonGuaranteed=1: it ends that order.
const NON_GUARANTEED_REQUIRED: i32 = 10043;

impl OrderSlot {
    /// The one definition of what an order has filled, used for its ticket's leg, re-send
    /// sizes and what its end gives back to the target: the larger of what its statuses and
    /// its executions report, since either may arrive first.
    pub(super) fn filled(&self) -> f64 {
        self.status_filled.max(self.exec_filled)
    }

    /// Executions its statuses reported filled are still on their way (a status may come
    /// first): a flatten sized now would trade them twice.
    pub(super) fn executions_due(&self) -> bool {
        self.status_filled > self.exec_filled + 1e-9
    }

    /// The one rule for giving its slot to a new order: it ended and every execution it
    /// reported has come (a late one would else find another order in the slot, and be booked
    /// outside its pair).
    pub(super) fn reusable(&self) -> bool {
        self.status.is_terminal() && !self.executions_due()
    }
}

impl Dispatcher {
    /// An order's statuses report more filled than its executions have brought: those
    /// executions are still on their way (a status may come first), and a flatten sized from
    /// the positions now would trade them twice.
    pub(super) fn executions_in_flight(&self) -> bool {
        self.slots.iter().flatten().any(OrderSlot::executions_due)
    }

    /// Where order `order_id` lives in the order table (whether or not it is there).
    pub(super) fn slot_of(&self, order_id: i32) -> Option<usize> {
        let offset = order_id.checked_sub(self.first_order_id)?;
        Some(usize::try_from(offset).ok()? % self.slots.len())
    }

    /// Puts a working order into slot `i` (free or ended) and into the working set.
    pub(super) fn open_slot(&mut self, i: usize, mut slot: OrderSlot) {
        self.unlive(i);
        slot.live_at = self.live.len() as u32;
        self.slots[i] = Some(slot);
        self.live.push(i as u32);
    }

    /// Takes slot `i` out of the working set (if it is there): its order ended or left the
    /// table.
    pub(super) fn unlive(&mut self, i: usize) {
        let Some(at) = self.slots[i].map(|s| s.live_at as usize) else {
            return;
        };
        if self.live.get(at) != Some(&(i as u32)) {
            return;
        }
        self.live.swap_remove(at);
        if let Some(&moved) = self.live.get(at)
            && let Some(s) = self.slots[moved as usize].as_mut()
        {
            s.live_at = at as u32;
        }
    }

    /// The slots of the orders working now, in table order: a scan that may end orders (or
    /// send new ones) walks this snapshot, not the working set it changes. Hand it back with
    /// [`end_scan`](Self::end_scan); the buffer is allocated once, at start-up.
    pub(super) fn begin_scan(&mut self) -> Vec<u32> {
        let mut v = std::mem::take(&mut self.scan);
        v.clear();
        v.extend_from_slice(&self.live);
        v.sort_unstable();
        v
    }

    pub(super) fn end_scan(&mut self, v: Vec<u32>) {
        self.scan = v;
    }

    pub(super) fn slot_index(&self, order_id: i32) -> Option<usize> {
        let i = self.slot_of(order_id)?;
        match self.slots[i] {
            Some(s) if s.order_id == order_id => Some(i),
            _ => None,
        }
    }

    /// Sends now, or queues behind the rate limiter (or the session).
    pub(super) fn submit(&mut self, order: PendingOrder) {
        if order.cancel_id == 0 {
            self.leg_order_started(order.ticket, order.leg);
        }
        self.submit_started(order);
    }

    /// [`submit`](Self::submit) for an order its ticket's leg already counts as live: a ticket
    /// sending several legs counts them all first, so that one ending at once (refused, queue
    /// full) does not make the other, not yet submitted, look missing.
    pub(super) fn submit_started(&mut self, order: PendingOrder) {
        if order.cancel_id == 0 {
            self.adjust_target(
                order.pair,
                order.instrument,
                order.side == Side::Buy,
                order.qty as f64,
            );
        }
        if self.pending.is_empty() && self.link == Link::Up && self.limiter.try_take(self.now) {
            self.send(&order);
        } else {
            self.counters.delayed_by_rate_limit += 1;
            if self.pending.try_push(order).is_err() {
                self.counters.dropped_rate_limit_full += 1;
                if order.cancel_id != 0 {
                    self.cancel_not_queued(order.cancel_id);
                } else {
                    self.adjust_target(
                        order.pair,
                        order.instrument,
                        order.side == Side::Buy,
                        -(order.qty as f64),
                    );
                    if order.combo_b > 0 {
                        self.combo_not_queued(&order);
                    }
                    self.leg_order_ended(order.ticket, order.leg);
                }
            }
        }
    }

    pub(super) fn queue_cancel(&mut self, order_id: i32) {
        // A combo leg is cancelled by its BAG's id: one cancel for both legs.
        let wire = self.wire_id(order_id);
        if wire != order_id
            && let Some(bag) = self.slot_index(wire).and_then(|i| self.slots[i].as_mut())
        {
            if bag.cancel_asked {
                return;
            }
            bag.cancel_asked = true;
        }
        let order_id = wire;
        if self.pending.iter().any(|o| o.cancel_id == order_id) {
            return;
        }
        self.submit(PendingOrder {
            instrument: 0,
            pair: u16::MAX,
            side: Side::Buy,
            qty: 0,
            seq: 0,
            ticket: 0,
            leg: 0,
            t_recv_ns: self.now,
            t_event_ns: 0,
            cancel_id: order_id,
            combo_b: 0,
        });
    }

    /// A cancel the full queue could not take: its order no longer counts as asked to cancel,
    /// so whoever wanted it asks again at its next look (a close waiting for the pair's entries,
    /// a re-price, a leg timeout; the kill's and the wind-down's in `cold_checks`).
    fn cancel_not_queued(&mut self, order_id: i32) {
        tracing::error!(
            order_id,
            "queue behind the rate limiter full: cancel dropped, to be asked again"
        );
        for i in self.order_slots(order_id).into_iter().flatten() {
            if let Some(s) = self.slots[i].as_mut() {
                s.cancel_asked = false;
            }
        }
        self.cancels_dropped = true;
    }

    /// The queue behind the rate limiter cannot take `n` more orders now. An entry is then
    /// refused whole, and a ticket's re-send waits for room (its timeout looks again): dropped,
    /// it would leave a leg alone, and a ticket re-sending into the full queue would spend every
    /// retry at once and declare the leg naked.
    pub(super) fn queue_lacks_room(&self, n: usize) -> bool {
        self.pending.remaining_capacity() < n
    }

    /// Queues a control request behind the limiter (it goes before any order waiting).
    pub(super) fn submit_control(&mut self, c: Control) {
        // A subscription already waiting is not asked again (room for one per instrument).
        if matches!(c, Control::Subscribe(_)) && self.controls.contains(&c) {
            return;
        }
        if self.controls.len() < self.controls.capacity() {
            self.controls.push_back(c);
        } else {
            self.counters.dropped_control_full += 1;
            tracing::error!(request = ?c, "control queue full: request dropped");
        }
    }

    /// Writes what the limiter allows: control requests first (they may go while reconciling),
    /// then orders and cancels (only while the session is up). True when something went out.
    pub(super) fn send_pending(&mut self) -> bool {
        if self.link == Link::Down {
            return false;
        }
        let mut sent = false;
        while let Some(&c) = self.controls.front() {
            if !self.limiter.try_take(self.now) {
                return sent;
            }
            self.controls.pop_front();
            self.outbox.push(Outbound::Control(c));
            sent = true;
        }
        if self.link != Link::Up {
            return sent;
        }
        while let Some(o) = self.pending.first().copied() {
            if !self.limiter.try_take(self.now) {
                break;
            }
            self.pending.remove(0);
            self.send(&o);
            sent = true;
        }
        sent
    }

    /// Moves the instrument's projected position and its pair's target by `qty` shares bought
    /// (`buy`) or sold; negative `qty` takes back.
    pub(super) fn adjust_target(&mut self, pair: u16, instrument: u16, buy: bool, qty: f64) {
        if let Some(x) = self.projected.get_mut(instrument as usize) {
            *x += if buy { qty } else { -qty };
        }
        let Some(p) = self.pairs.get_mut(pair as usize) else {
            return;
        };
        if let Some(k) = p.book.leg_of(instrument) {
            p.target[k] += if buy { qty } else { -qty };
        }
    }

    /// Journals the order, then hands it to the outbox (write-ahead).
    fn send(&mut self, o: &PendingOrder) {
        let t_ns = self.wall_ns();
        if o.cancel_id != 0 {
            self.counters.cancels_sent += 1;
            self.journal(JournalEntry::Cancel {
                t_ns,
                order_id: o.cancel_id,
            });
            self.outbox.push(Outbound::Cancel {
                order_id: o.cancel_id,
            });
            return;
        }
        if o.combo_b > 0 {
            return self.send_combo(o);
        }
        let order_id = self.next_order_id;
        self.next_order_id += 1;
        // The table is sized at start-up: a slot still holding a working order (or one whose
        // executions are on their way) is never overwritten (its fills would be lost), the new
        // order is refused instead.
        let free = match self.slot_of(order_id) {
            Some(i) if self.slots[i].is_none_or(|s| s.reusable()) => Some(i),
            _ => None,
        };
        let Some(i) = free else {
            self.counters.orders_refused_table_full += 1;
            tracing::error!(
                order_id,
                "order table full of working orders: order refused"
            );
            let buy = o.side == Side::Buy;
            self.adjust_target(o.pair, o.instrument, buy, -(o.qty as f64));
            self.leg_order_ended(o.ticket, o.leg);
            return;
        };
        self.counters.orders_sent += 1;
        self.journal(JournalEntry::Order {
            t_ns,
            order_id,
            instrument: o.instrument,
            pair: o.pair,
            buy: o.side == Side::Buy,
            qty: o.qty,
            ticket: o.ticket,
            leg: o.leg,
            seq: o.seq,
            combo: None,
        });
        let reducing = o.ticket == 0 || self.ticket_mut(o.ticket).is_some_and(|t| t.unwind);
        self.open_slot(
            i,
            OrderSlot {
                reducing,
                cancel_asked: false,
                unlisted: false,
                cancel_reported_ns: 0,
                order_id,
                instrument: o.instrument,
                pair: o.pair,
                ticket: o.ticket,
                leg: o.leg,
                signal_t_ns: o.t_event_ns,
                qty: o.qty as f64,
                status_filled: 0.0,
                exec_filled: 0.0,
                buy: o.side == Side::Buy,
                status: OrderStatusKind::PendingSubmit,
                epoch: self.epoch,
                live_at: 0,
                combo: None,
            },
        );
        if o.ticket != 0 {
            self.leg_sent(o.ticket);
        }
        let kind = self.price(o);
        if let (true, Some(price)) = (kind.rests(), kind.limit()) {
            self.resting_written(o.ticket, o.leg, order_id, price);
        }
        self.outbox.push(Outbound::Place(PlaceOrder {
            order_id,
            instrument: o.instrument,
            pair: o.pair,
            side: o.side,
            qty: o.qty,
            kind,
            seq: o.seq,
            t_recv_ns: o.t_recv_ns,
            from_tick: o.triggered_by_tick(),
        }));
    }

    /// An order whose bytes never left: it ends unfilled, as if never sent.
    pub(super) fn order_not_sent(&mut self, order_id: i32) {
        // A combo never left: both its legs end.
        if let [Some(_), Some(j)] = self.order_slots(order_id)
            && let Some(companion) = self.slots[j].map(|s| s.order_id)
        {
            self.order_not_sent_one(companion);
        }
        self.order_not_sent_one(order_id);
    }

    fn order_not_sent_one(&mut self, order_id: i32) {
        let Some(i) = self.slot_index(order_id) else {
            return;
        };
        self.unlive(i);
        let Some(s) = self.slots[i].take() else {
            return;
        };
        self.counters.orders_sent = self.counters.orders_sent.saturating_sub(1);
        self.adjust_target(s.pair, s.instrument, s.buy, -s.qty);
        let t_ns = self.wall_ns();
        self.journal(JournalEntry::Done {
            t_ns,
            order_id,
            filled: 0.0,
        });
        self.leg_order_ended(s.ticket, s.leg);
    }

    /// An order reached a terminal state.
    pub(super) fn order_ended(&mut self, i: usize, status: OrderStatusKind) {
        let Some(slot) = self.slots[i].as_mut() else {
            return;
        };
        if slot.status.is_terminal() {
            return;
        }
        slot.status = status;
        let s = *slot;
        self.unlive(i);
        // What will not fill no longer counts towards the pair's target.
        let unfilled = (s.qty - s.filled()).max(0.0);
        if unfilled > 0.0 {
            self.adjust_target(s.pair, s.instrument, s.buy, -unfilled);
        }
        match status {
            OrderStatusKind::Filled => self.counters.orders_filled += 1,
            _ => self.counters.orders_cancelled += 1,
        }
        let t_ns = self.wall_ns();
        self.journal(JournalEntry::Done {
            t_ns,
            order_id: s.order_id,
            filled: s.filled(),
        });
        self.leg_order_ended(s.ticket, s.leg);
        self.end_restored_share(s.order_id);
    }

    /// Order slot `i` has filled `status_filled` by its statuses and `exec_filled` by its
    /// executions so far. What the one definition of filled ([`OrderSlot::filled`]) gained goes
    /// to its ticket's leg; after the order ended (a report arriving late) it also goes back
    /// into the target, which the end had taken it from.
    pub(super) fn record_filled(&mut self, i: usize, status_filled: f64, exec_filled: f64) {
        let Some(s) = self.slots[i].as_mut() else {
            return;
        };
        let before = s.filled();
        s.status_filled = s.status_filled.max(status_filled);
        s.exec_filled = s.exec_filled.max(exec_filled);
        let s = *s;
        let gained = (s.filled() - before).min(s.qty - before).max(0.0);
        if gained <= 0.0 {
            return;
        }
        if s.status.is_terminal() {
            self.adjust_target(s.pair, s.instrument, s.buy, gained);
            if s.combo.is_some() {
                self.combo_late_fill(s.ticket, s.leg, gained);
            }
        }
        if s.ticket != 0 {
            if let Some(t) = self.ticket_mut(s.ticket) {
                t.legs[s.leg as usize].filled += gained;
            }
            self.check_ticket(s.ticket, false);
        }
    }

    pub(super) fn handle_order_event(&mut self, msg: &OrderMsg) {
        match msg.value {
            OrderEvent::Status {
                order_id,
                status,
                filled,
                ..
            } => {
                // A combo's status (filled in units) is each leg's, times its ratio.
                for i in self.order_slots(order_id).into_iter().flatten() {
                    let Some((own_id, scale)) = self.slots[i]
                        .map(|s| (s.order_id, s.combo.map_or(1.0, |c| f64::from(c.ratio))))
                    else {
                        continue;
                    };
                    self.status_of(i, own_id, status, filled * scale);
                }
            }
            OrderEvent::Execution {
                order_id,
                exec_id,
                instrument,
                buy,
                shares,
                price,
                ..
            } => {
                if self.bag_execution(instrument) {
                    return;
                }
                // A combo leg's execution goes to that leg's slot.
                let order_id = self.leg_order_id(order_id, instrument, buy);
                self.on_execution(
                    msg.t_recv_ns,
                    order_id,
                    exec_id,
                    instrument,
                    if buy { shares } else { -shares },
                    price,
                )
            }
            OrderEvent::Commission {
                exec_id,
                commission,
                ..
            } => {
                self.counters.commission_reports += 1;
                // Journaled once per execution, as booked: the journal sums what it holds.
                if self.apply_commission(&exec_id, commission) {
                    self.journal(JournalEntry::Commission {
                        exec_id,
                        commission,
                    });
                    self.check_loss();
                }
            }
            OrderEvent::Error { id, code } => self.on_error(id, code),
            OrderEvent::NextValidId(id) => {
                if id > self.next_order_id {
                    self.next_order_id = id;
                }
            }
            OrderEvent::Disconnected => self.on_disconnected(),
            OrderEvent::Reconnected { next_valid_id } => self.on_reconnected(next_valid_id),
            OrderEvent::OpenOrder { order_id, .. } => self.on_open_order(order_id),
            OrderEvent::Position {
                account,
                instrument,
                qty,
                avg_cost,
            } => self.on_position(&account, instrument, qty, avg_cost),
            OrderEvent::End(kind) => self.on_end(kind),
        }
    }

    fn on_error(&mut self, id: i32, code: i32) {
        match code {
            codes::CONNECTIVITY_LOST | codes::RESTORED_DATA_LOST | codes::RESTORED_DATA_KEPT => {
                self.counters.notices += 1;
                self.on_link_notice(code);
                return;
            }
            _ => {}
        }
        // Farm notices (2103-2106, 2158) concern data only: the session stays.
        if (2100..2200).contains(&code) || code == 202 || id < 0 {
            self.counters.notices += 1;
        } else {
            self.counters.order_errors += 1;
        }
        // A cancel IB reported: the order ends by its final status, or, when none follows,
        // by a reconciliation (`link.rs`, `ask_about_cancelled`).
        if code == codes::ORDER_CANCELLED {
            let now = self.now.max(1);
            for i in self.order_slots(id).into_iter().flatten() {
                if let Some(s) = self.slots[i].as_mut().filter(|s| s.cancel_reported_ns == 0) {
                    s.cancel_reported_ns = now;
                }
            }
        }
        // These may come without a status: the order is over (else its slot stays open). Only
        // such an error can reject a combo (a warning, 399, ends nothing).
        let ending = ORDER_ENDING_CODES.contains(&code) || code == NON_GUARANTEED_REQUIRED;
        let combo = ending && self.combo_error(id, code);
        if ORDER_ENDING_CODES.contains(&code) || (combo && code == NON_GUARANTEED_REQUIRED) {
            for i in self.order_slots(id).into_iter().flatten() {
                self.order_ended(i, OrderStatusKind::Inactive);
            }
        }
    }

    /// ORDER_STATUS for slot `i` (order `own_id`): the fill first (the ticket sees it), then
    /// the state it reports.
    fn status_of(&mut self, i: usize, own_id: i32, status: OrderStatusKind, filled: f64) {
        self.record_filled(i, filled, 0.0);
        let epoch = self.epoch;
        // (What the ticket did may have reused an ended order's slot.)
        let Some(slot) = self.slots[i].as_mut().filter(|s| s.order_id == own_id) else {
            return;
        };
        if status.is_terminal() {
            self.order_ended(i, status);
        } else if !slot.status.is_terminal() {
            slot.status = status;
            slot.epoch = epoch;
        }
    }
}
