//! The normalize thread: market-data events in, quotes out, and the feed state published for
//! dispatch's staleness watchdog.

use super::{FeedState, NormalizeCounters, Normalizer};
use crate::latency::now_ns;
use crate::metrics::EngineMetrics;
use crate::record::{EventTap, QuoteTap};
use crate::runtime::{Cadence, LinkTx, Step, Waiter, Waker, consume, push_waiting};
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
    /// Quotes replaced in their instrument's slot before signal read them
    /// (`engine.md_conflate`).
    pub quotes_conflated: u64,
    pub mids: Vec<f64>,
    /// Tops of book handed to the quote recorder, and dropped because its queue was full.
    pub recorded: u64,
    pub record_dropped: u64,
    /// Raw events handed to the event recorder, and dropped because its queue was full.
    pub events_recorded: u64,
    pub events_record_dropped: u64,
}

/// The normalize thread.
pub struct NormalizeStage {
    pub rx: rtrb::Consumer<MdEvent>,
    /// To signal: a FIFO (every quote) or one conflating slot per instrument.
    pub tx: LinkTx<QuoteMsg>,
    pub normalizer: Normalizer,
    pub waiter: Waiter,
    /// Rung after each push: signal's doorbell (a no-op unless it blocks).
    pub waker: Waker,
    /// Set by io when it has stopped.
    pub upstream_done: Arc<AtomicBool>,
    /// Where accepted quotes are published for dispatch's staleness watchdog.
    pub feed: Arc<FeedState>,
    /// Where its counters and latency are published for the operators, and how often.
    pub metrics: Arc<EngineMetrics>,
    pub cadence: Cadence,
    /// The quote recorder's queue (`engine.record_quotes`): every top of book the normalizer
    /// evaluates, before its filter.
    pub tap: Option<QuoteTap>,
    /// The raw-event recorder's queue (`engine.record_events`): every event, as received.
    pub event_tap: Option<EventTap>,
}

impl NormalizeStage {
    /// Runs until upstream is done and the queue is empty. Quotes are never dropped here: a full
    /// quote queue waits (and is counted).
    pub fn run(mut self) -> NormalizeReport {
        let mut full = 0u64;
        let (normalizer, feed, tx, waker) =
            (&mut self.normalizer, &self.feed, &mut self.tx, &self.waker);
        let tap = &mut self.tap;
        let event_tap = &mut self.event_tap;
        let cells = &self.metrics.normalize;
        let l = consume(
            &mut self.rx,
            &mut self.waiter,
            &self.upstream_done,
            &mut self.cadence,
            |e| e.t_enq_ns,
            |step| match step {
                Step::Item(e, _) => {
                    if let Some(events) = event_tap.as_mut() {
                        events.push(e);
                    }
                    let quote = normalizer.on_event_publishing(&e, feed, e.t_recv_ns);
                    if let (Some(tap), Some(top)) = (tap.as_mut(), normalizer.take_evaluated()) {
                        tap.push(top);
                    }
                    if let Some(quote) = quote {
                        let msg = QuoteMsg {
                            value: quote,
                            t_recv_ns: e.t_recv_ns,
                            t_enq_ns: now_ns(),
                        };
                        match tx {
                            LinkTx::Fifo(q) => full += push_waiting(q, msg, waker),
                            LinkTx::Latest(slots) => {
                                slots.push(quote.instrument, msg);
                                waker.wake();
                            }
                        }
                    }
                }
                Step::Publish(l, depth) => {
                    let c = normalizer.counters();
                    cells.quotes.set(c.quotes);
                    cells
                        .bad_ticks
                        .set(c.bad_price + c.crossed + c.jumps_rejected);
                    cells.queue_depth.set(depth as u64);
                    if let Some(tap) = tap.as_ref() {
                        cells.recorded.set(tap.sent());
                        cells.record_dropped.set(tap.dropped());
                    }
                    cells.queue_wait.publish(&l.queue_wait);
                    cells.service.publish(&l.service);
                }
            },
        );
        NormalizeReport {
            queue_wait: l.queue_wait,
            service: l.service,
            counters: self.normalizer.counters(),
            quote_queue_full: full,
            quotes_conflated: match &self.tx {
                LinkTx::Fifo(_) => 0,
                LinkTx::Latest(slots) => slots.conflated(),
            },
            mids: self.normalizer.mids().collect(),
            recorded: self.tap.as_ref().map_or(0, QuoteTap::sent),
            record_dropped: self.tap.as_ref().map_or(0, QuoteTap::dropped),
            events_recorded: self.event_tap.as_ref().map_or(0, EventTap::sent),
            events_record_dropped: self.event_tap.as_ref().map_or(0, EventTap::dropped),
        }
    }
}
