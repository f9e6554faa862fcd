//! How IB's messages about a combo (they name the BAG's order id `N` only) reach its two leg
//! slots (`combo.rs` has the rules): statuses to both, a leg's execution to its leg's slot,
//! the BAG-level execution to none, errors to both.

use super::Dispatcher;
use crate::types::BAG_INSTRUMENT;
use crate::wire::ids::codes;

/// Codes that reject a combo (an order-ending code that is not about a cancel, or IB's 10043
/// for a combo without NonGuaranteed). 202 is IB's "order cancelled": the end of a cancel
/// (ours, or IB's), never a rejection; 10147 / 10148 are about a cancel that found nothing.
fn is_reject(code: i32) -> bool {
    !matches!(
        code,
        codes::ORDER_CANCELLED | codes::ORDER_NOT_FOUND | 10148
    )
}

impl Dispatcher {
    /// The slots of order `order_id` as the gateway names it: a combo's two leg slots, or
    /// the order's one slot.
    pub(super) fn order_slots(&self, order_id: i32) -> [Option<usize>; 2] {
        let Some(i) = self.slot_index(order_id) else {
            return [None, None];
        };
        let companion = match self.slots[i].and_then(|s| s.combo) {
            Some(c) if c.bag_id == order_id => {
                self.slot_index(order_id.wrapping_add(1)).filter(|&j| {
                    self.slots[j].and_then(|s| s.combo).map(|c| c.bag_id) == Some(order_id)
                })
            }
            _ => None,
        };
        [Some(i), companion]
    }

    /// The id the gateway knows order `order_id` by (a combo leg's: its BAG's).
    pub(super) fn wire_id(&self, order_id: i32) -> i32 {
        self.slot_index(order_id)
            .and_then(|i| self.slots[i])
            .and_then(|s| s.combo)
            .map_or(order_id, |c| c.bag_id)
    }

    /// The order id of the slot an execution of `order_id` on `instrument` (a buy: `buy`)
    /// belongs to: a combo leg's own slot, or `order_id`. An execution whose symbol the engine
    /// does not know by name goes by its side (a pair trade's legs trade opposite sides).
    pub(super) fn leg_order_id(&self, order_id: i32, instrument: u16, buy: bool) -> i32 {
        let [Some(i), Some(j)] = self.order_slots(order_id) else {
            return order_id;
        };
        let (Some(a), Some(b)) = (self.slots[i], self.slots[j]) else {
            return order_id;
        };
        let known = instrument == a.instrument || instrument == b.instrument;
        if instrument == b.instrument || (!known && b.buy == buy && a.buy != buy) {
            b.order_id
        } else {
            order_id
        }
    }

    /// A BAG-level execution: counted, never booked (see the module rules). True when it was
    /// one.
    pub(super) fn bag_execution(&mut self, instrument: u16) -> bool {
        if instrument != BAG_INSTRUMENT {
            return false;
        }
        self.counters.combo_executions += 1;
        true
    }

    /// An order-ending error `code` for order `order_id`: a combo's rejection is logged and
    /// counted once. True when the order is a combo.
    pub(super) fn combo_error(&mut self, order_id: i32, code: i32) -> bool {
        let [Some(i), Some(_)] = self.order_slots(order_id) else {
            return false;
        };
        let Some(s) = self.slots[i].filter(|s| !s.status.is_terminal()) else {
            return true;
        };
        if is_reject(code) {
            self.counters.combo_rejects += 1;
            if let Some(cp) = self.ticket_mut(s.ticket).and_then(|t| t.combo.as_mut()) {
                cp.rejected = true;
            }
            tracing::warn!(
                pair = s.pair,
                order_id,
                code,
                policy = "combo",
                "combo order rejected: not re-sent under another policy"
            );
        }
        true
    }
}
