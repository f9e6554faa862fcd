//! Netting across baskets in one decision step: never a buy and a sell of one instrument in
//! one step.
//!
//! A decision step is what the signal stage decided on one quote: its basket intents come
//! between an [`IntentKind::StepOpen`](crate::types::IntentKind::StepOpen) and an
//! [`IntentKind::StepClose`](crate::types::IntentKind::StepClose) of the quote's sequence
//! number, over the same SPSC queue. While a step is open, each basket's rebalance passes its
//! own checks (not busy, every name its own, fresh quotes) and its trade (target minus what it
//! will hold, per name) is staged in a fixed buffer; a basket's close in the step is staged as a
//! rebalance to flat when the basket is idle. At the close, per instrument:
//!
//! 1. **All or none.** The orders that would go to the market (one per instrument, the net of
//!    the step's trades) pass the risk checks together, with room for their tickets. A refusal
//!    refuses the whole step: no basket is crossed, none trades, each hears its refusal. So a
//!    refused net order never leaves one basket crossed and the other not.
//! 2. **Internal cross.** The opposite-signed trades cross: the smaller side is crossed whole,
//!    the larger side's baskets share the crossed shares pro rata by their trades
//!    ([`allocate`](super::allocate): whole shares, exact sum, ties to the earlier basket).
//!    Each basket's book moves at one reference price, the mid of the instrument's latest
//!    quote in the feed when the step closes (the step's quote for the name that triggered
//!    it); no order, no commission. The crosses sum to zero per instrument, so the sum of the
//!    baskets' books stays the account's position, and PnL sums stay the account's (the
//!    buyers' cash is the sellers'). Journaled (`N` lines) so a restart rebuilds every book.
//! 3. **Net order.** What is left, all on one side, goes as one order for the instrument,
//!    carried by one basket's ticket for every basket that wanted that side (`shared.rs`:
//!    how its fills and commissions are split, and what a failure does).
//!
//! A step of one basket is that basket's rebalance, unchanged. Nothing allocates: the step
//! buffer and the per-instrument scratch are sized at start-up.

use super::shared::{Owner, STEP_BASKETS, SharedLeg, Split};
use super::{Dispatcher, Link, OPEN_TICKETS, PendingOrder, allocate};
use crate::journal::JournalEntry;
use crate::types::{IntentMsg, MAX_BASKET_LEGS, Side};
use arrayvec::ArrayVec;

/// One basket's trade staged in an open step: signed shares per name.
#[derive(Debug, Clone)]
pub(super) struct Staged {
    pub pair: u16,
    pub t_recv_ns: u64,
    pub t_event_ns: u64,
    pub trades: ArrayVec<(u16, i64), MAX_BASKET_LEGS>,
}

/// The open decision step and its staged trades.
#[derive(Debug)]
pub(super) struct Step {
    /// The step's sequence number (`None`: no step open).
    pub open: Option<u64>,
    pub staged: ArrayVec<Staged, STEP_BASKETS>,
}

/// What netting did for one basket (for `summary.json`).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct CrossStats {
    /// Shares crossed internally (bought plus sold).
    pub crossed_shares: f64,
    /// Their notional at the reference prices, in USD.
    pub crossed_notional: f64,
    /// Internal crosses (one per name per step).
    pub crosses: u64,
}

impl Dispatcher {
    /// Opens step `seq` (a step left open by a lost close is closed first).
    pub(super) fn open_step(&mut self, seq: u64) {
        if let Some(old) = self.nets.step.open {
            self.close_step(old);
        }
        self.nets.step.open = Some(seq);
    }

    /// True when a rebalance of `seq` belongs to the open step.
    pub(super) fn in_step(&self, seq: u64) -> bool {
        self.nets.step.open == Some(seq)
    }

    /// Stages basket `pair`'s trade (signed shares per name) in the open step. False when the
    /// step has no room, or the basket is staged already.
    pub(super) fn stage(&mut self, msg: &IntentMsg, orders: &[PendingOrder]) -> bool {
        let pair = msg.value.pair;
        if self.nets.step.staged.is_full() || self.nets.step.staged.iter().any(|s| s.pair == pair) {
            self.counters.intents_blocked += 1;
            return false;
        }
        let trades = orders
            .iter()
            .map(|o| (o.instrument, o.side.signed(f64::from(o.qty)) as i64))
            .collect();
        self.nets.step.staged.push(Staged {
            pair,
            t_recv_ns: msg.t_recv_ns,
            t_event_ns: msg.value.t_ns,
            trades,
        });
        true
    }

    /// Stages basket `pair`'s close in the open step as a trade to flat, when the basket is
    /// idle (nothing in flight: its target is its book). False when it is not (the close then
    /// takes its usual way).
    pub(super) fn stage_close(&mut self, msg: &IntentMsg) -> bool {
        let pair = msg.value.pair;
        if !self.is_basket(pair) || self.slot_busy(pair) {
            return false;
        }
        let state = &self.pairs[pair as usize];
        let mut orders: ArrayVec<PendingOrder, MAX_BASKET_LEGS> = ArrayVec::new();
        for (k, &instrument) in state.book.instruments().iter().enumerate() {
            let q = state.target[k].round();
            if q != 0.0 {
                orders.push(PendingOrder {
                    instrument,
                    pair,
                    side: if q > 0.0 { Side::Sell } else { Side::Buy },
                    qty: q.abs() as u32,
                    seq: msg.value.seq,
                    ticket: 0,
                    leg: 0,
                    t_recv_ns: msg.t_recv_ns,
                    t_event_ns: msg.value.t_ns,
                    cancel_id: 0,
                    combo_b: 0,
                });
            }
        }
        if orders.is_empty() {
            return false;
        }
        self.stage(msg, &orders)
    }

    /// Slot `pair` has something in flight: a close waiting, a ticket of its own working, or a
    /// share of another basket's order.
    pub(super) fn slot_busy(&self, pair: u16) -> bool {
        self.pairs
            .get(pair as usize)
            .is_some_and(|p| p.close_pending)
            || self
                .open_tickets
                .iter()
                .any(|&id| self.ticket(id).is_some_and(|t| t.pair == pair))
            || self.shares_pending(pair)
    }

    /// Closes step `seq`: nets the staged trades (module rules) and sends what is left.
    pub(super) fn close_step(&mut self, seq: u64) {
        if self.nets.step.open != Some(seq) {
            return;
        }
        self.nets.step.open = None;
        if self.nets.step.staged.is_empty() {
            return;
        }
        self.net_touched();
        let refused = self.link != Link::Up
            || self.counters.kill_switch > 0
            || self.stopping
            || !self.net_allowed(seq);
        if refused {
            self.counters.rejected_by_risk += 1;
            for k in 0..self.nets.step.staged.len() {
                let pair = self.nets.step.staged[k].pair;
                self.report_outcome(pair, seq, false);
            }
            self.nets.step.staged.clear();
            return;
        }
        let mut trades_wanted = 0u64;
        for s in self.nets.step.staged.iter() {
            trades_wanted += s.trades.len() as u64;
        }
        for k in 0..self.nets.scratch.touched.len() {
            let instrument = self.nets.scratch.touched[k];
            self.cross(instrument);
        }
        let sent = self.send_net(seq);
        self.counters.net_orders_saved += trades_wanted.saturating_sub(sent);
        self.nets.step.staged.clear();
    }

    /// Sums the staged trades per instrument into the scratch (`net.buys`, `net.sells`,
    /// `net.touched` in first-seen order).
    fn net_touched(&mut self) {
        for &i in self.nets.scratch.touched.iter() {
            self.nets.scratch.buys[i as usize] = 0;
            self.nets.scratch.sells[i as usize] = 0;
        }
        self.nets.scratch.touched.clear();
        for s in self.nets.step.staged.iter() {
            for &(instrument, q) in s.trades.iter() {
                let i = instrument as usize;
                if self.nets.scratch.buys[i] == 0 && self.nets.scratch.sells[i] == 0 {
                    self.nets.scratch.touched.push(instrument);
                }
                if q > 0 {
                    self.nets.scratch.buys[i] += q;
                } else {
                    self.nets.scratch.sells[i] -= q;
                }
            }
        }
    }

    /// The net orders pass the risk checks together, their tickets have room, and every
    /// instrument to cross has a reference price.
    fn net_allowed(&mut self, seq: u64) -> bool {
        let mut orders = std::mem::take(&mut self.nets.scratch.orders);
        orders.clear();
        let mut priced = true;
        for &instrument in self.nets.scratch.touched.iter() {
            let (b, s) = (
                self.nets.scratch.buys[instrument as usize],
                self.nets.scratch.sells[instrument as usize],
            );
            priced &= b == 0 || s == 0 || self.feed.last(instrument).1 > 0.0;
            let net = b - s;
            if net != 0 {
                orders.push(PendingOrder {
                    instrument,
                    pair: u16::MAX,
                    side: if net > 0 { Side::Buy } else { Side::Sell },
                    qty: net.unsigned_abs() as u32,
                    seq,
                    ticket: 0,
                    leg: 0,
                    t_recv_ns: self.now,
                    t_event_ns: 0,
                    cancel_id: 0,
                    combo_b: 0,
                });
            }
        }
        let carriers = self.nets.step.staged.len();
        let allowed = priced
            && self.open_tickets.len() + carriers <= OPEN_TICKETS
            && self.nets.shared.len() + orders.len() <= super::shared::SHARED_LEGS
            && self.risk_allows(&orders);
        self.nets.scratch.orders = orders;
        allowed
    }

    /// Crosses `instrument`'s opposite-signed staged trades at its reference price (module
    /// rules), leaving each staged trade its residual.
    fn cross(&mut self, instrument: u16) {
        let i = instrument as usize;
        let crossed = self.nets.scratch.buys[i].min(self.nets.scratch.sells[i]);
        if crossed == 0 {
            return;
        }
        let price = self.feed.last(instrument).1;
        // The larger side shares the crossed shares pro rata by its trades.
        let buyers_larger = self.nets.scratch.buys[i] >= self.nets.scratch.sells[i];
        let mut owners: ArrayVec<Owner, STEP_BASKETS> = ArrayVec::new();
        let mut at: ArrayVec<(usize, usize), STEP_BASKETS> = ArrayVec::new();
        for (k, s) in self.nets.step.staged.iter().enumerate() {
            if let Some(t) = s.trades.iter().position(|x| x.0 == instrument)
                && (s.trades[t].1 > 0) == buyers_larger
            {
                owners.push(Owner {
                    pair: s.pair,
                    residual: s.trades[t].1.unsigned_abs() as u32,
                    allocated: 0,
                });
                at.push((k, t));
            }
        }
        let mut pieces = [0u32; STEP_BASKETS];
        let n = owners.len();
        allocate(&mut owners, crossed as u32, &mut pieces[..n]);
        let larger_sign = if buyers_larger { 1 } else { -1 };
        for k in 0..self.nets.step.staged.len() {
            let Some(t) = self.nets.step.staged[k]
                .trades
                .iter()
                .position(|x| x.0 == instrument)
            else {
                continue;
            };
            let q = self.nets.step.staged[k].trades[t].1;
            let crossed_here = if q.signum() == larger_sign {
                let j = at.iter().position(|&(kk, _)| kk == k).unwrap_or(0);
                larger_sign * i64::from(pieces[j])
            } else {
                q
            };
            if crossed_here == 0 {
                continue;
            }
            self.nets.step.staged[k].trades[t].1 -= crossed_here;
            let pair = self.nets.step.staged[k].pair;
            self.apply_cross(pair, instrument, crossed_here as f64, price);
        }
    }

    /// Basket `pair` takes `qty` signed shares of `instrument` at `price` from the other
    /// baskets of the step: its book and target move, the account does not.
    fn apply_cross(&mut self, pair: u16, instrument: u16, qty: f64, price: f64) {
        self.book_piece(pair, instrument, qty, price);
        self.adjust_target_only(pair, instrument, qty);
        self.count_cross(pair, qty, price);
        self.counters.internal_crosses += 1;
        let t_ns = self.wall_ns();
        self.journal(JournalEntry::Cross {
            t_ns,
            instrument,
            pair,
            qty,
            price,
        });
    }

    /// An internal cross of `qty` signed shares at `price` into slot `pair`'s netting counts
    /// (`summary.json` `baskets[].netting`), live or restored from an `N` line.
    pub(super) fn count_cross(&mut self, pair: u16, qty: f64, price: f64) {
        if let Some(c) = self.nets.crosses.get_mut(pair as usize) {
            c.crossed_shares += qty.abs();
            c.crossed_notional += qty.abs() * price;
            c.crosses += 1;
        }
    }

    /// Moves slot `pair`'s target for `instrument` by `qty` signed shares (not the projected
    /// position: an internal cross does not change what the account will hold).
    fn adjust_target_only(&mut self, pair: u16, instrument: u16, qty: f64) {
        if let Some(p) = self.pairs.get_mut(pair as usize)
            && let Some(k) = p.book.leg_of(instrument)
        {
            p.target[k] += qty;
        }
    }

    /// Sends each instrument's net as one order carried by the owner with the largest residual
    /// (ties: the first in the step), one ticket per carrier; registers the shared legs.
    /// Returns the orders sent.
    fn send_net(&mut self, seq: u64) -> u64 {
        let mut sent = 0;
        // The carrier of each touched instrument (index into the staged list), if it trades.
        for k in 0..self.nets.scratch.touched.len() {
            let instrument = self.nets.scratch.touched[k];
            let mut best: Option<(usize, i64)> = None;
            for (j, s) in self.nets.step.staged.iter().enumerate() {
                if let Some(&(_, q)) = s.trades.iter().find(|x| x.0 == instrument)
                    && q != 0
                    && best.is_none_or(|(_, bq)| q.abs() > bq.abs())
                {
                    best = Some((j, q));
                }
            }
            self.nets.scratch.carrier[instrument as usize] =
                best.map_or(u16::MAX, |(j, _)| j as u16);
        }
        for j in 0..self.nets.step.staged.len() {
            let (pair, t_recv_ns, t_event_ns) = {
                let s = &self.nets.step.staged[j];
                (s.pair, s.t_recv_ns, s.t_event_ns)
            };
            let mut orders: ArrayVec<PendingOrder, MAX_BASKET_LEGS> = ArrayVec::new();
            for &instrument in self.nets.scratch.touched.iter() {
                if self.nets.scratch.carrier[instrument as usize] != j as u16 {
                    continue;
                }
                let net = self.nets.scratch.buys[instrument as usize]
                    - self.nets.scratch.sells[instrument as usize];
                orders.push(PendingOrder {
                    instrument,
                    pair,
                    side: if net > 0 { Side::Buy } else { Side::Sell },
                    qty: net.unsigned_abs() as u32,
                    seq,
                    ticket: 0,
                    leg: 0,
                    t_recv_ns,
                    t_event_ns,
                    cancel_id: 0,
                    combo_b: 0,
                });
            }
            if orders.is_empty() {
                continue;
            }
            sent += orders.len() as u64;
            // Registered before the orders go: a fill can only come later, but a ticket that
            // ends at once (every order refused) must find its shared legs.
            let id = self.next_ticket_id();
            for (leg, o) in orders.iter().enumerate() {
                let owners = self.owners_of(o.instrument);
                if owners.len() > 1 {
                    for owner in owners.iter() {
                        self.journal(JournalEntry::Share {
                            ticket: id,
                            leg: leg as u8,
                            instrument: o.instrument,
                            pair: owner.pair,
                            residual: owner.residual,
                        });
                    }
                    self.nets.shared.push(SharedLeg {
                        ticket: id,
                        leg: leg as u8,
                        instrument: o.instrument,
                        owners,
                        orders: ArrayVec::new(),
                    });
                }
            }
            let policy = self.policy_of(pair);
            let opened = self.open_ticket(pair, seq, false, policy, &orders);
            debug_assert_eq!(opened, id);
        }
        // Baskets with nothing of their own to trade: fully crossed ones are there; owners of
        // a shared order hear when it ends.
        for j in 0..self.nets.step.staged.len() {
            let pair = self.nets.step.staged[j].pair;
            let carries = self
                .nets
                .scratch
                .touched
                .iter()
                .any(|&i| self.nets.scratch.carrier[i as usize] == j as u16);
            if !carries && !self.shares_pending(pair) {
                self.report_outcome(pair, seq, true);
            }
        }
        sent
    }

    /// The staged baskets with a residual trade in `instrument`, in step order.
    fn owners_of(&self, instrument: u16) -> ArrayVec<Owner, STEP_BASKETS> {
        self.nets
            .step
            .staged
            .iter()
            .filter_map(|s| {
                let &(_, q) = s.trades.iter().find(|x| x.0 == instrument)?;
                (q != 0).then_some(Owner {
                    pair: s.pair,
                    residual: q.unsigned_abs() as u32,
                    allocated: 0,
                })
            })
            .collect()
    }
}

/// Everything netting keeps, sized at start-up.
#[derive(Debug)]
pub(super) struct Nets {
    pub step: Box<Step>,
    pub scratch: NetScratch,
    /// Ticket legs whose order serves several baskets, and recent executions' splits
    /// (`shared.rs`).
    pub shared: Box<ArrayVec<SharedLeg, { super::shared::SHARED_LEGS }>>,
    pub splits: Box<[Split]>,
    pub next_split: u32,
    /// Per slot: what netting crossed internally.
    pub crosses: Box<[CrossStats]>,
}

impl Nets {
    /// For `instruments` instruments and `slots` strategy slots.
    pub(super) fn new(instruments: usize, slots: usize) -> Self {
        Nets {
            step: Box::new(Step {
                open: None,
                staged: ArrayVec::new(),
            }),
            scratch: NetScratch::new(instruments),
            shared: Box::new(ArrayVec::new()),
            splits: vec![Split::NONE; super::shared::SPLITS].into_boxed_slice(),
            next_split: 1,
            crosses: vec![CrossStats::default(); slots].into_boxed_slice(),
        }
    }
}

/// Per-instrument scratch of the step's netting, sized at start-up.
#[derive(Debug)]
pub(super) struct NetScratch {
    pub buys: Box<[i64]>,
    pub sells: Box<[i64]>,
    /// Index into the step's staged list of the instrument's carrier (`u16::MAX`: none).
    pub carrier: Box<[u16]>,
    pub touched: Vec<u16>,
    /// The step's net orders, for the risk checks.
    pub orders: Vec<PendingOrder>,
}

impl NetScratch {
    pub(super) fn new(instruments: usize) -> Self {
        NetScratch {
            buys: vec![0; instruments].into_boxed_slice(),
            sells: vec![0; instruments].into_boxed_slice(),
            carrier: vec![u16::MAX; instruments].into_boxed_slice(),
            touched: Vec::with_capacity(instruments),
            orders: Vec::with_capacity(instruments),
        }
    }
}
