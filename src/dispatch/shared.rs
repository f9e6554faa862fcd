//! Orders shared by several baskets: after a decision step crossed what it could internally
//! (`netting.rs`), the net of an instrument goes to the market as one order, carried by one
//! basket's ticket (the *carrier*: the owner with the largest residual, ties to the first in the
//! step), on behalf of every basket that wanted that side (its *owners*, the carrier among them).
//!
//! Rules, in one place:
//! - **Fills.** Every execution of the shared ticket leg (the first order, a re-send, a hedge) is
//!   split among the owners pro rata by their residual quantities, by [`allocate`]: whole
//!   shares, each owner's cumulative allocation the closest it can be to its entitlement
//!   `filled x residual / total` (largest deficit first, ties to the earlier owner), never
//!   above its residual, and the pieces of one execution always sum to its shares exactly.
//!   The account position takes the execution whole; each owner's book takes its piece at the
//!   execution's price. The carrier's target counted the whole order at submission: a piece
//!   for another owner moves from the carrier's target to that owner's.
//! - **Commissions.** An execution's commission is split like its shares (pro rata by the
//!   pieces; the carrier takes the remainder, so the pieces sum to the report exactly), booked
//!   once per execution id as any commission is.
//! - **Failure.** A shared leg that cannot complete runs the ticket machinery of its carrier
//!   (re-sends, then unwind); when the carrier's trade is unwound, every other owner of its
//!   shared legs is unwound too (its whole book, as one reducing ticket) and stops trading, as
//!   a legged basket does. What an owner crossed internally stays crossed: the market never
//!   undoes a book transfer (the unwind flattens the book, crosses included).
//! - **Busy.** While a shared leg works, each owner is busy: its next rebalance is refused and
//!   its close waits, as for a basket with a ticket of its own. Its outcome is reported when
//!   the shared leg's ticket ends.
//! - **Restart.** The journal records the owners of each shared leg and their residuals (`S`
//!   lines, before the ticket's orders) and each piece (`A` lines after the `E` line); a restart
//!   rebuilds every owner's book from the pieces, and a shared order still working goes on
//!   being shared ([`restore_shared`](Dispatcher::restore_shared)): each owner's allocation so
//!   far is what the journal's pieces of that leg add up to, so the fills after the restart are
//!   split exactly as they would have been without it. Tickets do not survive a restart, so
//!   such a leg is known by its working orders' ids and ends when the last of them does (its
//!   owners are then free to trade again).

use super::Dispatcher;
use crate::journal::{JournalEntry, Recovered};
use crate::types::ExecId;
use arrayvec::ArrayVec;

/// The most baskets one decision step nets (and so the most owners of one order); the params
/// refuse more baskets than this when `strategy.basket.net_across_baskets` is on.
pub const STEP_BASKETS: usize = crate::config::MAX_NETTED_BASKETS;
/// Working orders of one shared leg a restart can carry on (the order and its re-sends).
pub(super) const RESTORED_ORDERS: usize = 4;
/// Shared ticket legs working at once.
pub(super) const SHARED_LEGS: usize = 256;
/// Split executions remembered for their commission reports (a report later than this many
/// split executions goes to the carrier whole).
pub(super) const SPLITS: usize = 1024;

/// One basket's claim on a shared order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    /// The basket's slot.
    pub pair: u16,
    /// The shares it wants from the market (its delta less what it crossed internally).
    pub residual: u32,
    /// What the order's fills gave it so far.
    pub allocated: u32,
}

/// Splits `shares` newly filled among `owners` (whole shares, see the module rules) and
/// writes each owner's piece to `pieces` (same order). Shares beyond every residual (an
/// over-fill) go to the first owner.
///
/// # Examples
/// ```
/// use hft::dispatch::{Owner, allocate};
/// let mut owners = [3, 2].map(|residual| Owner { pair: 0, residual, allocated: 0 });
/// let mut pieces = [0; 2];
/// let mut got = Vec::new();
/// for _ in 0..5 {
///     allocate(&mut owners, 1, &mut pieces);
///     got.push(pieces);
/// }
/// // One share at a time, each owner as close as it can be to 3/5 and 2/5 of what filled.
/// assert_eq!(got, [[1, 0], [0, 1], [1, 0], [0, 1], [1, 0]]);
/// assert_eq!(owners.map(|o| o.allocated), [3, 2]);
/// ```
pub fn allocate(owners: &mut [Owner], shares: u32, pieces: &mut [u32]) {
    pieces.iter_mut().for_each(|p| *p = 0);
    let total: u64 = owners.iter().map(|o| u64::from(o.residual)).sum();
    let filled_before: u64 = owners.iter().map(|o| u64::from(o.allocated)).sum();
    let filled_after = filled_before + u64::from(shares);
    let mut remaining = shares;
    while remaining > 0 {
        // Deficit in units of 1/total share: entitlement minus what it has (and got now).
        let best = owners
            .iter()
            .enumerate()
            .filter(|(_, o)| o.allocated < o.residual)
            .map(|(k, o)| {
                let entitled = (filled_after * u64::from(o.residual)) as i128;
                (k, entitled - (u64::from(o.allocated) * total) as i128)
            })
            .fold(None, |best: Option<(usize, i128)>, (k, d)| match best {
                Some((_, bd)) if bd >= d => best,
                _ => Some((k, d)),
            });
        let Some((k, deficit)) = best else {
            // An over-fill: the first owner takes it.
            if let (Some(o), Some(p)) = (owners.first_mut(), pieces.first_mut()) {
                o.allocated += remaining;
                *p += remaining;
            }
            return;
        };
        let whole =
            u32::try_from((deficit.max(0) as u128) / u128::from(total.max(1))).unwrap_or(u32::MAX);
        let room = owners[k].residual - owners[k].allocated;
        let give = whole.clamp(1, remaining.min(room));
        owners[k].allocated += give;
        pieces[k] += give;
        remaining -= give;
    }
}

/// A ticket leg whose order serves several baskets.
#[derive(Debug, Clone)]
pub(super) struct SharedLeg {
    pub ticket: u32,
    pub leg: u8,
    pub instrument: u16,
    /// Owners in step order; the carrier (the ticket's slot) among them.
    pub owners: ArrayVec<Owner, STEP_BASKETS>,
    /// A leg restored from the journal (`ticket` 0): its working orders, by id. Empty for a
    /// leg of a live ticket.
    pub orders: ArrayVec<i32, RESTORED_ORDERS>,
}

/// How one execution was split (for its commission report).
#[derive(Debug, Clone)]
pub(super) struct Split {
    /// The split's id (0: the ring slot was never used).
    pub id: u32,
    /// The carrier, which takes the commission's remainder.
    pub carrier: u16,
    /// (slot, signed shares) per owner with a piece, the carrier included.
    pub pieces: ArrayVec<(u16, f64), STEP_BASKETS>,
}

impl Split {
    pub(super) const NONE: Split = Split {
        id: 0,
        carrier: u16::MAX,
        pieces: ArrayVec::new_const(),
    };
}

impl Dispatcher {
    /// The shared leg that ticket `ticket`'s leg `leg` is, if any.
    pub(super) fn shared_of(&self, ticket: u32, leg: u8) -> Option<usize> {
        if ticket == 0 {
            return None;
        }
        self.nets
            .shared
            .iter()
            .position(|s| s.ticket == ticket && s.leg == leg)
    }

    /// The shared leg restored from the journal that order `order_id` works, if any.
    pub(super) fn restored_shared_of(&self, order_id: i32) -> Option<usize> {
        self.nets
            .shared
            .iter()
            .position(|s| s.ticket == 0 && s.orders.contains(&order_id))
    }

    /// True while slot `pair` owns a share of an order some ticket still works.
    pub(super) fn shares_pending(&self, pair: u16) -> bool {
        self.nets
            .shared
            .iter()
            .any(|s| s.owners.iter().any(|o| o.pair == pair))
    }

    /// An execution of shared leg `k`: the position takes it whole, each owner its piece
    /// (see the module rules); the split is remembered for the commission and journaled after
    /// the execution (by [`journal_split`](Self::journal_split)). Returns the split's id.
    pub(super) fn apply_shared_fill(
        &mut self,
        k: usize,
        carrier: u16,
        signed: f64,
        price: f64,
    ) -> u32 {
        let instrument = self.nets.shared[k].instrument;
        self.positions[instrument as usize].apply(signed, price);
        let shares = signed.abs().round() as u32;
        let mut pieces = [0u32; STEP_BASKETS];
        let n = self.nets.shared[k].owners.len();
        allocate(&mut self.nets.shared[k].owners, shares, &mut pieces[..n]);
        let owners = self.nets.shared[k].owners.clone();
        let sign = signed.signum();
        let mut split = Split {
            id: self.nets.next_split,
            carrier,
            pieces: ArrayVec::new(),
        };
        self.nets.next_split = self.nets.next_split.wrapping_add(1).max(1);
        // Whole shares by the allocation; a fractional remainder stays with the carrier.
        let others: f64 = owners
            .iter()
            .zip(pieces)
            .filter(|(o, _)| o.pair != carrier)
            .map(|(_, p)| f64::from(p))
            .sum();
        for (o, piece) in owners.iter().zip(pieces) {
            let qty = if o.pair == carrier {
                signed - sign * others
            } else {
                sign * f64::from(piece)
            };
            if qty == 0.0 {
                continue;
            }
            self.book_piece(o.pair, instrument, qty, price);
            if o.pair != carrier {
                // The carrier's target counted these shares since submission.
                self.move_target(carrier, o.pair, instrument, qty);
            }
            split.pieces.push((o.pair, qty));
        }
        let id = split.id;
        self.nets.splits[id as usize % SPLITS] = split;
        id
    }

    /// Restores execution `x` of `r` when the journal split it among baskets (`A` lines):
    /// the position takes it whole, each basket its piece, the order's own pair the rest; the
    /// split is remembered for its commission. False when it was not split.
    pub(super) fn restore_split(&mut self, r: &Recovered, x: usize) -> bool {
        let e = &r.executions[x];
        let mut split = Split {
            id: self.nets.next_split,
            carrier: e.pair,
            pieces: ArrayVec::new(),
        };
        for a in r.allocations.iter().filter(|a| a.execution == x) {
            if split.pieces.try_push((a.pair, a.qty)).is_err() {
                break;
            }
        }
        if split.pieces.is_empty() {
            return false;
        }
        self.nets.next_split = self.nets.next_split.wrapping_add(1).max(1);
        self.positions[e.instrument as usize].apply(e.qty, e.price);
        let others: f64 = split.pieces.iter().map(|p| p.1).sum();
        for &(pair, qty) in split.pieces.iter() {
            self.book_piece(pair, e.instrument, qty, e.price);
        }
        let rest = e.qty - others;
        if rest != 0.0 {
            self.book_piece(e.pair, e.instrument, rest, e.price);
            let _ = split.pieces.try_push((e.pair, rest));
        }
        if let Some(s) = self.seen.get_mut(&e.exec_id) {
            s.split = split.id;
        }
        let at = split.id as usize % SPLITS;
        self.nets.splits[at] = split;
        true
    }

    /// Journals split `id`'s pieces for other owners (the `E` line's pair, the carrier, has
    /// the rest), after its execution.
    pub(super) fn journal_split(&mut self, id: u32, exec_id: ExecId) {
        let split = self.nets.splits[id as usize % SPLITS].clone();
        if split.id != id {
            return;
        }
        for &(pair, qty) in split.pieces.iter().filter(|p| p.0 != split.carrier) {
            self.journal(JournalEntry::Allocation { exec_id, pair, qty });
        }
    }

    /// Books `commission` of split `id` on its owners' legs of `instrument` pro rata by their
    /// pieces (the carrier takes the remainder). False when the split is no longer known.
    pub(super) fn book_split_commission(
        &mut self,
        id: u32,
        instrument: u16,
        commission: f64,
    ) -> bool {
        let split = self.nets.splits[id as usize % SPLITS].clone();
        if split.id != id || split.pieces.is_empty() {
            return false;
        }
        let total: f64 = split.pieces.iter().map(|p| p.1.abs()).sum();
        let mut given = 0.0;
        for &(pair, qty) in split.pieces.iter().filter(|p| p.0 != split.carrier) {
            let c = commission * qty.abs() / total;
            given += c;
            self.book_leg_commission(pair, instrument, c);
        }
        self.book_leg_commission(split.carrier, instrument, commission - given);
        true
    }

    fn book_leg_commission(&mut self, pair: u16, instrument: u16, commission: f64) {
        if let Some(p) = self.pairs.get_mut(pair as usize)
            && let Some(k) = p.book.leg_of(instrument)
        {
            p.book.legs_mut()[k].commissions += commission;
        }
    }

    /// `qty` signed shares of `instrument` at `price` into slot `pair`'s book only (a piece of
    /// a shared execution, or an internal cross: the account position is not moved).
    pub(super) fn book_piece(&mut self, pair: u16, instrument: u16, qty: f64, price: f64) {
        if let Some(p) = self.pairs.get_mut(pair as usize)
            && let Some(k) = p.book.leg_of(instrument)
        {
            p.book.legs_mut()[k].apply(qty, price);
        }
    }

    /// Moves `qty` signed shares of `instrument` from slot `from`'s target to slot `to`'s.
    fn move_target(&mut self, from: u16, to: u16, instrument: u16, qty: f64) {
        for (pair, q) in [(from, -qty), (to, qty)] {
            if let Some(p) = self.pairs.get_mut(pair as usize)
                && let Some(k) = p.book.leg_of(instrument)
            {
                p.target[k] += q;
            }
        }
    }

    /// Restores the shared legs of `r` that still have a working order (the module rules):
    /// the owners and their residuals from the `S` lines, each owner's allocation from the
    /// pieces of the leg's executions (`A` lines; the execution's own pair, the carrier, has
    /// the rest). Called after the orders and executions are restored.
    pub(super) fn restore_shared(&mut self, r: &Recovered) {
        for o in r.open_orders().filter(|o| o.ticket != 0) {
            if let Some(k) = self.nets.shared.iter().position(|s| {
                s.ticket == 0 && s.orders.first().is_some_and(|&id| same_leg(r, id, o))
            }) {
                let _ = self.nets.shared[k].orders.try_push(o.order_id);
                continue;
            }
            let mut owners: ArrayVec<Owner, STEP_BASKETS> = ArrayVec::new();
            for s in r
                .shares
                .iter()
                .filter(|s| (s.ticket, s.leg, s.instrument) == (o.ticket, o.leg, o.instrument))
            {
                if owners
                    .try_push(Owner {
                        pair: s.pair,
                        residual: s.residual,
                        allocated: 0,
                    })
                    .is_err()
                {
                    break;
                }
            }
            if owners.len() < 2 || self.nets.shared.is_full() {
                continue;
            }
            for (x, e) in r.executions.iter().enumerate() {
                if !r.orders.iter().any(|ord| {
                    ord.order_id == e.order_id && (ord.ticket, ord.leg) == (o.ticket, o.leg)
                }) {
                    continue;
                }
                let mut others = 0.0;
                for a in r.allocations.iter().filter(|a| a.execution == x) {
                    others += a.qty;
                    give(&mut owners, a.pair, a.qty);
                }
                give(&mut owners, e.pair, e.qty - others);
            }
            let mut orders = ArrayVec::new();
            orders.push(o.order_id);
            self.nets.shared.push(SharedLeg {
                ticket: 0,
                leg: o.leg,
                instrument: o.instrument,
                owners,
                orders,
            });
        }
    }

    /// Order `order_id` (restored from the journal) ended: it no longer works its shared leg,
    /// and the leg is over when none of its orders does (its owners are free again).
    pub(super) fn end_restored_share(&mut self, order_id: i32) {
        let Some(k) = self.restored_shared_of(order_id) else {
            return;
        };
        self.nets.shared[k].orders.retain(|id| *id != order_id);
        if self.nets.shared[k].orders.is_empty() {
            self.nets.shared.swap_remove(k);
        }
    }

    /// Ticket `id` ended: its shared legs are over; each owner other than the carrier hears
    /// its outcome (`reached`: the carrier's trade completed). On an unwind (`unwound`) those
    /// owners are unwound whole and stop trading (the module rules).
    pub(super) fn end_shared(
        &mut self,
        id: u32,
        carrier: u16,
        seq: u64,
        reached: bool,
        unwound: bool,
    ) {
        let mut owners: ArrayVec<u16, STEP_BASKETS> = ArrayVec::new();
        let mut k = 0;
        while k < self.nets.shared.len() {
            if self.nets.shared[k].ticket != id {
                k += 1;
                continue;
            }
            let leg = self.nets.shared.swap_remove(k);
            for o in leg.owners.iter().filter(|o| o.pair != carrier) {
                if !owners.contains(&o.pair) {
                    owners.push(o.pair);
                }
            }
        }
        for &pair in &owners {
            if unwound {
                self.counters.leg_unwinds += 1;
                if let Some(p) = self.pairs.get_mut(pair as usize) {
                    p.blocked = true;
                }
                self.flatten_pair(pair, seq);
            } else if !self.shares_pending(pair) {
                self.report_outcome(pair, seq, reached);
            }
        }
    }
}

/// Order `id` of `r` and order `o` work the same ticket leg.
fn same_leg(r: &Recovered, id: i32, o: &crate::journal::RecoveredOrder) -> bool {
    r.orders.iter().any(|x| {
        x.order_id == id && (x.ticket, x.leg, x.instrument) == (o.ticket, o.leg, o.instrument)
    })
}

/// Counts `qty` signed shares of a restored execution piece towards owner `pair`'s allocation.
fn give(owners: &mut [Owner], pair: u16, qty: f64) {
    if let Some(o) = owners.iter_mut().find(|o| o.pair == pair) {
        o.allocated += qty.abs().round() as u32;
    }
}
