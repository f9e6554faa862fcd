//! Stage 2, normalize: request id -> instrument, top of book per instrument, and the bad-tick
//! filter. Emits a [`Quote`] whenever an instrument's top of book changes and passes the filter.
//!
//! The filter drops non-positive or non-finite prices, crossed books (bid above ask; a locked book
//! is kept), and mid-price jumps beyond `max_jump` relative to the last accepted mid, unless the
//! new level persists for `jump_confirm_ticks` consecutive quotes (then it is a real move).
//! Resampling onto the strategy grid happens per pair inside the strategy, so the backtest, which
//! runs this same normalizer, resamples identically.

mod feed;
mod stage;

pub use feed::{FeedState, Touch};
pub use stage::{NormalizeReport, NormalizeStage};

use crate::instruments::{REQ_ID_BASE, instrument_of_req};
use crate::types::{MdEvent, MdTick, Quote};

/// Parameters of the bad-tick filter (defined with the parameter files, `[normalize]`).
use crate::config::NormalizeParams;

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
    /// The last accepted quote (what the feed publishes).
    last: [f64; 4],
    pending_jumps: u32,
}

/// Top of book per instrument and the filter state. Fixed-size after construction.
#[derive(Debug, Clone)]
pub struct Normalizer {
    tops: Box<[Top]>,
    params: NormalizeParams,
    counters: NormalizeCounters,
    /// The top of book the last event changed, before the filter (for the quote recorder).
    evaluated: Option<Quote>,
}

impl Normalizer {
    /// A normalizer for `instruments` instruments.
    pub fn new(instruments: usize, params: NormalizeParams) -> Self {
        Normalizer {
            tops: vec![Top::default(); instruments].into_boxed_slice(),
            params,
            counters: NormalizeCounters::default(),
            evaluated: None,
        }
    }

    /// Counters so far.
    pub fn counters(&self) -> NormalizeCounters {
        self.counters
    }

    /// The top of book the last event changed, taken (`None` when it changed none): what the
    /// filter then judged, whatever it decided. Recording these (rather than the quotes that
    /// passed) lets a backtest of the recording make the same filter decisions, jump
    /// confirmations included.
    ///
    /// # Examples
    /// ```
    /// use hft::instruments::REQ_ID_BASE;
    /// use hft::config::NormalizeParams;
    /// use hft::normalize::Normalizer;
    /// use hft::types::{MdEvent, MdTick};
    /// let mut n = Normalizer::new(1, NormalizeParams::default());
    /// let tick = |tick| MdEvent { seq: 1, t_recv_ns: 0, t_enq_ns: 0, t_event_ns: 7,
    ///     req_id: REQ_ID_BASE, tick };
    /// n.on_event(&tick(MdTick::Bid { price: 100.0, size: 100.0 }));
    /// assert_eq!(n.take_evaluated().map(|q| (q.bid, q.ask)), Some((100.0, 0.0)));
    /// n.on_event(&tick(MdTick::Bid { price: 100.0, size: 100.0 })); // no change
    /// assert!(n.take_evaluated().is_none());
    /// ```
    #[inline]
    pub fn take_evaluated(&mut self) -> Option<Quote> {
        self.evaluated.take()
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
    /// use hft::instruments::REQ_ID_BASE;
    /// use hft::config::NormalizeParams;
    /// use hft::normalize::Normalizer;
    /// use hft::types::{MdEvent, MdTick};
    /// let mut n = Normalizer::new(1, NormalizeParams::default());
    /// let tick = |tick| MdEvent { seq: 1, t_recv_ns: 0, t_enq_ns: 0, t_event_ns: 0,
    ///     req_id: REQ_ID_BASE, tick };
    /// assert!(n.on_event(&tick(MdTick::Bid { price: 100.0, size: 100.0 })).is_none()); // no ask yet
    /// let q = n.on_event(&tick(MdTick::Ask { price: 100.02, size: 100.0 })).unwrap();
    /// assert_eq!((q.bid, q.ask), (100.0, 100.02));
    /// ```
    #[inline]
    pub fn on_event(&mut self, e: &MdEvent) -> Option<Quote> {
        self.apply(e)
    }

    /// As [`on_event`](Self::on_event), and publishes the instrument's last accepted mid to
    /// `feed` stamped `t_ns`, changed quote or not: the staleness watchdog wants to know the
    /// feed is alive. The engine stamps the socket read; the backtest, the event time.
    #[inline]
    pub fn on_event_publishing(
        &mut self,
        e: &MdEvent,
        feed: &FeedState,
        t_ns: u64,
    ) -> Option<Quote> {
        let quote = self.apply(e);
        if let Some(i) = instrument_of_req(e.req_id) {
            self.publish(usize::from(i), feed, t_ns);
        }
        quote
    }

    #[inline]
    fn apply(&mut self, e: &MdEvent) -> Option<Quote> {
        self.counters.events += 1;
        let index = e.req_id.wrapping_sub(REQ_ID_BASE);
        let Some(top) = usize::try_from(index)
            .ok()
            .and_then(|i| self.tops.get_mut(i))
        else {
            self.counters.unknown_request += 1;
            return None;
        };
        let before = *top;
        match e.tick {
            MdTick::Bid { price, size } => {
                if !valid(price) {
                    self.counters.bad_price += 1;
                    return None;
                }
                top.bid = price;
                if size > 0.0 {
                    top.bid_size = size;
                }
            }
            MdTick::Ask { price, size } => {
                if !valid(price) {
                    self.counters.bad_price += 1;
                    return None;
                }
                top.ask = price;
                if size > 0.0 {
                    top.ask_size = size;
                }
            }
            MdTick::BidSize(size) => top.bid_size = size,
            MdTick::AskSize(size) => top.ask_size = size,
            MdTick::BidAsk {
                bid,
                ask,
                bid_size,
                ask_size,
            } => {
                if !valid(bid) || !valid(ask) {
                    self.counters.bad_price += 1;
                    return None;
                }
                top.bid = bid;
                top.ask = ask;
                top.bid_size = bid_size;
                top.ask_size = ask_size;
            }
            MdTick::Last { .. } | MdTick::LastSize(_) | MdTick::Volume(_) => return None,
        }
        let now = [top.bid, top.ask, top.bid_size, top.ask_size];
        let changed = now != [before.bid, before.ask, before.bid_size, before.ask_size];
        self.accept(index as usize, changed, e.seq, e.t_event_ns, now)
    }

    /// A whole top of book, `raw` (a recorded row: instrument, tick sequence, event time, both
    /// sides), through the same filter as a tick-by-tick BidAsk event; publishes the mid to
    /// `feed` stamped `t_ns` as [`on_event_publishing`](Self::on_event_publishing) does. The
    /// backtest's path.
    #[inline]
    pub fn on_top(&mut self, raw: &Quote, feed: &FeedState, t_ns: u64) -> Option<Quote> {
        self.counters.events += 1;
        let index = usize::from(raw.instrument);
        let Some(top) = self.tops.get_mut(index) else {
            self.counters.unknown_request += 1;
            return None;
        };
        if !valid(raw.bid) || !valid(raw.ask) {
            self.counters.bad_price += 1;
            return None;
        }
        let now = [raw.bid, raw.ask, raw.bid_size, raw.ask_size];
        let changed = now != [top.bid, top.ask, top.bid_size, top.ask_size];
        [top.bid, top.ask, top.bid_size, top.ask_size] = now;
        let quote = self.accept(index, changed, raw.seq, raw.t_ns, now);
        match quote {
            // The quote just accepted is the last: published from registers.
            Some(q) => feed.publish(q.instrument, t_ns, q.bid, q.ask, q.bid_size, q.ask_size),
            None => self.publish(index, feed, t_ns),
        }
        quote
    }

    /// Publishes instrument `index`'s last accepted quote to `feed`, stamped `t_ns` (nothing
    /// before its first).
    #[inline]
    fn publish(&self, index: usize, feed: &FeedState, t_ns: u64) {
        if let Some(t) = self.tops.get(index).filter(|t| t.last_mid > 0.0) {
            let [bid, ask, bid_size, ask_size] = t.last;
            feed.publish(index as u16, t_ns, bid, ask, bid_size, ask_size);
        }
    }

    /// The filter, after instrument `index`'s top was updated to `now` (bid, ask, bid size,
    /// ask size; `changed`: it differs from before): unchanged, incomplete, crossed and
    /// unconfirmed jumps are dropped (counted), anything else is the new quote. The values come
    /// in registers, not read back from the top just written.
    #[inline]
    fn accept(
        &mut self,
        index: usize,
        changed: bool,
        seq: u64,
        t_ns: u64,
        now: [f64; 4],
    ) -> Option<Quote> {
        if !changed {
            return None;
        }
        let [bid, ask, bid_size, ask_size] = now;
        let quote = Quote {
            seq,
            instrument: index as u16,
            t_ns,
            bid,
            ask,
            bid_size,
            ask_size,
        };
        self.evaluated = Some(quote);
        if bid <= 0.0 || ask <= 0.0 {
            self.counters.incomplete += 1;
            return None;
        }
        if bid > ask {
            self.counters.crossed += 1;
            return None;
        }
        let top = &mut self.tops[index];
        let mid = 0.5 * (bid + ask);
        // |mid / last - 1| > max_jump, without a division (last_mid is positive).
        if top.last_mid > 0.0 && (mid - top.last_mid).abs() > self.params.max_jump * top.last_mid {
            top.pending_jumps += 1;
            if top.pending_jumps < self.params.jump_confirm_ticks {
                self.counters.jumps_rejected += 1;
                return None;
            }
            self.counters.jumps_confirmed += 1;
        }
        top.pending_jumps = 0;
        top.last_mid = mid;
        top.last = now;
        self.counters.quotes += 1;
        Some(quote)
    }
}

/// A usable price: positive and finite (NaN fails both comparisons).
#[inline]
fn valid(p: f64) -> bool {
    p > 0.0 && p < f64::INFINITY
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tick-by-tick BidAsk one cent wide, or a bid alone.
    fn ev(req: i32, both_sides: bool, price: f64) -> MdEvent {
        let tick = if both_sides {
            MdTick::BidAsk {
                bid: price,
                ask: price + 0.01,
                bid_size: 100.0,
                ask_size: 100.0,
            }
        } else {
            MdTick::Bid { price, size: 100.0 }
        };
        MdEvent {
            seq: 1,
            t_recv_ns: 0,
            t_enq_ns: 0,
            t_event_ns: 0,
            req_id: REQ_ID_BASE + req,
            tick,
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
        assert!(n.on_event(&ev(0, true, 100.0)).is_some());
        assert!(n.on_event(&ev(7, false, 100.0)).is_none());
        assert!(n.on_event(&ev(0, false, -1.0)).is_none());
        assert!(n.on_event(&ev(0, false, f64::NAN)).is_none());
        assert!(n.on_event(&ev(0, false, 100.5)).is_none()); // crossed with ask 100.01
        assert!(n.on_event(&ev(0, true, 150.0)).is_none()); // jump
        assert!(n.on_event(&ev(0, true, 150.1)).is_none()); // jump
        assert!(n.on_event(&ev(0, true, 150.2)).is_some()); // confirmed
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
