//! The gateway's single-threaded core: sessions, subscriptions, the market feed, orders and
//! accounts. Connection threads hand it decoded-frame commands; it answers by encoding into each
//! session's outbox, which a per-session writer thread drains. One thread owns all state, so
//! there are no locks and the order of events is the order of processing.

use super::encode::{ContractInfo, Out};
use super::faults::{FaultAction, FaultClock, FaultParams};
use super::history::{BarQuery, HistoryCache, HistoryError, Pacing};
use super::replay::QuoteRow;
use super::universe::{MarketEvent, Trade, Universe};
use crate::exchange::{
    Book, BookTop, FillFaults, Ledger, MatchEvent, Matcher, OrderRec, OrderState, Side, Tif,
};
use crate::params::{GatewayParams, SimParams};
use crate::wire::ids::{codes, tick_type};
use crate::wire::proto::{self as pb};
use crate::wire::request::{
    ContractSpec, ExecutionFilter, HistoricalRequest, OrderRequest, Request,
};
use crate::wire::{
    DecodeError, Fields, Negotiated, ProtoRequest, TickByTick, TickByTickData, TickPrice, TickSize,
};
use crossbeam::channel::{Receiver, RecvTimeoutError, Sender};
use std::collections::HashMap;
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Outbox size at which a session's buffer is handed to its writer mid-batch.
const FLUSH_BYTES: usize = 64 * 1024;
/// Market events processed per loop turn, so requests are never starved by a fast feed.
const EVENTS_PER_TURN: usize = 4096;

/// Commands from the connection threads and the handle.
pub(crate) enum Cmd {
    Register {
        conn: u64,
        neg: Negotiated,
        tx: Sender<Vec<u8>>,
        control: TcpStream,
    },
    /// `t_ns`: when the connection thread read the frame (monotonic, [`crate::latency::now_ns`]).
    Frame {
        conn: u64,
        body: Vec<u8>,
        t_ns: u64,
    },
    RateExceeded {
        conn: u64,
        rate: u32,
        disconnect: bool,
    },
    Closed {
        conn: u64,
    },
    Snapshot(Sender<LedgerSnapshot>),
    WireReport(Sender<Option<WireReport>>),
    Stop,
}

/// Counters the gateway exposes (tests assert on them; `hft sim` prints them at exit).
#[derive(Debug, Default)]
pub struct GatewayStats {
    pub connections: AtomicU64,
    pub rate_violations: AtomicU64,
    pub rate_disconnects: AtomicU64,
    pub malformed_frames: AtomicU64,
    pub ticks_sent: AtomicU64,
    pub orders_received: AtomicU64,
    pub executions: AtomicU64,
    pub slow_client_disconnects: AtomicU64,
}

impl GatewayStats {
    fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }
}

/// Wire-to-wire tick-to-trade as the gateway sees it: from the moment a tick was scheduled to be
/// sent to the moment the order it triggered (matched by orderRef = the client's tick sequence
/// number) was read from the socket. Measured from the schedule, so a stall anywhere cannot hide
/// (no coordinated omission).
#[derive(Debug, Clone)]
pub struct WireReport {
    pub tick_to_trade: hdrhistogram::Histogram<u64>,
    /// Orders whose orderRef named a tick of this session.
    pub matched: u64,
    /// Orders whose orderRef did not.
    pub unmatched: u64,
    /// Ticks sent on the schedule.
    pub ticks: u64,
}

/// One order as the gateway booked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSnapshot {
    pub client_id: i32,
    pub order_id: i32,
    pub symbol: String,
    pub action: &'static str,
    pub total: u32,
    pub filled: u32,
    pub state: &'static str,
    pub order_ref: String,
}

/// A copy of the gateway's books, for tests and reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LedgerSnapshot {
    /// (account, symbol, quantity, average cost), every position ever opened.
    pub positions: Vec<(String, String, f64, f64)>,
    /// Execution ids in booking order.
    pub exec_ids: Vec<String>,
    /// Every order, in arrival order.
    pub orders: Vec<OrderSnapshot>,
    /// A replay has sent its last row.
    pub replay_finished: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SubKind {
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

struct Session {
    neg: Negotiated,
    client_id: Option<i32>,
    out: Vec<u8>,
    tx: Sender<Vec<u8>>,
    control: TcpStream,
    /// Active market-data lines: request id -> (symbol, kind).
    lines: HashMap<i32, (usize, SubKind)>,
    positions_subscribed: bool,
    pacing: Pacing,
    /// Market-data frames sent: the n-th is the client's tick sequence number n (the engine
    /// numbers the market-data messages it decodes the same way, and echoes it in orderRef).
    md_sent: u64,
    /// With wire-to-wire recording on: the scheduled send time of each market-data frame.
    scheduled: Vec<u64>,
}

/// Where quote events come from.
pub(crate) enum Feed {
    /// The synthetic universe, paced to the wall clock or, unpaced, as fast as clients read.
    Synthetic { paced: bool },
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
        started: Option<Instant>,
        /// The distinct symbols recorded in the file.
        symbols: Vec<usize>,
    },
}

pub(crate) struct Core {
    p: GatewayParams,
    universe: Universe,
    feed: Feed,
    contracts: Vec<ContractInfo>,
    books: Vec<Book>,
    volumes: Vec<u64>,
    last_trade: Vec<Option<Trade>>,
    sessions: HashMap<u64, Session>,
    subs: Vec<Vec<Sub>>,
    ledger: Ledger,
    /// Working orders and the fill loop (with the fill faults).
    matcher: Matcher,
    max_order_ids: HashMap<i32, i32>,
    history: HistoryCache,
    /// The universe as the live feed started: history is drawn backwards from this state, so
    /// bars do not depend on when they are requested.
    universe_at_start: Universe,
    /// Unix nanoseconds at feed time 0 (the live start; a replay's first recorded quote).
    start_ns: i64,
    start_unix: i64,
    start: Instant,
    /// Injected faults and their schedule.
    faults: FaultParams,
    fault_clock: FaultClock,
    /// Index of the symbol whose feed goes stale, if any.
    stale_symbol: Option<usize>,
    /// Wire-to-wire recording (a replay at a fixed rate).
    wire: Option<WireReport>,
    /// Scheduled send time of the event being fanned out (monotonic ns).
    scheduled_ns: u64,
    /// Read time of the frame being handled (monotonic ns).
    frame_read_ns: u64,
    /// When the replay started (monotonic ns).
    replay_start_ns: u64,
    /// When the first client started the API (starts a replay's grace period).
    first_session: Option<Instant>,
    /// Feed time (s since the live start) of the last processed event.
    feed_secs: f64,
    stats: Arc<GatewayStats>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn cents_to_price(c: i64) -> f64 {
    c as f64 / 100.0
}

impl Core {
    pub(crate) fn new(
        params: &SimParams,
        universe: Universe,
        feed: Feed,
        start_ns: i64,
        stats: Arc<GatewayStats>,
    ) -> Self {
        let start_unix = start_ns.div_euclid(1_000_000_000);
        let record_wire = matches!(feed, Feed::Replay { rate, .. } if rate > 0.0);
        let stale_symbol_index = (!params.faults.stale_symbol.is_empty())
            .then(|| universe.index_of(&params.faults.stale_symbol))
            .flatten();
        let universe_clone = universe.clone();
        let n = universe.names().len();
        let contracts = universe
            .names()
            .iter()
            .enumerate()
            .map(|(i, s)| ContractInfo {
                con_id: 756_700 + i as i32 * 17,
                symbol: s.clone(),
                long_name: format!("{s} SYNTHETIC"),
            })
            .collect();
        let books = (0..n)
            .map(|i| Book::new(universe.top(i), params.gateway.book_levels))
            .collect();
        let prefix = (start_unix as u32) ^ 0x5eed_0000;
        Core {
            p: params.gateway.clone(),
            universe,
            feed,
            contracts,
            books,
            volumes: vec![0; n],
            last_trade: vec![None; n],
            sessions: HashMap::new(),
            subs: vec![Vec::new(); n],
            ledger: Ledger::new(
                params.gateway.commission_per_share,
                params.gateway.commission_min,
                prefix,
            ),
            matcher: Matcher::new(fill_faults(&params.faults)),
            max_order_ids: HashMap::new(),
            history: HistoryCache::default(),
            universe_at_start: universe_clone,
            start_ns,
            start_unix,
            start: Instant::now(),
            feed_secs: 0.0,
            first_session: None,
            faults: params.faults.clone(),
            fault_clock: FaultClock::default(),
            stale_symbol: stale_symbol_index,
            wire: record_wire.then(|| WireReport {
                tick_to_trade: crate::latency::histogram(),
                matched: 0,
                unmatched: 0,
                ticks: 0,
            }),
            scheduled_ns: 0,
            frame_read_ns: 0,
            replay_start_ns: 0,
            stats,
        }
    }

    /// Runs until [`Cmd::Stop`] or until every sender is gone.
    pub(crate) fn run(mut self, rx: Receiver<Cmd>) {
        loop {
            let wait = self.next_event_wait();
            match rx.recv_timeout(wait) {
                Ok(Cmd::Stop) => break,
                Ok(cmd) => self.handle(cmd),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            let mut stop = false;
            for _ in 0..1024 {
                match rx.try_recv() {
                    Ok(Cmd::Stop) => {
                        stop = true;
                        break;
                    }
                    Ok(cmd) => self.handle(cmd),
                    Err(_) => break,
                }
            }
            if stop {
                break;
            }
            if self.faults.any() {
                self.apply_faults();
            }
            self.pump_market();
            self.flush_all();
        }
        self.flush_all();
        for (_, s) in self.sessions.drain() {
            let _ = s.control.shutdown(Shutdown::Read);
        }
    }

    fn notify_all(&mut self, code: i32, message: &str) {
        let t = now_ms();
        for s in self.sessions.values_mut() {
            Out::Error {
                id: -1,
                code,
                message,
                time_ms: t,
            }
            .encode(&mut s.out, s.neg);
        }
    }

    /// Carries out the scheduled faults that are due.
    fn apply_faults(&mut self) {
        let now = self.start.elapsed().as_secs_f64();
        match self.fault_clock.poll(&self.faults, now) {
            FaultAction::None => {}
            FaultAction::DropAll => {
                tracing::warn!(
                    clients = self.sessions.len(),
                    "fault injection: dropping every connection"
                );
                self.flush_all();
                let conns: Vec<u64> = self.sessions.keys().copied().collect();
                for c in conns {
                    self.close(c);
                }
            }
            FaultAction::RestartBegin => {
                tracing::warn!("fault injection: daily restart begins (1100)");
                self.notify_all(
                    codes::CONNECTIVITY_LOST,
                    "Connectivity between IB and Trader Workstation has been lost.",
                );
            }
            FaultAction::RestartEnd => {
                if self.faults.restart_data_lost {
                    // Data lost: every market-data line is gone; clients must resubscribe.
                    for subs in &mut self.subs {
                        subs.clear();
                    }
                    for s in self.sessions.values_mut() {
                        s.lines.clear();
                    }
                    self.notify_all(
                        codes::RESTORED_DATA_LOST,
                        "Connectivity between IB and Trader Workstation has been restored - data lost.",
                    );
                } else {
                    self.notify_all(
                        codes::RESTORED_DATA_KEPT,
                        "Connectivity between IB and Trader Workstation has been restored - data maintained.",
                    );
                }
                tracing::warn!(
                    data_lost = self.faults.restart_data_lost,
                    "fault injection: daily restart ends"
                );
            }
        }
    }

    /// True while market data for `sym` is held back by an injected fault.
    fn feed_paused(&self, sym: usize) -> bool {
        if self.fault_clock.restarting() {
            return true;
        }
        if self.stale_symbol == Some(sym) {
            let f = &self.faults;
            let now = self.start.elapsed().as_secs_f64();
            return now >= f.stale_after_secs && now < f.stale_after_secs + f.stale_for_secs;
        }
        false
    }

    fn has_subscribers(&self) -> bool {
        self.subs.iter().any(|s| !s.is_empty())
    }

    /// How long the loop may block waiting for commands before the next market event is due.
    fn next_event_wait(&self) -> Duration {
        let idle = Duration::from_millis(20);
        match &self.feed {
            Feed::Synthetic { paced: true } => {
                let due = self.universe.next_event_secs() - self.start.elapsed().as_secs_f64();
                Duration::from_secs_f64(due.clamp(0.0, 0.02))
            }
            Feed::Replay { started: None, .. } => idle,
            Feed::Synthetic { paced: false } | Feed::Replay { speed: 0.0, .. } => {
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
                started: Some(t0),
                ..
            } => match rows.get(*next) {
                Some(r) => {
                    let t = if *rate > 0.0 {
                        *next as f64 / rate
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
    fn replay_clock(&mut self) -> Option<Instant> {
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
                self.replay_start_ns = now_mono_ns();
            }
        }
        *started
    }

    fn pump_market(&mut self) {
        let replay_t0 = self.replay_clock();
        for _ in 0..EVENTS_PER_TURN {
            let event = match &mut self.feed {
                Feed::Synthetic { paced } => {
                    let due = !*paced
                        || self.universe.next_event_secs() <= self.start.elapsed().as_secs_f64();
                    if !due || (!*paced && !self.subs.iter().any(|s| !s.is_empty())) {
                        return;
                    }
                    self.universe.next_event()
                }
                Feed::Replay {
                    rows,
                    next,
                    speed,
                    rate,
                    ..
                } => {
                    let Some(t0) = replay_t0 else { return };
                    let Some(r) = rows.get(*next).copied() else {
                        return;
                    };
                    let t_ns = (r.ts_ns - rows[0].ts_ns).max(0) as u64;
                    if *rate > 0.0 {
                        // A fixed schedule: row k is due k / rate after the start.
                        let due_ns = (*next as f64 / *rate * 1e9) as u64;
                        if due_ns > t0.elapsed().as_nanos() as u64 {
                            return;
                        }
                        self.scheduled_ns = self.replay_start_ns + due_ns;
                        if let Some(w) = &mut self.wire {
                            w.ticks += 1;
                        }
                    } else if *speed > 0.0
                        && t_ns as f64 / 1e9 / *speed > t0.elapsed().as_secs_f64()
                    {
                        return;
                    } else {
                        self.scheduled_ns = now_mono_ns();
                    }
                    *next += 1;
                    self.universe.set_top(r.symbol, r.top);
                    MarketEvent {
                        t_ns,
                        symbol: r.symbol,
                        top: r.top,
                        trade: None,
                    }
                }
            };
            self.on_market_event(event);
        }
    }

    fn event_unix(&self, t_ns: u64) -> i64 {
        (self.start_ns + t_ns as i64).div_euclid(1_000_000_000)
    }

    fn on_market_event(&mut self, e: MarketEvent) {
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
        let mut sent = 0u64;
        let scheduled_ns = self.scheduled_ns;
        let record = self.wire.is_some();
        let paused = self.feed_paused(sym);
        let Core { subs, sessions, .. } = self;
        for sub in subs[sym].iter().filter(|_| !paused) {
            let Some(s) = sessions.get_mut(&sub.conn) else {
                continue;
            };
            let neg = s.neg;
            let out = &mut s.out;
            let before = sent;
            match sub.kind {
                SubKind::Quotes => {
                    let r = sub.req_id;
                    if e.top.bid != old.bid {
                        Out::TickPrice(price_tick(r, tick_type::BID, e.top.bid, e.top.bid_size))
                            .encode(out, neg);
                        sent += 1;
                    } else if e.top.bid_size != old.bid_size {
                        Out::TickSize(size_tick(r, tick_type::BID_SIZE, e.top.bid_size as f64))
                            .encode(out, neg);
                        sent += 1;
                    }
                    if e.top.ask != old.ask {
                        Out::TickPrice(price_tick(r, tick_type::ASK, e.top.ask, e.top.ask_size))
                            .encode(out, neg);
                        sent += 1;
                    } else if e.top.ask_size != old.ask_size {
                        Out::TickSize(size_tick(r, tick_type::ASK_SIZE, e.top.ask_size as f64))
                            .encode(out, neg);
                        sent += 1;
                    }
                    if let Some(t) = e.trade {
                        Out::TickPrice(price_tick(r, tick_type::LAST, t.price, t.size))
                            .encode(out, neg);
                        Out::TickSize(size_tick(r, tick_type::LAST_SIZE, t.size as f64))
                            .encode(out, neg);
                        Out::TickSize(size_tick(r, tick_type::VOLUME, volume as f64))
                            .encode(out, neg);
                        sent += 3;
                    }
                }
                SubKind::BidAsk if e.top != old => {
                    Out::TickByTick(bid_ask(sub.req_id, time, e.top)).encode(out, neg);
                    sent += 1;
                }
                SubKind::Last => {
                    if let Some(t) = e.trade {
                        let data = TickByTickData::Last {
                            all_last: false,
                            price: cents_to_price(t.price),
                            size: t.size as f64,
                            mask: 0,
                            exchange: "ISLAND",
                            special: "",
                        };
                        Out::TickByTick(TickByTick {
                            req_id: sub.req_id,
                            time,
                            data,
                        })
                        .encode(out, neg);
                        sent += 1;
                    }
                }
                SubKind::MidPoint if e.top.bid + e.top.ask != old.bid + old.ask => {
                    let data = TickByTickData::MidPoint {
                        mid: (e.top.bid + e.top.ask) as f64 / 200.0,
                    };
                    Out::TickByTick(TickByTick {
                        req_id: sub.req_id,
                        time,
                        data,
                    })
                    .encode(out, neg);
                    sent += 1;
                }
                _ => {}
            }
            // Mid-point ticks are not market-data events for the engine.
            if sub.kind != SubKind::MidPoint {
                let md = sent - before;
                s.md_sent += md;
                if record {
                    s.scheduled
                        .extend(std::iter::repeat_n(scheduled_ns, md as usize));
                }
            }
        }
        self.stats.ticks_sent.fetch_add(sent, Ordering::Relaxed);
        let big: Vec<u64> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.out.len() >= FLUSH_BYTES)
            .map(|(c, _)| *c)
            .collect();
        for conn in big {
            self.flush(conn);
        }
        self.match_resting(sym, time);
    }

    /// Fills working orders on `sym` that the new quote makes marketable.
    fn match_resting(&mut self, sym: usize, time: i64) {
        let Core {
            matcher,
            ledger,
            books,
            sessions,
            contracts,
            stats,
            ..
        } = self;
        matcher.on_quote(ledger, books, sym, time, now_mono_ns(), |l, e| {
            on_match_event(sessions, contracts, stats, l, e)
        });
    }

    fn try_fill(&mut self, index: usize, time: i64) {
        let Core {
            matcher,
            ledger,
            books,
            sessions,
            contracts,
            stats,
            ..
        } = self;
        matcher.try_fill(ledger, books, index, time, now_mono_ns(), |l, e| {
            on_match_event(sessions, contracts, stats, l, e)
        });
    }

    fn owner(&mut self, client_id: i32) -> Option<u64> {
        self.sessions
            .iter()
            .find(|(_, s)| s.client_id == Some(client_id))
            .map(|(c, _)| *c)
    }

    fn emit(&mut self, conn: u64, out: Out<'_>) {
        if let Some(s) = self.sessions.get_mut(&conn) {
            out.encode(&mut s.out, s.neg);
        }
    }

    fn send_order_status(&mut self, index: usize) {
        self.send_to_owner(index, false);
    }

    fn send_open_order(&mut self, index: usize) {
        self.send_to_owner(index, true);
    }

    /// Sends order `index`'s OPEN_ORDER (`open`) or ORDER_STATUS to the client that placed it,
    /// when it is connected.
    fn send_to_owner(&mut self, index: usize, open: bool) {
        send_to_owner(
            &mut self.sessions,
            &self.contracts,
            &self.ledger,
            index,
            open,
        );
    }

    fn flush(&mut self, conn: u64) {
        let Some(s) = self.sessions.get_mut(&conn) else {
            return;
        };
        if s.out.is_empty() {
            return;
        }
        let buf = std::mem::replace(&mut s.out, Vec::with_capacity(FLUSH_BYTES + 4096));
        if s.tx.send_timeout(buf, Duration::from_secs(5)).is_err() {
            tracing::warn!(conn, "client does not read its data; disconnecting it");
            GatewayStats::bump(&self.stats.slow_client_disconnects);
            self.close(conn);
        }
    }

    fn flush_all(&mut self) {
        let conns: Vec<u64> = self.sessions.keys().copied().collect();
        for c in conns {
            self.flush(c);
        }
    }

    fn close(&mut self, conn: u64) {
        if let Some(s) = self.sessions.remove(&conn) {
            if !s.out.is_empty() {
                let _ = s.tx.send_timeout(s.out, Duration::from_secs(1));
            }
            // The writer thread drains its queue, then shuts the socket down.
            drop(s.tx);
            let _ = s.control.shutdown(Shutdown::Read);
        }
        for subs in &mut self.subs {
            subs.retain(|s| s.conn != conn);
        }
    }

    fn handle(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Register {
                conn,
                neg,
                tx,
                control,
            } => {
                GatewayStats::bump(&self.stats.connections);
                let p = &self.p;
                let pacing = Pacing::new(
                    p.pacing_identical_secs,
                    p.pacing_same_contract_max,
                    p.pacing_same_contract_secs,
                    p.pacing_max_per_10_min,
                );
                let session = Session {
                    neg,
                    client_id: None,
                    out: Vec::with_capacity(FLUSH_BYTES + 4096),
                    tx,
                    control,
                    lines: HashMap::new(),
                    positions_subscribed: false,
                    pacing,
                    md_sent: 0,
                    scheduled: Vec::new(),
                };
                self.sessions.insert(conn, session);
            }
            Cmd::Frame { conn, body, t_ns } => {
                self.frame_read_ns = t_ns;
                self.on_frame(conn, &body)
            }
            Cmd::RateExceeded {
                conn,
                rate,
                disconnect,
            } => {
                GatewayStats::bump(&self.stats.rate_violations);
                let max = self.p.max_messages_per_sec;
                let msg = format!(
                    "Max rate of messages per second has been exceeded:max={max} rec={rate} (1)"
                );
                self.emit(
                    conn,
                    Out::Error {
                        id: -1,
                        code: codes::MAX_RATE_EXCEEDED,
                        message: &msg,
                        time_ms: now_ms(),
                    },
                );
                if disconnect {
                    GatewayStats::bump(&self.stats.rate_disconnects);
                    tracing::warn!(
                        conn,
                        rate,
                        "client keeps exceeding the message rate; disconnecting it"
                    );
                    self.flush(conn);
                    self.close(conn);
                }
            }
            Cmd::Closed { conn } => self.close(conn),
            Cmd::WireReport(reply) => {
                let _ = reply.send(self.wire.clone());
            }
            Cmd::Snapshot(reply) => {
                let _ = reply.send(self.snapshot());
            }
            Cmd::Stop => {}
        }
    }

    fn snapshot(&self) -> LedgerSnapshot {
        LedgerSnapshot {
            replay_finished: matches!(&self.feed, Feed::Replay { rows, next, .. } if *next >= rows.len()),
            positions: self
                .ledger
                .positions
                .iter()
                .map(|((a, s), p)| {
                    (
                        a.clone(),
                        self.contracts[*s].symbol.clone(),
                        p.qty,
                        p.avg_cost,
                    )
                })
                .collect(),
            exec_ids: self
                .ledger
                .executions
                .iter()
                .map(|e| e.exec_id.clone())
                .collect(),
            orders: self
                .ledger
                .orders
                .iter()
                .map(|o| OrderSnapshot {
                    client_id: o.client_id,
                    order_id: o.order_id,
                    symbol: self.contracts[o.symbol].symbol.clone(),
                    action: o.action(),
                    total: o.total,
                    filled: o.filled,
                    state: o.state.as_str(),
                    order_ref: o.order_ref.clone(),
                })
                .collect(),
        }
    }

    fn malformed(&mut self, conn: u64, err: DecodeError) {
        GatewayStats::bump(&self.stats.malformed_frames);
        tracing::warn!(conn, %err, "malformed request");
        let msg = format!("Error reading request: {err}");
        self.emit(
            conn,
            Out::Error {
                id: -1,
                code: codes::ERROR_READING_REQUEST,
                message: &msg,
                time_ms: now_ms(),
            },
        );
    }

    fn on_frame(&mut self, conn: u64, body: &[u8]) {
        let Some(neg) = self.sessions.get(&conn).map(|s| s.neg) else {
            return;
        };
        if !neg.binary_ids() {
            match Request::decode_text(body) {
                Ok(req) => self.on_request(conn, req),
                Err(e) => self.malformed(conn, e),
            }
            return;
        }
        let result = pb::split_binary_id(body).and_then(|(id, payload)| {
            if id > pb::PROTOBUF_ID_OFFSET {
                let decoded = ProtoRequest::decode(id - pb::PROTOBUF_ID_OFFSET, payload)?;
                self.on_request(conn, decoded.request());
            } else {
                let mut f = Fields::new(payload);
                self.on_request(conn, Request::decode_fields(id, &mut f)?);
            }
            Ok(())
        });
        if let Err(e) = result {
            self.malformed(conn, e);
        }
    }

    fn resolve(&self, c: &ContractSpec<'_>) -> Option<usize> {
        if !c.sec_type.is_empty() && c.sec_type != "STK" {
            return None;
        }
        if !c.currency.is_empty() && c.currency != "USD" {
            return None;
        }
        if c.con_id != 0 {
            return self
                .contracts
                .iter()
                .position(|k| k.con_id as i64 == c.con_id);
        }
        self.contracts.iter().position(|k| k.symbol == c.symbol)
    }

    fn error(&mut self, conn: u64, id: i32, code: i32, message: &str) {
        self.emit(
            conn,
            Out::Error {
                id,
                code,
                message,
                time_ms: now_ms(),
            },
        );
    }

    fn next_id_for(&self, client_id: i32) -> i32 {
        self.max_order_ids
            .get(&client_id)
            .map_or(self.p.next_valid_id, |m| (m + 1).max(self.p.next_valid_id))
    }

    fn on_request(&mut self, conn: u64, req: Request<'_>) {
        let Some(client_id) = self.sessions.get(&conn).map(|s| s.client_id) else {
            return;
        };
        let Some(client_id) = client_id else {
            if let Request::StartApi { client_id, .. } = req {
                self.start_api(conn, client_id);
            } else {
                self.error(
                    conn,
                    -1,
                    codes::ERROR_VALIDATING_REQUEST,
                    "The API is not started: send START_API first",
                );
            }
            return;
        };
        match req {
            Request::StartApi { .. } => self.error(
                conn,
                -1,
                codes::ERROR_VALIDATING_REQUEST,
                "START_API was already received",
            ),
            Request::MarketData {
                req_id,
                contract,
                snapshot,
                ..
            } => self.market_data(conn, req_id, &contract, snapshot),
            Request::CancelMarketData { req_id } | Request::CancelTickByTick { req_id } => {
                self.cancel_line(conn, req_id)
            }
            Request::TickByTick {
                req_id,
                contract,
                tick_type,
                ..
            } => self.tick_by_tick(conn, req_id, &contract, tick_type),
            Request::ContractData { req_id, contract } => match self.resolve(&contract) {
                Some(sym) => {
                    let s = self.sessions.get_mut(&conn).expect("session checked above");
                    Out::ContractData {
                        req_id,
                        contract: &self.contracts[sym],
                    }
                    .encode(&mut s.out, s.neg);
                    Out::ContractDataEnd { req_id }.encode(&mut s.out, s.neg);
                }
                None => self.error(
                    conn,
                    req_id,
                    codes::NO_SECURITY_DEFINITION,
                    "No security definition has been found for the request",
                ),
            },
            Request::HistoricalData(h) => self.historical(conn, &h),
            Request::PlaceOrder(o) => self.place_order(conn, client_id, &o),
            Request::CancelOrder { order_id } => self.cancel_order(conn, client_id, order_id),
            Request::OpenOrders | Request::AllOpenOrders => {
                let all = matches!(req, Request::AllOpenOrders);
                let indices: Vec<usize> = self
                    .matcher
                    .working()
                    .iter()
                    .copied()
                    .filter(|&i| all || self.ledger.orders[i].client_id == client_id)
                    .collect();
                let s = self.sessions.get_mut(&conn).expect("session checked above");
                for i in indices {
                    let o = &self.ledger.orders[i];
                    Out::OpenOrder {
                        order: o,
                        contract: &self.contracts[o.symbol],
                    }
                    .encode(&mut s.out, s.neg);
                    Out::OrderStatus(o).encode(&mut s.out, s.neg);
                }
                Out::OpenOrderEnd.encode(&mut s.out, s.neg);
            }
            Request::CompletedOrders { .. } => {
                let s = self.sessions.get_mut(&conn).expect("session checked above");
                for o in self.ledger.orders.iter().filter(|o| !o.state.is_working()) {
                    Out::CompletedOrder {
                        order: o,
                        contract: &self.contracts[o.symbol],
                    }
                    .encode(&mut s.out, s.neg);
                }
                Out::CompletedOrdersEnd.encode(&mut s.out, s.neg);
            }
            Request::AutoOpenOrders { .. }
            | Request::MarketDataType { .. }
            | Request::CancelHistoricalData { .. }
            | Request::CancelContractData { .. } => {}
            Request::Executions { req_id, filter } => self.executions(conn, req_id, &filter),
            Request::Ids { .. } => {
                let id = self.next_id_for(client_id);
                self.emit(conn, Out::NextValidId(id));
            }
            Request::Positions => {
                let s = self.sessions.get_mut(&conn).expect("session checked above");
                s.positions_subscribed = true;
                for ((account, sym), p) in &self.ledger.positions {
                    let contract = &self.contracts[*sym];
                    Out::Position {
                        account,
                        contract,
                        qty: p.qty,
                        avg_cost: p.avg_cost,
                    }
                    .encode(&mut s.out, s.neg);
                }
                Out::PositionEnd.encode(&mut s.out, s.neg);
            }
            Request::CancelPositions => {
                if let Some(s) = self.sessions.get_mut(&conn) {
                    s.positions_subscribed = false;
                }
            }
            Request::CurrentTime => {
                let t = now_ms() / 1000;
                self.emit(conn, Out::CurrentTime(t));
            }
            Request::ManagedAccounts => {
                let account = self.p.account.clone();
                self.emit(conn, Out::ManagedAccounts(&account));
            }
            Request::GlobalCancel => {
                for i in self.matcher.working().to_vec() {
                    self.cancel_index(i);
                }
            }
        }
    }

    fn start_api(&mut self, conn: u64, client_id: i32) {
        if self
            .sessions
            .values()
            .any(|s| s.client_id == Some(client_id))
        {
            self.error(
                conn,
                -1,
                codes::CLIENT_ID_IN_USE,
                "Unable to connect as the client id is already in use. Retry with a unique client id.",
            );
            self.flush(conn);
            self.close(conn);
            return;
        }
        let next_id = self.next_id_for(client_id);
        let account = self.p.account.clone();
        self.first_session.get_or_insert_with(Instant::now);
        let s = self
            .sessions
            .get_mut(&conn)
            .expect("caller checked the session");
        s.client_id = Some(client_id);
        let t = now_ms();
        Out::ManagedAccounts(&account).encode(&mut s.out, s.neg);
        Out::NextValidId(next_id).encode(&mut s.out, s.neg);
        for (code, msg) in [
            (
                codes::MARKET_FARM_OK,
                "Market data farm connection is OK:usfarm",
            ),
            (
                codes::HISTORICAL_FARM_OK,
                "HMDS data farm connection is OK:ushmds",
            ),
            (
                codes::SEC_DEF_FARM_OK,
                "Sec-def data farm connection is OK:secdefnj",
            ),
        ] {
            Out::Error {
                id: -1,
                code,
                message: msg,
                time_ms: t,
            }
            .encode(&mut s.out, s.neg);
        }
        if self.faults.replay_executions_on_reconnect {
            // Fault: the client receives again every execution it already had.
            for e in self
                .ledger
                .executions
                .iter()
                .filter(|e| e.client_id == client_id)
            {
                let contract = &self.contracts[e.symbol];
                Out::Execution {
                    req_id: -1,
                    exec: e,
                    contract,
                }
                .encode(&mut s.out, s.neg);
                Out::Commission(e).encode(&mut s.out, s.neg);
            }
        }
        tracing::info!(
            conn,
            client_id,
            version = s.neg.version,
            protobuf = s.neg.protobuf,
            "client started the API"
        );
    }

    fn add_line(&mut self, conn: u64, req_id: i32, sym: usize, kind: SubKind) -> bool {
        let max = self.p.max_market_data_lines;
        let s = self
            .sessions
            .get_mut(&conn)
            .expect("caller checked the session");
        if s.lines.contains_key(&req_id) {
            self.error(conn, req_id, 322, "Duplicate ticker id");
            return false;
        }
        if s.lines.len() >= max {
            let msg = format!("Max number of tickers has been reached (max {max})");
            self.error(conn, req_id, codes::MAX_TICKERS_REACHED, &msg);
            return false;
        }
        s.lines.insert(req_id, (sym, kind));
        self.subs[sym].push(Sub { conn, req_id, kind });
        true
    }

    fn cancel_line(&mut self, conn: u64, req_id: i32) {
        let Some(s) = self.sessions.get_mut(&conn) else {
            return;
        };
        if let Some((sym, _)) = s.lines.remove(&req_id) {
            self.subs[sym].retain(|x| !(x.conn == conn && x.req_id == req_id));
        }
    }

    fn market_data(&mut self, conn: u64, req_id: i32, contract: &ContractSpec<'_>, snapshot: bool) {
        let Some(sym) = self.resolve(contract) else {
            self.error(
                conn,
                req_id,
                codes::NO_SECURITY_DEFINITION,
                "No security definition has been found for the request",
            );
            return;
        };
        if !snapshot && !self.add_line(conn, req_id, sym, SubKind::Quotes) {
            return;
        }
        let top = self.books[sym].top();
        let last = self.last_trade[sym];
        let volume = self.volumes[sym];
        let s = self
            .sessions
            .get_mut(&conn)
            .expect("caller checked the session");
        let (out, neg) = (&mut s.out, s.neg);
        Out::TickReqParams { req_id }.encode(out, neg);
        Out::TickPrice(price_tick(req_id, tick_type::BID, top.bid, top.bid_size)).encode(out, neg);
        Out::TickPrice(price_tick(req_id, tick_type::ASK, top.ask, top.ask_size)).encode(out, neg);
        if let Some(t) = last {
            Out::TickPrice(price_tick(req_id, tick_type::LAST, t.price, t.size)).encode(out, neg);
        }
        Out::TickSize(size_tick(req_id, tick_type::VOLUME, volume as f64)).encode(out, neg);
        if snapshot {
            Out::SnapshotEnd { req_id }.encode(out, neg);
        }
        let frames = if last.is_some() { 4 } else { 3 };
        note_md_frames(s, frames, now_mono_ns(), self.wire.is_some());
    }

    fn tick_by_tick(&mut self, conn: u64, req_id: i32, contract: &ContractSpec<'_>, kind: &str) {
        let kind = match kind {
            "BidAsk" => SubKind::BidAsk,
            "Last" | "AllLast" => SubKind::Last,
            "MidPoint" => SubKind::MidPoint,
            _ => {
                self.error(
                    conn,
                    req_id,
                    codes::ERROR_VALIDATING_REQUEST,
                    "Invalid tick-by-tick type",
                );
                return;
            }
        };
        let Some(sym) = self.resolve(contract) else {
            self.error(
                conn,
                req_id,
                codes::NO_SECURITY_DEFINITION,
                "No security definition has been found for the request",
            );
            return;
        };
        if !self.add_line(conn, req_id, sym, kind) {
            return;
        }
        let top = self.books[sym].top();
        let time = self.event_unix((self.feed_secs * 1e9) as u64);
        let s = self
            .sessions
            .get_mut(&conn)
            .expect("caller checked the session");
        match kind {
            SubKind::BidAsk => {
                Out::TickByTick(bid_ask(req_id, time, top)).encode(&mut s.out, s.neg);
                note_md_frames(s, 1, now_mono_ns(), self.wire.is_some());
            }
            SubKind::MidPoint => {
                let data = TickByTickData::MidPoint {
                    mid: (top.bid + top.ask) as f64 / 200.0,
                };
                Out::TickByTick(TickByTick { req_id, time, data }).encode(&mut s.out, s.neg)
            }
            _ => {}
        }
    }

    fn historical(&mut self, conn: u64, h: &HistoricalRequest<'_>) {
        let Some(sym) = self.resolve(&h.contract) else {
            self.error(
                conn,
                h.req_id,
                codes::NO_SECURITY_DEFINITION,
                "No security definition has been found for the request",
            );
            return;
        };
        if h.keep_up_to_date {
            self.error(
                conn,
                h.req_id,
                codes::ERROR_VALIDATING_REQUEST,
                "keepUpToDate is not supported by the paper gateway",
            );
            return;
        }
        let query = match BarQuery::new(
            sym,
            h.duration,
            h.bar_size,
            h.end_date_time,
            h.what_to_show,
            h.format_date,
            self.start_unix,
        ) {
            Ok(q) => q,
            Err(e) => {
                let code = if e == HistoryError::TooManyBars {
                    codes::HISTORICAL_PACING
                } else {
                    codes::ERROR_VALIDATING_REQUEST
                };
                self.error(conn, h.req_id, code, e.message());
                return;
            }
        };
        let key = format!(
            "{}|{}|{}|{}|{}",
            self.contracts[sym].symbol, h.end_date_time, h.duration, h.bar_size, h.what_to_show
        );
        let admitted = {
            let s = self
                .sessions
                .get_mut(&conn)
                .expect("caller checked the session");
            s.pacing
                .admit(Instant::now(), &self.contracts[sym].symbol, &key)
        };
        if let Err(msg) = admitted {
            self.error(conn, h.req_id, codes::HISTORICAL_PACING, msg);
            return;
        }
        let (bars, start, end) =
            self.history
                .bars(&self.universe_at_start, &query, self.start_unix);
        self.emit(
            conn,
            Out::HistoricalData {
                req_id: h.req_id,
                start: &start,
                end: &end,
                bars: &bars,
            },
        );
    }

    fn reject(&mut self, conn: u64, order_id: i32, reason: &str) {
        let msg = format!("Order rejected - reason:{reason}");
        self.error(conn, order_id, codes::ORDER_REJECTED, &msg);
    }

    fn place_order(&mut self, conn: u64, client_id: i32, o: &OrderRequest<'_>) {
        GatewayStats::bump(&self.stats.orders_received);
        if let (Some(w), Some(s)) = (&mut self.wire, self.sessions.get(&conn)) {
            let seq = crate::wire::parse_i64(o.order_ref.as_bytes()).unwrap_or(0);
            match usize::try_from(seq - 1)
                .ok()
                .and_then(|i| s.scheduled.get(i))
            {
                Some(&sched) => {
                    let latency = self.frame_read_ns.saturating_sub(sched);
                    crate::latency::record(&mut w.tick_to_trade, latency);
                    w.matched += 1;
                }
                None => w.unmatched += 1,
            }
        }
        let order_id = o.order_id;
        // A new order with a working id is a modification (IB semantics).
        if let Some(i) = self.ledger.find(client_id, order_id) {
            if self.ledger.orders[i].state.is_working() {
                self.modify_order(conn, i, o);
            } else {
                self.error(
                    conn,
                    order_id,
                    codes::DUPLICATE_ORDER_ID,
                    "Duplicate order id",
                );
            }
            return;
        }
        let max_used = self.max_order_ids.get(&client_id).copied().unwrap_or(0);
        if order_id <= 0 || order_id <= max_used {
            self.error(
                conn,
                order_id,
                codes::DUPLICATE_ORDER_ID,
                "Duplicate order id",
            );
            return;
        }
        self.max_order_ids.insert(client_id, order_id);
        let Some(sym) = self.resolve(&o.contract) else {
            self.error(
                conn,
                order_id,
                codes::NO_SECURITY_DEFINITION,
                "No security definition has been found for the request",
            );
            return;
        };
        let side = match o.action {
            "BUY" => Side::Buy,
            "SELL" | "SSHORT" => Side::Sell,
            _ => return self.reject(conn, order_id, "invalid action"),
        };
        let qty = o.total_quantity;
        if !(qty >= 1.0 && qty.fract() == 0.0 && qty <= 10_000_000.0) {
            return self.reject(
                conn,
                order_id,
                "the order quantity must be a positive whole number of shares",
            );
        }
        let limit = match o.order_type {
            "MKT" => None,
            "LMT" if o.lmt_price.is_finite() && o.lmt_price > 0.0 && o.lmt_price != f64::MAX => {
                Some((o.lmt_price * 100.0).round() as i64)
            }
            "LMT" => {
                return self.reject(conn, order_id, "a limit order needs a positive limit price");
            }
            _ => {
                return self.reject(
                    conn,
                    order_id,
                    "only MKT and LMT orders are supported by the paper gateway",
                );
            }
        };
        let tif = match o.tif {
            "" | "DAY" | "GTC" => Tif::Day,
            "IOC" => Tif::Ioc,
            _ => return self.reject(conn, order_id, "unsupported time in force"),
        };
        if !o.account.is_empty() && o.account != self.p.account {
            return self.reject(conn, order_id, "unknown account");
        }
        let order = OrderRec {
            client_id,
            order_id,
            perm_id: 0,
            account: self.p.account.clone(),
            symbol: sym,
            side,
            total: qty as u32,
            filled: 0,
            avg_price: 0.0,
            last_fill_price: 0.0,
            limit,
            tif,
            order_ref: o.order_ref.to_string(),
            state: OrderState::Submitted,
            commission_paid: 0.0,
        };
        let index = match self.matcher.submit(&mut self.ledger, order, now_mono_ns()) {
            Ok(index) => index,
            Err(index) => {
                self.reject(conn, order_id, "injected fault (every Nth order)");
                self.send_order_status(index);
                return;
            }
        };
        self.send_open_order(index);
        self.send_order_status(index);
        let time = self
            .event_unix((self.feed_secs * 1e9) as u64)
            .max(now_ms() / 1000);
        self.try_fill(index, time);
    }

    fn modify_order(&mut self, conn: u64, index: usize, o: &OrderRequest<'_>) {
        let order = &mut self.ledger.orders[index];
        let qty = o.total_quantity;
        if !(qty >= order.filled as f64 && qty.fract() == 0.0 && qty >= 1.0) {
            let id = order.order_id;
            return self.reject(conn, id, "invalid quantity for modification");
        }
        order.total = qty as u32;
        if order.limit.is_some()
            && o.lmt_price.is_finite()
            && o.lmt_price > 0.0
            && o.lmt_price != f64::MAX
        {
            order.limit = Some((o.lmt_price * 100.0).round() as i64);
        }
        if order.filled == order.total {
            order.state = OrderState::Filled;
        }
        self.send_open_order(index);
        self.send_order_status(index);
        let time = now_ms() / 1000;
        self.try_fill(index, time);
    }

    fn cancel_index(&mut self, index: usize) {
        self.matcher.cancel(&mut self.ledger, index);
        let (client_id, order_id) = (
            self.ledger.orders[index].client_id,
            self.ledger.orders[index].order_id,
        );
        if let Some(conn) = self.owner(client_id) {
            self.error(
                conn,
                order_id,
                codes::ORDER_CANCELLED,
                "Order Canceled - reason:",
            );
        }
        self.send_order_status(index);
    }

    fn cancel_order(&mut self, conn: u64, client_id: i32, order_id: i32) {
        match self.ledger.find(client_id, order_id) {
            Some(i) if self.ledger.orders[i].state.is_working() => self.cancel_index(i),
            Some(i) => {
                let state = self.ledger.orders[i].state.as_str();
                let msg = format!(
                    "OrderId {order_id} that needs to be cancelled cannot be cancelled, state: {state}."
                );
                self.error(conn, order_id, 10148, &msg);
            }
            None => {
                let msg = format!("OrderId {order_id} that needs to be cancelled is not found.");
                self.error(conn, order_id, codes::ORDER_NOT_FOUND, &msg);
            }
        }
    }

    fn executions(&mut self, conn: u64, req_id: i32, f: &ExecutionFilter<'_>) {
        let since = super::history::parse_end_date(f.time).flatten();
        let s = self
            .sessions
            .get_mut(&conn)
            .expect("caller checked the session");
        for e in &self.ledger.executions {
            let side_ok = match f.side {
                "" => true,
                "BUY" | "BOT" => e.side == Side::Buy,
                "SELL" | "SLD" => e.side == Side::Sell,
                _ => false,
            };
            let ok = (f.client_id == 0 || e.client_id == f.client_id)
                && (f.account.is_empty() || e.account == f.account)
                && (f.symbol.is_empty() || self.contracts[e.symbol].symbol == f.symbol)
                && side_ok
                && since.is_none_or(|t| e.unix_secs >= t);
            if ok {
                let contract = &self.contracts[e.symbol];
                Out::Execution {
                    req_id,
                    exec: e,
                    contract,
                }
                .encode(&mut s.out, s.neg);
                Out::Commission(e).encode(&mut s.out, s.neg);
            }
        }
        Out::ExecutionEnd { req_id }.encode(&mut s.out, s.neg);
    }
}

/// Answers what the matcher did: an execution's reports, or an expired IOC order's status.
fn on_match_event(
    sessions: &mut HashMap<u64, Session>,
    contracts: &[ContractInfo],
    stats: &GatewayStats,
    ledger: &Ledger,
    event: MatchEvent,
) {
    match event {
        MatchEvent::Execution { order, exec } => {
            GatewayStats::bump(&stats.executions);
            report_execution(sessions, contracts, ledger, order, exec);
        }
        MatchEvent::Expired { order } => send_to_owner(sessions, contracts, ledger, order, false),
    }
}

/// Sends order `index`'s OPEN_ORDER (`open`) or ORDER_STATUS to the client that placed it, when
/// it is connected.
fn send_to_owner(
    sessions: &mut HashMap<u64, Session>,
    contracts: &[ContractInfo],
    ledger: &Ledger,
    index: usize,
    open: bool,
) {
    let o = &ledger.orders[index];
    if let Some(s) = sessions
        .values_mut()
        .find(|s| s.client_id == Some(o.client_id))
    {
        let out = if open {
            Out::OpenOrder {
                order: o,
                contract: &contracts[o.symbol],
            }
        } else {
            Out::OrderStatus(o)
        };
        out.encode(&mut s.out, s.neg);
    }
}

/// An execution's reports to the client that placed the order (execution, status, open order,
/// commission), and the new position to every position subscriber.
fn report_execution(
    sessions: &mut HashMap<u64, Session>,
    contracts: &[ContractInfo],
    ledger: &Ledger,
    order_index: usize,
    exec_index: usize,
) {
    let e = &ledger.executions[exec_index];
    let o = &ledger.orders[order_index];
    let contract = &contracts[e.symbol];
    if let Some(s) = sessions
        .values_mut()
        .find(|s| s.client_id == Some(o.client_id))
    {
        Out::Execution {
            req_id: -1,
            exec: e,
            contract,
        }
        .encode(&mut s.out, s.neg);
        Out::OrderStatus(o).encode(&mut s.out, s.neg);
        Out::OpenOrder { order: o, contract }.encode(&mut s.out, s.neg);
        Out::Commission(e).encode(&mut s.out, s.neg);
    }
    // Position subscribers of the account see the change.
    let pos = ledger
        .positions
        .get(&(e.account.clone(), e.symbol))
        .copied()
        .unwrap_or_default();
    for s in sessions.values_mut().filter(|s| s.positions_subscribed) {
        Out::Position {
            account: &e.account,
            contract,
            qty: pos.qty,
            avg_cost: pos.avg_cost,
        }
        .encode(&mut s.out, s.neg);
    }
}

/// The fill faults of `faults`, for the matcher.
fn fill_faults(faults: &FaultParams) -> FillFaults {
    FillFaults {
        max_fill_qty: faults.max_fill_qty,
        fill_delay_ns: faults.fill_delay_ms.saturating_mul(1_000_000),
        reject_every_nth_order: faults.reject_every_nth_order,
    }
}

/// Counts `n` market-data frames just sent to `s` (and their scheduled time when recording).
fn note_md_frames(s: &mut Session, n: u64, scheduled_ns: u64, record: bool) {
    s.md_sent += n;
    if record {
        s.scheduled
            .extend(std::iter::repeat_n(scheduled_ns, n as usize));
    }
}

/// The monotonic clock the wire-to-wire measurement uses (the engine's clock, same process or not:
/// only differences taken within the gateway matter).
fn now_mono_ns() -> u64 {
    crate::latency::now_ns()
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
