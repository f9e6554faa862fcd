//! A conflating hand-off between two stage threads: one slot per key (instrument), where the
//! latest value wins, instead of a deep FIFO that can hold seconds of stale quotes behind a slow
//! consumer. Used for quotes from normalize to signal when `engine.md_conflate = true`.
//!
//! Algorithm: each slot holds `(version, value)` in a `crossbeam` [`AtomicCell`] (a sequence
//! lock for values wider than a machine word: the writer never waits for the reader, a reader
//! retries a read torn by a write) and a `pending` flag. The producer stores the value, then
//! sets `pending`; only when `pending` was clear does it push the key onto a small SPSC queue of
//! ready keys (capacity: the number of keys, so it never fills), otherwise the unread value was
//! replaced and is counted as conflated. The consumer pops a key, clears `pending` and then loads
//! the slot. Both flag operations are read-modify-writes with acquire-release ordering on the
//! same flag, so either the consumer's clear comes after the producer's set (and its load sees
//! that store or a newer one), or before it (and the producer queues the key again): no value is
//! lost. A key queued twice may find a value already delivered; the consumer keeps each slot's
//! last delivered version and skips it, so nothing is delivered twice. Every push either queues
//! its key or finds it queued (counted by the producer), and every queued key is delivered or
//! skipped (counted by the consumer, rarely): so values pushed = delivered + conflated exactly,
//! with conflated the sum of both counts. After start-up nothing allocates.

use crossbeam::atomic::AtomicCell;
use crossbeam::utils::CachePadded;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

struct Slot<T> {
    latest: AtomicCell<(u64, T)>,
    pending: AtomicBool,
}

/// What both ends share.
struct Shared<T> {
    slots: Box<[CachePadded<Slot<T>>]>,
    /// Queued keys whose value had already been delivered (counted by the consumer).
    skipped: CachePadded<AtomicU64>,
}

/// The producer's end: [`ConflateTx::push`] never waits and never fails.
pub struct ConflateTx<T> {
    shared: Arc<Shared<T>>,
    ready: rtrb::Producer<u16>,
    /// Versions written per key (the next store's version is one more).
    versions: Box<[u64]>,
    conflated: u64,
}

/// The consumer's end: [`ConflateRx::pop`] returns the latest value of some key that changed.
pub struct ConflateRx<T> {
    shared: Arc<Shared<T>>,
    ready: rtrb::Consumer<u16>,
    /// The version last delivered per key.
    delivered: Box<[u64]>,
}

/// Slots for keys `0..keys`, each starting at `initial` (never delivered: only pushed values
/// are).
///
/// # Examples
/// ```
/// let (mut tx, mut rx) = hft::runtime::conflating::<u32>(2, 0);
/// tx.push(0, 10);
/// tx.push(1, 20);
/// tx.push(0, 11); // replaces 10, unread
/// assert_eq!(tx.conflated(), 1);
/// assert_eq!((rx.pop(), rx.pop(), rx.pop()), (Some(11), Some(20), None));
/// ```
///
/// # Panics
/// If `keys` exceeds `u16::MAX + 1`.
pub fn conflating<T: Copy + Send>(keys: usize, initial: T) -> (ConflateTx<T>, ConflateRx<T>) {
    assert!(keys <= 1 << 16, "at most 65,536 keys");
    let shared = Arc::new(Shared {
        slots: (0..keys)
            .map(|_| {
                CachePadded::new(Slot {
                    latest: AtomicCell::new((0, initial)),
                    pending: AtomicBool::new(false),
                })
            })
            .collect(),
        skipped: CachePadded::new(AtomicU64::new(0)),
    });
    let (ready_tx, ready_rx) = rtrb::RingBuffer::new(keys.max(1));
    (
        ConflateTx {
            shared: shared.clone(),
            ready: ready_tx,
            versions: vec![0; keys].into_boxed_slice(),
            conflated: 0,
        },
        ConflateRx {
            shared,
            ready: ready_rx,
            delivered: vec![0; keys].into_boxed_slice(),
        },
    )
}

impl<T: Copy> ConflateTx<T> {
    /// Makes `value` the latest of `key`. Returns true when it replaced a value the consumer had
    /// not read (counted in [`ConflateTx::conflated`]). A key out of range is ignored.
    #[inline]
    pub fn push(&mut self, key: u16, value: T) -> bool {
        let k = usize::from(key);
        let (Some(slot), Some(version)) = (self.shared.slots.get(k), self.versions.get_mut(k))
        else {
            return false;
        };
        *version += 1;
        slot.latest.store((*version, value));
        if slot.pending.swap(true, Ordering::AcqRel) {
            self.conflated += 1;
            return true;
        }
        // Each key is queued at most once at a time and the queue holds every key: never full.
        let _ = self.ready.push(key);
        false
    }

    /// Values replaced before the consumer read them (so far; exact once the consumer is idle).
    pub fn conflated(&self) -> u64 {
        self.conflated + self.shared.skipped.load(Ordering::Relaxed)
    }

    /// The consumer has gone.
    pub fn is_abandoned(&self) -> bool {
        self.ready.is_abandoned()
    }
}

impl<T: Copy> ConflateRx<T> {
    /// The latest value of a key that changed since it was last read, if any.
    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        loop {
            let key = usize::from(self.ready.pop().ok()?);
            let slot = &self.shared.slots[key];
            // The clear must come before the load (a store after it queues the key again): a
            // read-modify-write orders it where a plain store would not.
            slot.pending.swap(false, Ordering::AcqRel);
            let (version, value) = slot.latest.load();
            if version > self.delivered[key] {
                self.delivered[key] = version;
                return Some(value);
            }
            self.shared.skipped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// No key is waiting to be read.
    pub fn is_empty(&self) -> bool {
        self.ready.is_empty()
    }

    /// Keys waiting to be read.
    pub fn slots(&self) -> usize {
        self.ready.slots()
    }
}

/// Where a stage pushes its items: a FIFO queue (every item, in order, waiting when full) or
/// conflating slots (the latest item per key).
pub enum LinkTx<T> {
    Fifo(rtrb::Producer<T>),
    Latest(ConflateTx<T>),
}

/// Where a stage pops its items: the other end of a [`LinkTx`].
pub enum LinkRx<T> {
    Fifo(rtrb::Consumer<T>),
    Latest(ConflateRx<T>),
}

/// A FIFO link of `capacity` items, or conflating slots for `keys` keys (`initial`: the slots'
/// never-delivered start value).
pub fn link<T: Copy + Send>(
    conflate: bool,
    capacity: usize,
    keys: usize,
    initial: T,
) -> (LinkTx<T>, LinkRx<T>) {
    if conflate {
        let (tx, rx) = conflating(keys, initial);
        (LinkTx::Latest(tx), LinkRx::Latest(rx))
    } else {
        let (tx, rx) = rtrb::RingBuffer::new(capacity);
        (LinkTx::Fifo(tx), LinkRx::Fifo(rx))
    }
}

/// What a queue-fed stage's loop ([`super::consume`]) needs of its input.
pub trait Inbox<T> {
    /// The next item, if any.
    fn pop(&mut self) -> Option<T>;
    /// Nothing to pop.
    fn is_empty(&self) -> bool;
    /// Items (or keys) waiting.
    fn slots(&self) -> usize;
}

impl<T> Inbox<T> for rtrb::Consumer<T> {
    #[inline]
    fn pop(&mut self) -> Option<T> {
        rtrb::Consumer::pop(self).ok()
    }
    fn is_empty(&self) -> bool {
        rtrb::Consumer::is_empty(self)
    }
    fn slots(&self) -> usize {
        rtrb::Consumer::slots(self)
    }
}

impl<T: Copy> Inbox<T> for LinkRx<T> {
    #[inline]
    fn pop(&mut self) -> Option<T> {
        match self {
            LinkRx::Fifo(rx) => rx.pop().ok(),
            LinkRx::Latest(rx) => rx.pop(),
        }
    }
    fn is_empty(&self) -> bool {
        match self {
            LinkRx::Fifo(rx) => rx.is_empty(),
            LinkRx::Latest(rx) => rx.is_empty(),
        }
    }
    fn slots(&self) -> usize {
        match self {
            LinkRx::Fifo(rx) => rx.slots(),
            LinkRx::Latest(rx) => rx.slots(),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_latest_value_of_each_key_wins_and_replacements_are_counted() {
        let (mut tx, mut rx) = conflating::<(u16, u32)>(3, (0, 0));
        for v in 0..10 {
            tx.push(1, (1, v));
        }
        tx.push(2, (2, 7));
        assert_eq!(tx.conflated(), 9);
        assert_eq!(rx.slots(), 2);
        assert_eq!(rx.pop(), Some((1, 9)));
        assert_eq!(rx.pop(), Some((2, 7)));
        assert_eq!(rx.pop(), None);
        // Read, then written again: delivered again, nothing conflated.
        tx.push(1, (1, 10));
        assert_eq!(rx.pop(), Some((1, 10)));
        assert_eq!(tx.conflated(), 9);
        assert!(!tx.push(7, (7, 1)), "a key out of range is ignored");
        assert!(rx.is_empty());
    }

    /// Two threads: the producer writes increasing values per key as fast as it can; the
    /// consumer sees, per key, strictly increasing values (never one twice, never an older one)
    /// and, once the producer is done, the last value of every key. Delivered plus conflated is
    /// everything pushed.
    #[test]
    fn across_threads_nothing_is_lost_duplicated_or_reordered() {
        const KEYS: u16 = 8;
        const PER_KEY: u64 = 20_000;
        let (mut tx, mut rx) = conflating::<(u16, u64)>(KEYS as usize, (0, 0));
        let done = Arc::new(AtomicBool::new(false));
        let producer_done = done.clone();
        let producer = std::thread::spawn(move || {
            for v in 1..=PER_KEY {
                for k in 0..KEYS {
                    tx.push(k, (k, v));
                }
            }
            producer_done.store(true, Ordering::Release);
            tx
        });
        let mut last = [0u64; KEYS as usize];
        let mut delivered = 0u64;
        loop {
            let finished = done.load(Ordering::Acquire);
            while let Some((k, v)) = rx.pop() {
                assert!(
                    v > last[k as usize],
                    "key {k}: {v} after {}",
                    last[k as usize]
                );
                last[k as usize] = v;
                delivered += 1;
            }
            if finished {
                break;
            }
            std::hint::spin_loop();
        }
        let conflated = producer.join().unwrap().conflated();
        assert_eq!(
            last, [PER_KEY; KEYS as usize],
            "the last value of every key arrives"
        );
        assert_eq!(delivered + conflated, PER_KEY * u64::from(KEYS));
    }
}
