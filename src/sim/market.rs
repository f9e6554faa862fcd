//! The gateway's market: the feed (the synthetic universe or a replayed file), each symbol's book,
//! volume and last trade, and the market-data lines clients subscribed (quotes, tick-by-tick),
//! with the ticks each quote event fans out to them.

use super::WireReport;
use super::encode::Out;
use super::replay::QuoteRow;
use super::sessions::{Session, Sessions};
use super::universe::{MarketEvent, Trade, Universe};
use crate::exchange::{Book, BookTop};
use crate::wire::ids::{codes, tick_type};
use crate::wire::{TickByTick, TickByTickData, TickPrice, TickSize};
use std::time::{Duration, Instant};

/// Where quote events come from.
pub(crate) enum Feed {
    /// The synthetic universe, paced to the wall clock (market time runs `speed` times faster:
    /// an event at market time `t` is due `t / speed` after the start) or, unpaced, as fast as
    /// clients read.
    Synthetic { paced: bool, speed: f64 },
    /// A recorded quote file at `speed` times its pace (0 = as fast as clients read). The replay
    /// starts once every recorded symbol has a subscriber (or 2 s after the first subscription),
    /// so a client subscribing symbol by symbol misses nothing; its clock starts then.
    Replay {
        rows: Vec<QuoteRow>,
        next: usize,
        speed: f64,
        /// Rows per second regardless of recorded times (0: use `speed`); turns on wire-to-wire
        /// recording.
        rate: f64,
        /// At the last row, start over (at a fixed `rate`), times shifted by `cycle_ns`.
        repeat: bool,
        /// Rows sent in all (the schedule of a repeating replay runs on).
        sent: u64,
        /// Added to the recorded times of this pass: the passes so far times the file's span
        /// plus a second.
        cycle_ns: i64,
        started: Option<Instant>,
        /// The distinct symbols recorded in the file.
        symbols: Vec<usize>,
    },
}

/// What a market-data line streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SubKind {
    Quotes,
    BidAsk,
    Last,
    MidPoint,
}

#[derive(Debug, Clone, Copy)]
struct Sub {
    conn: u64,
    req_id: i32,
    kind: SubKind,
}

/// The feed, the books and the subscriptions.
pub(super) struct Market {
    universe: Universe,
    feed: Feed,
    /// Each symbol's book: the fill model's liquidity (see [`crate::exchange::Book`]).
    pub(super) books: Vec<Book>,
    volumes: Vec<u64>,
    last_trade: Vec<Option<Trade>>,
    /// Each symbol's subscribers.
    subs: Vec<Vec<Sub>>,
    max_lines: usize,
    /// Unix nanoseconds at feed time 0 (the live start; a replay's first recorded quote).
    start_ns: i64,
    /// Feed time (s since the live start) of the last processed event.
    feed_secs: f64,
    /// Scheduled send time of the event being fanned out (monotonic ns).
    scheduled_ns: u64,
    /// When the replay started (monotonic ns).
    replay_start_ns: u64,
    /// When the first client started the API (starts a replay's grace period).
    pub(super) first_session: Option<Instant>,
    /// Wire-to-wire recording (a replay at a fixed rate).
    pub(super) wire: Option<WireReport>,
}

impl Market {
    pub(super) fn new(
        universe: Universe,
        feed: Feed,
        start_ns: i64,
        book_levels: usize,
        max_lines: usize,
    ) -> Self {
        let n = universe.names().len();
        let record_wire = matches!(feed, Feed::Replay { rate, .. } if rate > 0.0);
        Market {
            books: (0..n)
                .map(|i| Book::new(universe.top(i), book_levels))
                .collect(),
            universe,
            feed,
            volumes: vec![0; n],
            last_trade: vec![None; n],
            subs: vec![Vec::new(); n],
            max_lines,
            start_ns,
            feed_secs: 0.0,
            scheduled_ns: 0,
            replay_start_ns: 0,
            first_session: None,
            wire: record_wire.then(|| WireReport {
                tick_to_trade: crate::latency::histogram(),
                matched: 0,
                unmatched: 0,
                ticks: 0,
            }),
        }
    }

    /// Unix seconds of feed time `t_ns`.
    pub(super) fn event_unix(&self, t_ns: u64) -> i64 {
        (self.start_ns + t_ns as i64).div_euclid(1_000_000_000)
    }

    /// Unix seconds of the last processed event.
    pub(super) fn now_unix(&self) -> i64 {
        self.event_unix((self.feed_secs * 1e9) as u64)
    }

    /// A replay has sent its last row.
    pub(super) fn replay_finished(&self) -> bool {
        matches!(&self.feed, Feed::Replay { rows, next, repeat: false, .. } if *next >= rows.len())
    }

    fn has_subscribers(&self) -> bool {
        self.subs.iter().any(|s| !s.is_empty())
    }

    /// How long the loop may block waiting for commands before the next market event is due
    /// (`start`: when the live feed started).
    pub(super) fn next_event_wait(&self, start: Instant) -> Duration {
        let idle = Duration::from_millis(20);
        match &self.feed {
            Feed::Synthetic { paced: true, speed } => {
                let due = self.universe.next_event_secs() / speed - start.elapsed().as_secs_f64();
                Duration::from_secs_f64(due.clamp(0.0, 0.02))
            }
            Feed::Replay { started: None, .. } => idle,
            Feed::Synthetic { paced: false, .. } | Feed::Replay { speed: 0.0, .. } => {
                if self.has_subscribers() {
                    Duration::ZERO
                } else {
                    idle
                }
            }
            Feed::Replay {
                rows,
                next,
                speed,
                rate,
                repeat,
                sent,
                started: Some(t0),
                ..
            } => match rows.get(if *repeat { 0 } else { *next }) {
                Some(r) => {
                    let t = if *rate > 0.0 {
                        *sent as f64 / rate
                    } else {
                        (r.ts_ns - rows[0].ts_ns) as f64 / 1e9 / speed
                    };
                    Duration::from_secs_f64((t - t0.elapsed().as_secs_f64()).clamp(0.0, 0.02))
                }
                None => idle,
            },
        }
    }

    /// Starts a replay once its symbols are subscribed; returns its start time.
    pub(super) fn replay_clock(&mut self) -> Option<Instant> {
        let Feed::Replay {
            started, symbols, ..
        } = &mut self.feed
        else {
            return None;
        };
        if started.is_none() {
            let first = self.first_session?;
            let all = symbols.iter().all(|&s| !self.subs[s].is_empty());
            if all || first.elapsed() >= Duration::from_secs(2) {
                *started = Some(Instant::now());
                self.replay_start_ns = crate::latency::now_ns();
            }
        }
        *started
    }

    /// The next event that is due, if any (`replay_t0`: from [`Market::replay_clock`]).
    pub(super) fn next_due_event(
        &mut self,
        start: Instant,
        replay_t0: Option<Instant>,
    ) -> Option<MarketEvent> {
        let has_subscribers = self.has_subscribers();
        match &mut self.feed {
            Feed::Synthetic { paced, speed } => {
                let market_secs = start.elapsed().as_secs_f64() * *speed;
                let due = !*paced || self.universe.next_event_secs() <= market_secs;
                if !due || (!*paced && !has_subscribers) {
                    return None;
                }
                Some(self.universe.next_event())
            }
            Feed::Replay {
                rows,
                next,
                speed,
                rate,
                repeat,
                sent,
                cycle_ns,
                ..
            } => {
                let t0 = replay_t0?;
                if *repeat && *rate > 0.0 && *next >= rows.len() && !rows.is_empty() {
                    let span = rows[rows.len() - 1].ts_ns - rows[0].ts_ns;
                    *cycle_ns += span + 1_000_000_000;
                    *next = 0;
                }
                let r = rows.get(*next).copied()?;
                let t_ns = (r.ts_ns - rows[0].ts_ns + *cycle_ns).max(0) as u64;
                if *rate > 0.0 {
                    // A fixed schedule: row k is due k / rate after the start.
                    let due_ns = (*sent as f64 / *rate * 1e9) as u64;
                    if due_ns > t0.elapsed().as_nanos() as u64 {
                        return None;
                    }
                    self.scheduled_ns = self.replay_start_ns + due_ns;
                    if let Some(w) = &mut self.wire {
                        w.ticks += 1;
                    }
                } else if *speed > 0.0 && t_ns as f64 / 1e9 / *speed > t0.elapsed().as_secs_f64() {
                    return None;
                } else {
                    self.scheduled_ns = crate::latency::now_ns();
                }
                *next += 1;
                *sent += 1;
                self.universe.set_top(r.symbol, r.top);
                Some(MarketEvent {
                    t_ns,
                    symbol: r.symbol,
                    top: r.top,
                    trade: r.trade,
                })
            }
        }
    }

    /// Applies event `e` to its book and sends the ticks it causes to the symbol's subscribers
    /// (none while `paused`). Returns the frames sent and the event's Unix time.
    pub(super) fn fan_out(
        &mut self,
        sessions: &mut Sessions,
        e: MarketEvent,
        paused: bool,
    ) -> (u64, i64) {
        let sym = e.symbol;
        let old = self.books[sym].top();
        self.books[sym].set_top(e.top);
        self.feed_secs = e.t_ns as f64 / 1e9;
        if let Some(t) = e.trade {
            self.volumes[sym] += t.size as u64;
            self.last_trade[sym] = Some(t);
        }
        let time = self.event_unix(e.t_ns);
        let volume = self.volumes[sym];
        let record = self.wire.is_some();
        let mut sent = 0u64;
        for sub in self.subs[sym].iter().filter(|_| !paused) {
            let Some(s) = sessions.get_mut(sub.conn) else {
                continue;
            };
            let md = match sub.kind {
                SubKind::Quotes => quote_ticks(s, sub.req_id, old, &e, volume),
                SubKind::BidAsk if e.top != old => {
                    s.send(Out::TickByTick(bid_ask(sub.req_id, time, e.top)));
                    1
                }
                SubKind::Last => match e.trade {
                    Some(t) => {
                        let data = TickByTickData::Last {
                            all_last: false,
                            price: cents_to_price(t.price),
                            size: t.size as f64,
                            mask: 0,
                            exchange: "ISLAND",
                            special: "",
                        };
                        let req_id = sub.req_id;
                        s.send(Out::TickByTick(TickByTick { req_id, time, data }));
                        1
                    }
                    None => 0,
                },
                SubKind::MidPoint if e.top.bid + e.top.ask != old.bid + old.ask => {
                    s.send(Out::TickByTick(mid_point(sub.req_id, time, e.top)));
                    sent += 1;
                    // Mid-point ticks are not market-data events for the engine.
                    continue;
                }
                _ => 0,
            };
            sent += md;
            s.note_md_frames(md, self.scheduled_ns, record);
        }
        (sent, time)
    }

    /// Opens market-data line `req_id` of `conn` on `sym`; false (and the client told why) when
    /// the id is in use or the client has all the lines it may have.
    pub(super) fn add_line(
        &mut self,
        sessions: &mut Sessions,
        conn: u64,
        req_id: i32,
        sym: usize,
        kind: SubKind,
    ) -> bool {
        let max = self.max_lines;
        let s = sessions.get_mut(conn).expect("caller checked the session");
        if s.lines.contains_key(&req_id) {
            s.error(req_id, 322, "Duplicate ticker id");
            return false;
        }
        if s.lines.len() >= max {
            let msg = format!("Max number of tickers has been reached (max {max})");
            s.error(req_id, codes::MAX_TICKERS_REACHED, &msg);
            return false;
        }
        s.lines.insert(req_id, (sym, kind));
        self.subs[sym].push(Sub { conn, req_id, kind });
        true
    }

    /// Closes market-data line `req_id` of `conn` (a no-op when there is none).
    pub(super) fn cancel_line(&mut self, sessions: &mut Sessions, conn: u64, req_id: i32) {
        let Some(s) = sessions.get_mut(conn) else {
            return;
        };
        if let Some((sym, _)) = s.lines.remove(&req_id) {
            self.subs[sym].retain(|x| !(x.conn == conn && x.req_id == req_id));
        }
    }

    /// Drops every line of a closed connection.
    pub(super) fn drop_conn(&mut self, conn: u64) {
        for subs in &mut self.subs {
            subs.retain(|s| s.conn != conn);
        }
    }

    /// Drops every line of every client (a restart that lost data).
    pub(super) fn drop_all_lines(&mut self, sessions: &mut Sessions) {
        for subs in &mut self.subs {
            subs.clear();
        }
        for s in sessions.iter_mut() {
            s.lines.clear();
        }
    }

    /// REQ_MKT_DATA on `sym`: a streaming line (unless `snapshot`) and the current quote, last
    /// trade and volume.
    pub(super) fn market_data(
        &mut self,
        sessions: &mut Sessions,
        conn: u64,
        req_id: i32,
        sym: usize,
        snapshot: bool,
    ) {
        if !snapshot && !self.add_line(sessions, conn, req_id, sym, SubKind::Quotes) {
            return;
        }
        let top = self.books[sym].top();
        let last = self.last_trade[sym];
        let volume = self.volumes[sym];
        let s = sessions.get_mut(conn).expect("caller checked the session");
        s.send(Out::TickReqParams { req_id });
        s.send(Out::TickPrice(price_tick(
            req_id,
            tick_type::BID,
            top.bid,
            top.bid_size,
        )));
        s.send(Out::TickPrice(price_tick(
            req_id,
            tick_type::ASK,
            top.ask,
            top.ask_size,
        )));
        if let Some(t) = last {
            s.send(Out::TickPrice(price_tick(
                req_id,
                tick_type::LAST,
                t.price,
                t.size,
            )));
        }
        s.send(Out::TickSize(size_tick(
            req_id,
            tick_type::VOLUME,
            volume as f64,
        )));
        if snapshot {
            s.send(Out::SnapshotEnd { req_id });
        }
        let frames = if last.is_some() { 4 } else { 3 };
        s.note_md_frames(frames, crate::latency::now_ns(), self.wire.is_some());
    }

    /// REQ_TICK_BY_TICK_DATA on `sym` of type `kind` (`BidAsk`, `Last`, `AllLast`, `MidPoint`):
    /// a line and, for quotes, the current one.
    pub(super) fn tick_by_tick(
        &mut self,
        sessions: &mut Sessions,
        conn: u64,
        req_id: i32,
        sym: usize,
        kind: SubKind,
    ) {
        if !self.add_line(sessions, conn, req_id, sym, kind) {
            return;
        }
        let top = self.books[sym].top();
        let time = self.now_unix();
        let s = sessions.get_mut(conn).expect("caller checked the session");
        match kind {
            SubKind::BidAsk => {
                s.send(Out::TickByTick(bid_ask(req_id, time, top)));
                s.note_md_frames(1, crate::latency::now_ns(), self.wire.is_some());
            }
            SubKind::MidPoint => s.send(Out::TickByTick(mid_point(req_id, time, top))),
            _ => {}
        }
    }
}

/// The tick-by-tick type a client names, if the gateway streams it.
pub(super) fn tick_by_tick_kind(name: &str) -> Option<SubKind> {
    match name {
        "BidAsk" => Some(SubKind::BidAsk),
        "Last" | "AllLast" => Some(SubKind::Last),
        "MidPoint" => Some(SubKind::MidPoint),
        _ => None,
    }
}

/// The quote line's ticks for event `e` (a changed price, else a changed size, per side; a trade
/// as last price, last size and volume); returns the frames sent.
fn quote_ticks(s: &mut Session, req_id: i32, old: BookTop, e: &MarketEvent, volume: u64) -> u64 {
    let r = req_id;
    let mut sent = 0;
    if e.top.bid != old.bid {
        s.send(Out::TickPrice(price_tick(
            r,
            tick_type::BID,
            e.top.bid,
            e.top.bid_size,
        )));
        sent += 1;
    } else if e.top.bid_size != old.bid_size {
        s.send(Out::TickSize(size_tick(
            r,
            tick_type::BID_SIZE,
            e.top.bid_size as f64,
        )));
        sent += 1;
    }
    if e.top.ask != old.ask {
        s.send(Out::TickPrice(price_tick(
            r,
            tick_type::ASK,
            e.top.ask,
            e.top.ask_size,
        )));
        sent += 1;
    } else if e.top.ask_size != old.ask_size {
        s.send(Out::TickSize(size_tick(
            r,
            tick_type::ASK_SIZE,
            e.top.ask_size as f64,
        )));
        sent += 1;
    }
    if let Some(t) = e.trade {
        s.send(Out::TickPrice(price_tick(
            r,
            tick_type::LAST,
            t.price,
            t.size,
        )));
        s.send(Out::TickSize(size_tick(
            r,
            tick_type::LAST_SIZE,
            t.size as f64,
        )));
        s.send(Out::TickSize(size_tick(
            r,
            tick_type::VOLUME,
            volume as f64,
        )));
        sent += 3;
    }
    sent
}

fn cents_to_price(c: i64) -> f64 {
    c as f64 / 100.0
}

fn price_tick(req_id: i32, tick_type: i32, cents: i64, size: u32) -> TickPrice {
    TickPrice {
        req_id,
        tick_type,
        price: cents_to_price(cents),
        size: size as f64,
        attr_mask: 0,
    }
}

fn size_tick(req_id: i32, tick_type: i32, size: f64) -> TickSize {
    TickSize {
        req_id,
        tick_type,
        size,
    }
}

fn bid_ask(req_id: i32, time: i64, top: BookTop) -> TickByTick<'static> {
    TickByTick {
        req_id,
        time,
        data: TickByTickData::BidAsk {
            bid: cents_to_price(top.bid),
            ask: cents_to_price(top.ask),
            bid_size: top.bid_size as f64,
            ask_size: top.ask_size as f64,
            mask: 0,
        },
    }
}

fn mid_point(req_id: i32, time: i64, top: BookTop) -> TickByTick<'static> {
    TickByTick {
        req_id,
        time,
        data: TickByTickData::MidPoint {
            mid: (top.bid + top.ask) as f64 / 200.0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimParams;

    /// Every event of the paced synthetic feed due once `wall_secs` have passed at `speed`.
    fn due_after(speed: f64, wall_secs: u64) -> Vec<MarketEvent> {
        let p = SimParams::embedded();
        let feed = Feed::Synthetic { paced: true, speed };
        let mut m = Market::new(Universe::new(&p.market), feed, 0, 5, 100);
        let start = Instant::now() - Duration::from_secs(wall_secs);
        std::iter::from_fn(|| m.next_due_event(start, None))
            .take(1_000_000)
            .collect()
    }

    #[test]
    fn market_time_runs_speed_times_faster_than_the_wall_clock() {
        // One wall second at speed 100 is at least 100 s of market time (more, as the test
        // itself takes time): the same events as 100 wall seconds at speed 1.
        let fast = due_after(100.0, 1);
        let last = fast.last().expect("events are due").t_ns as f64 / 1e9;
        assert!(last >= 99.0, "{last}");
        let slow = due_after(1.0, 100);
        assert_eq!(
            &fast[..slow.len().min(fast.len())],
            &slow[..slow.len().min(fast.len())]
        );
    }
}
