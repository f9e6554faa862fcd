//! The `combo` policy: one BAG order for a pair trade (both legs, NonGuaranteed=1), at a net
//! price (`combo_price`: the legs' net mid or net far touches, plus `combo_offset_ticks` cents
//! a share of the larger leg, i.e. times its ratio per unit) or at market.
//!
//! Inside the dispatcher a combo is two order slots, one per leg, so every rule written over
//! orders (tickets, targets, fills once, reconciliation, the journal) holds per leg. The BAG's
//! order id `N` is the first leg's slot; the second leg's slot takes the next id, `N + 1`,
//! which never goes on the wire (IB only needs ids to increase). The gateway's messages name
//! `N`; they are routed here:
//! - ORDER_STATUS (`filled` in combo units): each leg's slot, scaled by its ratio (a lower bound
//!   of what the leg filled: the executions tell the rest); a final status ends both;
//! - EXECUTION_DATA of a leg: that leg's slot (the slot of the leg's instrument); the
//!   BAG-level execution ([`BAG_INSTRUMENT`]) is counted (`combo_executions`) and never booked:
//!   its shares are combo units and its price a net, not a position;
//! - errors: both slots end; a rejection is logged and counted (`combo_rejects`) and the legs
//!   are never re-sent under another policy (nothing traded: the trade is refused, a close's
//!   too: its ticket ends, the strategy hears what the pair still holds);
//! - OPEN_ORDER: both slots are listed.
//!
//! Units and ratios: a pair trade of `a` and `b` shares is `gcd(a, b)` units of ratios
//! `a / gcd` and `b / gcd`. The combo is bought; each leg's action is its side.
//!
//! Re-pricing and giving up, as for `passive`: every watchdog period a combo whose net (by the
//! same rule, now) moved `reprice_ticks` cents a share of the larger leg (times its ratio per
//! unit: a unit of 100 and 73 shares moves its net by cents at every tick) away from its limit
//! is cancelled and,
//! when neither leg has filled, sent again at the new net (`combo_reprices`); after
//! `give_up_ms` it is cancelled and what each leg lacks then crosses at market
//! (`combo_give_ups`). Non-guaranteed legging (one leg filled more than the other when the
//! BAG ended) is a legging incident (`legged`, `combo_legged`, logged): the hedge rule is to
//! complete what each leg lacks at market; a leg that still fails is unwound by the ticket's
//! ordinary rules (leg retries, then the unwind).

use super::execution::OrderKind;
use super::tickets::{Ticket, TicketState};
use super::{Dispatcher, OrderSlot, Outbound, PendingOrder, PlaceOrder};
use crate::config::ComboPrice;
use crate::journal::{ComboLeg, JournalEntry};
use crate::types::{OrderStatusKind, Side};

/// A combo order on the wire: leg A is [`PlaceOrder`]'s instrument, side and quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComboKind {
    /// Leg B: its instrument, side (its action when the combo is bought) and shares.
    pub instrument_b: u16,
    pub side_b: Side,
    pub qty_b: u32,
    /// Combo units (the order's totalQuantity) and each leg's ratio.
    pub units: u32,
    pub ratio_a: u32,
    pub ratio_b: u32,
    /// Net limit per unit in cents (a BUY of the combo pays at most this); `None`: MKT.
    pub net: Option<i64>,
}

/// The working phase of a `combo` ticket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ComboPhase {
    /// The BAG order's id (0: not written yet) and its net limit.
    pub bag_id: i32,
    pub net: Option<i64>,
    /// When it was written (the give-up clock).
    pub started_ns: u64,
    /// Its cancel was asked to re-price it, or to give up.
    pub repricing: bool,
    pub giving_up: bool,
    /// It was rejected (nothing can have filled).
    pub rejected: bool,
    /// It ended short: the reconciliation round (epoch) that must complete before what the
    /// legs lack is acted on (a status in units cannot say what each leg filled).
    pub confirm_after: Option<u32>,
    /// Meanwhile what each leg lacks stays in the pair's target (a flatten or close decided
    /// meanwhile sees the completion to come); late fills take their part out.
    pub reserved: [f64; 2],
}

/// A leg slot's part in a combo: the BAG's order id (the first leg's) and the leg's ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ComboSlot {
    pub bag_id: i32,
    pub ratio: u32,
}

/// Units and ratios of a trade of `a` and `b` shares: `(gcd, a / gcd, b / gcd)`.
///
/// ```text
/// (100, 73) -> (1, 100, 73); (200, 100) -> (100, 2, 1)
/// ```
pub(super) fn units_of(a: u32, b: u32) -> (u32, u32, u32) {
    let (mut x, mut y) = (a, b);
    while y != 0 {
        (x, y) = (y, x % y);
    }
    let g = x.max(1);
    (g, a / g, b / g)
}

/// The larger of two ratios: what a per-share setting is multiplied by per unit.
fn larger(a: u32, b: u32) -> i64 {
    i64::from(a.max(b))
}

impl Dispatcher {
    /// Opens ticket `id`'s combo: both legs count as live, one BAG order is submitted.
    pub(super) fn open_combo(&mut self, id: u32, a: PendingOrder, b: PendingOrder) {
        if let Some(t) = self.ticket_mut(id) {
            t.combo = Some(ComboPhase {
                bag_id: 0,
                net: None,
                started_ns: 0,
                repricing: false,
                giving_up: false,
                rejected: false,
                confirm_after: None,
                reserved: [0.0; 2],
            });
        }
        self.submit_combo(id, a, b.qty);
    }

    /// Submits a BAG for `a`'s leg 0 and `qty_b` shares of leg 1 of ticket `id`.
    fn submit_combo(&mut self, id: u32, a: PendingOrder, qty_b: u32) {
        self.leg_order_started(id, 0);
        self.leg_order_started(id, 1);
        if let Some(b) = self.ticket(id).map(|t| t.legs[1]) {
            self.adjust_target(a.pair, b.instrument, b.side == Side::Buy, f64::from(qty_b));
        }
        self.submit_started(PendingOrder {
            ticket: id,
            leg: 0,
            combo_b: qty_b,
            ..a
        });
    }

    /// A combo waiting in the limiter's queue was dropped (queue full): leg B gives back its
    /// target and ends too (leg A is handled as any order).
    pub(super) fn combo_not_queued(&mut self, o: &PendingOrder) {
        if let Some(b) = self.ticket(o.ticket).map(|t| t.legs[1]) {
            let buy = b.side == Side::Buy;
            self.adjust_target(o.pair, b.instrument, buy, -f64::from(o.combo_b));
        }
        self.leg_order_ended(o.ticket, 1);
    }

    /// Writes combo `o` (leg A's fields, `o.combo_b` shares of leg B): two slots, two journal
    /// records (write-ahead), one PLACE_ORDER.
    pub(super) fn send_combo(&mut self, o: &PendingOrder) {
        let Some(t) = self.ticket(o.ticket).cloned() else {
            // Its ticket is gone: nothing to send (what it counted is given back).
            self.adjust_target(o.pair, o.instrument, o.side == Side::Buy, -f64::from(o.qty));
            return;
        };
        let b = t.legs[1];
        let bag_id = self.next_order_id;
        let free = |d: &Self, id: i32| match d.slot_of(id) {
            Some(i) if d.slots[i].is_none_or(|s| s.reusable()) => Some(i),
            _ => None,
        };
        let (Some(i), Some(j)) = (free(self, bag_id), free(self, bag_id + 1)) else {
            self.counters.orders_refused_table_full += 1;
            tracing::error!(bag_id, "order table full of working orders: combo refused");
            self.adjust_target(o.pair, o.instrument, o.side == Side::Buy, -f64::from(o.qty));
            self.combo_not_queued(o);
            self.leg_order_ended(o.ticket, 0);
            return;
        };
        self.next_order_id += 2;
        let (units, ratio_a, ratio_b) = units_of(o.qty, o.combo_b);
        let net = self.combo_net(&t, ratio_a, ratio_b);
        let t_ns = self.wall_ns();
        // Leg B's record first: the record queued last is the one the socket side checks
        // against the PLACE_ORDER it writes (the BAG's id, leg A's).
        let legs = [
            (bag_id + 1, j, b.instrument, b.side, o.combo_b, ratio_b, 1u8),
            (bag_id, i, o.instrument, o.side, o.qty, ratio_a, 0u8),
        ];
        for (order_id, slot, instrument, side, qty, ratio, leg) in legs {
            self.counters.orders_sent += 1;
            self.journal(JournalEntry::Order {
                t_ns,
                order_id,
                instrument,
                pair: o.pair,
                buy: side == Side::Buy,
                qty,
                ticket: o.ticket,
                leg,
                seq: o.seq,
                combo: Some(ComboLeg { bag_id, ratio }),
            });
            self.open_slot(
                slot,
                OrderSlot {
                    reducing: t.unwind,
                    cancel_asked: false,
                    unlisted: false,
                    cancel_reported_ns: 0,
                    order_id,
                    instrument,
                    pair: o.pair,
                    ticket: o.ticket,
                    leg,
                    signal_t_ns: o.t_event_ns,
                    qty: f64::from(qty),
                    status_filled: 0.0,
                    exec_filled: 0.0,
                    buy: side == Side::Buy,
                    status: OrderStatusKind::PendingSubmit,
                    epoch: self.epoch,
                    live_at: 0,
                    combo: Some(ComboSlot { bag_id, ratio }),
                },
            );
        }
        self.leg_sent(o.ticket);
        let now = self.now;
        if let Some(cp) = self.ticket_mut(o.ticket).and_then(|t| t.combo.as_mut()) {
            cp.bag_id = bag_id;
            cp.net = net;
            cp.started_ns = now;
            cp.repricing = false;
        }
        self.outbox.push(Outbound::Place(PlaceOrder {
            order_id: bag_id,
            instrument: o.instrument,
            pair: o.pair,
            side: o.side,
            qty: o.qty,
            kind: OrderKind::Combo(ComboKind {
                instrument_b: b.instrument,
                side_b: b.side,
                qty_b: o.combo_b,
                units,
                ratio_a,
                ratio_b,
                net,
            }),
            seq: o.seq,
            t_recv_ns: o.t_recv_ns,
            from_tick: o.triggered_by_tick(),
        }));
    }

    /// The net limit per unit (cents) for ticket `t`'s legs at these ratios now, by
    /// `combo_price`; `None` for MKT, or when a leg has no two-sided quote yet (counted in
    /// `limits_unpriced`).
    fn combo_net(&mut self, t: &Ticket, ratio_a: u32, ratio_b: u32) -> Option<i64> {
        let rule = self.execution.combo_price;
        if rule == ComboPrice::Market {
            return None;
        }
        // Twice the net, so a mid of an odd spread stays exact until the one rounding.
        let mut twice = 0i64;
        for (leg, ratio) in [(t.legs[0], ratio_a), (t.legs[1], ratio_b)] {
            let Some(touch) = self
                .feed
                .touch(leg.instrument)
                .filter(|x| x.bid > 0 && x.ask >= x.bid)
            else {
                self.counters.limits_unpriced += 1;
                return None;
            };
            let sign = if leg.side == Side::Buy { 1 } else { -1 };
            let far = if leg.side == Side::Buy {
                touch.ask
            } else {
                touch.bid
            };
            let price2 = match rule {
                ComboPrice::Cross => 2 * far,
                _ => touch.bid + touch.ask,
            };
            twice += sign * i64::from(ratio) * price2;
        }
        // Rounded down: a buyer of the combo pays at most the mid.
        let offset = i64::from(self.execution.combo_offset_ticks) * larger(ratio_a, ratio_b);
        Some(twice.div_euclid(2) + offset)
    }

    /// Ticket `t`'s combo phase after a change. True while the BAG still works (its own clock
    /// governs) or when this step sent what follows; false when the ticket's ordinary rules
    /// take over.
    pub(super) fn combo_step(&mut self, t: &Ticket, cp: ComboPhase, winding_down: bool) -> bool {
        if t.legs().iter().any(|l| l.live > 0) {
            return true;
        }
        let complete = t.legs().iter().all(|l| l.filled + 1e-9 >= l.qty);
        if !complete && !cp.rejected {
            // A legged BAG's final status does not say what each leg filled, and a leg's
            // execution may still be on its way: nothing is sent for the legs before a
            // reconciliation round started from now on has completed (its executions are in).
            // The round is started from the poll, never inside another round's answers.
            match cp.confirm_after {
                None => {
                    let next = self.epoch.wrapping_add(1);
                    // (An entry a close took over completes nothing: nothing to reserve.)
                    let lacking = [0, 1].map(|k| {
                        let l = t.legs[k];
                        if t.superseded {
                            0.0
                        } else {
                            (l.qty - l.filled).max(0.0)
                        }
                    });
                    if let Some(p) = self.ticket_mut(t.id).and_then(|t| t.combo.as_mut()) {
                        p.confirm_after = Some(next);
                        p.reserved = lacking;
                    }
                    for (l, qty) in t.legs.iter().zip(lacking) {
                        self.adjust_target(t.pair, l.instrument, l.side == Side::Buy, qty);
                    }
                    self.combo_round_due = true;
                    return true;
                }
                Some(epoch) if (self.reconciled_epoch.wrapping_sub(epoch) as i32) < 0 => {
                    return true;
                }
                Some(_) => {}
            }
        }
        if cp.rejected && t.legs().iter().all(|l| l.filled < 1e-9) {
            // Refused, nothing traded: the trade does not happen under any policy, a close
            // included (a reducing ticket's rules would re-send its legs at market). The
            // target stopped counting the legs when they ended; the strategy hears what the
            // pair holds.
            self.close_ticket(t.id, TicketState::Hedged);
            return true;
        }
        self.end_combo(t.id);
        let part = |k: usize| t.legs[k].filled / t.legs[k].qty.max(1.0);
        let nothing = t.legs().iter().all(|l| l.filled < 1e-9);
        let legged = (part(0) - part(1)).abs() > 1e-9;
        if legged {
            self.counters.combo_legged += 1;
            tracing::warn!(
                pair = t.pair,
                a = t.legs[0].filled,
                b = t.legs[1].filled,
                "non-guaranteed combo legged: completing each leg at market"
            );
        }
        if complete || winding_down || t.superseded || !(cp.giving_up || cp.repricing) {
            // Filled, winding down, rejected or cancelled by someone else: the ordinary rules.
            return false;
        }
        let now = self.now;
        if let Some(tm) = self.ticket_mut(t.id) {
            tm.opened_ns = now;
        }
        if cp.repricing && !cp.giving_up && nothing {
            // Neither leg traded: the same trade again at the new net.
            self.counters.combo_reprices += 1;
            if let Some(tm) = self.ticket_mut(t.id) {
                tm.combo = Some(ComboPhase {
                    repricing: false,
                    confirm_after: None,
                    reserved: [0.0; 2],
                    ..cp
                });
            }
            let a = t.legs[0];
            let order = PendingOrder {
                instrument: a.instrument,
                pair: t.pair,
                side: a.side,
                qty: a.qty.round() as u32,
                seq: t.seq,
                ticket: t.id,
                leg: 0,
                t_recv_ns: now,
                t_event_ns: 0,
                cancel_id: 0,
                combo_b: t.legs[1].qty.round() as u32,
            };
            self.submit_combo(t.id, order, order.combo_b);
            return true;
        }
        // Given up (or a re-price after a leg traded): what each leg lacks crosses now.
        self.counters.combo_give_ups += 1;
        if legged {
            self.counters.legged += 1;
        }
        for leg in 0..2u8 {
            let l = t.legs[leg as usize];
            let lacking = (l.qty - l.filled).round();
            if lacking < 1.0 {
                continue;
            }
            self.leg_order_started(t.id, leg);
            self.submit_started(t.leg_order(leg, lacking as u32, now));
        }
        true
    }

    /// A late fill of `gained` shares on leg `leg` of ticket `id` after its BAG ended: it is
    /// no longer lacking, so it leaves the reservation (the fill itself enters the target).
    pub(super) fn combo_late_fill(&mut self, id: u32, leg: u8, gained: f64) {
        let Some(t) = self.ticket(id).cloned() else {
            return;
        };
        let Some(cp) = t.combo else { return };
        let k = leg as usize;
        let taken = gained.min(cp.reserved.get(k).copied().unwrap_or(0.0));
        if taken <= 0.0 {
            return;
        }
        if let Some(p) = self.ticket_mut(id).and_then(|t| t.combo.as_mut()) {
            p.reserved[k] -= taken;
        }
        let l = t.legs[k];
        self.adjust_target(t.pair, l.instrument, l.side == Side::Buy, -taken);
    }

    /// Ends ticket `id`'s combo phase (if any), releasing what it still reserves.
    pub(super) fn end_combo(&mut self, id: u32) {
        self.release_combo(id);
        if let Some(tm) = self.ticket_mut(id) {
            tm.combo = None;
        }
    }

    /// Takes what ticket `id`'s combo reserves out of its pair's target (a close took over:
    /// the completion never comes); the phase itself goes on until its round confirms.
    pub(super) fn release_combo(&mut self, id: u32) {
        let Some(t) = self.ticket(id).cloned() else {
            return;
        };
        let Some(cp) = t.combo else { return };
        for k in 0..2 {
            let l = t.legs[k];
            let r = cp.reserved[k];
            if r > 0.0 {
                self.adjust_target(t.pair, l.instrument, l.side == Side::Buy, -r);
            }
        }
        if let Some(p) = self.ticket_mut(id).and_then(|t| t.combo.as_mut()) {
            p.reserved = [0.0; 2];
        }
    }

    /// An entry combo of pair `pair` waits for its confirming round: a close waits for it
    /// (a leg's late execution would else be closed twice, or not at all).
    pub(super) fn combo_confirming(&self, pair: u16) -> bool {
        self.open_tickets.iter().any(|&id| {
            self.ticket(id).is_some_and(|t| {
                t.pair == pair && !t.unwind && t.combo.is_some_and(|c| c.confirm_after.is_some())
            })
        })
    }

    /// Every watchdog period: combos whose net moved `reprice_ticks` away are re-priced, those
    /// past `give_up_ms` given up (both by a cancel; the ticket acts when both legs ended).
    pub(super) fn check_combos(&mut self) {
        let give_up_ns = self.execution.give_up_ms * 1_000_000;
        let away = i64::from(self.execution.reprice_ticks);
        for k in 0..self.open_tickets.len() {
            let id = self.open_tickets[k];
            let Some(t) = self.ticket(id).cloned() else {
                continue;
            };
            let Some(cp) = t.combo else { continue };
            if cp.bag_id == 0 || cp.repricing || cp.giving_up || t.superseded {
                continue;
            }
            let Some(i) = self.slot_index(cp.bag_id) else {
                continue;
            };
            if self.slots[i].is_none_or(|s| s.status.is_terminal() || s.cancel_asked) {
                continue;
            }
            let give_up = self.now.saturating_sub(cp.started_ns) >= give_up_ns;
            let moved = match (cp.net, t.legs[0].filled + t.legs[1].filled < 1e-9) {
                (Some(net), true) => {
                    let (_, ra, rb) = units_of(t.legs[0].qty as u32, t.legs[1].qty as u32);
                    let unpriced = self.counters.limits_unpriced;
                    let now = self.combo_net(&t, ra, rb);
                    self.counters.limits_unpriced = unpriced;
                    now.is_some_and(|n| n >= net + away * larger(ra, rb))
                }
                _ => false,
            };
            if !give_up && !moved {
                continue;
            }
            if let Some(p) = self.ticket_mut(id).and_then(|t| t.combo.as_mut()) {
                p.giving_up = give_up;
                p.repricing = !give_up;
            }
            for s in self.order_slots(cp.bag_id).into_iter().flatten() {
                if let Some(s) = self.slots[s].as_mut() {
                    s.cancel_asked = true;
                }
            }
            self.queue_cancel(cp.bag_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::units_of;

    #[test]
    fn units_and_ratios() {
        assert_eq!(units_of(100, 73), (1, 100, 73));
        assert_eq!(units_of(200, 100), (100, 2, 1));
        assert_eq!(units_of(150, 150), (150, 1, 1));
    }
}
