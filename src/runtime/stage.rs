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

/// Pops `rx` until `upstream_done` is set and the queue is empty, calling `handle(item, start)`
/// for each item (`start`: the monotonic time it was popped) and recording its queue wait (from
/// `enqueued_ns(&item)`) and service time. Idles through `waiter` when there is nothing to do.
///
/// # Examples
/// ```
/// use hft::runtime::{WaitStrategy, Waiter, consume};
/// use std::sync::atomic::AtomicBool;
/// let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(4);
/// tx.push(1).unwrap();
/// tx.push(2).unwrap();
/// let done = AtomicBool::new(true); // the producer has stopped: drain, then return
/// let mut sum = 0;
/// let l = consume(&mut rx, &mut Waiter::new(WaitStrategy::Backoff), &done, |_| 0, |x, _| sum += x);
/// assert_eq!((sum, l.service.len()), (3, 2));
/// ```
pub fn consume<T>(
    rx: &mut rtrb::Consumer<T>,
    waiter: &mut Waiter,
    upstream_done: &AtomicBool,
    enqueued_ns: impl Fn(&T) -> u64,
    mut handle: impl FnMut(T, u64),
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
                handle(item, start);
                latency::record(&mut l.service, now_ns().saturating_sub(start));
            }
            Err(_) => {
                if upstream_done.load(Ordering::Acquire) && rx.is_empty() {
                    return l;
                }
                waiter.idle();
            }
        }
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
