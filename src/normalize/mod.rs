//! Stage 2, normalize: request id -> instrument, top of book per instrument, and the bad-tick
//! filter. Emits a [`Quote`] whenever an instrument's top of book changes and passes the filter.
//!
//! The filter drops non-positive or non-finite prices, crossed books (bid above ask; a locked book
//! is kept), and mid-price jumps beyond `max_jump` relative to the last accepted mid, unless the
//! new level persists for `jump_confirm_ticks` consecutive quotes (then it is a real move).
//! Resampling onto the strategy grid happens per pair inside the strategy, so the backtest, which
//! runs this same normalizer, resamples identically.

mod feed;

pub use feed::FeedState;

use crate::strategy::Quote;

/// First request id the io stage uses for market data; instrument `i` uses `REQ_ID_BASE + i`.
pub const REQ_ID_BASE: i32 = 1000;

/// What a market-data event carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MdKind {
    Bid,
    Ask,
    BidSize,
    AskSize,
    Last,
    LastSize,
    Volume,
    /// Tick-by-tick BidAsk: `price` bid, `price2` ask, `size` bid size, `size2` ask size.
    BidAsk,
}

/// One decoded market-data tick: fixed size, `Copy`, stamped at the socket read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MdEvent {
    /// Engine-wide tick sequence number (orderRef of orders it triggers).
    pub seq: u64,
    /// Monotonic time of the socket read that delivered the frame.
    pub t_recv_ns: u64,
    /// Monotonic time the io stage enqueued the event.
    pub t_enq_ns: u64,
    /// Event time, Unix nanoseconds (exchange time for tick-by-tick, else the receive time).
    pub t_event_ns: u64,
    pub req_id: i32,
    pub kind: MdKind,
    pub price: f64,
    pub size: f64,
    pub price2: f64,
    pub size2: f64,
}

/// Parameters of the bad-tick filter (defined with the parameter files, `[normalize]`).
pub use crate::config::NormalizeParams;

/// Normalizer counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct NormalizeCounters {
    pub events: u64,
    pub quotes: u64,
    pub unknown_request: u64,
    pub bad_price: u64,
    pub crossed: u64,
    pub jumps_rejected: u64,
    pub jumps_confirmed: u64,
    /// Events before both sides of an instrument's book were known.
    pub incomplete: u64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Top {
    bid: f64,
    ask: f64,
    bid_size: f64,
    ask_size: f64,
    last_mid: f64,
    pending_jumps: u32,
}

/// Top of book per instrument and the filter state. Fixed-size after construction.
#[derive(Debug, Clone)]
pub struct Normalizer {
    tops: Box<[Top]>,
    params: NormalizeParams,
    counters: NormalizeCounters,
}

impl Normalizer {
    /// A normalizer for `instruments` instruments.
    pub fn new(instruments: usize, params: NormalizeParams) -> Self {
        Normalizer {
            tops: vec![Top::default(); instruments].into_boxed_slice(),
            params,
            counters: NormalizeCounters::default(),
        }
    }

    /// Counters so far.
    pub fn counters(&self) -> NormalizeCounters {
        self.counters
    }

    /// Last accepted mid of each instrument (0 when none yet).
    pub fn mids(&self) -> impl Iterator<Item = f64> + '_ {
        self.tops.iter().map(|t| t.last_mid)
    }

    /// The last accepted mid of instrument `i` (None before the first).
    pub fn mid(&self, i: usize) -> Option<f64> {
        self.tops.get(i).map(|t| t.last_mid).filter(|m| *m > 0.0)
    }

    /// Applies one event; returns the instrument's new quote when it changed and passed the filter.
    ///
    /// # Examples
    /// ```
    /// use hft::normalize::{MdEvent, MdKind, Normalizer, NormalizeParams, REQ_ID_BASE};
    /// let mut n = Normalizer::new(1, NormalizeParams::default());
    /// let tick = |kind, price| MdEvent { seq: 1, t_recv_ns: 0, t_enq_ns: 0, t_event_ns: 0,
    ///     req_id: REQ_ID_BASE, kind, price, size: 100.0, price2: 0.0, size2: 0.0 };
    /// assert!(n.on_event(&tick(MdKind::Bid, 100.0)).is_none()); // no ask yet
    /// let q = n.on_event(&tick(MdKind::Ask, 100.02)).unwrap();
    /// assert_eq!((q.bid, q.ask), (100.0, 100.02));
    /// ```
    #[inline]
    pub fn on_event(&mut self, e: &MdEvent) -> Option<Quote> {
        self.counters.events += 1;
        let index = e.req_id.wrapping_sub(REQ_ID_BASE);
        let Some(top) = usize::try_from(index)
            .ok()
            .and_then(|i| self.tops.get_mut(i))
        else {
            self.counters.unknown_request += 1;
            return None;
        };
        let valid_price = |p: f64| p.is_finite() && p > 0.0;
        let before = *top;
        match e.kind {
            MdKind::Bid | MdKind::Ask | MdKind::BidAsk if !valid_price(e.price) => {
                self.counters.bad_price += 1;
                return None;
            }
            MdKind::BidAsk if !valid_price(e.price2) => {
                self.counters.bad_price += 1;
                return None;
            }
            MdKind::Bid => {
                top.bid = e.price;
                if e.size > 0.0 {
                    top.bid_size = e.size;
                }
            }
            MdKind::Ask => {
                top.ask = e.price;
                if e.size > 0.0 {
                    top.ask_size = e.size;
                }
            }
            MdKind::BidSize => top.bid_size = e.size,
            MdKind::AskSize => top.ask_size = e.size,
            MdKind::BidAsk => {
                top.bid = e.price;
                top.ask = e.price2;
                top.bid_size = e.size;
                top.ask_size = e.size2;
            }
            MdKind::Last | MdKind::LastSize | MdKind::Volume => return None,
        }
        if top.bid == before.bid
            && top.ask == before.ask
            && top.bid_size == before.bid_size
            && top.ask_size == before.ask_size
        {
            return None;
        }
        if top.bid <= 0.0 || top.ask <= 0.0 {
            self.counters.incomplete += 1;
            return None;
        }
        if top.bid > top.ask {
            self.counters.crossed += 1;
            return None;
        }
        let mid = 0.5 * (top.bid + top.ask);
        if top.last_mid > 0.0 && (mid / top.last_mid - 1.0).abs() > self.params.max_jump {
            top.pending_jumps += 1;
            if top.pending_jumps < self.params.jump_confirm_ticks {
                self.counters.jumps_rejected += 1;
                return None;
            }
            self.counters.jumps_confirmed += 1;
        }
        top.pending_jumps = 0;
        top.last_mid = mid;
        self.counters.quotes += 1;
        Some(Quote {
            seq: e.seq,
            instrument: index as u16,
            t_ns: e.t_event_ns,
            bid: top.bid,
            ask: top.ask,
            bid_size: top.bid_size,
            ask_size: top.ask_size,
        })
    }
}

/// What the normalize thread returns.
pub struct NormalizeReport {
    pub queue_wait: hdrhistogram::Histogram<u64>,
    pub service: hdrhistogram::Histogram<u64>,
    pub counters: NormalizeCounters,
    pub quote_queue_full: u64,
    pub mids: Vec<f64>,
}

/// The normalize thread.
pub struct NormalizeStage {
    pub rx: rtrb::Consumer<MdEvent>,
    pub tx: rtrb::Producer<crate::signal::QuoteMsg>,
    pub normalizer: Normalizer,
    pub waiter: crate::engine::wait::Waiter,
    /// Set by io when it has stopped.
    pub upstream_done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Where accepted quotes are published for dispatch's staleness watchdog.
    pub feed: std::sync::Arc<FeedState>,
}

impl NormalizeStage {
    /// Runs until upstream is done and the queue is empty. Quotes are never dropped here: a full
    /// quote queue waits (and is counted).
    pub fn run(mut self) -> NormalizeReport {
        use crate::latency::{self, now_ns};
        use std::sync::atomic::Ordering;
        let (mut queue_wait, mut service) = (latency::histogram(), latency::histogram());
        let mut full = 0u64;
        loop {
            match self.rx.pop() {
                Ok(e) => {
                    self.waiter.reset();
                    let start = now_ns();
                    latency::record(&mut queue_wait, start.saturating_sub(e.t_enq_ns));
                    let quote = self.normalizer.on_event(&e);
                    // The watchdog wants to know the feed is alive, changed quote or not.
                    let index = e.req_id.wrapping_sub(REQ_ID_BASE) as usize;
                    if let Some(mid) = self.normalizer.mid(index) {
                        self.feed.publish(index as u16, e.t_recv_ns, mid);
                    }
                    if let Some(quote) = quote {
                        let mut msg = crate::signal::QuoteMsg {
                            quote,
                            t_recv_ns: e.t_recv_ns,
                            t_enq_ns: now_ns(),
                        };
                        loop {
                            match self.tx.push(msg) {
                                Ok(()) => break,
                                Err(rtrb::PushError::Full(back)) => {
                                    full += 1;
                                    msg = back;
                                    if self.tx.is_abandoned() {
                                        break;
                                    }
                                    std::hint::spin_loop();
                                }
                            }
                        }
                    }
                    latency::record(&mut service, now_ns().saturating_sub(start));
                }
                Err(_) => {
                    if self.upstream_done.load(Ordering::Acquire) && self.rx.is_empty() {
                        break;
                    }
                    self.waiter.idle();
                }
            }
        }
        NormalizeReport {
            queue_wait,
            service,
            counters: self.normalizer.counters(),
            quote_queue_full: full,
            mids: self.normalizer.mids().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(req: i32, kind: MdKind, price: f64) -> MdEvent {
        MdEvent {
            seq: 1,
            t_recv_ns: 0,
            t_enq_ns: 0,
            t_event_ns: 0,
            req_id: REQ_ID_BASE + req,
            kind,
            price,
            size: 100.0,
            price2: price + 0.01,
            size2: 100.0,
        }
    }

    #[test]
    fn filter_counts_each_kind_of_bad_tick() {
        let mut n = Normalizer::new(
            2,
            NormalizeParams {
                max_jump: 0.05,
                jump_confirm_ticks: 3,
            },
        );
        assert!(n.on_event(&ev(0, MdKind::BidAsk, 100.0)).is_some());
        assert!(n.on_event(&ev(7, MdKind::Bid, 100.0)).is_none());
        assert!(n.on_event(&ev(0, MdKind::Bid, -1.0)).is_none());
        assert!(n.on_event(&ev(0, MdKind::Bid, f64::NAN)).is_none());
        assert!(n.on_event(&ev(0, MdKind::Bid, 100.5)).is_none()); // crossed with ask 100.01
        assert!(n.on_event(&ev(0, MdKind::BidAsk, 150.0)).is_none()); // jump
        assert!(n.on_event(&ev(0, MdKind::BidAsk, 150.1)).is_none()); // jump
        assert!(n.on_event(&ev(0, MdKind::BidAsk, 150.2)).is_some()); // confirmed
        let c = n.counters();
        assert_eq!(
            (
                c.unknown_request,
                c.bad_price,
                c.crossed,
                c.jumps_rejected,
                c.jumps_confirmed
            ),
            (1, 2, 1, 2, 1)
        );
    }
}
