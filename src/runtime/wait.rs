//! How a stage waits for work, and what a full queue does.

use crossbeam::utils::Backoff;
use std::time::Duration;

/// Wait strategy of a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WaitStrategy {
    /// Busy-poll: lowest latency, burns its core (needs an isolated core per spinning stage).
    Spin,
    /// Spin briefly, then yield, then park for short intervals.
    Backoff,
}

/// What the io stage does when the market-data queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QueuePolicy {
    /// Drop the event and count it (the feed stays current; a tick is lost).
    Drop,
    /// Wait for room (nothing is lost; the socket backs up to the gateway).
    Backpressure,
}

/// Longest park of an idle backoff stage.
const PARK: Duration = Duration::from_micros(50);

/// An idle loop helper for consumer stages.
pub struct Waiter {
    strategy: WaitStrategy,
    backoff: Backoff,
}

impl Waiter {
    /// A waiter with `strategy`.
    pub fn new(strategy: WaitStrategy) -> Self {
        Waiter {
            strategy,
            backoff: Backoff::new(),
        }
    }

    /// Called when there was nothing to do.
    #[inline]
    pub fn idle(&mut self) {
        match self.strategy {
            WaitStrategy::Spin => std::hint::spin_loop(),
            WaitStrategy::Backoff => {
                if self.backoff.is_completed() {
                    std::thread::park_timeout(PARK);
                } else {
                    self.backoff.snooze();
                }
            }
        }
    }

    /// Called after doing work.
    #[inline]
    pub fn reset(&mut self) {
        self.backoff.reset();
    }
}
