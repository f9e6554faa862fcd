//! The doorbell of the `block` wait strategy: a consumer parks, and a producer wakes it after a
//! push only when it announced that it sleeps.
//!
//! The algorithm is the "announce, re-check, park" handshake of event counts and parkers
//! (Dekker's flag pattern; crossbeam-utils' `Parker`, folly's `EventCount`, Vyukov's eventcount
//! on 1024cores.net), specialised to one consumer thread:
//!
//! ```text
//! consumer (its queue looked empty)         producer (after each push)
//! C1 sleeping.swap(true, Release)           P1 queue.push(x)          (rtrb: tail, Release)
//! C2 fence(SeqCst)                          P2 fence(SeqCst)
//! C3 if queue is not empty: cancel, return  P3 if sleeping.load(Relaxed)
//! C4 park()                                 P4   && sleeping.swap(false, Acquire): unpark()
//! C5 sleeping.swap(false, Relaxed)
//! ```
//!
//! Why the fences: C1 -> C3 and P1 -> P3 are each a store followed by a load of *another*
//! location, the one reordering that Release/Acquire (and x86's store buffer) allow. Without the
//! fences both sides could read the old values: the consumer sees an empty queue, the producer
//! sees `sleeping == false`, and the item waits with its consumer asleep (the lost wake-up). The
//! two `SeqCst` fences are totally ordered: if C2 comes first, P3 sees C1's `true` (or a later
//! value); if P2 comes first, C3 sees the push. Either the consumer does not park or the producer
//! unparks it. A `SeqCst` *load* at P3 would not do: it does not order the earlier Release store
//! of the queue's tail.
//!
//! Why the other orderings: C1 Release / P4 Acquire make the consumer's thread handle (set once,
//! before its first C1) visible to the producer that unparks it. The `swap` lets exactly one push
//! per sleep pay for `unpark` (a syscall) however many producers or pushes race; a push while the
//! consumer is awake costs the fence and one load of a cache line that stays shared. C5 is
//! Relaxed: it only spares producers a swap, and a stale `true` costs at most a spurious unpark,
//! which [`park`](std::thread::park) allows (the consumer loops and re-checks its queue). An
//! unpark that lands before C4 is not lost: the thread's token makes the next park return.
//!
//! The consumer parks with a time limit ([`Doorbell::sleep`]'s `limit`) only so that it also sees
//! what has no doorbell (the shutdown flags, dispatch's timers); every queued item is delivered by
//! the doorbell. `loom` checks the protocol (`RUSTFLAGS="--cfg loom" cargo test --lib
//! runtime::wake::loom_model`): one producer, one consumer, the code below, with loom's atomics and
//! `park`, over every interleaving and every weak-memory outcome loom models. The one-producer model
//! is exhaustive (16 s on 2 cores); the two-producer model runs with `LOOM_MAX_PREEMPTIONS=3`.
//! Both pass, and the model
//! is not vacuous: with either fence (C2 or P2) removed it finds the lost wake-up (a deadlock,
//! consumer parked with an item queued) within a few hundred executions.

#[cfg(loom)]
use ::loom::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering, fence},
    thread::{self, Thread},
};
#[cfg(not(loom))]
use std::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering, fence},
    thread::{self, Thread},
};

use crossbeam::utils::CachePadded;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// One consumer's sleep flag and thread, shared with its producers.
///
/// # Examples
/// ```
/// use hft::runtime::Doorbell;
/// let bell = Doorbell::new();
/// assert!(!bell.wake()); // nobody sleeps: no unpark
/// assert_eq!(bell.wakes(), 0);
/// ```
#[derive(Debug, Default)]
pub struct Doorbell {
    /// The consumer announced that it parks (written by both sides: its own line).
    sleeping: CachePadded<AtomicBool>,
    /// The consumer's thread, set before it first announces sleep.
    consumer: OnceLock<Thread>,
    /// Unparks issued (written only on the wake path).
    wakes: CachePadded<AtomicU64>,
}

impl Doorbell {
    /// A doorbell nobody sleeps on yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Consumer side: announces sleep, re-checks with `ready` (its queues, after the fence), and
    /// parks for at most `limit` unless something is ready. Returns whether it parked.
    ///
    /// Only one thread may sleep on a doorbell (the first caller is the one woken).
    pub fn sleep(&self, ready: impl Fn() -> bool, limit: Duration) -> bool {
        if self.consumer.get().is_none() {
            // Once per thread; `current()` clones a handle std created at spawn (no allocation).
            let _ = self.consumer.set(thread::current());
        }
        self.sleeping.swap(true, Ordering::Release); // C1
        fence(Ordering::SeqCst); // C2
        if ready() {
            // C3: a push raced the announcement; a producer that saw it may still unpark us
            // (a spurious return of the next park, which the caller's loop absorbs).
            self.sleeping.swap(false, Ordering::Relaxed);
            return false;
        }
        park(limit); // C4
        self.sleeping.swap(false, Ordering::Relaxed); // C5
        true
    }

    /// Producer side, after a push: unparks the consumer if, and only if, it announced sleep.
    /// Returns whether it unparked. Any number of producers may call it.
    #[inline]
    pub fn wake(&self) -> bool {
        fence(Ordering::SeqCst); // P2
        // P3, P4: the load keeps the line shared while the consumer is awake (no write).
        if self.sleeping.load(Ordering::Relaxed)
            && self.sleeping.swap(false, Ordering::Acquire)
            && let Some(consumer) = self.consumer.get()
        {
            consumer.unpark();
            self.wakes.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        false
    }

    /// Whether the consumer has announced sleep and not yet been woken.
    pub fn is_sleeping(&self) -> bool {
        self.sleeping.load(Ordering::Acquire)
    }

    /// How many times a producer unparked the consumer.
    pub fn wakes(&self) -> u64 {
        self.wakes.load(Ordering::Relaxed)
    }
}

#[cfg(not(loom))]
fn park(limit: Duration) {
    thread::park_timeout(limit);
}

/// Under loom a park has no time limit: a lost wake-up shows as a deadlock.
#[cfg(loom)]
fn park(_limit: Duration) {
    thread::park();
}

/// A producer's handle on its consumer's [`Doorbell`]; empty (free) when the consumer does not
/// block.
///
/// # Examples
/// ```
/// use hft::runtime::{WaitStrategy, Waiter, Waker};
/// let waiter = Waiter::new(WaitStrategy::Block);
/// let waker = waiter.waker();
/// waker.wake(); // the consumer is awake: no unpark
/// assert_eq!(waker.wakes(), 0);
/// Waker::none().wake(); // a spinning or backoff consumer: nothing to do
/// ```
#[derive(Debug, Clone, Default)]
pub struct Waker(Option<Arc<Doorbell>>);

impl Waker {
    /// A waker for a consumer that never parks on a doorbell.
    pub fn none() -> Self {
        Waker(None)
    }

    /// A waker ringing `bell`.
    pub fn new(bell: Arc<Doorbell>) -> Self {
        Waker(Some(bell))
    }

    /// Call after each push: wakes the consumer if it sleeps.
    #[inline]
    pub fn wake(&self) {
        if let Some(bell) = &self.0 {
            bell.wake();
        }
    }

    /// Unparks issued through this doorbell (0 without one).
    pub fn wakes(&self) -> u64 {
        self.0.as_ref().map_or(0, |b| b.wakes())
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Waits (test only) until the consumer has announced sleep.
    fn until_sleeping(bell: &Doorbell) {
        while !bell.is_sleeping() {
            std::thread::yield_now();
        }
    }

    #[test]
    fn wakes_only_a_sleeping_consumer() {
        let bell = Arc::new(Doorbell::new());
        assert!(!bell.wake(), "nobody registered, nobody sleeps");
        let b = bell.clone();
        let consumer = std::thread::spawn(move || b.sleep(|| false, Duration::from_secs(3600)));
        until_sleeping(&bell);
        assert!(bell.wake());
        assert!(consumer.join().unwrap(), "it parked and was woken");
        assert!(!bell.wake(), "awake again: no second unpark");
        assert!(!bell.wake());
        assert_eq!(bell.wakes(), 1);
    }

    #[test]
    fn one_unpark_per_sleep_however_many_pushes() {
        let bell = Arc::new(Doorbell::new());
        let (b, round) = (bell.clone(), Arc::new(AtomicUsize::new(0)));
        let consumer_round = round.clone();
        // One consumer thread (the doorbell wakes the thread that first slept on it).
        let consumer = std::thread::spawn(move || {
            for r in 1..=3 {
                while consumer_round.load(Ordering::Acquire) < r {
                    std::thread::yield_now();
                }
                assert!(b.sleep(|| false, Duration::from_secs(60)));
            }
        });
        for r in 1..=3 {
            round.store(r, Ordering::Release);
            until_sleeping(&bell);
            let unparked = (0..5).filter(|_| bell.wake()).count();
            assert_eq!(unparked, 1);
            assert_eq!(bell.wakes(), r as u64);
        }
        consumer.join().unwrap();
    }

    #[test]
    fn ready_work_cancels_the_sleep() {
        let bell = Doorbell::new();
        let checks = AtomicUsize::new(0);
        let parked = bell.sleep(
            || checks.fetch_add(1, Ordering::Relaxed) == 0,
            Duration::from_secs(3600),
        );
        assert!(!parked);
        assert!(!bell.is_sleeping());
        assert!(!bell.wake());
        assert_eq!(bell.wakes(), 0);
    }

    #[test]
    fn the_limit_bounds_a_sleep_nobody_ends() {
        let bell = Doorbell::new();
        assert!(bell.sleep(|| false, Duration::from_millis(1)));
        assert!(!bell.is_sleeping());
        assert_eq!(bell.wakes(), 0);
    }
}

/// The protocol under loom: a producer pushes `ITEMS` into a modelled queue (a Release counter,
/// as rtrb's tail) and rings after each push; the consumer pops what it sees and sleeps on the
/// doorbell when the queue looks empty. A lost wake-up leaves the consumer parked forever, which
/// loom reports as a deadlock.
#[cfg(all(test, loom))]
mod loom_model {
    use super::*;
    use ::loom::sync::Arc;
    use ::loom::sync::atomic::AtomicUsize;

    const ITEMS: usize = 2;

    fn consume_all(bell: &Doorbell, tail: &AtomicUsize) {
        let mut head = 0;
        while head < ITEMS {
            if tail.load(Ordering::Acquire) > head {
                head += 1;
                continue;
            }
            bell.sleep(|| tail.load(Ordering::Acquire) > head, Duration::MAX);
        }
    }

    #[test]
    fn no_lost_wake_up() {
        ::loom::model(|| {
            let bell = Arc::new(Doorbell::new());
            let tail = Arc::new(AtomicUsize::new(0));
            let (b, t) = (bell.clone(), tail.clone());
            let producer = thread::spawn(move || {
                for _ in 0..ITEMS {
                    t.fetch_add(1, Ordering::Release);
                    b.wake();
                }
            });
            consume_all(&bell, &tail);
            producer.join().unwrap();
            assert!(bell.wakes() <= ITEMS as u64);
        });
    }

    /// Two producers, one item each, racing each other and the consumer's sleeps. Three threads
    /// make the exhaustive search long (over 10 minutes on 2 cores): run it bounded, as loom
    /// advises, with `LOOM_MAX_PREEMPTIONS=3` (15 s).
    #[test]
    fn no_lost_wake_up_with_two_producers() {
        ::loom::model(|| {
            let bell = Arc::new(Doorbell::new());
            let tail = Arc::new(AtomicUsize::new(0));
            let producers: Vec<_> = (0..ITEMS)
                .map(|_| {
                    let (b, t) = (bell.clone(), tail.clone());
                    thread::spawn(move || {
                        t.fetch_add(1, Ordering::Release);
                        b.wake();
                    })
                })
                .collect();
            consume_all(&bell, &tail);
            for p in producers {
                p.join().unwrap();
            }
        });
    }
}
