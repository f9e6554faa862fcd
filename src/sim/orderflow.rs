//! The message orderings real TWS produces, on request (params `[orderflow]`, PROTOCOL.md
//! "Message orderings real TWS produces"): statuses before executions, late and repeated
//! commission reports, PendingCancel with fills before Cancelled, reconciliation answers
//! interleaved, positions lagging executions, connections dropped at chosen moments of an order's
//! life, and rejects without a final status.
//!
//! Every draw comes from one generator seeded by `orderflow.seed`, in the order the gateway
//! handles its inputs, so the same seed and the same requests give the same messages. What is
//! held back (a message, a cancel, a position) waits here with its due time on the gateway's
//! monotonic clock; the core's loop wakes for the earliest ([`Orderflow::next_due_ns`]) and
//! delivers what is due ([`Orderflow::take_due_frames`] and friends). No thread sleeps per
//! message.

use super::encode::Out;
use super::rng::Rng;
use super::sessions::{Session, Sessions};
use crate::config::{OrderMoment, OrderflowParams};
use crate::exchange::{ExecRec, Ledger, OrderRec};
use std::collections::BTreeMap;

const MS: u64 = 1_000_000;
/// Stream of [`Rng`] the orderflow draws from (the market uses others).
const RNG_STREAM: u64 = 0x0f10;

/// A position key: (account, symbol index).
pub(super) type PositionKey = (String, usize);

/// The orderflow switches and what they hold back.
pub(super) struct Orderflow {
    p: OrderflowParams,
    on: bool,
    rng: Rng,
    /// The gateway's monotonic clock (ns) for what is being handled; the core sets it.
    pub(super) now_ns: u64,
    /// Encoded frames held back: (due, sequence) -> (connection, bytes). The sequence keeps
    /// frames due at the same instant in the order they were held.
    held: BTreeMap<(u64, u64), (u64, Vec<u8>)>,
    next_seq: u64,
    /// Orders (ledger indices) pending cancel -> when the cancel takes effect.
    pending_cancels: BTreeMap<usize, u64>,
    /// Positions as last published (kept only while positions may lag).
    published: BTreeMap<PositionKey, (f64, f64)>,
    /// Positions whose change is not published yet -> when it will be.
    lagging: BTreeMap<PositionKey, u64>,
    disconnects: u32,
    /// Connections dropped at an order moment, for the core to forget their market-data lines.
    pub(super) dropped: Vec<u64>,
}

impl Orderflow {
    pub(super) fn new(p: &OrderflowParams) -> Self {
        Orderflow {
            on: p.any(),
            rng: Rng::new(p.seed, RNG_STREAM),
            p: p.clone(),
            now_ns: 0,
            held: BTreeMap::new(),
            next_seq: 0,
            pending_cancels: BTreeMap::new(),
            published: BTreeMap::new(),
            lagging: BTreeMap::new(),
            disconnects: 0,
            dropped: Vec::new(),
        }
    }

    /// True when any behaviour is switched on.
    pub(super) fn is_on(&self) -> bool {
        self.on
    }

    /// A draw with probability `p` (no draw at all for 0 or 1, so a switch that is off leaves
    /// the others' draws as they were).
    fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            false
        } else if p >= 1.0 {
            true
        } else {
            self.rng.uniform() < p
        }
    }

    /// A delay in ns drawn from `[lo, hi]` milliseconds.
    fn delay_ns(&mut self, [lo, hi]: [u64; 2]) -> u64 {
        let ms = if hi > lo {
            lo + self.rng.below(hi - lo + 1)
        } else {
            lo
        };
        ms * MS
    }

    fn hold(&mut self, conn: u64, due_ns: u64, bytes: Vec<u8>) {
        self.next_seq += 1;
        self.held.insert((due_ns, self.next_seq), (conn, bytes));
    }

    /// The earliest instant something held back is due, if anything is.
    pub(super) fn next_due_ns(&self) -> Option<u64> {
        let frame = self.held.keys().next().map(|&(t, _)| t);
        let cancel = self.pending_cancels.values().min().copied();
        let position = self.lagging.values().min().copied();
        [frame, cancel, position].into_iter().flatten().min()
    }

    /// Appends the frames due at `now_ns` to their sessions (those of closed connections are
    /// lost, as bytes in a dropped socket are).
    pub(super) fn take_due_frames(&mut self, now_ns: u64, sessions: &mut Sessions) {
        while let Some(entry) = self.held.first_entry() {
            if entry.key().0 > now_ns {
                break;
            }
            let (conn, bytes) = entry.remove();
            if let Some(s) = sessions.get_mut(conn) {
                s.push_encoded(&bytes);
            }
        }
    }

    /// The orders whose deferred cancel takes effect at `now_ns`.
    pub(super) fn take_due_cancels(&mut self, now_ns: u64) -> Vec<usize> {
        let due: Vec<usize> = self
            .pending_cancels
            .iter()
            .filter(|&(_, &t)| t <= now_ns)
            .map(|(&i, _)| i)
            .collect();
        for i in &due {
            self.pending_cancels.remove(i);
        }
        due
    }

    /// The lagging positions to publish at `now_ns`.
    pub(super) fn take_due_positions(&mut self, now_ns: u64) -> Vec<PositionKey> {
        let due: Vec<PositionKey> = self
            .lagging
            .iter()
            .filter(|&(_, &t)| t <= now_ns)
            .map(|(k, _)| k.clone())
            .collect();
        for k in &due {
            self.lagging.remove(k);
        }
        due
    }

    /// True when REQ_EXECUTIONS answers include the BAG-level executions of combos.
    pub(super) fn bag_executions_in_replay(&self) -> bool {
        self.p.bag_executions_in_replay
    }

    /// True when an execution's status (and open order) should go before its EXECUTION_DATA.
    pub(super) fn status_first(&mut self) -> bool {
        self.chance(self.p.status_first_probability)
    }

    /// The status string of order `index` in an execution's reports: PendingCancel while a
    /// deferred cancel waits and the order still works.
    pub(super) fn status_of(&self, index: usize, o: &OrderRec) -> Option<&'static str> {
        (o.state.is_working() && self.pending_cancels.contains_key(&index))
            .then_some("PendingCancel")
    }

    /// Sends (or holds back, and maybe repeats) the commission report of `e` to `s`.
    pub(super) fn send_commission(&mut self, s: &mut Session, e: &ExecRec) {
        let copies = 1 + usize::from(self.chance(self.p.commission_repeat_probability));
        for _ in 0..copies {
            if self.p.commission_delay_ms[1] == 0 {
                s.send(Out::Commission(e));
            } else {
                let due = self
                    .now_ns
                    .saturating_add(self.delay_ns(self.p.commission_delay_ms));
                let mut bytes = Vec::new();
                Out::Commission(e).encode(&mut bytes, s.neg);
                self.hold(s.conn, due, bytes);
            }
        }
    }

    /// Writes the answer `answer` produces for `s`: at once, or (with `answer_delay_ms`) frame
    /// by frame at sorted random delays, so answers asked for together interleave and each
    /// keeps its own order.
    pub(super) fn answer(&mut self, s: &mut Session, answer: impl FnOnce(&mut Session)) {
        if self.p.answer_delay_ms[1] == 0 {
            return answer(s);
        }
        let bytes = s.capture(answer);
        let mut frames = Vec::new();
        let mut at = 0;
        while let Ok(Some((_, used))) = crate::wire::split_frame(&bytes[at..], usize::MAX) {
            frames.push(at..at + used);
            at += used;
        }
        let mut delays: Vec<u64> = (0..frames.len())
            .map(|_| self.delay_ns(self.p.answer_delay_ms))
            .collect();
        delays.sort_unstable();
        for (range, delay) in frames.into_iter().zip(delays) {
            let due = self.now_ns.saturating_add(delay);
            self.hold(s.conn, due, bytes[range].to_vec());
        }
    }

    /// True when positions may lag (the published copy is then kept).
    fn positions_lag(&self) -> bool {
        self.p.position_lag_probability > 0.0
    }

    /// A fill changed position `key` to `now` (qty, average cost): true when it is published
    /// at once, false when its publication lags (then [`Orderflow::take_due_positions`] names
    /// it later).
    pub(super) fn position_changed(&mut self, key: &PositionKey, now: (f64, f64)) -> bool {
        if !self.positions_lag() {
            return true;
        }
        if self.lagging.contains_key(key) {
            return false;
        }
        if self.chance(self.p.position_lag_probability) {
            let due = self
                .now_ns
                .saturating_add(self.delay_ns(self.p.position_lag_ms));
            self.lagging.insert(key.clone(), due);
            return false;
        }
        self.published.insert(key.clone(), now);
        true
    }

    /// Records that position `key` was published as `now`.
    pub(super) fn position_published(&mut self, key: &PositionKey, now: (f64, f64)) {
        if self.positions_lag() {
            self.published.insert(key.clone(), now);
        }
    }

    /// REQ_POSITIONS: every position as last published (with lagging positions switched on a
    /// fill not yet published is not in it), then updates as fills change them.
    pub(super) fn positions_answer(
        &self,
        s: &mut Session,
        ledger: &Ledger,
        contracts: &[super::encode::ContractInfo],
    ) {
        if !self.positions_lag() {
            return super::requests::positions(s, ledger, contracts);
        }
        s.positions_subscribed = true;
        for ((account, sym), &(qty, avg_cost)) in &self.published {
            s.send(Out::Position {
                account,
                contract: &contracts[*sym],
                qty,
                avg_cost,
            });
        }
        s.send(Out::PositionEnd);
    }

    /// True when the connection should be dropped now, at `moment` of an order's life.
    pub(super) fn disconnect_at(&mut self, moment: OrderMoment) -> bool {
        if !self.p.disconnect_at.contains(&moment) || self.disconnects >= self.p.max_disconnects {
            return false;
        }
        let drop = self.chance(self.p.disconnect_probability);
        self.disconnects += u32::from(drop);
        drop
    }

    /// The code a new order is rejected with, if it is (placement codes only).
    pub(super) fn reject_order(&mut self) -> Option<i32> {
        let codes: Vec<i32> = self
            .p
            .reject_codes
            .iter()
            .copied()
            .filter(|&c| c != crate::wire::ids::codes::ORDER_NOT_FOUND)
            .collect();
        if codes.is_empty() || !self.chance(self.p.reject_probability) {
            return None;
        }
        Some(codes[self.rng.below(codes.len() as u64) as usize])
    }

    /// True when a cancel is answered 10147 (the order ends with no status).
    pub(super) fn reject_cancel(&mut self) -> bool {
        let code = crate::wire::ids::codes::ORDER_NOT_FOUND;
        self.p.reject_codes.contains(&code) && self.chance(self.p.reject_probability)
    }

    /// Defers the cancel of working order `index` (true), or says to cancel it at once. A
    /// second cancel of an order already pending is absorbed.
    pub(super) fn defer_cancel(&mut self, index: usize) -> bool {
        if self.p.pending_cancel_ms[1] == 0 {
            return false;
        }
        if !self.pending_cancels.contains_key(&index) {
            let due = self
                .now_ns
                .saturating_add(self.delay_ns(self.p.pending_cancel_ms));
            self.pending_cancels.insert(index, due);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(p: OrderflowParams) -> Orderflow {
        Orderflow::new(&p)
    }

    #[test]
    fn off_by_default_and_nothing_is_held() {
        let mut f = flow(OrderflowParams::default());
        assert!(!f.is_on());
        assert!(!f.status_first());
        assert_eq!(f.reject_order(), None);
        assert!(!f.reject_cancel());
        assert!(!f.defer_cancel(3));
        assert!(f.position_changed(&("DU1".into(), 0), (1.0, 2.0)));
        assert!(!f.disconnect_at(OrderMoment::Acknowledged));
        assert_eq!(f.next_due_ns(), None);
    }

    #[test]
    fn draws_repeat_per_seed_and_differ_across_seeds() {
        let p = |seed| OrderflowParams {
            seed,
            status_first_probability: 0.5,
            reject_probability: 0.5,
            reject_codes: vec![103, 110, 200, 203],
            ..Default::default()
        };
        let draws = |seed| {
            let mut f = flow(p(seed));
            (0..64)
                .map(|_| (f.status_first(), f.reject_order()))
                .collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
        let all = draws(7);
        for code in [103, 110, 200, 203] {
            assert!(all.iter().any(|d| d.1 == Some(code)), "{code} drawn");
        }
    }

    #[test]
    fn cancels_and_positions_come_due_in_their_range() {
        let mut f = flow(OrderflowParams {
            pending_cancel_ms: [5, 10],
            position_lag_probability: 1.0,
            position_lag_ms: [20, 20],
            ..Default::default()
        });
        f.now_ns = 1_000 * MS;
        assert!(f.defer_cancel(4));
        let due = f.next_due_ns().unwrap();
        assert!((1_005 * MS..=1_010 * MS).contains(&due), "{due}");
        assert!(f.defer_cancel(4), "a second cancel is absorbed");
        assert_eq!(f.next_due_ns(), Some(due), "and keeps its time");
        let key = ("DU1".to_string(), 2);
        assert!(!f.position_changed(&key, (100.0, 10.0)));
        assert!(f.take_due_cancels(due - 1).is_empty());
        assert_eq!(f.take_due_cancels(due), [4]);
        assert!(f.take_due_positions(1_019 * MS).is_empty());
        assert_eq!(f.take_due_positions(1_020 * MS), [key]);
        assert_eq!(f.next_due_ns(), None);
    }

    #[test]
    fn disconnects_stop_at_their_maximum() {
        let mut f = flow(OrderflowParams {
            disconnect_at: vec![OrderMoment::PartialFill],
            disconnect_probability: 1.0,
            max_disconnects: 2,
            ..Default::default()
        });
        assert!(!f.disconnect_at(OrderMoment::Filled), "not a chosen moment");
        assert!(f.disconnect_at(OrderMoment::PartialFill));
        assert!(f.disconnect_at(OrderMoment::PartialFill));
        assert!(!f.disconnect_at(OrderMoment::PartialFill));
    }
}
