//! The feed clock: normalize publishes, per instrument, the monotonic time of its last accepted
//! quote and that quote's mid; dispatch reads them for the staleness watchdog and the
//! gross-notional limit. One writer, rare readers, a cache line per instrument.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
#[repr(align(64))]
struct Slot {
    t_ns: AtomicU64,
    mid_bits: AtomicU64,
}

/// Last quote time and mid per instrument, shared between normalize (writer) and dispatch.
///
/// # Examples
/// ```
/// let feed = hft::normalize::FeedState::new(2);
/// assert_eq!(feed.last(1), (0, 0.0)); // never quoted
/// feed.publish(1, 5_000, 101.25);
/// assert_eq!(feed.last(1), (5_000, 101.25));
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

    /// Records an accepted quote (normalize only). Out-of-range instruments are ignored.
    #[inline]
    pub fn publish(&self, instrument: u16, t_ns: u64, mid: f64) {
        if let Some(s) = self.slots.get(instrument as usize) {
            s.mid_bits.store(mid.to_bits(), Ordering::Relaxed);
            s.t_ns.store(t_ns, Ordering::Release);
        }
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
