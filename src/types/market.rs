//! Market data: decoded ticks and normalized quotes.

use super::Stamped;

/// What a market-data tick carries, by kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MdTick {
    /// Best bid and its size (0 when the tick carried none).
    Bid {
        price: f64,
        size: f64,
    },
    /// Best ask and its size (0 when the tick carried none).
    Ask {
        price: f64,
        size: f64,
    },
    BidSize(f64),
    AskSize(f64),
    Last {
        price: f64,
        size: f64,
    },
    LastSize(f64),
    Volume(f64),
    /// Tick-by-tick BidAsk: both sides at once.
    BidAsk {
        bid: f64,
        ask: f64,
        bid_size: f64,
        ask_size: f64,
    },
}

/// One decoded market-data tick: fixed size, `Copy`, stamped at the socket read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MdEvent {
    /// Engine-wide tick sequence number (orderRef of orders it triggers).
    pub seq: u64,
    /// Monotonic time of the socket read that delivered the frame.
    pub t_recv_ns: u64,
    /// Monotonic time the io stage enqueued the event.
    pub t_enq_ns: u64,
    /// Event time, Unix nanoseconds (exchange time for tick-by-tick, else the receive time).
    pub t_event_ns: u64,
    /// The market-data request id (see `instruments::req_id`).
    pub req_id: i32,
    pub tick: MdTick,
}

/// Top of book of one instrument after normalization. Small and `Copy`: it crosses thread
/// boundaries by value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Quote {
    /// Sequence number of the tick that produced this quote (engine-wide, increasing).
    pub seq: u64,
    /// Instrument index.
    pub instrument: u16,
    /// Event time, nanoseconds since the Unix epoch.
    pub t_ns: u64,
    pub bid: f64,
    pub ask: f64,
    pub bid_size: f64,
    pub ask_size: f64,
}

impl Quote {
    /// This quote as instrument `instrument`'s (the one it is known to be), copied field by
    /// field. `*q` copies the padding after `instrument` too, with one 8-byte load over the
    /// 2-byte store that wrote the instrument: such a load cannot take its value from the store
    /// buffer and waits until the store reaches the cache (a store-forwarding stall, a dozen
    /// cycles on every quote of the hot path). With the instrument given, nothing loads that
    /// word.
    ///
    /// # Examples
    /// ```
    /// let q = hft::types::Quote { instrument: 3, bid: 10.0, ask: 10.02, ..Default::default() };
    /// assert_eq!(q.fields_of(3), q);
    /// ```
    #[inline(always)]
    pub fn fields_of(&self, instrument: u16) -> Quote {
        Quote {
            seq: self.seq,
            instrument,
            t_ns: self.t_ns,
            bid: self.bid,
            ask: self.ask,
            bid_size: self.bid_size,
            ask_size: self.ask_size,
        }
    }

    /// Mid price.
    ///
    /// # Examples
    /// ```
    /// let q = hft::types::Quote { bid: 10.0, ask: 10.02, ..Default::default() };
    /// assert!((q.mid() - 10.01).abs() < 1e-12);
    /// ```
    #[inline]
    pub fn mid(&self) -> f64 {
        0.5 * (self.bid + self.ask)
    }
}

/// A quote on its way from normalize to signal.
pub type QuoteMsg = Stamped<Quote>;

/// A positive price in cents, rounded to the nearest cent (the one rounding rule for prices:
/// quote files, the feed, the gateway; adding a half and truncating is `round` for positive values, without its libm call).
///
/// # Examples
/// ```
/// assert_eq!(hft::types::cents(451.53), 45153);
/// assert_eq!(hft::types::cents(0.014999), 1);
/// ```
#[inline]
pub fn cents(price: f64) -> i64 {
    (price * 100.0 + 0.5) as i64
}
