//! Orders: what the strategy asks for, and what the gateway says happened.

use super::Stamped;
use arrayvec::ArrayString;

/// Buy or sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    /// The other side.
    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }

    /// `BUY` or `SELL`.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(hft::types::Side::Sell.as_str(), "SELL");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "BUY",
            Side::Sell => "SELL",
        }
    }

    /// `qty` signed by side: positive for a buy.
    #[inline]
    pub fn signed(self, qty: f64) -> f64 {
        match self {
            Side::Buy => qty,
            Side::Sell => -qty,
        }
    }
}

/// Direction of a pair position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Long A, short B: the spread is expected to rise.
    LongSpread,
    /// Short A, long B: the spread is expected to fall.
    ShortSpread,
}

/// Why a position is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The model's exit rule (spread back near its mean, or the opposite signal).
    Exit,
    /// The spread moved too far against the position.
    Stop,
    /// Held longer than the maximum holding time.
    Timeout,
}

/// What an intent does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentKind {
    Open(Direction),
    Close(CloseReason),
    /// A basket moves to the positions its legs name: each leg is the instrument's target
    /// (signed by its side), not a trade; dispatch trades the difference from what the basket
    /// will hold, one order per instrument, netted across the baskets of one decision step
    /// ([`IntentKind::StepOpen`]) so a step never buys and sells the same name.
    Rebalance,
    /// Targets of a rebalance of more names than one intent carries ([`MAX_LEGS`]): dispatch
    /// holds them until the [`IntentKind::Rebalance`] with the same sequence number completes
    /// the set (see [`rebalance_chunks`]). Nothing trades on a part alone.
    RebalancePart,
    /// Opens a decision step: the basket rebalances that follow with the same sequence number
    /// (the intents the signal stage produced while handling one quote) are held by dispatch
    /// and netted per instrument across baskets when the [`IntentKind::StepClose`] of that
    /// sequence number comes (no legs; `pair` is any basket slot).
    StepOpen,
    /// Closes the decision step opened by [`IntentKind::StepOpen`] with the same sequence number.
    StepClose,
}

impl IntentKind {
    /// True for the markers of a decision step ([`IntentKind::StepOpen`],
    /// [`IntentKind::StepClose`]): no trade of their own.
    pub fn is_step_marker(self) -> bool {
        matches!(self, IntentKind::StepOpen | IntentKind::StepClose)
    }

    /// The label used in `orders.csv` (`open_long_spread`, `close_stop`, ...).
    pub fn label(self) -> &'static str {
        match self {
            IntentKind::Open(Direction::LongSpread) => "open_long_spread",
            IntentKind::Open(Direction::ShortSpread) => "open_short_spread",
            IntentKind::Close(CloseReason::Exit) => "close_exit",
            IntentKind::Close(CloseReason::Stop) => "close_stop",
            IntentKind::Close(CloseReason::Timeout) => "close_timeout",
            IntentKind::Rebalance => "rebalance",
            IntentKind::RebalancePart => "rebalance_part",
            IntentKind::StepOpen => "step_open",
            IntentKind::StepClose => "step_close",
        }
    }
}

/// One leg of an intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leg {
    pub instrument: u16,
    pub side: Side,
    pub qty: u32,
}

impl Leg {
    /// The leg's quantity signed by its side (positive buys).
    pub fn signed(&self) -> i64 {
        match self.side {
            Side::Buy => i64::from(self.qty),
            Side::Sell => -i64::from(self.qty),
        }
    }
}

/// The most legs one intent carries: a pair's two, or up to 16 of a basket's targets.
/// Intents cross the signal -> dispatch queue by value, so the legs live inline (a fixed
/// array, `Copy`, no allocation): 16 legs make an intent of about 170 bytes, three cache
/// lines. A basket of more names sends its targets as consecutive intents of one sequence
/// number ([`rebalance_chunks`]).
pub const MAX_LEGS: usize = 16;

/// The most names one basket trades (IB's default 100 market-data lines), and so the most legs
/// of one dispatch ticket, one basket book and one decision.
pub const MAX_BASKET_LEGS: usize = 100;

/// The names (by index, in the basket's order) that each intent of one rebalance of `n` names
/// carries: consecutive chunks of [`MAX_LEGS`], in order. Every chunk but the last goes as an
/// [`IntentKind::RebalancePart`]; the last as the [`IntentKind::Rebalance`] that completes it
/// (one chunk, `0..n`, when `n <= MAX_LEGS`). Intents stay small and the SPSC queue keeps their
/// order, so dispatch sees the parts before the intent that completes them.
///
/// # Examples
/// ```
/// use hft::types::rebalance_chunks;
/// let chunks: Vec<_> = rebalance_chunks(40).collect();
/// assert_eq!(chunks, [0..16, 16..32, 32..40]);
/// assert_eq!(rebalance_chunks(8).collect::<Vec<_>>(), [0..8]);
/// assert_eq!(rebalance_chunks(100).count(), 7);
/// ```
pub fn rebalance_chunks(n: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..n.div_ceil(MAX_LEGS).max(1)).map(move |k| k * MAX_LEGS..((k + 1) * MAX_LEGS).min(n))
}

/// The legs of an intent: up to [`MAX_LEGS`], inline. Reads as a slice.
///
/// # Examples
/// ```
/// use hft::types::{Leg, Legs, Side};
/// let a = Leg { instrument: 0, side: Side::Buy, qty: 100 };
/// let b = Leg { instrument: 1, side: Side::Sell, qty: 50 };
/// let legs = Legs::from([a, b]);
/// assert_eq!(legs.len(), 2);
/// assert_eq!(legs[1].signed(), -50);
/// assert!(Legs::from_slice(&[a; 17]).is_none());
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Legs {
    len: u8,
    legs: [Leg; MAX_LEGS],
}

impl Legs {
    const EMPTY: Leg = Leg {
        instrument: 0,
        side: Side::Buy,
        qty: 0,
    };

    /// No legs.
    pub const fn new() -> Self {
        Legs {
            len: 0,
            legs: [Self::EMPTY; MAX_LEGS],
        }
    }

    /// The legs of `legs`, or `None` when there are more than [`MAX_LEGS`].
    pub fn from_slice(legs: &[Leg]) -> Option<Self> {
        let mut out = Self::new();
        for &l in legs {
            out.push(l).ok()?;
        }
        Some(out)
    }

    /// Appends a leg; gives it back when the legs are full.
    ///
    /// # Errors
    /// The leg, when [`MAX_LEGS`] are there already.
    pub fn push(&mut self, leg: Leg) -> Result<(), Leg> {
        let Some(slot) = self.legs.get_mut(self.len as usize) else {
            return Err(leg);
        };
        *slot = leg;
        self.len += 1;
        Ok(())
    }
}

impl Default for Legs {
    fn default() -> Self {
        Self::new()
    }
}

impl std::ops::Deref for Legs {
    type Target = [Leg];
    fn deref(&self) -> &[Leg] {
        &self.legs[..self.len as usize]
    }
}

impl From<[Leg; 2]> for Legs {
    fn from(pair: [Leg; 2]) -> Self {
        let mut legs = Self::new();
        legs.legs[..2].copy_from_slice(&pair);
        legs.len = 2;
        legs
    }
}

impl std::fmt::Debug for Legs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Orders decided on one tick: both legs of a pair, or a basket's targets
/// ([`IntentKind::Rebalance`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderIntent {
    /// The strategy slot: a pair, or a basket (numbered after the pairs).
    pub pair: u16,
    /// Sequence number of the triggering tick (sent to the broker as `orderRef`).
    pub seq: u64,
    /// Event time of the triggering tick.
    pub t_ns: u64,
    pub kind: IntentKind,
    pub legs: Legs,
}

/// An intent on its way from signal to dispatch (`t_enq_ns`: when the strategy decided).
pub type IntentMsg = Stamped<OrderIntent>;

/// What became of an intent, from dispatch back to its strategy: what the pair holds once the
/// intent's trade ended (hedged, unwound, refused, or nothing to close). The strategy believes
/// this rather than assuming its intents filled.
///
/// # Examples
/// ```
/// use hft::types::IntentOutcome;
/// let refused = IntentOutcome { pair: 0, seq: 7, held: [0, 0], reached: false };
/// assert!(refused.is_flat());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntentOutcome {
    pub pair: u16,
    /// The intent's sequence number ([`OrderIntent::seq`]).
    pub seq: u64,
    /// Signed shares the pair holds in legs A and B; for a basket, its gross shares (the sum
    /// of |held| over its names) and its net shares (the signed sum).
    pub held: [i64; 2],
    /// The intent's trade completed: every leg filled (the book holds what it asked for). False
    /// when it was refused, unwound, or had nothing to do.
    pub reached: bool,
}

impl IntentOutcome {
    /// The pair holds nothing.
    pub fn is_flat(&self) -> bool {
        self.held == [0, 0]
    }
}

/// An IB execution id (e.g. `0000e0d5.6567cd7a.01.01`); longer ids are truncated.
pub type ExecId = ArrayString<48>;

/// An account id (longer ids are truncated).
pub type Account = ArrayString<24>;

/// Order status as TWS names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum OrderStatusKind {
    PendingSubmit,
    PreSubmitted,
    Submitted,
    /// A cancel was requested and not yet confirmed: the order still works and may fill.
    PendingCancel,
    Filled,
    Cancelled,
    ApiCancelled,
    Inactive,
    Other,
}

impl OrderStatusKind {
    /// Parses TWS's status string.
    ///
    /// # Examples
    /// ```
    /// use hft::types::OrderStatusKind;
    /// assert_eq!(OrderStatusKind::parse("ApiPending"), OrderStatusKind::PendingSubmit);
    /// assert!(OrderStatusKind::parse("Filled").is_terminal());
    /// // A fill can still arrive after PendingCancel: it does not end the order.
    /// assert!(!OrderStatusKind::parse("PendingCancel").is_terminal());
    /// ```
    pub fn parse(s: &str) -> Self {
        match s {
            "PendingSubmit" | "ApiPending" => OrderStatusKind::PendingSubmit,
            "PreSubmitted" => OrderStatusKind::PreSubmitted,
            "Submitted" => OrderStatusKind::Submitted,
            "Filled" => OrderStatusKind::Filled,
            "PendingCancel" => OrderStatusKind::PendingCancel,
            "Cancelled" => OrderStatusKind::Cancelled,
            "ApiCancelled" => OrderStatusKind::ApiCancelled,
            "Inactive" => OrderStatusKind::Inactive,
            _ => OrderStatusKind::Other,
        }
    }

    /// True for states after which the order can no longer fill (PendingCancel is not one).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderStatusKind::Filled
                | OrderStatusKind::Cancelled
                | OrderStatusKind::ApiCancelled
                | OrderStatusKind::Inactive
        )
    }
}

/// What happened to an order (or the session).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OrderEvent {
    Status {
        order_id: i32,
        status: OrderStatusKind,
        filled: f64,
        remaining: f64,
        avg_fill_price: f64,
        last_fill_price: f64,
    },
    /// `instrument` is `u16::MAX` when the symbol is not one of the engine's, and
    /// [`BAG_INSTRUMENT`] for a combo's BAG-level execution (combo units at a net price: no
    /// position).
    Execution {
        order_id: i32,
        exec_id: ExecId,
        instrument: u16,
        buy: bool,
        shares: f64,
        price: f64,
        cum_qty: f64,
    },
    Commission {
        exec_id: ExecId,
        commission: f64,
        realized_pnl: f64,
    },
    Error {
        id: i32,
        code: i32,
    },
    NextValidId(i32),
    /// The gateway closed the connection (or sent something unreadable); io reconnects.
    Disconnected,
    /// io connected a new session: its writer is in the mailbox; order ids start at
    /// `next_valid_id`.
    Reconnected {
        next_valid_id: i32,
    },
    /// OPEN_ORDER (reconciliation): an order still working at the gateway.
    OpenOrder {
        order_id: i32,
        instrument: u16,
    },
    /// POSITION_DATA (reconciliation); `instrument` is `u16::MAX` for other symbols.
    Position {
        account: Account,
        instrument: u16,
        qty: f64,
        avg_cost: f64,
    },
    /// The end marker of a reconciliation request.
    End(EndKind),
}

/// The instrument of a BAG-level (combo) execution: its shares are combo units and its price
/// a net, so it is never booked as a position (the legs' own executions are).
pub const BAG_INSTRUMENT: u16 = u16::MAX - 1;

/// Which reconciliation answer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndKind {
    Executions,
    OpenOrders,
    Positions,
}

/// An order event on its way from io to dispatch.
pub type OrderMsg = Stamped<OrderEvent>;
