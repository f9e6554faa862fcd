//! The normalize thread: market-data events in, quotes out, and the feed state published for
//! dispatch's staleness watchdog.

use super::{FeedState, NormalizeCounters, Normalizer};
use crate::latency::now_ns;
use crate::runtime::{Waiter, consume, push_waiting};
use crate::types::{MdEvent, QuoteMsg};
use hdrhistogram::Histogram;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// What the normalize thread returns.
pub struct NormalizeReport {
    pub queue_wait: Histogram<u64>,
    pub service: Histogram<u64>,
    pub counters: NormalizeCounters,
    pub quote_queue_full: u64,
    pub mids: Vec<f64>,
}

/// The normalize thread.
pub struct NormalizeStage {
    pub rx: rtrb::Consumer<MdEvent>,
    pub tx: rtrb::Producer<QuoteMsg>,
    pub normalizer: Normalizer,
    pub waiter: Waiter,
    /// Set by io when it has stopped.
    pub upstream_done: Arc<AtomicBool>,
    /// Where accepted quotes are published for dispatch's staleness watchdog.
    pub feed: Arc<FeedState>,
}

impl NormalizeStage {
    /// Runs until upstream is done and the queue is empty. Quotes are never dropped here: a full
    /// quote queue waits (and is counted).
    pub fn run(mut self) -> NormalizeReport {
        let mut full = 0u64;
        let (normalizer, feed, tx) = (&mut self.normalizer, &self.feed, &mut self.tx);
        let l = consume(
            &mut self.rx,
            &mut self.waiter,
            &self.upstream_done,
            |e| e.t_enq_ns,
            |e, _| {
                if let Some(quote) = normalizer.on_event_publishing(&e, feed, e.t_recv_ns) {
                    let msg = QuoteMsg {
                        value: quote,
                        t_recv_ns: e.t_recv_ns,
                        t_enq_ns: now_ns(),
                    };
                    full += push_waiting(tx, msg);
                }
            },
        );
        NormalizeReport {
            queue_wait: l.queue_wait,
            service: l.service,
            counters: self.normalizer.counters(),
            quote_queue_full: full,
            mids: self.normalizer.mids().collect(),
        }
    }
}
