//! What the [`Dispatcher`](super::Dispatcher) wants done, in order: journal records and messages
//! for the gateway. The dispatcher only appends; whoever owns the socket (the dispatch thread,
//! or the backtest's exchange) drains the outbox after every call and carries each item out in
//! order, so a record is always journaled before the message it describes leaves.

use super::OrderKind;
use crate::journal::JournalEntry;
use crate::types::{IntentOutcome, Side};

/// An order to write: PLACE_ORDER on one instrument, at market or as a limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlaceOrder {
    pub order_id: i32,
    pub instrument: u16,
    /// The pair whose trade this order is part of (`u16::MAX`: none, a flatten of the rest).
    pub pair: u16,
    pub side: Side,
    pub qty: u32,
    /// Market, or a limit price in cents (and whether it is immediate-or-cancel).
    pub kind: OrderKind,
    /// Sequence number of the triggering tick: the order's `orderRef`.
    pub seq: u64,
    /// Monotonic socket read of the triggering tick (0 for orders no tick triggered).
    pub t_recv_ns: u64,
    /// Sent in answer to a tick's intent (its end to end runs from that tick's socket read);
    /// false for re-sends, hedges of fills, give-ups and flattens, which the dispatcher decides
    /// on its own clock (`t_recv_ns` is then that decision) and which are measured apart.
    pub from_tick: bool,
}

/// A request that is not an order: reconciliation and market data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// REQ_EXECUTIONS for this client id (request id `RECONCILE_REQ_ID`).
    Executions,
    OpenOrders,
    Positions,
    CancelPositions,
    /// Market data for one instrument (tick-by-tick BidAsk or REQ_MKT_DATA, as configured).
    Subscribe(u16),
}

/// One thing to carry out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outbound {
    /// Append to the journal (before any message it describes).
    Journal(JournalEntry),
    Place(PlaceOrder),
    Cancel {
        order_id: i32,
    },
    Control(Control),
    /// Back to the strategy: what an intent came to.
    Outcome(IntentOutcome),
}

/// The outbox: a buffer allocated at start-up and drained after every call (it never grows
/// past what one call appends).
#[derive(Debug)]
pub struct Outbox {
    items: Vec<Outbound>,
}

impl Outbox {
    /// An outbox for `capacity` items per call.
    pub fn with_capacity(capacity: usize) -> Self {
        Outbox {
            items: Vec::with_capacity(capacity),
        }
    }

    pub(super) fn push(&mut self, item: Outbound) {
        self.items.push(item);
    }

    /// Items waiting, oldest first.
    pub fn as_slice(&self) -> &[Outbound] {
        &self.items
    }

    /// Swaps the waiting items into `into` (which must be empty) and leaves its buffer here:
    /// two buffers allocated at start-up trade places, nothing is allocated or copied.
    pub fn swap_into(&mut self, into: &mut Vec<Outbound>) {
        debug_assert!(into.is_empty(), "drain the previous batch first");
        into.clear();
        std::mem::swap(&mut self.items, into);
    }

    /// True when nothing waits.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}
