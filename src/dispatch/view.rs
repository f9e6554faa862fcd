//! What the dispatcher shows its owner (the dispatch thread, the backtest, the tests): the
//! outbox to carry out, counters, positions and books, and the few requests the socket's owner
//! makes itself.

use super::{DispatchCounters, Dispatcher, KillReason, LegBook, Outbox, PairBook, PositionState};
use crate::normalize::FeedState;
use crate::record::{FillRecord, FixedLog};

impl Dispatcher {
    /// The outbox: what to carry out, in order.
    #[inline]
    pub fn outbox(&mut self) -> &mut Outbox {
        &mut self.outbox
    }

    /// The kill switch has tripped.
    pub fn killed(&self) -> bool {
        self.counters.kill_switch > 0
    }

    /// Counters so far.
    pub fn counters(&self) -> &DispatchCounters {
        &self.counters
    }

    /// Positions per instrument.
    pub fn positions(&self) -> &[PositionState] {
        &self.positions
    }

    /// What each pair holds.
    pub fn pair_books(&self) -> impl Iterator<Item = PairBook> + '_ {
        self.pairs[..self.pair_count].iter().map(|p| p.book.pair())
    }

    /// What each basket holds (slot `pair_books().count() + b` is basket `b`).
    pub fn basket_books(&self) -> impl Iterator<Item = &LegBook> + '_ {
        self.pairs[self.pair_count..].iter().map(|p| &p.book)
    }

    /// What netting across baskets crossed internally, per basket.
    pub fn basket_crosses(&self) -> &[super::CrossStats] {
        &self.nets.crosses[self.pair_count..]
    }

    /// What pair `pair` will hold once every order submitted for it completes (`None`: no
    /// such pair).
    pub fn pair_target(&self, pair: u16) -> Option<[f64; 2]> {
        self.pairs
            .get(pair as usize)
            .map(|p| [p.target[0], p.target[1]])
    }

    /// What each leg of slot `pair` (a pair or a basket) will hold once every order submitted
    /// for it completes, in the order of its book's instruments.
    pub fn slot_target(&self, pair: u16) -> Option<&[f64]> {
        self.pairs
            .get(pair as usize)
            .map(|p| &p.target[..p.book.instruments().len()])
    }

    /// The feed it reads (published by normalize).
    pub fn feed(&self) -> &FeedState {
        &self.feed
    }

    /// Orders sent and not yet ended.
    pub fn open_orders(&self) -> usize {
        self.live.len()
    }

    /// Why the kill switch tripped (or `None`).
    pub fn kill_reason(&self) -> KillReason {
        self.kill_reason
    }

    /// Commissions whose execution was not seen (e.g. from before start-up).
    pub fn unattributed_commissions(&self) -> f64 {
        self.unattributed_commissions
    }

    /// Executions in arrival order, with their commissions.
    pub fn fills(&self) -> &FixedLog<FillRecord> {
        &self.fills
    }
}

/// For the thread that owns the socket (added for its shutdown).
impl Dispatcher {
    /// Orders and cancels waiting for the rate limiter (or the session): not yet sent.
    pub fn queued(&self) -> usize {
        self.pending.len()
    }

    /// Takes one slot of the message-rate limiter for a request the socket's owner writes on
    /// its own (REQ_GLOBAL_CANCEL at shutdown); false when the limiter allows nothing now.
    pub fn take_request_slot(&mut self, now: u64) -> bool {
        self.limiter.try_take(now)
    }
}
