//! The feed clock: normalize publishes, per instrument, the monotonic time of its last accepted
//! quote, that quote's mid, and its touch (bid and ask in cents, their sizes); dispatch reads
//! them for the staleness watchdog, the gross-notional limit and the prices of limit orders.
//! One writer, rare readers, a cache line per instrument. Bid and ask travel in one word (and
//! so do their sizes), so a reader never sees the bid of one quote with the ask of another.

use crate::types::cents;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
#[repr(align(64))]
struct Slot {
    t_ns: AtomicU64,
    mid_bits: AtomicU64,
    /// Bid cents in the low 32 bits, ask cents in the high 32 bits.
    touch: AtomicU64,
    /// Bid size in the low 32 bits, ask size in the high 32 bits (shares, saturated).
    sizes: AtomicU64,
}

/// The touch of an instrument's last accepted quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Touch {
    /// Best bid and ask in cents.
    pub bid: i64,
    pub ask: i64,
    /// Their displayed sizes in shares.
    pub bid_size: u32,
    pub ask_size: u32,
}

impl Touch {
    /// The quoted spread in cents.
    pub fn spread(&self) -> i64 {
        self.ask - self.bid
    }
}

/// A price in cents for the feed's 32-bit fields (prices up to about 42.9 million USD), by the
/// one rounding rule ([`cents`]); no libm call on the hot path.
#[inline]
fn cents32(price: f64) -> u64 {
    cents(price).clamp(0, i64::from(u32::MAX)) as u64
}

/// Shares for a 32-bit field (negative and NaN read 0; `as` saturates).
#[inline]
fn size32(size: f64) -> u64 {
    ((size + 0.5) as u64).min(u64::from(u32::MAX))
}

/// Last quote time and mid per instrument, shared between normalize (writer) and dispatch.
///
/// # Examples
/// ```
/// let feed = hft::normalize::FeedState::new(2);
/// assert_eq!(feed.last(1), (0, 0.0)); // never quoted
/// feed.publish(1, 5_000, 101.24, 101.26, 300.0, 200.0);
/// assert_eq!(feed.last(1), (5_000, 101.25));
/// let touch = feed.touch(1).unwrap();
/// assert_eq!((touch.bid, touch.ask, touch.bid_size, touch.ask_size), (10124, 10126, 300, 200));
/// assert!(feed.is_stale(1, 5_000 + 10, 5) && !feed.is_stale(1, 5_004, 5));
/// ```
#[derive(Debug)]
pub struct FeedState {
    slots: Box<[Slot]>,
}

impl FeedState {
    /// A clock for `instruments` instruments, none quoted yet.
    pub fn new(instruments: usize) -> Self {
        FeedState {
            slots: (0..instruments).map(|_| Slot::default()).collect(),
        }
    }

    /// Records an accepted quote (normalize only): its time, its mid `(bid + ask) / 2` and
    /// its touch. Out-of-range instruments are ignored.
    #[inline]
    pub fn publish(
        &self,
        instrument: u16,
        t_ns: u64,
        bid: f64,
        ask: f64,
        bid_size: f64,
        ask_size: f64,
    ) {
        if let Some(s) = self.slots.get(instrument as usize) {
            let mid = 0.5 * (bid + ask);
            s.touch
                .store(cents32(bid) | cents32(ask) << 32, Ordering::Relaxed);
            s.sizes
                .store(size32(bid_size) | size32(ask_size) << 32, Ordering::Relaxed);
            s.mid_bits.store(mid.to_bits(), Ordering::Relaxed);
            s.t_ns.store(t_ns, Ordering::Release);
        }
    }

    /// The touch of the last accepted quote (`None` before the first).
    #[inline]
    pub fn touch(&self, instrument: u16) -> Option<Touch> {
        let s = self.slots.get(instrument as usize)?;
        if s.t_ns.load(Ordering::Acquire) == 0 {
            return None;
        }
        let touch = s.touch.load(Ordering::Relaxed);
        let sizes = s.sizes.load(Ordering::Relaxed);
        Some(Touch {
            bid: (touch & 0xffff_ffff) as i64,
            ask: (touch >> 32) as i64,
            bid_size: (sizes & 0xffff_ffff) as u32,
            ask_size: (sizes >> 32) as u32,
        })
    }

    /// Monotonic time and mid of the last quote; `(0, 0.0)` before the first.
    #[inline]
    pub fn last(&self, instrument: u16) -> (u64, f64) {
        self.slots.get(instrument as usize).map_or((0, 0.0), |s| {
            let t = s.t_ns.load(Ordering::Acquire);
            (t, f64::from_bits(s.mid_bits.load(Ordering::Relaxed)))
        })
    }

    /// True when the instrument has not been quoted within `max_age_ns` of `now` (or never).
    #[inline]
    pub fn is_stale(&self, instrument: u16, now: u64, max_age_ns: u64) -> bool {
        let (t, _) = self.last(instrument);
        t == 0 || now.saturating_sub(t) > max_age_ns
    }

    /// Instruments tracked.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when no instrument is tracked.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}
