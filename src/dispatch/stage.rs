//! The dispatch thread: owns the socket writer and the queues, feeds the [`Dispatcher`] with
//! intents, order events and the monotonic clock, and carries out its outbox (journal records
//! to the journal thread, messages encoded in the v178 text layout and written whole).

use super::{
    Control, DispatchCounters, Dispatcher, DispatcherSetup, KillReason, Outbound, PairBook,
    PlaceOrder, PositionState, RECONCILE_REQ_ID,
};
use crate::instruments::req_id;
use crate::journal::{JournalTx, Recovered};
use crate::latency::{self, now_ns};
use crate::normalize::FeedState;
use crate::record::{FillRecord, FixedLog};
use crate::runtime::Waiter;
use crate::types::{IntentMsg, IntentOutcome, OrderEvent, OrderMsg};
use crate::wire::{ContractSpec, ExecutionFilter, OrderRequest, Request};
use arrayvec::ArrayString;
use hdrhistogram::Histogram;
use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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
    /// Last quote time and mid per instrument, published by normalize.
    pub feed: Arc<FeedState>,
    /// Where io leaves a re-established session's writer.
    pub writer_mailbox: Arc<Mutex<Option<TcpStream>>>,
    pub journal: Option<JournalTx>,
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

/// Latency histograms of the dispatch thread.
struct Latency {
    queue_wait: Histogram<u64>,
    service: Histogram<u64>,
    end_to_end: Histogram<u64>,
    read_to_signal: Histogram<u64>,
    order_events: Histogram<u64>,
}

/// The socket side: the writer, what is needed to encode, and the scratch buffers.
struct Wire {
    writer: Option<TcpStream>,
    symbols: Vec<String>,
    account: String,
    client_id: i32,
    tick_by_tick: bool,
    out: Vec<u8>,
    /// The dispatcher's outbox is swapped in here and carried out.
    batch: Vec<Outbound>,
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
    feed: Arc<FeedState>,
    writer_mailbox: Arc<Mutex<Option<TcpStream>>>,
    journal: Option<JournalTx>,
    latency: Latency,
}

impl DispatchStage {
    /// Builds the stage with all tables allocated, restoring `restored` (the journal of a
    /// previous run) when given.
    pub fn new(s: DispatchSetup, restored: Option<&Recovered>) -> Self {
        let wire = Wire {
            writer: Some(s.writer),
            symbols: s.dispatcher.symbols.clone(),
            account: s.dispatcher.account.clone(),
            client_id: s.dispatcher.client_id,
            tick_by_tick: s.tick_by_tick,
            out: Vec::with_capacity(8192),
            batch: Vec::with_capacity(
                2 * (s.dispatcher.symbols.len()
                    + 2 * s.dispatcher.pairs.len()
                    + s.dispatcher.risk.max_orders)
                    + 64,
            ),
        };
        DispatchStage {
            dispatcher: Dispatcher::new(s.dispatcher, restored, now_ns()),
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
            feed: s.feed,
            writer_mailbox: s.writer_mailbox,
            journal: s.journal,
            latency: Latency {
                queue_wait: latency::histogram(),
                service: latency::histogram(),
                end_to_end: latency::histogram(),
                read_to_signal: latency::histogram(),
                order_events: latency::histogram(),
            },
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
                let start = now_ns();
                if let OrderEvent::Reconnected { .. } = msg.value {
                    if !self.take_new_writer() {
                        continue;
                    }
                }
                self.dispatcher.on_order_event(&msg, start);
                self.flush();
                latency::record(
                    &mut self.latency.order_events,
                    now_ns().saturating_sub(start),
                );
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
                self.dispatcher.on_intent(&msg, &self.feed, start);
                self.flush();
                latency::record(&mut self.latency.service, now_ns().saturating_sub(start));
            }
            if self.kill_request.load(Ordering::Relaxed) && !self.dispatcher.killed() {
                self.dispatcher.kill_command(now_ns());
            }
            worked |= self.dispatcher.poll(&self.feed, now_ns());
            self.flush();
            if self.dispatcher.killed() {
                self.killed.store(true, Ordering::Release);
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
                // Done when nothing is waiting or working, or at the hard deadline; a session
                // that is down cannot settle anything.
                // Settled includes every fill's commission report being in.
                let settled =
                    self.dispatcher.settled() && self.dispatcher.commissions_pending() == 0;
                if self.dispatcher.link_down()
                    || settled
                    || now_ns() >= self.drain_until.load(Ordering::Acquire)
                {
                    break;
                }
            }
            self.waiter.idle();
        }
        if let Some(j) = &self.journal {
            let waits = j.full_waits();
            self.dispatcher.set_journal_full_waits(waits);
        }
        self.dispatcher.set_outcomes_dropped(self.outcomes_dropped);
        let end = self.dispatcher.finish();
        let l = self.latency;
        DispatchReport {
            queue_wait: l.queue_wait,
            service: l.service,
            end_to_end: l.end_to_end,
            read_to_signal: l.read_to_signal,
            order_events: l.order_events,
            counters: end.counters,
            positions: end.positions,
            pair_books: end.pair_books,
            unattributed_commissions: end.unattributed_commissions,
            disconnected: end.disconnected,
            kill_reason: end.kill_reason,
            fills: end.fills,
        }
    }

    /// The writer io left for a re-established session; false (logged) when there is none.
    fn take_new_writer(&mut self) -> bool {
        let writer = self
            .writer_mailbox
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        match writer {
            Some(w) => {
                self.wire.writer = Some(w);
                true
            }
            None => {
                tracing::error!("reconnected, but no writer was handed over");
                false
            }
        }
    }

    /// Carries out the dispatcher's outbox, in order.
    fn flush(&mut self) {
        if self.dispatcher.outbox().is_empty() {
            return;
        }
        let mut batch = std::mem::take(&mut self.wire.batch);
        self.dispatcher.outbox().swap_into(&mut batch);
        for item in batch.drain(..) {
            match item {
                Outbound::Journal(e) => {
                    if let Some(j) = &mut self.journal {
                        j.append(e);
                    }
                }
                Outbound::Place(p) => {
                    if self.wire.place(&p) {
                        latency::record(
                            &mut self.latency.end_to_end,
                            now_ns().saturating_sub(p.t_recv_ns),
                        );
                    } else {
                        self.dispatcher.on_write_failed(&p, now_ns());
                    }
                }
                Outbound::Cancel { order_id } => {
                    if !self.wire.write(&Request::CancelOrder { order_id }) {
                        self.dispatcher.on_request_write_failed();
                    }
                }
                Outbound::Control(c) => {
                    if !self.wire.control(c) {
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
        self.wire.batch = batch;
        // A failed write may have ended orders (journal records, re-sends): carry those out too.
        if !self.dispatcher.outbox().is_empty() {
            self.flush();
        }
    }
}

impl Wire {
    /// Writes a request on the session; false when it could not be written.
    fn write(&mut self, req: &Request<'_>) -> bool {
        self.out.clear();
        req.encode_text(&mut self.out);
        match &mut self.writer {
            Some(w) => write_all_nonblocking(w, &self.out),
            None => false,
        }
    }

    fn place(&mut self, p: &PlaceOrder) -> bool {
        let mut order_ref = ArrayString::<24>::new();
        let _ = order_ref.try_push_str(itoa::Buffer::new().format(p.seq));
        let account = std::mem::take(&mut self.account);
        let symbol = std::mem::take(&mut self.symbols[p.instrument as usize]);
        let written = self.write(&Request::PlaceOrder(OrderRequest {
            order_id: p.order_id,
            contract: ContractSpec::stock(&symbol),
            action: p.side.as_str(),
            total_quantity: p.qty as f64,
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
        self.symbols[p.instrument as usize] = symbol;
        written
    }

    fn control(&mut self, c: Control) -> bool {
        match c {
            Control::Executions => {
                let filter = ExecutionFilter {
                    client_id: self.client_id,
                    account: "",
                    time: "",
                    symbol: "",
                    sec_type: "",
                    exchange: "",
                    side: "",
                };
                self.write(&Request::Executions {
                    req_id: RECONCILE_REQ_ID,
                    filter,
                })
            }
            Control::OpenOrders => self.write(&Request::OpenOrders),
            Control::Positions => self.write(&Request::Positions),
            Control::CancelPositions => self.write(&Request::CancelPositions),
            Control::Subscribe(instrument) => {
                let Some(symbol) = self.symbols.get_mut(instrument as usize) else {
                    return false;
                };
                let symbol = std::mem::take(symbol);
                let req_id = req_id(instrument);
                let contract = ContractSpec::stock(&symbol);
                let req = if self.tick_by_tick {
                    Request::TickByTick {
                        req_id,
                        contract,
                        tick_type: "BidAsk",
                        number_of_ticks: 0,
                        ignore_size: false,
                    }
                } else {
                    Request::MarketData {
                        req_id,
                        contract,
                        generic_ticks: "",
                        snapshot: false,
                    }
                };
                let written = self.write(&req);
                self.symbols[instrument as usize] = symbol;
                written
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
