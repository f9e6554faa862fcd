//! The messages of the pipeline: small, `Copy`, fixed-size values that cross thread boundaries by
//! value. Instruments are indices (`u16`), never strings; every message carries its stamps.
//!
//! ```text
//!  io ──MdEvent──> normalize ──QuoteMsg──> signal ──IntentMsg──> dispatch
//!   └──────────────────────────OrderMsg──────────────────────────────┘
//! ```
//!
//! This module is a leaf: it imports nothing else of the crate.

mod market;
mod orders;

pub use market::{MdEvent, MdTick, Quote, QuoteMsg, cents};
pub use orders::{
    Account, BAG_INSTRUMENT, CloseReason, Direction, EndKind, ExecId, IntentKind, IntentMsg,
    IntentOutcome, Leg, Legs, MAX_BASKET_LEGS, MAX_LEGS, OrderEvent, OrderIntent, OrderMsg,
    OrderStatusKind, Side, rebalance_chunks,
};

/// A message with the monotonic stamps of the tick behind it.
///
/// # Examples
/// ```
/// use hft::types::Stamped;
/// let m = Stamped { value: 7u32, t_recv_ns: 100, t_enq_ns: 250 };
/// assert_eq!(m.t_enq_ns - m.t_recv_ns, 150); // time from the socket read to this queue
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stamped<T> {
    pub value: T,
    /// Monotonic time of the socket read that delivered the triggering tick (0 when none).
    pub t_recv_ns: u64,
    /// Monotonic time the producing stage enqueued this message.
    pub t_enq_ns: u64,
}
