//! A combo (BAG) resumed from the journal of a run that stopped or crashed while it worked.
//!
//! The journal names each leg's BAG and ratio (`journal/mod.rs`), so the two leg slots are
//! linked again to the BAG's order id: the gateway's messages, which name the BAG only, reach
//! the right leg (a leg's execution books into its pair once, by execId; the BAG-level one
//! never). A BAG that had not completed also gets its ticket back, under its journaled id,
//! with what each leg filled and which legs still work, so the combo rules finish it as they
//! would have: it keeps working under its give-up clock (restarted now; the start-up
//! reconciliation lists it and does not cancel it as an orphan), a complete BAG hedges the
//! ticket, and a legged one is confirmed by a reconciliation round and then completed or
//! unwound, each leg once. The BAG is never sent again. A ticket whose journal shows orders
//! after its BAG (the give-up's crosses, a re-send) had left its combo phase: its orders are
//! restored as plain ones, as before.
//!
//! The restored ticket reports no intent outcome (sequence 0): its intent was the previous
//! run's, which this run's strategy never sent.

use super::combo::{ComboPhase, ComboSlot};
use super::tickets::{LegState, Ticket, TicketState};
use super::{Dispatcher, TICKETS};
use crate::config::Policy;
use crate::journal::{Recovered, RecoveredOrder};
use crate::types::Side;

/// The BAG link of recovered order `o`: only when both legs of its BAG are in the journal
/// (the second leg's record is written first; a BAG with one record never went out).
pub(super) fn combo_link(r: &Recovered, o: &RecoveredOrder) -> Option<ComboSlot> {
    let c = o.combo?;
    let both = [c.bag_id, c.bag_id + 1].iter().all(|&id| {
        r.orders
            .iter()
            .any(|x| x.order_id == id && x.combo.is_some_and(|xc| xc.bag_id == c.bag_id))
    });
    both.then_some(ComboSlot {
        bag_id: c.bag_id,
        ratio: c.ratio,
    })
}

/// Recovered order `o` as its ticket's leg.
fn leg_state(o: &RecoveredOrder) -> LegState {
    LegState {
        instrument: o.instrument,
        side: if o.buy { Side::Buy } else { Side::Sell },
        qty: f64::from(o.qty),
        filled: o.filled,
        live: u8::from(!o.done),
    }
}

impl Dispatcher {
    /// Gives each BAG of `r` that had not completed its ticket back (see the module rules).
    /// Runs after the slots are restored.
    pub(super) fn restore_combo_tickets(&mut self, r: &Recovered) {
        // This run's tickets follow the journal's (a resumed journal carries the earlier
        // run's records over: a ticket id is never reused within one file).
        if let Some(last) = r.orders.iter().map(|o| o.ticket).max() {
            self.next_ticket = self.next_ticket.max(last.wrapping_add(1)).max(1);
        }
        for a in r.orders.iter().filter(|o| o.leg == 0 && o.ticket != 0) {
            let Some(link) = combo_link(r, a).filter(|c| c.bag_id == a.order_id) else {
                continue;
            };
            let Some(b) = r.orders.iter().find(|o| o.order_id == a.order_id + 1) else {
                continue;
            };
            let later = r
                .orders
                .iter()
                .any(|o| o.ticket == a.ticket && o.order_id > b.order_id);
            let complete = [a, b].iter().all(|o| o.filled + 1e-9 >= f64::from(o.qty));
            let untouched = [a, b].iter().all(|o| o.done && o.filled < 1e-9);
            let free =
                self.tickets[a.ticket as usize % TICKETS].is_none() && !self.open_tickets.is_full();
            if b.ticket != a.ticket || later || complete || untouched || !free {
                continue;
            }
            let now = self.now;
            let legs = [leg_state(a), leg_state(b)].into_iter().collect();
            self.tickets[a.ticket as usize % TICKETS] = Some(Ticket {
                id: a.ticket,
                pair: a.pair,
                seq: 0,
                opened_ns: now,
                retries: 0,
                state: TicketState::Working,
                unwind: false,
                cancelling: false,
                repair: false,
                superseded: false,
                policy: Policy::Combo,
                passive: None,
                combo: Some(ComboPhase {
                    bag_id: link.bag_id,
                    net: None,
                    started_ns: now,
                    repricing: false,
                    giving_up: false,
                    rejected: false,
                    confirm_after: None,
                    reserved: [0.0; 2],
                }),
                legs,
            });
            self.open_tickets.push(a.ticket);
            // The legs' slots belong to the ticket again.
            for id in [a.order_id, b.order_id] {
                if let Some(s) = self.slot_index(id).and_then(|i| self.slots[i].as_mut()) {
                    s.ticket = a.ticket;
                }
            }
            tracing::info!(
                pair = a.pair,
                bag_id = link.bag_id,
                ticket = a.ticket,
                filled_a = a.filled,
                filled_b = b.filled,
                "combo resumed from the journal: its legs are linked to the BAG again"
            );
        }
    }

    /// A working order the start-up reconciliation lists that belongs to a BAG resumed with
    /// its ticket: kept (not an orphan).
    pub(super) fn resumed_combo_order(&self, order_id: i32) -> bool {
        self.slot_index(order_id)
            .and_then(|i| self.slots[i])
            .is_some_and(|s| s.combo.is_some() && self.ticket(s.ticket).is_some())
    }
}

#[cfg(test)]
#[path = "combo_resume_tests.rs"]
mod tests;
