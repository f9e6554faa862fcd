//! Stage 4, dispatch: pre-trade checks, the outbound message-rate limiter, order ids, PLACE_ORDER
//! encoded into a preallocated buffer and written to the socket; the order state machine, fills
//! (de-duplicated by execution id), positions, PnL and commissions per instrument and per pair,
//! pair legging, the kill switch, and the session: reconnection hand-over, reconciliation with
//! the gateway, and the journal.
//!
//! Every table is sized at start-up; nothing allocates per order or per fill. Executions are also
//! logged (up to `engine.fills_capacity`) for the run directory's `fills.csv`.
//!
//! ```text
//!  intent ──> risk (link up, feed fresh, limits) ──> ticket (both legs) ──> rate limiter ──> socket
//!  order events ──> order slots ──> fills once (ExecTable) ──> positions, pair books, journal
//!                                 └─> tickets: hedged | resend missing leg | unwind, stop the pair
//! ```

mod book;
mod limiter;
mod link;
mod tickets;

pub use book::{ExecTable, PairBook, PositionState, SeenExec};
pub use limiter::{RATE_WINDOW_NS, RateLimiter};

use crate::config::RiskParams;
use crate::engine::wait::Waiter;
use crate::io::{ExecId, OrderEvent, OrderMsg, OrderStatusKind};
use crate::journal::{JournalEntry, JournalTx, Recovered};
use crate::latency::{self, now_ns};
use crate::normalize::FeedState;
use crate::record::{FillRecord, FixedLog};
use crate::signal::IntentMsg;
use crate::strategy::{IntentKind, Side};
use crate::wire::{ContractSpec, OrderRequest, Request};
use arrayvec::ArrayString;
use hdrhistogram::Histogram;
use link::Link;
use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tickets::Ticket;

/// Pair tickets (both legs of one intent) remembered at once.
const TICKETS: usize = 1024;
/// Tickets waiting for both legs to fill at once.
const OPEN_TICKETS: usize = 1024;
/// Orders and cancels delayed by the rate limiter (or a session being down) at once.
const PENDING: usize = 1024;
/// How often the staleness watchdog looks at the feed.
const WATCHDOG_NS: u64 = 50_000_000;

/// One order the engine sent.
#[derive(Debug, Clone, Copy)]
struct OrderSlot {
    order_id: i32,
    instrument: u16,
    pair: u16,
    /// The pair ticket and leg this order belongs to (0: none).
    ticket: u32,
    leg: u8,
    /// Event time of the triggering tick.
    signal_t_ns: u64,
    qty: f64,
    /// Filled as order statuses report it ...
    filled: f64,
    /// ... and as the executions received add up (either may come first).
    exec_filled: f64,
    buy: bool,
    /// A flatten, close or unwind order: not cancelled when the engine winds down.
    reducing: bool,
    status: OrderStatusKind,
    /// Reconciliation round in which the gateway last reported it working.
    epoch: u32,
}

/// Why the kill switch tripped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KillReason {
    #[default]
    None,
    /// Realized loss past `risk.max_daily_loss`.
    LossLimit,
    /// `hft kill RUN_DIR` (or the engine's kill request).
    Command,
}

/// Dispatch counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DispatchCounters {
    pub intents: u64,
    pub orders_sent: u64,
    /// Entries refused by a pre-trade limit (order size, position, gross notional, open
    /// orders, ticket table).
    pub rejected_by_risk: u64,
    pub rejected_order_qty: u64,
    pub rejected_position: u64,
    pub rejected_notional: u64,
    pub rejected_open_orders: u64,
    /// Entries refused while the session was down or reconciling.
    pub entries_while_down: u64,
    /// Entries refused because a leg's feed was stale (staleness watchdog).
    pub entries_stale: u64,
    /// Entries refused because the pair still held a position or had a trade working.
    pub entries_not_flat: u64,
    /// Closes held until the pair's trade in flight ended or the session came back.
    pub closes_deferred: u64,
    /// Closes for a pair that held nothing (its entry never traded).
    pub closes_flat: u64,
    pub delayed_by_rate_limit: u64,
    pub dropped_rate_limit_full: u64,
    pub fills: u64,
    pub duplicate_fills: u64,
    /// Fills first seen in a reconciliation (missed while disconnected or before a crash).
    pub recovered_fills: u64,
    /// Fills restored from the journal of `--resume`.
    pub journal_fills: u64,
    pub unknown_order_fills: u64,
    /// Fills whose instrument or quantity do not match the order sent.
    pub inconsistent_fills: u64,
    pub commission_reports: u64,
    pub order_errors: u64,
    pub notices: u64,
    pub orders_filled: u64,
    pub orders_cancelled: u64,
    pub cancels_sent: u64,
    /// Orders the gateway no longer knew after a reconnection (ended as cancelled).
    pub orders_lost: u64,
    /// Working orders found at the gateway that no ticket of this run owns, cancelled.
    pub orphan_cancels: u64,
    pub write_errors: u64,
    /// Pair trades where one leg failed (rejected, cancelled or timed out) or filled alone.
    pub legged: u64,
    /// Missing legs re-sent to complete the hedge.
    pub leg_resends: u64,
    /// Filled legs unwound after the retries ran out (the pair then stops trading).
    pub leg_unwinds: u64,
    /// Legs left unhedged because even the unwind failed (also logged).
    pub naked_legs: u64,
    /// Intents dropped because their pair stopped trading after an unwind, or after the kill
    /// switch.
    pub intents_blocked: u64,
    /// Times the kill switch tripped (0 or 1).
    pub kill_switch: u64,
    /// Market orders sent to flatten (kill switch, end of run, start-up).
    pub flatten_orders: u64,
    /// Sessions lost (socket) and re-established.
    pub disconnects: u64,
    pub reconnects: u64,
    /// 1100: the gateway lost IB (the socket stays up).
    pub link_losses: u64,
    /// Reconciliations completed (start-up, after each reconnection or 1101/1102).
    pub reconciliations: u64,
    /// Instruments whose position differed from the gateway's at a reconciliation (the
    /// gateway's is adopted).
    pub position_mismatches: u64,
    /// Times an instrument's feed went stale.
    pub stale_episodes: u64,
    /// Messages that had to wait for the journal's queue.
    pub journal_full_waits: u64,
}

/// What the dispatch thread returns.
pub struct DispatchReport {
    pub queue_wait: Histogram<u64>,
    pub service: Histogram<u64>,
    /// Socket read of the triggering tick to the order written.
    pub end_to_end: Histogram<u64>,
    /// Socket read of the triggering tick to the strategy's decision.
    pub read_to_signal: Histogram<u64>,
    pub order_events: Histogram<u64>,
    pub counters: DispatchCounters,
    pub positions: Vec<PositionState>,
    /// Per pair: both legs as its own orders traded them.
    pub pair_books: Vec<PairBook>,
    /// Commissions whose execution was not seen (e.g. from before start-up).
    pub unattributed_commissions: f64,
    /// The session was down when dispatch stopped.
    pub disconnected: bool,
    pub kill_reason: KillReason,
    /// Executions in arrival order, with their commissions.
    pub fills: FixedLog<FillRecord>,
}

/// Something waiting to be written: an order, or a cancel (`cancel_id != 0`).
#[derive(Debug, Clone, Copy)]
struct PendingOrder {
    instrument: u16,
    pair: u16,
    side: Side,
    qty: u32,
    seq: u64,
    ticket: u32,
    leg: u8,
    t_recv_ns: u64,
    /// Event time of the triggering tick.
    t_event_ns: u64,
    cancel_id: i32,
}

/// What the engine hands dispatch at start-up.
pub struct DispatchSetup {
    pub intents: rtrb::Consumer<IntentMsg>,
    pub orders: rtrb::Consumer<OrderMsg>,
    pub writer: TcpStream,
    pub symbols: Vec<String>,
    /// Instrument indices of each pair's legs.
    pub pairs: Vec<[u16; 2]>,
    pub account: String,
    pub client_id: i32,
    pub next_order_id: i32,
    pub risk: RiskParams,
    /// Market data requests use tick-by-tick BidAsk (else REQ_MKT_DATA) when resubscribing.
    pub tick_by_tick: bool,
    pub waiter: Waiter,
    /// Set by signal when it has stopped.
    pub upstream_done: Arc<AtomicBool>,
    /// After upstream is done, keep reading order events until this monotonic deadline.
    pub drain_until: Arc<AtomicU64>,
    /// Set by the engine to trip the kill switch (`hft kill`).
    pub kill_request: Arc<AtomicBool>,
    /// Set by dispatch when the kill switch trips: the engine stops.
    pub killed: Arc<AtomicBool>,
    /// Last quote time and mid per instrument, published by normalize.
    pub feed: Arc<FeedState>,
    /// Where io leaves a re-established session's writer.
    pub writer_mailbox: Arc<Mutex<Option<TcpStream>>>,
    pub journal: Option<JournalTx>,
    /// Converts monotonic stamps to Unix time for the journal.
    pub wall_offset_ns: u64,
    pub fills_capacity: usize,
    /// Requests already written on this session at start, charged to the rate limiter.
    pub requests_sent: u32,
}

/// The dispatch thread's state.
pub struct DispatchStage {
    intents: rtrb::Consumer<IntentMsg>,
    orders: rtrb::Consumer<OrderMsg>,
    writer: Option<TcpStream>,
    symbols: Vec<String>,
    account: String,
    client_id: i32,
    next_order_id: i32,
    risk: RiskParams,
    tick_by_tick: bool,
    limiter: RateLimiter,
    waiter: Waiter,
    upstream_done: Arc<AtomicBool>,
    drain_until: Arc<AtomicU64>,
    kill_request: Arc<AtomicBool>,
    killed: Arc<AtomicBool>,
    feed: Arc<FeedState>,
    writer_mailbox: Arc<Mutex<Option<TcpStream>>>,
    journal: Option<JournalTx>,
    wall_offset_ns: u64,
    kill_reason: KillReason,
    /// Flatten attempts left (kill switch, end of run).
    flatten_attempts: u8,
    /// Upstream has stopped: working orders were cancelled once.
    stopping: bool,
    out: Vec<u8>,
    slots: Box<[Option<OrderSlot>]>,
    first_order_id: i32,
    positions: Box<[PositionState]>,
    books: Box<[PairBook]>,
    /// Per pair: what each leg will hold once every order submitted for it completes (the
    /// book plus what is working or queued). Entries need it flat; closes are sized from it.
    targets: Box<[[f64; 2]]>,
    /// Per pair: a close waiting for the session.
    close_pending: Box<[bool]>,
    /// Pairs that stopped trading after an unwind, and the fresh flattens each needed.
    blocked_pairs: Box<[bool]>,
    pair_flattens: Box<[u8]>,
    seen: ExecTable,
    fills: FixedLog<FillRecord>,
    unattributed_commissions: f64,
    pending: arrayvec::ArrayVec<PendingOrder, PENDING>,
    /// Pair tickets by id modulo [`TICKETS`], and the ids still working.
    tickets: Box<[Option<Ticket>]>,
    open_tickets: arrayvec::ArrayVec<u32, OPEN_TICKETS>,
    next_ticket: u32,
    open_orders: usize,
    link: Link,
    /// Reconciliation round (order slots confirmed working carry it).
    epoch: u32,
    /// Gateway positions received in the current reconciliation.
    recon_positions: Box<[Option<(f64, f64)>]>,
    stale: Box<[bool]>,
    next_watchdog_ns: u64,
    counters: DispatchCounters,
    hist: [Histogram<u64>; 5],
}

impl DispatchStage {
    /// Builds the stage with all tables allocated, restoring `restored` (the journal of a
    /// previous run) when given.
    pub fn new(s: DispatchSetup, restored: Option<&Recovered>) -> Self {
        let n = s.symbols.len();
        let books: Box<[PairBook]> = s
            .pairs
            .iter()
            .map(|&instruments| PairBook {
                instruments,
                legs: [PositionState::default(); 2],
            })
            .collect();
        let pairs = books.len();
        let mut limiter = RateLimiter::new(s.risk.max_messages_per_sec, now_ns());
        for _ in 0..s.requests_sent {
            limiter.charge(now_ns());
        }
        let exec_capacity =
            s.risk.max_orders.max(s.fills_capacity) + restored.map_or(0, |r| r.executions.len());
        let mut stage = DispatchStage {
            intents: s.intents,
            orders: s.orders,
            writer: Some(s.writer),
            account: s.account,
            client_id: s.client_id,
            next_order_id: s.next_order_id,
            limiter,
            risk: s.risk,
            tick_by_tick: s.tick_by_tick,
            waiter: s.waiter,
            upstream_done: s.upstream_done,
            drain_until: s.drain_until,
            kill_request: s.kill_request,
            killed: s.killed,
            feed: s.feed,
            writer_mailbox: s.writer_mailbox,
            journal: s.journal,
            wall_offset_ns: s.wall_offset_ns,
            kill_reason: KillReason::None,
            flatten_attempts: 3,
            stopping: false,
            out: Vec::with_capacity(8192),
            slots: vec![None; s.risk.max_orders].into_boxed_slice(),
            first_order_id: s.next_order_id,
            positions: vec![PositionState::default(); n].into_boxed_slice(),
            books,
            targets: vec![[0.0; 2]; pairs].into_boxed_slice(),
            close_pending: vec![false; pairs].into_boxed_slice(),
            blocked_pairs: vec![false; pairs].into_boxed_slice(),
            pair_flattens: vec![0; pairs].into_boxed_slice(),
            seen: ExecTable::with_capacity(exec_capacity),
            fills: FixedLog::preallocated(s.fills_capacity),
            unattributed_commissions: 0.0,
            pending: arrayvec::ArrayVec::new(),
            tickets: vec![None; TICKETS].into_boxed_slice(),
            open_tickets: arrayvec::ArrayVec::new(),
            next_ticket: 1,
            open_orders: 0,
            link: Link::Up,
            epoch: 0,
            recon_positions: vec![None; n].into_boxed_slice(),
            stale: vec![false; n].into_boxed_slice(),
            next_watchdog_ns: 0,
            counters: DispatchCounters::default(),
            hist: std::array::from_fn(|_| latency::histogram()),
            symbols: s.symbols,
        };
        if let Some(r) = restored {
            stage.restore(r);
        }
        stage
    }

    fn slot_index(&self, order_id: i32) -> Option<usize> {
        let offset = order_id.checked_sub(self.first_order_id)?;
        let i = usize::try_from(offset).ok()? % self.slots.len();
        match self.slots[i] {
            Some(s) if s.order_id == order_id => Some(i),
            _ => None,
        }
    }

    /// Runs until upstream is done, intents are drained and working orders have ended (or the
    /// drain deadline passed). Starts by reconciling with the gateway.
    pub fn run(mut self) -> DispatchReport {
        self.start_reconcile(true, true);
        loop {
            let mut worked = false;
            // Order events first: they change what risk allows.
            while let Ok(msg) = self.orders.pop() {
                worked = true;
                let start = now_ns();
                self.on_order_event(&msg);
                latency::record(&mut self.hist[4], now_ns().saturating_sub(start));
            }
            if let Ok(msg) = self.intents.pop() {
                worked = true;
                let start = now_ns();
                latency::record(&mut self.hist[0], start.saturating_sub(msg.t_signal_ns));
                latency::record(
                    &mut self.hist[3],
                    msg.t_signal_ns.saturating_sub(msg.t_recv_ns),
                );
                self.on_intent(&msg);
                latency::record(&mut self.hist[1], now_ns().saturating_sub(start));
            }
            if !self.pending.is_empty() {
                worked |= self.send_pending();
            }
            let now = now_ns();
            if now >= self.next_watchdog_ns {
                self.next_watchdog_ns = now + WATCHDOG_NS;
                self.cold_checks(now);
            }
            if worked {
                self.waiter.reset();
                continue;
            }
            if self.upstream_done.load(Ordering::Acquire) && self.intents.is_empty() {
                if !self.stopping {
                    self.stopping = true;
                    self.cancel_working();
                }
                // After the kill switch (or at the end of a run when asked), positions left by
                // trades still in flight are closed too.
                if self.wants_flatten()
                    && self.link == Link::Up
                    && self.pending.is_empty()
                    && self.open_orders == 0
                    && self.positions.iter().any(|p| p.qty != 0.0)
                    && self.flatten_attempts > 0
                {
                    self.flatten();
                    continue;
                }
                // Done when nothing is waiting or working, or at the hard deadline; a session
                // that is down cannot settle anything.
                let settled = self.pending.is_empty()
                    && self.open_orders == 0
                    && self.open_tickets.is_empty();
                if self.link == Link::Down
                    || settled
                    || now_ns() >= self.drain_until.load(Ordering::Acquire)
                {
                    break;
                }
            }
            self.waiter.idle();
        }
        for (p, b) in self.books.iter().enumerate() {
            if b.is_legged() {
                tracing::error!(
                    pair = p,
                    a = b.legs[0].qty,
                    b = b.legs[1].qty,
                    "the run ends with a naked leg in this pair"
                );
            }
        }
        if let Some(j) = &self.journal {
            self.counters.journal_full_waits = j.full_waits();
        }
        let [
            queue_wait,
            service,
            end_to_end,
            read_to_signal,
            order_events,
        ] = self.hist;
        DispatchReport {
            queue_wait,
            service,
            end_to_end,
            read_to_signal,
            order_events,
            counters: self.counters,
            positions: self.positions.to_vec(),
            pair_books: self.books.to_vec(),
            unattributed_commissions: self.unattributed_commissions,
            disconnected: self.link == Link::Down,
            kill_reason: self.kill_reason,
            fills: self.fills,
        }
    }

    /// Checks that run every [`WATCHDOG_NS`]: kill command, leg timeouts, feed staleness,
    /// closes held back.
    fn cold_checks(&mut self, now: u64) {
        if self.kill_request.load(Ordering::Relaxed) {
            self.kill(KillReason::Command);
        }
        if self.link != Link::Up {
            return;
        }
        if !self.open_tickets.is_empty() {
            self.check_timeouts();
        }
        let max_age = self.risk.max_quote_age_ms * 1_000_000;
        for i in 0..self.stale.len() {
            let (t, _) = self.feed.last(i as u16);
            let stale = t != 0 && now.saturating_sub(t) > max_age;
            if stale != self.stale[i] {
                self.stale[i] = stale;
                if stale {
                    self.counters.stale_episodes += 1;
                    tracing::warn!(symbol = %self.symbols[i], "feed stale: no entries in its pairs");
                } else {
                    tracing::info!(symbol = %self.symbols[i], "feed fresh again");
                }
            }
        }
        if self.close_pending.iter().any(|&c| c) {
            for p in 0..self.close_pending.len() {
                if self.close_pending[p] {
                    self.close_pending[p] = false;
                    self.close_pair(p as u16, 0, now, 0);
                }
            }
        }
    }

    fn wants_flatten(&self) -> bool {
        (self.counters.kill_switch > 0 && self.risk.flatten_on_kill) || self.risk.flatten_on_stop
    }

    fn on_intent(&mut self, msg: &IntentMsg) {
        self.counters.intents += 1;
        let intent = &msg.intent;
        let p = intent.pair as usize;
        if p >= self.books.len() {
            self.counters.intents_blocked += 1;
            return;
        }
        if let IntentKind::Close(_) = intent.kind {
            // Sized from what the pair will hold, not from what the strategy assumes.
            if self.link != Link::Up {
                self.counters.closes_deferred += 1;
                self.close_pending[p] = true;
            } else {
                self.close_pair(intent.pair, intent.seq, msg.t_recv_ns, intent.t_ns);
            }
            return;
        }
        if self.counters.kill_switch > 0 || self.blocked_pairs[p] || self.stopping {
            self.counters.intents_blocked += 1;
            return;
        }
        if self.link != Link::Up {
            self.counters.entries_while_down += 1;
            return;
        }
        let now = now_ns();
        let max_age = self.risk.max_quote_age_ms * 1_000_000;
        if intent
            .legs
            .iter()
            .any(|l| self.feed.is_stale(l.instrument, now, max_age))
        {
            self.counters.entries_stale += 1;
            return;
        }
        // The pair must be flat once what is in flight completes (a close still working
        // counts as done: a reversal on one tick trades at once).
        if self.targets[p].iter().any(|&q| q.abs() > 1e-9) {
            self.counters.entries_not_flat += 1;
            return;
        }
        // Both legs or neither: a risk check failing on one leg must not leave the other alone.
        let orders = intent.legs.map(|leg| PendingOrder {
            instrument: leg.instrument,
            pair: intent.pair,
            side: leg.side,
            qty: leg.qty,
            seq: intent.seq,
            ticket: 0,
            leg: 0,
            t_recv_ns: msg.t_recv_ns,
            t_event_ns: intent.t_ns,
            cancel_id: 0,
        });
        if !self.risk_allows(&orders) || self.open_tickets.is_full() {
            self.counters.rejected_by_risk += 1;
            return;
        }
        self.open_ticket(intent.pair, intent.seq, false, orders);
    }

    /// Closes what pair `pair` holds, both legs as one ticket.
    fn close_pair(&mut self, pair: u16, seq: u64, t_recv_ns: u64, t_event_ns: u64) {
        let book = self.books[pair as usize];
        let target = self.targets[pair as usize];
        if target.iter().all(|&q| q.abs() < 1e-9) {
            self.counters.closes_flat += 1;
            return;
        }
        if self.open_tickets.is_full() {
            self.counters.rejected_by_risk += 1;
            self.close_pending[pair as usize] = true;
            return;
        }
        let orders = [0, 1].map(|k| {
            let q = target[k];
            PendingOrder {
                instrument: book.instruments[k],
                pair,
                side: if q > 0.0 { Side::Sell } else { Side::Buy },
                qty: q.abs().round() as u32,
                seq,
                ticket: 0,
                leg: k as u8,
                t_recv_ns,
                t_event_ns,
                cancel_id: 0,
            }
        });
        // A reducing ticket: legs that do not fill are retried, never reversed.
        self.open_ticket(pair, seq, true, orders);
    }

    /// Pre-trade limits on both legs of an entry.
    fn risk_allows(&mut self, legs: &[PendingOrder; 2]) -> bool {
        let r = self.risk;
        let signed = |o: &PendingOrder| {
            if o.side == Side::Buy {
                o.qty as f64
            } else {
                -(o.qty as f64)
            }
        };
        if legs.iter().any(|o| o.qty as f64 > r.max_order_qty) {
            self.counters.rejected_order_qty += 1;
            return false;
        }
        let mut gross = 0.0;
        for (i, p) in self.positions.iter().enumerate() {
            let delta: f64 = legs
                .iter()
                .filter(|o| o.instrument as usize == i)
                .map(signed)
                .sum();
            let after = p.qty + delta;
            if delta != 0.0 && after.abs() > r.max_position {
                self.counters.rejected_position += 1;
                return false;
            }
            let (_, mid) = self.feed.last(i as u16);
            let price = if mid > 0.0 { mid } else { p.avg_cost };
            gross += after.abs() * price;
        }
        if gross > r.max_gross_notional {
            self.counters.rejected_notional += 1;
            return false;
        }
        if self.open_orders + 2 > r.max_open_orders {
            self.counters.rejected_open_orders += 1;
            return false;
        }
        true
    }

    /// Realized PnL after commissions since start-up.
    fn realized_net(&self) -> f64 {
        let p: f64 = self
            .positions
            .iter()
            .map(|p| p.realized - p.commissions)
            .sum();
        p - self.unattributed_commissions
    }

    /// Trips the kill switch when the realized loss exceeds the limit.
    fn check_loss(&mut self) {
        if self.counters.kill_switch == 0 && self.realized_net() < -self.risk.max_daily_loss {
            tracing::error!(
                loss = -self.realized_net(),
                limit = self.risk.max_daily_loss,
                "kill switch: daily loss limit reached; no more trading"
            );
            self.kill(KillReason::LossLimit);
        }
    }

    /// The kill switch: no more entries, working orders cancelled, positions flattened when
    /// `risk.flatten_on_kill`, and the engine told to stop.
    fn kill(&mut self, reason: KillReason) {
        if self.counters.kill_switch > 0 {
            return;
        }
        self.counters.kill_switch = 1;
        self.kill_reason = reason;
        self.killed.store(true, Ordering::Release);
        if reason == KillReason::Command {
            tracing::error!("kill switch: kill command received; no more trading");
        }
        self.cancel_working();
        if self.risk.flatten_on_kill {
            self.flatten();
        }
    }

    /// Cancels every entry order still working (orders that reduce risk stay).
    fn cancel_working(&mut self) {
        for i in 0..self.slots.len() {
            let Some(s) = self.slots[i] else { continue };
            if !s.status.is_terminal() && !s.reducing {
                self.queue_cancel(s.order_id);
            }
        }
    }

    fn queue_cancel(&mut self, order_id: i32) {
        self.submit(PendingOrder {
            instrument: 0,
            pair: u16::MAX,
            side: Side::Buy,
            qty: 0,
            seq: 0,
            ticket: 0,
            leg: 0,
            t_recv_ns: now_ns(),
            t_event_ns: 0,
            cancel_id: order_id,
        });
    }

    /// Market orders closing every position: each pair's legs (so pair books go flat), then
    /// whatever the instrument positions hold beyond the pairs. Attempted a bounded number of
    /// times.
    fn flatten(&mut self) {
        if self.flatten_attempts == 0 {
            return;
        }
        self.flatten_attempts -= 1;
        let mut residual: arrayvec::ArrayVec<f64, 4096> =
            self.positions.iter().take(4096).map(|p| p.qty).collect();
        for p in 0..self.books.len() {
            let b = self.books[p];
            for k in 0..2 {
                let q = b.legs[k].qty;
                if q != 0.0 {
                    if let Some(r) = residual.get_mut(b.instruments[k] as usize) {
                        *r -= q;
                    }
                    self.flatten_order(b.instruments[k], p as u16, q);
                }
            }
        }
        for (i, q) in residual.into_iter().enumerate() {
            if q.abs() > 1e-9 {
                self.flatten_order(i as u16, u16::MAX, q);
            }
        }
    }

    fn flatten_order(&mut self, instrument: u16, pair: u16, qty: f64) {
        self.counters.flatten_orders += 1;
        self.submit(PendingOrder {
            instrument,
            pair,
            side: if qty > 0.0 { Side::Sell } else { Side::Buy },
            qty: qty.abs().round() as u32,
            seq: 0,
            ticket: 0,
            leg: 0,
            t_recv_ns: now_ns(),
            t_event_ns: 0,
            cancel_id: 0,
        });
    }

    /// Sends now, or queues behind the rate limiter (or the session).
    fn submit(&mut self, order: PendingOrder) {
        if order.cancel_id == 0 {
            self.adjust_target(
                order.pair,
                order.instrument,
                order.side == Side::Buy,
                order.qty as f64,
            );
        }
        if self.pending.is_empty() && self.link == Link::Up && self.limiter.try_take(now_ns()) {
            self.send(&order);
        } else {
            self.counters.delayed_by_rate_limit += 1;
            if self.pending.try_push(order).is_err() {
                self.counters.dropped_rate_limit_full += 1;
                if order.cancel_id == 0 {
                    self.adjust_target(
                        order.pair,
                        order.instrument,
                        order.side == Side::Buy,
                        -(order.qty as f64),
                    );
                    self.leg_failed(order.ticket, order.leg);
                }
            }
        }
    }

    fn send_pending(&mut self) -> bool {
        if self.link != Link::Up {
            return false;
        }
        let mut sent = false;
        while let Some(o) = self.pending.first().copied() {
            if !self.limiter.try_take(now_ns()) {
                break;
            }
            self.pending.remove(0);
            self.send(&o);
            sent = true;
        }
        sent
    }

    /// Moves a pair's target by `qty` shares bought (`buy`) or sold; negative `qty` takes back.
    fn adjust_target(&mut self, pair: u16, instrument: u16, buy: bool, qty: f64) {
        let Some(b) = self.books.get(pair as usize) else {
            return;
        };
        if let Some(k) = b.leg_of(instrument) {
            self.targets[pair as usize][k] += if buy { qty } else { -qty };
        }
    }

    fn journal(&mut self, e: JournalEntry) {
        if let Some(j) = &mut self.journal {
            j.append(e);
        }
    }

    fn wall_ns(&self) -> u64 {
        self.wall_offset_ns + now_ns()
    }

    /// Writes a request on the session; false (counted) when it could not be written.
    fn write_request(&mut self, req: &Request<'_>) -> bool {
        self.out.clear();
        req.encode_text(&mut self.out);
        let ok = match &mut self.writer {
            Some(w) => write_all_nonblocking(w, &self.out),
            None => false,
        };
        if !ok {
            self.counters.write_errors += 1;
        }
        ok
    }

    fn send(&mut self, o: &PendingOrder) {
        if o.cancel_id != 0 {
            if self.write_request(&Request::CancelOrder {
                order_id: o.cancel_id,
            }) {
                self.counters.cancels_sent += 1;
                let t_ns = self.wall_ns();
                self.journal(JournalEntry::Cancel {
                    t_ns,
                    order_id: o.cancel_id,
                });
            }
            return;
        }
        let order_id = self.next_order_id;
        self.next_order_id += 1;
        let mut order_ref = ArrayString::<24>::new();
        let _ = order_ref.try_push_str(itoa::Buffer::new().format(o.seq));
        let account = std::mem::take(&mut self.account);
        let symbol = std::mem::take(&mut self.symbols[o.instrument as usize]);
        let written = self.write_request(&Request::PlaceOrder(OrderRequest {
            order_id,
            contract: ContractSpec::stock(&symbol),
            action: o.side.as_str(),
            total_quantity: o.qty as f64,
            order_type: "MKT",
            lmt_price: f64::MAX,
            aux_price: f64::MAX,
            tif: "DAY",
            account: &account,
            order_ref: &order_ref,
            transmit: true,
            parent_id: 0,
        }));
        self.account = account;
        self.symbols[o.instrument as usize] = symbol;
        if !written {
            self.adjust_target(o.pair, o.instrument, o.side == Side::Buy, -(o.qty as f64));
            if o.ticket != 0 {
                self.leg_failed(o.ticket, o.leg);
            }
            return;
        }
        latency::record(&mut self.hist[2], now_ns().saturating_sub(o.t_recv_ns));
        self.counters.orders_sent += 1;
        self.open_orders += 1;
        let t_ns = self.wall_ns();
        self.journal(JournalEntry::Order {
            t_ns,
            order_id,
            instrument: o.instrument,
            pair: o.pair,
            buy: o.side == Side::Buy,
            qty: o.qty,
            ticket: o.ticket,
            leg: o.leg,
            seq: o.seq,
        });
        let reducing = o.ticket == 0 || self.ticket_mut(o.ticket).is_some_and(|t| t.unwind);
        let i = (order_id - self.first_order_id) as usize % self.slots.len();
        self.slots[i] = Some(OrderSlot {
            reducing,
            order_id,
            instrument: o.instrument,
            pair: o.pair,
            ticket: o.ticket,
            leg: o.leg,
            signal_t_ns: o.t_event_ns,
            qty: o.qty as f64,
            filled: 0.0,
            exec_filled: 0.0,
            buy: o.side == Side::Buy,
            status: OrderStatusKind::PendingSubmit,
            epoch: self.epoch,
        });
    }

    /// An order reached a terminal state.
    fn order_ended(&mut self, i: usize, status: OrderStatusKind) {
        let Some(slot) = self.slots[i].as_mut() else {
            return;
        };
        if slot.status.is_terminal() {
            return;
        }
        slot.status = status;
        let s = *slot;
        let (order_id, filled, ticket, leg) = (s.order_id, s.filled, s.ticket, s.leg);
        self.open_orders = self.open_orders.saturating_sub(1);
        // What will not fill no longer counts towards the pair's target.
        let unfilled = (s.qty - s.filled.max(s.exec_filled)).max(0.0);
        if unfilled > 0.0 {
            self.adjust_target(s.pair, s.instrument, s.buy, -unfilled);
        }
        match status {
            OrderStatusKind::Filled => self.counters.orders_filled += 1,
            _ => self.counters.orders_cancelled += 1,
        }
        let t_ns = self.wall_ns();
        self.journal(JournalEntry::Done {
            t_ns,
            order_id,
            filled,
        });
        if ticket != 0 && status != OrderStatusKind::Filled {
            self.leg_failed(ticket, leg);
        }
    }

    fn on_order_event(&mut self, msg: &OrderMsg) {
        match msg.event {
            OrderEvent::Status {
                order_id,
                status,
                filled,
                ..
            } => {
                let Some(i) = self.slot_index(order_id) else {
                    return;
                };
                let epoch = self.epoch;
                let slot = self.slots[i].as_mut().expect("slot_index checked");
                slot.filled = slot.filled.max(filled);
                if status.is_terminal() {
                    self.order_ended(i, status);
                } else if !slot.status.is_terminal() {
                    slot.status = status;
                    slot.epoch = epoch;
                }
            }
            OrderEvent::Execution {
                order_id,
                exec_id,
                instrument,
                buy,
                shares,
                price,
                ..
            } => self.on_execution(
                msg.t_recv_ns,
                order_id,
                exec_id,
                instrument,
                buy,
                shares,
                price,
            ),
            OrderEvent::Commission {
                exec_id,
                commission,
                ..
            } => {
                self.counters.commission_reports += 1;
                self.apply_commission(&exec_id, commission);
                self.journal(JournalEntry::Commission {
                    exec_id,
                    commission,
                });
                self.check_loss();
            }
            OrderEvent::Error { id, code } => self.on_error(id, code),
            OrderEvent::NextValidId(id) => {
                if id > self.next_order_id {
                    self.next_order_id = id;
                }
            }
            OrderEvent::Disconnected => self.on_disconnected(),
            OrderEvent::Reconnected { next_valid_id } => self.on_reconnected(next_valid_id),
            OrderEvent::OpenOrder { order_id, .. } => self.on_open_order(order_id),
            OrderEvent::Position {
                account,
                instrument,
                qty,
                avg_cost,
            } => self.on_position(&account, instrument, qty, avg_cost),
            OrderEvent::End(kind) => self.on_end(kind),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_execution(
        &mut self,
        t_recv_ns: u64,
        order_id: i32,
        exec_id: ExecId,
        instrument: u16,
        buy: bool,
        shares: f64,
        price: f64,
    ) {
        let (mut pair, mut signal_t_ns) = (u16::MAX, 0);
        let slot = self.slot_index(order_id);
        if let Some(i) = slot {
            let s = self.slots[i].expect("slot_index checked");
            (pair, signal_t_ns) = (s.pair, s.signal_t_ns);
        }
        let seen = SeenExec {
            instrument,
            pair,
            fill: u32::MAX,
        };
        if !self.seen.insert(exec_id, seen) {
            self.counters.duplicate_fills += 1;
            return;
        }
        if (instrument as usize) >= self.positions.len() {
            self.counters.unknown_order_fills += 1;
            return;
        }
        match slot {
            Some(i) => {
                let s = self.slots[i].as_mut().expect("slot_index checked");
                if s.instrument != instrument || s.exec_filled + shares > s.qty + 1e-9 {
                    self.counters.inconsistent_fills += 1;
                }
                s.exec_filled += shares;
                let (ticket, leg) = (s.ticket, s.leg);
                if ticket != 0 {
                    if let Some(t) = self.ticket_mut(ticket) {
                        t.legs[leg as usize].filled += shares;
                    }
                }
            }
            None => self.counters.unknown_order_fills += 1,
        }
        self.counters.fills += 1;
        if self.link.is_reconciling() {
            self.counters.recovered_fills += 1;
        }
        let signed = if buy { shares } else { -shares };
        self.apply_fill(instrument, pair, signed, price);
        let index = self.fills.len();
        if self.fills.push(FillRecord {
            t_ns: t_recv_ns,
            signal_t_ns,
            order_id,
            instrument,
            pair,
            qty: signed,
            price,
            commission: 0.0,
        }) {
            if let Some(s) = self.seen.get_mut(&exec_id) {
                s.fill = index as u32;
            }
        }
        let t_ns = self.wall_ns();
        self.journal(JournalEntry::Execution {
            t_ns,
            order_id,
            exec_id,
            instrument,
            pair,
            qty: signed,
            price,
        });
        if let Some(i) = slot {
            let ticket = self.slots[i].map_or(0, |s| s.ticket);
            if ticket != 0 {
                self.check_ticket(ticket, false);
            }
        }
        self.check_loss();
    }

    /// A fill into the instrument position and, when it belongs to a pair, the pair's book.
    fn apply_fill(&mut self, instrument: u16, pair: u16, signed: f64, price: f64) {
        self.positions[instrument as usize].apply(signed, price);
        if let Some(b) = self.books.get_mut(pair as usize) {
            if let Some(k) = b.leg_of(instrument) {
                b.legs[k].apply(signed, price);
            }
        }
    }

    fn apply_commission(&mut self, exec_id: &ExecId, commission: f64) {
        match self.seen.get(exec_id).copied() {
            Some(s) if (s.instrument as usize) < self.positions.len() => {
                self.positions[s.instrument as usize].commissions += commission;
                if let Some(b) = self.books.get_mut(s.pair as usize) {
                    if let Some(k) = b.leg_of(s.instrument) {
                        b.legs[k].commissions += commission;
                    }
                }
                if let Some(f) = self.fills.get_mut(s.fill as usize) {
                    f.commission += commission;
                }
            }
            _ => self.unattributed_commissions += commission,
        }
    }

    fn on_error(&mut self, id: i32, code: i32) {
        use crate::wire::ids::codes;
        match code {
            codes::CONNECTIVITY_LOST | codes::RESTORED_DATA_LOST | codes::RESTORED_DATA_KEPT => {
                self.counters.notices += 1;
                self.on_link_notice(code);
                return;
            }
            _ => {}
        }
        // Farm notices (2103-2106, 2158) concern data only: the session stays.
        if (2100..2200).contains(&code) || code == 202 || id < 0 {
            self.counters.notices += 1;
        } else {
            self.counters.order_errors += 1;
        }
        // A rejection may come without a status: the order is over.
        if code == codes::ORDER_REJECTED {
            if let Some(i) = self.slot_index(id) {
                self.order_ended(i, OrderStatusKind::Inactive);
            }
        }
    }
}

/// Writes all of `buf` to a non-blocking socket, waiting out `WouldBlock`: an order is never half
/// sent. False on a real error.
fn write_all_nonblocking(w: &mut TcpStream, mut buf: &[u8]) -> bool {
    while !buf.is_empty() {
        match w.write(buf) {
            Ok(0) => return false,
            Ok(n) => buf = &buf[n..],
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                std::hint::spin_loop()
            }
            Err(_) => return false,
        }
    }
    true
}
