//! Orders out (through the rate limiter) and their lives: statuses, executions counted once,
//! commissions, errors.

use super::{Control, Dispatcher, Link, OrderSlot, Outbound, PendingOrder, PlaceOrder, SeenExec};
use crate::journal::JournalEntry;
use crate::record::FillRecord;
use crate::types::{ExecId, OrderEvent, OrderMsg, OrderStatusKind, Side};

impl Dispatcher {
    pub(super) fn slot_index(&self, order_id: i32) -> Option<usize> {
        let offset = order_id.checked_sub(self.first_order_id)?;
        let i = usize::try_from(offset).ok()? % self.slots.len();
        match self.slots[i] {
            Some(s) if s.order_id == order_id => Some(i),
            _ => None,
        }
    }

    /// Sends now, or queues behind the rate limiter (or the session).
    pub(super) fn submit(&mut self, order: PendingOrder) {
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
                if order.cancel_id == 0 {
                    self.adjust_target(
                        order.pair,
                        order.instrument,
                        order.side == Side::Buy,
                        -(order.qty as f64),
                    );
                    self.leg_failed(order.ticket, order.leg);
                }
            }
        }
    }

    /// Queues a control request behind the limiter (it goes before any order waiting).
    pub(super) fn submit_control(&mut self, c: Control) {
        if self.controls.try_push(c).is_err() {
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
        while let Some(&c) = self.controls.first() {
            if !self.limiter.try_take(self.now) {
                return sent;
            }
            self.controls.remove(0);
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
        let order_id = self.next_order_id;
        self.next_order_id += 1;
        self.counters.orders_sent += 1;
        self.open_orders += 1;
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
        });
        let reducing = o.ticket == 0 || self.ticket_mut(o.ticket).is_some_and(|t| t.unwind);
        let i = (order_id - self.first_order_id) as usize % self.slots.len();
        self.slots[i] = Some(OrderSlot {
            reducing,
            order_id,
            instrument: o.instrument,
            pair: o.pair,
            ticket: o.ticket,
            leg: o.leg,
            signal_t_ns: o.t_event_ns,
            qty: o.qty as f64,
            filled: 0.0,
            exec_filled: 0.0,
            buy: o.side == Side::Buy,
            status: OrderStatusKind::PendingSubmit,
            epoch: self.epoch,
        });
        self.outbox.push(Outbound::Place(PlaceOrder {
            order_id,
            instrument: o.instrument,
            pair: o.pair,
            side: o.side,
            qty: o.qty,
            seq: o.seq,
            t_recv_ns: o.t_recv_ns,
        }));
    }

    /// An order whose bytes never left: it ends unfilled, as if never sent.
    pub(super) fn order_not_sent(&mut self, order_id: i32) {
        let Some(i) = self.slot_index(order_id) else {
            return;
        };
        let Some(s) = self.slots[i].take() else {
            return;
        };
        self.counters.orders_sent = self.counters.orders_sent.saturating_sub(1);
        self.open_orders = self.open_orders.saturating_sub(1);
        self.adjust_target(s.pair, s.instrument, s.buy, -s.qty);
        let t_ns = self.wall_ns();
        self.journal(JournalEntry::Done {
            t_ns,
            order_id,
            filled: 0.0,
        });
        if s.ticket != 0 {
            self.leg_failed(s.ticket, s.leg);
        }
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
        self.open_orders = self.open_orders.saturating_sub(1);
        // What will not fill no longer counts towards the pair's target.
        let unfilled = (s.qty - s.filled.max(s.exec_filled)).max(0.0);
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
            filled: s.filled,
        });
        if s.ticket != 0 && status != OrderStatusKind::Filled {
            self.leg_failed(s.ticket, s.leg);
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
                let Some(i) = self.slot_index(order_id) else {
                    return;
                };
                let epoch = self.epoch;
                let Some(slot) = self.slots[i].as_mut() else {
                    return;
                };
                slot.filled = slot.filled.max(filled);
                if status.is_terminal() {
                    self.order_ended(i, status);
                } else if !slot.status.is_terminal() {
                    slot.status = status;
                    slot.epoch = epoch;
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
            } => self.on_execution(
                msg.t_recv_ns,
                order_id,
                exec_id,
                instrument,
                if buy { shares } else { -shares },
                price,
            ),
            OrderEvent::Commission {
                exec_id,
                commission,
                ..
            } => {
                self.counters.commission_reports += 1;
                self.apply_commission(&exec_id, commission);
                self.journal(JournalEntry::Commission {
                    exec_id,
                    commission,
                });
                self.check_loss();
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

    /// An execution: counted once per execution id, into positions, pair books, the fills log,
    /// the journal and the order's ticket. `signed` is positive for a buy.
    fn on_execution(
        &mut self,
        t_recv_ns: u64,
        order_id: i32,
        exec_id: ExecId,
        instrument: u16,
        signed: f64,
        price: f64,
    ) {
        let (mut pair, mut signal_t_ns) = (u16::MAX, 0);
        let slot = self.slot_index(order_id);
        if let Some(s) = slot.and_then(|i| self.slots[i]) {
            (pair, signal_t_ns) = (s.pair, s.signal_t_ns);
        }
        let seen = SeenExec {
            instrument,
            pair,
            fill: u32::MAX,
        };
        if !self.seen.insert(exec_id, seen) {
            self.counters.duplicate_fills += 1;
            return;
        }
        if (instrument as usize) >= self.positions.len() {
            self.counters.unknown_order_fills += 1;
            return;
        }
        let shares = signed.abs();
        match slot.and_then(|i| self.slots[i].as_mut()) {
            Some(s) => {
                if s.instrument != instrument || s.exec_filled + shares > s.qty + 1e-9 {
                    self.counters.inconsistent_fills += 1;
                }
                s.exec_filled += shares;
                let (ticket, leg) = (s.ticket, s.leg);
                if ticket != 0 {
                    if let Some(t) = self.ticket_mut(ticket) {
                        t.legs[leg as usize].filled += shares;
                    }
                }
            }
            None => {
                // No order of ours is behind it: it moves what the instrument will hold.
                self.counters.unknown_order_fills += 1;
                self.projected[instrument as usize] += signed;
            }
        }
        self.counters.fills += 1;
        if self.link.is_reconciling() {
            self.counters.recovered_fills += 1;
        }
        self.apply_fill(instrument, pair, signed, price);
        let index = self.fills.len();
        if self.fills.push(FillRecord {
            t_ns: t_recv_ns,
            signal_t_ns,
            order_id,
            instrument,
            pair,
            qty: signed,
            price,
            commission: 0.0,
        }) {
            if let Some(s) = self.seen.get_mut(&exec_id) {
                s.fill = index as u32;
            }
        }
        let t_ns = self.wall_ns();
        self.journal(JournalEntry::Execution {
            t_ns,
            order_id,
            exec_id,
            instrument,
            pair,
            qty: signed,
            price,
        });
        if let Some(i) = slot {
            let ticket = self.slots[i].map_or(0, |s| s.ticket);
            if ticket != 0 {
                self.check_ticket(ticket, false);
            }
        }
        self.check_loss();
    }

    /// A fill into the instrument position and, when it belongs to a pair, the pair's book.
    pub(super) fn apply_fill(&mut self, instrument: u16, pair: u16, signed: f64, price: f64) {
        self.positions[instrument as usize].apply(signed, price);
        if let Some(p) = self.pairs.get_mut(pair as usize) {
            if let Some(k) = p.book.leg_of(instrument) {
                p.book.legs[k].apply(signed, price);
            }
        }
    }

    pub(super) fn apply_commission(&mut self, exec_id: &ExecId, commission: f64) {
        match self.seen.get(exec_id).copied() {
            Some(s) if (s.instrument as usize) < self.positions.len() => {
                self.positions[s.instrument as usize].commissions += commission;
                if let Some(p) = self.pairs.get_mut(s.pair as usize) {
                    if let Some(k) = p.book.leg_of(s.instrument) {
                        p.book.legs[k].commissions += commission;
                    }
                }
                if let Some(f) = self.fills.get_mut(s.fill as usize) {
                    f.commission += commission;
                }
            }
            _ => self.unattributed_commissions += commission,
        }
    }

    fn on_error(&mut self, id: i32, code: i32) {
        use crate::wire::ids::codes;
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
        // A rejection may come without a status: the order is over.
        if code == codes::ORDER_REJECTED {
            if let Some(i) = self.slot_index(id) {
                self.order_ended(i, OrderStatusKind::Inactive);
            }
        }
    }
}
