//! The loop every queue-fed stage runs, and the push that never drops.

use super::Waiter;
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
    rx: &mut rtrb::Consumer<T>,
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
    loop {
        match rx.pop() {
            Ok(item) => {
                waiter.reset();
                let start = now_ns();
                latency::record(&mut l.queue_wait, start.saturating_sub(enqueued_ns(&item)));
                handle(Step::Item(item, start));
                let end = now_ns();
                latency::record(&mut l.service, end.saturating_sub(start));
                if cadence.due(end, false) {
                    handle(Step::Publish(&l, rx.slots()));
                }
            }
            Err(_) => {
                if upstream_done.load(Ordering::Acquire) && rx.is_empty() {
                    handle(Step::Publish(&l, 0));
                    return l;
                }
                if cadence.due(now_ns(), true) {
                    handle(Step::Publish(&l, rx.slots()));
                }
                waiter.idle();
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

/// Pushes `msg`, spinning while the queue is full (nothing is dropped); gives up only when the
/// consumer is gone. Returns how many times the queue was found full.
pub fn push_waiting<T>(tx: &mut rtrb::Producer<T>, mut msg: T) -> u64 {
    let mut full = 0;
    while let Err(rtrb::PushError::Full(back)) = tx.push(msg) {
        full += 1;
        msg = back;
        if tx.is_abandoned() {
            break;
        }
        std::hint::spin_loop();
    }
    full
}
