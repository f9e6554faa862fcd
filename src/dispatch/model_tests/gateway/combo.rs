//! The model gateway's combo (BAG) orders: a BAG `N` kept as its two legs `N` and `N + 1`,
//! reported under `N` as IB does (see the parent module).

use super::super::Rng;
use super::{EXECS, Gateway, GwOrder, GwState, REJECT_CODES, STATUS};
use crate::dispatch::{ComboKind, PlaceOrder};
use crate::types::{BAG_INSTRUMENT, ExecId, OrderEvent, OrderStatusKind, Side};

impl Gateway {
    /// The orders behind id `order_id` as the engine names it: a BAG's two legs, or itself.
    pub(super) fn legs_of(&self, order_id: i32) -> Vec<i32> {
        match self.orders.get(&order_id).and_then(|o| o.bag) {
            Some((bag, _)) => vec![bag, bag + 1],
            None => vec![order_id],
        }
    }

    /// A BAG's complete units and its total, from its legs.
    fn units(&self, bag: i32) -> (f64, f64) {
        let legs = [bag, bag + 1].map(|id| self.orders[&id]);
        let ratio = |o: &GwOrder| o.bag.map_or(1.0, |(_, r)| r);
        let done = legs
            .iter()
            .map(|o| (o.filled / ratio(o)).floor())
            .fold(f64::INFINITY, f64::min);
        (done, legs[0].qty / ratio(&legs[0]))
    }

    /// A BAG's status, in units: Filled only once both legs are, Cancelled only once both
    /// ended.
    pub(super) fn bag_status(&mut self, bag: i32, status: OrderStatusKind) {
        let (done, total) = self.units(bag);
        let legs = [bag, bag + 1].map(|id| self.orders[&id]);
        let status = match status {
            OrderStatusKind::Filled if done < total => OrderStatusKind::Submitted,
            OrderStatusKind::Cancelled if legs.iter().any(|o| o.state != GwState::Done) => {
                return;
            }
            s => s,
        };
        let e = OrderEvent::Status {
            order_id: bag,
            status,
            filled: done,
            remaining: total - done,
            avg_fill_price: 0.0,
            last_fill_price: 0.0,
        };
        // Usually behind the executions it follows; for some BAGs (status first) in the
        // statuses' stream, so it may overtake the legs' executions it reflects.
        let stream = if self.bag_status_first.contains(&bag) {
            STATUS
        } else {
            EXECS
        };
        self.push(stream, e, Some(bag));
    }

    /// A BAG-level execution of the day sent again (same execution id), as a replay may.
    pub(super) fn replay_bag_exec(&mut self, rng: &mut Rng) {
        if self.bag_execs.is_empty() || !rng.chance(40) {
            return;
        }
        let e = self.bag_execs[rng.below(self.bag_execs.len() as u64) as usize];
        let order = match e {
            OrderEvent::Execution { order_id, .. } => Some(order_id),
            _ => None,
        };
        self.push(EXECS, e, order);
    }

    /// The day's BAG-level executions, each put among the replayed executions of `stream` at
    /// a random place after `from` (REQ_EXECUTIONS answers them in any order).
    pub(super) fn replay_bag_execs(&mut self, rng: &mut Rng, stream: usize, from: usize) {
        for e in self.bag_execs.clone() {
            let len = self.streams[stream].len();
            let at = from + rng.below((len - from + 1) as u64) as usize;
            if self.connected {
                self.streams[stream].insert(at, (e, None));
            }
        }
    }

    /// Places combo `p` (leg A is `p`'s) as its two legs.
    pub(super) fn place_combo(&mut self, rng: &mut Rng, p: &PlaceOrder, c: &ComboKind) {
        let reject = rng.below(100) < self.reject_percent;
        let state = if reject {
            GwState::Done
        } else {
            GwState::Working
        };
        let legs = [
            (p.order_id, p.instrument, p.side, p.qty, c.ratio_a),
            (p.order_id + 1, c.instrument_b, c.side_b, c.qty_b, c.ratio_b),
        ];
        if rng.chance(30) {
            self.bag_status_first.insert(p.order_id);
        }
        for (id, instrument, side, qty, ratio) in legs {
            let order = GwOrder {
                instrument,
                buy: side == Side::Buy,
                qty: f64::from(qty),
                filled: 0.0,
                state,
                announced: false,
                bag: Some((p.order_id, f64::from(ratio))),
            };
            self.orders.insert(id, order);
        }
        if reject {
            self.hostile = true;
            self.rejected_bags.insert(p.order_id, false);
            let code = REJECT_CODES[rng.below(REJECT_CODES.len() as u64) as usize];
            let e = OrderEvent::Error {
                id: p.order_id,
                code,
            };
            self.push(STATUS, e, Some(p.order_id));
            return;
        }
        if rng.chance(70) {
            self.bag_status(p.order_id, OrderStatusKind::Submitted);
        }
    }

    /// The BAG-level execution of the units combo `bag` completed since the last one, if any.
    pub(super) fn bag_exec(&mut self, bag: i32) -> Option<OrderEvent> {
        let (done, _) = self.units(bag);
        let reported = self.bag_units.entry(bag).or_insert(0.0);
        if done <= *reported {
            return None;
        }
        let units = done - *reported;
        *reported = done;
        self.next_exec += 1;
        let e = OrderEvent::Execution {
            order_id: bag,
            exec_id: ExecId::from(format!("bag{}", self.next_exec).as_str()).unwrap(),
            instrument: BAG_INSTRUMENT,
            buy: true,
            shares: units,
            price: -1.5,
            cum_qty: done,
        };
        self.bag_execs.push(e);
        Some(e)
    }
}
