//! The dispatch thread: owns the socket writer and the queues, feeds the [`Dispatcher`] with
//! intents, order events and the monotonic clock, and carries out its outbox (journal records
//! to the journal thread, messages encoded in the v178 text layout and written whole).
//!
//! Writing rules:
//! - Write-ahead: an order goes out only after its journal record was queued to a journal that
//!   still writes ([`JournalTx::append`]); otherwise it ends unsent (and the kill switch trips:
//!   the engine does not trade without its journal). See the journal module for what this
//!   guarantees across a crash.
//! - A frame is written whole or the session ends: a write that fails, or that the socket does
//!   not take within [`WRITE_STALL_LIMIT`] (`WouldBlock`), shuts the socket down and tells the
//!   dispatcher the session is lost, so no re-send is burnt on a dead socket and no frame
//!   follows half a frame. Nothing more is written until io hands over a new session's writer
//!   ([`crate::io::handoff`]: numbered by generation, so dispatch ends on the newest one).
//! - Shutdown: after upstream is done, dispatch waits for working orders up to the drain
//!   deadline; past it, working orders get REQ_GLOBAL_CANCEL, and what the dispatcher still
//!   has queued behind its rate limiter (a flatten, cancels) goes out, up to a second deadline
//!   [`FINAL_GRACE`] later. The report says what was still working or unsent at the end.

use super::wire_out::{Staged, Wire, order_templates};
use super::{
    DispatchCounters, Dispatcher, DispatcherSetup, KillReason, LegBook, Outbound, PairBook,
    PlaceOrder, PositionState,
};
use crate::io::{SessionGate, WriterMailbox};
use crate::journal::{JournalEntry, JournalTx, Recovered};
use crate::latency::{self, now_ns};
use crate::metrics::{EngineMetrics, LINK_DOWN, LINK_RECONCILING, LINK_UP};
use crate::record::{FillRecord, FixedLog};
use crate::runtime::{Cadence, Waiter};
use crate::types::{IntentMsg, IntentOutcome, OrderEvent, OrderMsg};
use crate::wire::Request;
use hdrhistogram::Histogram;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// Longest a frame may wait for the socket to take its bytes (`WouldBlock`: the gateway does
/// not read) before dispatch declares the session lost.
pub const WRITE_STALL_LIMIT: Duration = Duration::from_secs(2);

/// The second shutdown deadline, after the drain deadline: orders and cancels the dispatcher
/// still has queued (a flatten behind the rate limiter) go out and working orders answer
/// REQ_GLOBAL_CANCEL until this much later; then dispatch stops whatever is left.
pub const FINAL_GRACE: Duration = Duration::from_secs(5);

/// What the engine hands dispatch at start-up.
pub struct DispatchSetup {
    pub dispatcher: DispatcherSetup,
    pub intents: rtrb::Consumer<IntentMsg>,
    pub orders: rtrb::Consumer<OrderMsg>,
    /// What became of each intent, back to the signal stage.
    pub outcomes: rtrb::Producer<IntentOutcome>,
    pub writer: TcpStream,
    /// Market data requests use tick-by-tick BidAsk (else REQ_MKT_DATA).
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
    /// Where io leaves a re-established session's writer, numbered by session generation.
    pub writer_mailbox: Arc<WriterMailbox>,
    pub journal: Option<JournalTx>,
    /// Where its counters, positions, PnL and latency are published for the operators, and
    /// how often.
    pub metrics: Arc<EngineMetrics>,
    pub cadence: Cadence,
    /// IB contract ids per instrument (0: unknown), from contract details at start-up: the
    /// legs of `combo` orders name them.
    pub con_ids: Vec<i32>,
}

/// What the dispatch thread returns.
pub struct DispatchReport {
    pub queue_wait: Histogram<u64>,
    pub service: Histogram<u64>,
    /// Socket read of the triggering tick to the order written, for every order a tick's intent
    /// triggered.
    pub end_to_end: Histogram<u64>,
    /// The dispatcher's own decision to the order written: re-sends, hedges of fills, give-ups
    /// and flattens (no tick triggered them).
    pub resend_to_wire: Histogram<u64>,
    /// Socket read of the triggering tick to the strategy's decision.
    pub read_to_signal: Histogram<u64>,
    pub order_events: Histogram<u64>,
    pub counters: DispatchCounters,
    pub positions: Vec<PositionState>,
    /// Per pair: both legs as its own orders traded them.
    pub pair_books: Vec<PairBook>,
    /// Per basket: every name as its own orders traded it.
    pub basket_books: Vec<LegBook>,
    /// Per basket: what netting across baskets crossed internally.
    pub basket_crosses: Vec<super::CrossStats>,
    /// Commissions whose execution was not seen (e.g. from before start-up).
    pub unattributed_commissions: f64,
    /// The session was down when dispatch stopped.
    pub disconnected: bool,
    pub kill_reason: KillReason,
    /// Executions in arrival order, with their commissions.
    pub fills: FixedLog<FillRecord>,
    /// Orders still working when dispatch stopped.
    pub orders_working: usize,
    /// Orders and cancels still queued behind the rate limiter when dispatch stopped (unsent).
    pub orders_unsent: usize,
    /// REQ_GLOBAL_CANCEL written at shutdown (orders still working past the drain deadline).
    pub global_cancels: u32,
    /// Frames the socket did not take within [`WRITE_STALL_LIMIT`] (each ended its session).
    pub write_stalls: u64,
    /// Orders not sent because their journal record could not be queued.
    pub unjournaled_orders: u64,
}

/// Latency histograms of the dispatch thread.
struct Latency {
    queue_wait: Histogram<u64>,
    service: Histogram<u64>,
    end_to_end: Histogram<u64>,
    resend_to_wire: Histogram<u64>,
    read_to_signal: Histogram<u64>,
    order_events: Histogram<u64>,
}

/// The dispatch thread's state.
pub struct DispatchStage {
    dispatcher: Dispatcher,
    intents: rtrb::Consumer<IntentMsg>,
    orders: rtrb::Consumer<OrderMsg>,
    outcomes: rtrb::Producer<IntentOutcome>,
    outcomes_dropped: u64,
    wire: Wire,
    waiter: Waiter,
    upstream_done: Arc<AtomicBool>,
    drain_until: Arc<AtomicU64>,
    kill_request: Arc<AtomicBool>,
    killed: Arc<AtomicBool>,
    writer_mailbox: Arc<WriterMailbox>,
    journal: Option<JournalTx>,
    /// The order whose journal record was just queued (the next `Place` must be it).
    journaled: Option<i32>,
    unjournaled_orders: u64,
    global_cancels: u32,
    /// Orders sent when the last REQ_GLOBAL_CANCEL went out.
    sent_at_global_cancel: u64,
    /// [`FINAL_GRACE`] in nanoseconds.
    final_grace_ns: u64,
    latency: Latency,
    metrics: Arc<EngineMetrics>,
    cadence: Cadence,
}

impl DispatchStage {
    /// Builds the stage with all tables allocated, restoring `restored` (the journal of a
    /// previous run) when given.
    pub fn new(s: DispatchSetup, restored: Option<&Recovered>) -> Self {
        let mut wire = Wire {
            writer: Some(s.writer),
            gate: SessionGate::default(),
            stall_limit: WRITE_STALL_LIMIT,
            stalls: 0,
            symbols: s.dispatcher.symbols.clone(),
            con_ids: s.con_ids,
            account: s.dispatcher.account.clone(),
            client_id: s.dispatcher.client_id,
            tick_by_tick: s.tick_by_tick,
            out: Vec::with_capacity(64 * 1024),
            templates: order_templates(&s.dispatcher.symbols, &s.dispatcher.account),
            staged: Vec::with_capacity(s.dispatcher.risk.max_orders.max(16) + 64),
            writes: 0,
            batch: Vec::with_capacity(
                2 * (s.dispatcher.symbols.len()
                    + 2 * s.dispatcher.pairs.len()
                    + s.dispatcher.risk.max_orders)
                    + 64,
            ),
        };
        // Written once now, so the hot path takes no page fault in them.
        crate::runtime::prefault_spare(&mut wire.out);
        let mut dispatcher = Dispatcher::new(s.dispatcher, restored, now_ns());
        dispatcher.prefault();
        DispatchStage {
            dispatcher,
            intents: s.intents,
            orders: s.orders,
            outcomes: s.outcomes,
            outcomes_dropped: 0,
            wire,
            waiter: s.waiter,
            upstream_done: s.upstream_done,
            drain_until: s.drain_until,
            kill_request: s.kill_request,
            killed: s.killed,
            writer_mailbox: s.writer_mailbox,
            journal: s.journal,
            journaled: None,
            unjournaled_orders: 0,
            global_cancels: 0,
            sent_at_global_cancel: 0,
            final_grace_ns: FINAL_GRACE.as_nanos() as u64,
            latency: Latency {
                queue_wait: latency::histogram(),
                service: latency::histogram(),
                end_to_end: latency::histogram(),
                resend_to_wire: latency::histogram(),
                read_to_signal: latency::histogram(),
                order_events: latency::histogram(),
            },
            metrics: s.metrics,
            cadence: s.cadence,
        }
    }

    /// Runs until upstream is done, intents are drained and working orders have ended (or the
    /// drain deadline passed). Starts by reconciling with the gateway.
    pub fn run(mut self) -> DispatchReport {
        self.dispatcher.start(now_ns());
        self.flush();
        loop {
            let mut worked = false;
            // Order events first: they change what risk allows.
            while let Ok(msg) = self.orders.pop() {
                worked = true;
                self.on_order_msg(&msg);
            }
            if let Ok(msg) = self.intents.pop() {
                worked = true;
                let start = now_ns();
                let l = &mut self.latency;
                latency::record(&mut l.queue_wait, start.saturating_sub(msg.t_enq_ns));
                latency::record(
                    &mut l.read_to_signal,
                    msg.t_enq_ns.saturating_sub(msg.t_recv_ns),
                );
                self.dispatcher.on_intent(&msg, start);
                self.flush();
                latency::record(&mut self.latency.service, now_ns().saturating_sub(start));
            }
            if self.kill_request.load(Ordering::Relaxed) && !self.dispatcher.killed() {
                self.dispatcher.kill_command(now_ns());
            }
            worked |= self.dispatcher.poll(now_ns());
            self.flush();
            if self.dispatcher.killed() {
                self.killed.store(true, Ordering::Release);
            }
            if self.cadence.due(now_ns(), !worked) {
                self.publish();
            }
            if worked {
                self.waiter.reset();
                continue;
            }
            if self.upstream_done.load(Ordering::Acquire) && self.intents.is_empty() {
                let flattening = self.dispatcher.wind_down(now_ns());
                self.flush();
                if flattening {
                    continue;
                }
                if self.drained() {
                    break;
                }
            }
            // Woken by io (order events) and signal (intents); the park limit serves the timers.
            let (intents, orders) = (&self.intents, &self.orders);
            self.waiter
                .idle(|| !intents.is_empty() || !orders.is_empty());
        }
        if let Some(j) = &self.journal {
            let waits = j.full_waits();
            self.dispatcher.set_journal_full_waits(waits);
        }
        self.dispatcher.set_outcomes_dropped(self.outcomes_dropped);
        self.publish();
        let orders_working = self.dispatcher.open_orders();
        let orders_unsent = self.dispatcher.queued();
        if orders_working > 0 || orders_unsent > 0 {
            tracing::error!(
                orders_working,
                orders_unsent,
                "dispatch stops with orders still working or unsent"
            );
        }
        let end = self.dispatcher.finish();
        let l = self.latency;
        DispatchReport {
            queue_wait: l.queue_wait,
            service: l.service,
            end_to_end: l.end_to_end,
            resend_to_wire: l.resend_to_wire,
            read_to_signal: l.read_to_signal,
            order_events: l.order_events,
            counters: end.counters,
            positions: end.positions,
            pair_books: end.pair_books,
            basket_books: end.basket_books,
            basket_crosses: end.basket_crosses,
            unattributed_commissions: end.unattributed_commissions,
            disconnected: end.disconnected,
            kill_reason: end.kill_reason,
            fills: end.fills,
            orders_working,
            orders_unsent,
            global_cancels: self.global_cancels,
            write_stalls: self.wire.stalls,
            unjournaled_orders: self.unjournaled_orders,
        }
    }

    /// Copies counters, positions, PnL (open positions at the feed's mids), link state, queue
    /// depths and latency percentiles into the metrics cells (no allocation).
    fn publish(&self) {
        let (d, cells) = (&self.dispatcher, &self.metrics.dispatch);
        let c = d.counters();
        cells.intents.set(c.intents);
        cells.orders.set(c.orders_sent);
        cells.fills.set(c.fills);
        cells.risk_rejects.set(c.rejected_by_risk);
        cells.order_errors.set(c.order_errors);
        cells.cancels.set(c.cancels_sent);
        cells.naked_legs.set(c.naked_legs);
        cells.kill_switch.set(c.kill_switch);
        cells.reconnects.set(c.reconnects);
        cells.reconciliations.set(c.reconciliations);
        cells.link.set(if d.link_down() {
            LINK_DOWN
        } else if d.reconciling() {
            LINK_RECONCILING
        } else {
            LINK_UP
        });
        cells.open_orders.set(d.open_orders() as u64);
        cells.queued.set(d.queued() as u64);
        let (mut realized, mut unrealized, mut commissions) = (0.0, 0.0, 0.0);
        for (i, p) in d.positions().iter().enumerate() {
            realized += p.realized;
            commissions += p.commissions;
            unrealized += p.unrealized(self.dispatcher.feed().last(i as u16).1);
            if let Some(cell) = cells.positions.get(i) {
                cell.set_f64(p.qty);
            }
        }
        cells.realized.set_f64(realized);
        cells.unrealized.set_f64(unrealized);
        cells
            .commissions
            .set_f64(commissions + d.unattributed_commissions());
        cells.intent_queue_depth.set(self.intents.slots() as u64);
        cells.order_queue_depth.set(self.orders.slots() as u64);
        let l = &self.latency;
        cells.queue_wait.publish(&l.queue_wait);
        cells.service.publish(&l.service);
        cells.end_to_end.publish(&l.end_to_end);
        cells.resend_to_wire.publish(&l.resend_to_wire);
        cells.read_to_signal.publish(&l.read_to_signal);
        cells.order_events.publish(&l.order_events);
    }

    /// After upstream is done and nothing is being flattened: whether dispatch may stop.
    ///
    /// Before the drain deadline: when nothing is waiting or working and every fill's
    /// commission report is in. A session that is down settles nothing until io has it back:
    /// with something unsettled (a half-sent entry to take back, an execution on its way) it
    /// waits for the reconnection until the drain deadline, then stops. Past the drain deadline
    /// (or at once when io is gone and no order event can come): working orders get
    /// REQ_GLOBAL_CANCEL; what is still queued (a flatten) goes out and working orders may end
    /// until [`FINAL_GRACE`] later; stop once nothing is queued or working, or then.
    fn drained(&mut self) -> bool {
        if self.dispatcher.settled() && self.dispatcher.commissions_pending() == 0 {
            return true;
        }
        let now = now_ns();
        let drain_until = self.drain_until.load(Ordering::Acquire);
        let deaf = self.orders.is_abandoned() && self.orders.is_empty();
        if self.dispatcher.link_down() {
            return deaf || now >= drain_until;
        }
        if now < drain_until && !deaf {
            return false;
        }
        let final_until = drain_until.saturating_add(self.final_grace_ns);
        let sent = self.dispatcher.counters().orders_sent;
        let working = self.dispatcher.open_orders() > 0;
        // Once, and again for orders sent since (a flatten that has not filled).
        let due = self.global_cancels == 0 || sent > self.sent_at_global_cancel;
        if working && due && (now >= final_until || self.dispatcher.take_request_slot(now)) {
            self.global_cancel(sent);
        }
        let quiet = self.dispatcher.queued() == 0 && (deaf || !working);
        quiet || now >= final_until || self.dispatcher.link_down()
    }

    /// REQ_GLOBAL_CANCEL: every working order of the account ends at the gateway.
    fn global_cancel(&mut self, orders_sent: u64) {
        if self.wire.writer.is_none() {
            return;
        }
        tracing::warn!(
            working = self.dispatcher.open_orders(),
            "orders still working at the drain deadline: REQ_GLOBAL_CANCEL"
        );
        self.global_cancels += 1;
        self.sent_at_global_cancel = orders_sent;
        if !self.wire.write(&Request::GlobalCancel) {
            self.session_lost();
        }
        self.flush();
    }

    /// A write failed: the session is over for dispatch (told once) until io hands over a new
    /// one; re-sends wait in the dispatcher's queue instead of being burnt on a dead socket.
    fn session_lost(&mut self) {
        if self.wire.gate.write_failed() {
            tracing::warn!("a write failed: session over for dispatch until io reconnects");
            let now = now_ns();
            let lost = OrderMsg {
                t_recv_ns: now,
                t_enq_ns: now,
                value: OrderEvent::Disconnected,
            };
            self.dispatcher.on_order_event(&lost, now);
        }
    }

    /// Queues a journal record; remembers whether an order's record made it (write-ahead).
    fn journal_ahead(&mut self, e: JournalEntry) {
        let queued = match &mut self.journal {
            Some(j) => j.append(e).is_ok(),
            None => true,
        };
        if let JournalEntry::Order { order_id, .. } = e {
            self.journaled = queued.then_some(order_id);
        }
    }

    /// Stages an order whose journal record was queued (it leaves at [`Self::send_staged`]);
    /// ends it unsent otherwise.
    fn place(&mut self, p: &PlaceOrder) {
        if self.journaled.take() != Some(p.order_id) {
            self.unjournaled_orders += 1;
            tracing::error!(
                order_id = p.order_id,
                "the journal does not write: order not sent, kill switch"
            );
            self.dispatcher.on_write_failed(p, now_ns());
            if !self.dispatcher.killed() {
                self.dispatcher.kill_command(now_ns());
            }
        } else {
            match self.wire.stage(p) {
                Staged::Yes => {}
                Staged::SessionDown => {
                    self.session_lost();
                    self.dispatcher.on_write_failed(p, now_ns());
                }
                Staged::Refused => self.dispatcher.on_write_failed(p, now_ns()),
            }
        }
    }

    /// Writes the staged orders in one write. Each whose frame went out whole is recorded
    /// (end to end from its tick, or apart when no tick triggered it); the rest end unsent.
    fn send_staged(&mut self) {
        if self.wire.staged.is_empty() {
            return;
        }
        let sent = self.wire.send_staged();
        let now = now_ns();
        let mut staged = std::mem::take(&mut self.wire.staged);
        if sent.failed {
            self.session_lost();
        }
        for (p, frame_end) in staged.drain(..) {
            if frame_end <= sent.written {
                let h = if p.from_tick {
                    &mut self.latency.end_to_end
                } else {
                    &mut self.latency.resend_to_wire
                };
                latency::record(h, now.saturating_sub(p.t_recv_ns));
            } else {
                self.dispatcher.on_write_failed(&p, now);
            }
        }
        self.wire.staged = staged;
    }

    /// One order (or session) event from io, carried out. Session events pass the gate: a
    /// loss dispatch already acted on, or a session io has already replaced, is no news.
    fn on_order_msg(&mut self, msg: &OrderMsg) {
        let start = now_ns();
        match msg.value {
            OrderEvent::Reconnected { .. } => {
                match self.wire.gate.reconnected(&self.writer_mailbox) {
                    Some(w) => self.wire.writer = Some(w),
                    None => {
                        tracing::warn!("io has already replaced this session: skipping it");
                        return;
                    }
                }
            }
            OrderEvent::Disconnected => {
                // io shut this socket down: nothing more is written on it.
                self.wire.writer = None;
                if !self.wire.gate.disconnected() {
                    return;
                }
            }
            _ => {}
        }
        self.dispatcher.on_order_event(msg, start);
        self.flush();
        latency::record(
            &mut self.latency.order_events,
            now_ns().saturating_sub(start),
        );
    }

    /// Carries out the dispatcher's outbox, in order.
    fn flush(&mut self) {
        if self.dispatcher.outbox().is_empty() {
            return;
        }
        let mut batch = std::mem::take(&mut self.wire.batch);
        self.dispatcher.outbox().swap_into(&mut batch);
        for item in batch.drain(..) {
            // Orders handed out together leave together; anything else is written in order
            // after them.
            if matches!(item, Outbound::Cancel { .. } | Outbound::Control(_)) {
                self.send_staged();
            }
            match item {
                Outbound::Journal(e) => self.journal_ahead(e),
                Outbound::Place(p) => self.place(&p),
                Outbound::Cancel { order_id } => {
                    if !self.wire.write(&Request::CancelOrder { order_id }) {
                        self.session_lost();
                        self.dispatcher.on_request_write_failed();
                    }
                }
                Outbound::Control(c) => {
                    if !self.wire.control(c) {
                        self.session_lost();
                        self.dispatcher.on_request_write_failed();
                    }
                }
                // Never waits: a strategy that misses one learns from the next.
                Outbound::Outcome(o) => {
                    if self.outcomes.push(o).is_err() {
                        self.outcomes_dropped += 1;
                    }
                }
            }
        }
        self.send_staged();
        self.wire.batch = batch;
        // A failed write may have ended orders (journal records, re-sends): carry those out too.
        if !self.dispatcher.outbox().is_empty() {
            self.flush();
        }
    }
}

#[cfg(test)]
#[path = "stage_tests.rs"]
mod tests;
