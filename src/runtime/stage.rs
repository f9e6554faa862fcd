//! The loop every queue-fed stage runs, and the push that never drops.

use super::{Inbox, Waiter, Waker};
use crate::latency::{self, now_ns};
use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicBool, Ordering};

/// Queue wait (enqueue by the producer to pop here) and service time of one stage.
pub struct StageLatency {
    pub queue_wait: Histogram<u64>,
    pub service: Histogram<u64>,
}

/// What [`consume`] hands its stage.
pub enum Step<'a, T> {
    /// An item, with the monotonic time it was popped.
    Item(T, u64),
    /// Time to publish the stage's numbers ([`Cadence`]): its latency so far and how many items
    /// wait in its input queue. Also the last step, once the stage is done.
    Publish(&'a StageLatency, usize),
}

/// Pops `rx` until `upstream_done` is set and the queue is empty, calling
/// `handle(Step::Item(item, start))` for each item (`start`: the monotonic time it was popped)
/// and recording its queue wait (from `enqueued_ns(&item)`) and service time; calls
/// `handle(Step::Publish(..))` when `cadence` says so (at an idle point, or late under sustained
/// load) and once at the end. Idles through `waiter` when there is nothing to do.
///
/// # Examples
/// ```
/// use hft::runtime::{Cadence, Step, WaitStrategy, Waiter, consume};
/// use std::sync::atomic::AtomicBool;
/// let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(4);
/// tx.push(1).unwrap();
/// tx.push(2).unwrap();
/// let done = AtomicBool::new(true); // the producer has stopped: drain, then return
/// let (mut sum, mut published) = (0, 0);
/// let mut cadence = Cadence::new(1_000_000);
/// let mut waiter = Waiter::new(WaitStrategy::Backoff);
/// let l = consume(&mut rx, &mut waiter, &done, &mut cadence, |_| 0, |step| match step {
///     Step::Item(x, _) => sum += x,
///     Step::Publish(l, _) => published = l.service.len(),
/// });
/// assert_eq!((sum, l.service.len(), published), (3, 2, 2));
/// ```
pub fn consume<T>(
    rx: &mut impl Inbox<T>,
    waiter: &mut Waiter,
    upstream_done: &AtomicBool,
    cadence: &mut Cadence,
    enqueued_ns: impl Fn(&T) -> u64,
    mut handle: impl FnMut(Step<'_, T>),
) -> StageLatency {
    let mut l = StageLatency {
        queue_wait: latency::histogram(),
        service: latency::histogram(),
    };
    // The stamp that ended the previous item starts the next one popped right after it (one
    // clock read per item under load); after an idle turn the clock is read afresh.
    let mut last_end: Option<u64> = None;
    loop {
        match rx.pop() {
            Some(item) => {
                waiter.reset();
                let start = last_end.take().unwrap_or_else(now_ns);
                latency::record(&mut l.queue_wait, start.saturating_sub(enqueued_ns(&item)));
                handle(Step::Item(item, start));
                let end = now_ns();
                latency::record(&mut l.service, end.saturating_sub(start));
                last_end = Some(end);
                if cadence.due(end, false) {
                    handle(Step::Publish(&l, rx.slots()));
                    last_end = None;
                }
            }
            None => {
                last_end = None;
                if upstream_done.load(Ordering::Acquire) && rx.is_empty() {
                    handle(Step::Publish(&l, 0));
                    return l;
                }
                if cadence.due(now_ns(), true) {
                    handle(Step::Publish(&l, rx.slots()));
                }
                waiter.idle(|| !rx.is_empty() || upstream_done.load(Ordering::Acquire));
            }
        }
    }
}

/// When a stage publishes its numbers for the operators ([`crate::metrics`]): every `interval`
/// at an idle point, or, when the stage never idles (sustained load), once it is three
/// intervals late, so a saturated stage still reports.
///
/// # Examples
/// ```
/// let mut c = hft::runtime::Cadence::new(100);
/// assert!(c.due(0, true)); // the first idle point publishes
/// assert!(!c.due(50, true));
/// assert!(!c.due(150, false)); // busy: not yet late enough
/// assert!(c.due(150, true)); // idle and due
/// assert!(c.due(600, false)); // busy, three intervals late
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Cadence {
    interval_ns: u64,
    next_ns: u64,
}

impl Cadence {
    /// Publishes every `interval_ns` (at least 1 ns).
    pub fn new(interval_ns: u64) -> Self {
        Cadence {
            interval_ns: interval_ns.max(1),
            next_ns: 0,
        }
    }

    /// Whether to publish at monotonic time `now` (`idle`: the stage has nothing to do); when
    /// true, the next publication is due one interval later.
    #[inline]
    pub fn due(&mut self, now: u64, idle: bool) -> bool {
        let at = if idle {
            self.next_ns
        } else {
            self.next_ns.saturating_add(3 * self.interval_ns)
        };
        if now < at {
            return false;
        }
        self.next_ns = now.saturating_add(self.interval_ns);
        true
    }
}

/// Pushes `msg`, spinning while the queue is full (nothing is dropped), then rings the consumer's
/// doorbell (`waker`: a no-op unless it blocks); gives up only when the consumer is gone.
/// Returns how many times the queue was found full.
///
/// # Examples
/// ```
/// use hft::runtime::{WaitStrategy, Waiter, push_waiting};
/// let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(1);
/// let consumer = Waiter::new(WaitStrategy::Block);
/// assert_eq!(push_waiting(&mut tx, 7, &consumer.waker()), 0);
/// assert_eq!(rx.pop(), Ok(7));
/// ```
pub fn push_waiting<T>(tx: &mut rtrb::Producer<T>, mut msg: T, waker: &Waker) -> u64 {
    let mut full = 0;
    while let Err(rtrb::PushError::Full(back)) = tx.push(msg) {
        full += 1;
        msg = back;
        if tx.is_abandoned() {
            break;
        }
        std::hint::spin_loop();
    }
    waker.wake();
    full
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::runtime::WaitStrategy;
    use std::sync::Arc;
    use std::time::Duration;

    /// A blocked consumer wakes for every item: the producer pushes each one only once the
    /// consumer has announced sleep, so every item lands on a sleeping stage. The park limit is
    /// far beyond the test, so only the doorbell can deliver them (a lost wake-up shows as a
    /// stall of a minute per item). Unparks: one per item, one for the end, less any push that
    /// raced a consumer cancelling its sleep (it saw the item, the unpark becomes a spurious
    /// return of its next park, and that park's push finds it awake).
    #[test]
    fn a_blocked_consumer_wakes_for_every_item() {
        const ITEMS: u64 = 200;
        let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(4);
        let mut waiter = Waiter::new(WaitStrategy::Block).with_park_limit(Duration::from_secs(60));
        let waker = waiter.waker();
        let bell = waiter.doorbell().expect("block has a doorbell");
        let done = Arc::new(AtomicBool::new(false));
        let (producer_done, producer_waker) = (done.clone(), waker.clone());
        let producer = std::thread::spawn(move || {
            for x in 0..ITEMS {
                while !bell.is_sleeping() {
                    std::thread::yield_now();
                }
                assert_eq!(push_waiting(&mut tx, x, &producer_waker), 0);
            }
            while !bell.is_sleeping() {
                std::thread::yield_now();
            }
            producer_done.store(true, Ordering::Release);
            producer_waker.wake();
        });
        let mut seen = Vec::new();
        let mut cadence = Cadence::new(1 << 60);
        consume(
            &mut rx,
            &mut waiter,
            &done,
            &mut cadence,
            |_| 0,
            |step| {
                if let Step::Item(x, _) = step {
                    seen.push(x);
                }
            },
        );
        producer.join().unwrap();
        assert_eq!(seen, (0..ITEMS).collect::<Vec<_>>());
        let wakes = waker.wakes();
        assert!((ITEMS / 2..=ITEMS + 1).contains(&wakes), "{wakes} unparks");
    }

    #[test]
    fn an_awake_consumer_costs_its_producer_no_unpark() {
        let (mut tx, rx) = rtrb::RingBuffer::<u64>::new(64);
        let waiter = Waiter::new(WaitStrategy::Block);
        let waker = waiter.waker();
        for x in 0..50 {
            push_waiting(&mut tx, x, &waker);
        }
        assert_eq!(rx.slots(), 50);
        assert_eq!(waker.wakes(), 0);
        assert_eq!(Waiter::new(WaitStrategy::Spin).waker().wakes(), 0);
    }
}
