//! Stage 4, dispatch: pre-trade checks, the outbound message-rate limiter, order ids, PLACE_ORDER
//! encoded into a preallocated buffer and written to the socket; order state, fills (de-duplicated
//! by execution id), positions, realized PnL and commissions from the gateway's order messages.
//!
//! Every table is sized at start-up; nothing allocates per order or per fill. Executions are also
//! logged (up to `engine.fills_capacity`) for the run directory's `fills.csv`.

use crate::engine::wait::Waiter;
use crate::io::{ExecId, OrderEvent, OrderMsg, OrderStatusKind};
use crate::latency::{self, now_ns};
use crate::params::RiskParams;
use crate::record::{FillRecord, FixedLog};
use crate::signal::IntentMsg;
use crate::strategy::Side;
use crate::wire::{ContractSpec, OrderRequest, Request};
use arrayvec::ArrayString;
use hdrhistogram::Histogram;
use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Execution ids remembered for de-duplication.
const SEEN_EXECS: usize = 4096;
/// Pair tickets (both legs of one intent) remembered at once.
const TICKETS: usize = 1024;
/// Tickets waiting for both legs to fill at once.
const OPEN_TICKETS: usize = 1024;
/// Attempts at an unwind before its leg is declared naked.
const UNWIND_RETRIES: u8 = 5;

/// Orders delayed by the rate limiter that can wait at once.
const PENDING: usize = 1024;

/// Sends remembered by the exact limiter: IB's ceiling is 50 per second.
const RATE_WINDOW: usize = 64;
/// The limiter's sliding window: IB's one second plus a margin for delivery jitter.
pub const RATE_WINDOW_NS: u64 = 1_250_000_000;

/// The outbound message-rate limiter. Up to 64 per second it is exact: at most `per_sec` sends in
/// any sliding window of [`RATE_WINDOW_NS`] (a token bucket would allow twice the rate across a
/// window boundary, which IB counts as a violation). The window is a quarter longer than IB's
/// second so that delivery jitter (a batch read late by the server) cannot squeeze two windows'
/// worth into one of its seconds. Above 64 per second (measurement modes only) it is a token
/// bucket.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    max: usize,
    /// Times of the last `max` sends, oldest at `head`.
    sent: [u64; RATE_WINDOW],
    head: usize,
    len: usize,
    rate: f64,
    tokens: f64,
    last_ns: u64,
}

impl RateLimiter {
    /// At most `per_sec` messages per second.
    pub fn new(per_sec: u32, now: u64) -> Self {
        RateLimiter {
            max: per_sec as usize,
            sent: [0; RATE_WINDOW],
            head: 0,
            len: 0,
            rate: per_sec as f64,
            tokens: per_sec as f64,
            last_ns: now,
        }
    }

    /// Takes a send slot if one is available at `now` (monotonic ns).
    ///
    /// # Examples
    /// ```
    /// let mut l = hft::dispatch::RateLimiter::new(2, 0);
    /// assert!(l.try_take(0) && l.try_take(1) && !l.try_take(2));
    /// assert!(!l.try_take(999_999_999)); // still within the window of the first send
    /// assert!(l.try_take(hft::dispatch::RATE_WINDOW_NS));
    /// ```
    #[inline]
    pub fn try_take(&mut self, now: u64) -> bool {
        if self.max > RATE_WINDOW {
            let elapsed = now.saturating_sub(self.last_ns) as f64 / 1e9;
            self.tokens = (self.tokens + elapsed * self.rate).min(self.rate);
            self.last_ns = now;
            if self.tokens >= 1.0 {
                self.tokens -= 1.0;
                return true;
            }
            return false;
        }
        if self.len < self.max {
            self.sent[(self.head + self.len) % self.max] = now;
            self.len += 1;
            return true;
        }
        if self.max > 0 && now.saturating_sub(self.sent[self.head]) >= RATE_WINDOW_NS {
            self.sent[self.head] = now;
            self.head = (self.head + 1) % self.max;
            return true;
        }
        false
    }
}

/// One order the engine sent.
#[derive(Debug, Clone, Copy)]
struct OrderSlot {
    order_id: i32,
    instrument: u16,
    pair: u16,
    /// The pair ticket and leg this order belongs to.
    ticket: u32,
    leg: u8,
    /// Event time of the triggering tick.
    signal_t_ns: u64,
    qty: f64,
    filled: f64,
    status: OrderStatusKind,
}

/// Position in one instrument.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct PositionState {
    pub qty: f64,
    pub avg_cost: f64,
    pub realized: f64,
    pub commissions: f64,
}

/// Dispatch counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DispatchCounters {
    pub intents: u64,
    pub orders_sent: u64,
    pub rejected_by_risk: u64,
    pub delayed_by_rate_limit: u64,
    pub dropped_rate_limit_full: u64,
    pub fills: u64,
    pub duplicate_fills: u64,
    pub unknown_order_fills: u64,
    /// Fills whose instrument or quantity do not match the order sent.
    pub inconsistent_fills: u64,
    pub commission_reports: u64,
    pub order_errors: u64,
    pub notices: u64,
    pub orders_filled: u64,
    pub orders_cancelled: u64,
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
    /// Market orders sent to flatten after the kill switch.
    pub flatten_orders: u64,
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
    /// Commissions whose execution was not seen (e.g. from before start-up).
    pub unattributed_commissions: f64,
    pub disconnected: bool,
    /// Executions in arrival order, with their commissions.
    pub fills: FixedLog<FillRecord>,
}

/// One leg of a pair ticket.
#[derive(Debug, Clone, Copy)]
struct LegState {
    instrument: u16,
    side: Side,
    qty: f64,
    filled: f64,
    /// The leg's order is over (filled, rejected, cancelled) and will not fill further.
    done: bool,
}

/// Where a pair trade stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TicketState {
    Working,
    Hedged,
    Unwound,
}

/// Both legs of one intent, tracked until hedged or unwound.
#[derive(Debug, Clone, Copy)]
struct Ticket {
    id: u32,
    pair: u16,
    seq: u64,
    opened_ns: u64,
    retries: u8,
    state: TicketState,
    /// An unwind of a legged trade: its failure leaves a naked leg.
    unwind: bool,
    legs: [LegState; 2],
}

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
}

/// The dispatch thread's state.
pub struct DispatchStage {
    pub intents: rtrb::Consumer<IntentMsg>,
    pub orders: rtrb::Consumer<OrderMsg>,
    pub writer: TcpStream,
    pub symbols: Vec<String>,
    pub account: String,
    pub next_order_id: i32,
    pub risk: RiskParams,
    pub limiter: RateLimiter,
    pub waiter: Waiter,
    /// Set by signal when it has stopped.
    pub upstream_done: Arc<AtomicBool>,
    /// After upstream is done, keep reading order events until this monotonic deadline.
    pub drain_until: Arc<std::sync::atomic::AtomicU64>,
    /// Set when the kill switch trips (loss limit): the engine stops, dispatch trades no more.
    pub killed: Arc<AtomicBool>,
    /// Flatten attempts left after the kill switch.
    flatten_attempts: u8,
    out: Vec<u8>,
    slots: Box<[Option<OrderSlot>]>,
    first_order_id: i32,
    positions: Box<[PositionState]>,
    /// Recent executions: id, instrument and index in `fills` (`u32::MAX` when not logged), for
    /// de-duplication and commission attribution.
    seen: Box<[(ExecId, u16, u32)]>,
    fills: FixedLog<FillRecord>,
    unattributed_commissions: f64,
    seen_next: usize,
    pending: arrayvec::ArrayVec<PendingOrder, PENDING>,
    /// Pair tickets by id modulo [`TICKETS`], and the ids still working.
    tickets: Box<[Option<Ticket>]>,
    open_tickets: arrayvec::ArrayVec<u32, OPEN_TICKETS>,
    next_ticket: u32,
    /// Pairs that stopped trading after an unwind.
    blocked_pairs: Box<[bool]>,
    open_orders: usize,
    counters: DispatchCounters,
    hist: [Histogram<u64>; 5],
    disconnected: bool,
}

impl DispatchStage {
    /// Builds the stage with all tables allocated, logging up to `fills_capacity` executions.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        intents: rtrb::Consumer<IntentMsg>,
        orders: rtrb::Consumer<OrderMsg>,
        writer: TcpStream,
        symbols: Vec<String>,
        account: String,
        next_order_id: i32,
        risk: RiskParams,
        waiter: Waiter,
        upstream_done: Arc<AtomicBool>,
        drain_until: Arc<std::sync::atomic::AtomicU64>,
        fills_capacity: usize,
    ) -> Self {
        let n = symbols.len();
        DispatchStage {
            intents,
            orders,
            writer,
            account,
            next_order_id,
            limiter: RateLimiter::new(risk.max_messages_per_sec, now_ns()),
            risk,
            waiter,
            upstream_done,
            drain_until,
            out: Vec::with_capacity(8192),
            slots: vec![None; risk.max_orders].into_boxed_slice(),
            first_order_id: next_order_id,
            positions: vec![PositionState::default(); n].into_boxed_slice(),
            seen: vec![(ExecId::new(), u16::MAX, u32::MAX); SEEN_EXECS].into_boxed_slice(),
            fills: FixedLog::preallocated(fills_capacity),
            unattributed_commissions: 0.0,
            seen_next: 0,
            pending: arrayvec::ArrayVec::new(),
            killed: Arc::new(AtomicBool::new(false)),
            flatten_attempts: 3,
            tickets: vec![None; TICKETS].into_boxed_slice(),
            open_tickets: arrayvec::ArrayVec::new(),
            next_ticket: 1,
            blocked_pairs: vec![false; 4096].into_boxed_slice(),
            open_orders: 0,
            counters: DispatchCounters::default(),
            hist: std::array::from_fn(|_| latency::histogram()),
            disconnected: false,
            symbols,
        }
    }

    fn slot_index(&self, order_id: i32) -> Option<usize> {
        let offset = order_id.checked_sub(self.first_order_id)?;
        let i = usize::try_from(offset).ok()? % self.slots.len();
        match self.slots[i] {
            Some(s) if s.order_id == order_id => Some(i),
            _ => None,
        }
    }

    /// Runs until upstream is done, intents are drained and the drain deadline passed.
    pub fn run(mut self) -> DispatchReport {
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
            if !self.open_tickets.is_empty() {
                self.check_timeouts();
            }
            if worked {
                self.waiter.reset();
                continue;
            }
            if self.upstream_done.load(Ordering::Acquire) && self.intents.is_empty() {
                // After the kill switch (or at the end of a run when asked), positions left by
                // trades still in flight are closed too.
                let flatten = (self.counters.kill_switch > 0 && self.risk.flatten_on_kill)
                    || self.risk.flatten_on_stop;
                if flatten
                    && self.pending.is_empty()
                    && self.open_orders == 0
                    && self.positions.iter().any(|p| p.qty != 0.0)
                    && self.flatten_attempts > 0
                {
                    self.flatten();
                    continue;
                }
                // Done when nothing is waiting or working, or at the hard deadline.
                let settled = self.pending.is_empty()
                    && self.open_orders == 0
                    && self.open_tickets.is_empty();
                if self.disconnected
                    || settled
                    || now_ns() >= self.drain_until.load(Ordering::Acquire)
                {
                    break;
                }
            }
            self.waiter.idle();
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
            unattributed_commissions: self.unattributed_commissions,
            disconnected: self.disconnected,
            fills: self.fills,
        }
    }

    fn on_intent(&mut self, msg: &IntentMsg) {
        self.counters.intents += 1;
        let intent = &msg.intent;
        let pair_blocked = self
            .blocked_pairs
            .get(intent.pair as usize)
            .copied()
            .unwrap_or(false);
        if self.counters.kill_switch > 0 || pair_blocked {
            self.counters.intents_blocked += 1;
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
        });
        if !orders.iter().all(|o| self.risk_allows(o)) || self.open_tickets.is_full() {
            self.counters.rejected_by_risk += 1;
            return;
        }
        let id = self.next_ticket;
        self.next_ticket = self.next_ticket.wrapping_add(1).max(1);
        let leg_state = |o: &PendingOrder| LegState {
            instrument: o.instrument,
            side: o.side,
            qty: o.qty as f64,
            filled: 0.0,
            done: false,
        };
        self.tickets[id as usize % TICKETS] = Some(Ticket {
            id,
            pair: intent.pair,
            seq: intent.seq,
            opened_ns: now_ns(),
            retries: 0,
            state: TicketState::Working,
            unwind: false,
            legs: [leg_state(&orders[0]), leg_state(&orders[1])],
        });
        self.open_tickets.push(id);
        for (k, mut order) in orders.into_iter().enumerate() {
            order.ticket = id;
            order.leg = k as u8;
            self.submit(order);
        }
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
            self.counters.kill_switch = 1;
            self.killed.store(true, Ordering::Release);
            tracing::error!(
                loss = -self.realized_net(),
                limit = self.risk.max_daily_loss,
                "kill switch: daily loss limit reached; no more trading"
            );
            if self.risk.flatten_on_kill {
                self.flatten();
            }
        }
    }

    /// Market orders closing every position (attempted a bounded number of times).
    fn flatten(&mut self) {
        if self.flatten_attempts == 0 {
            return;
        }
        self.flatten_attempts -= 1;
        for i in 0..self.positions.len() {
            let qty = self.positions[i].qty;
            if qty != 0.0 {
                self.counters.flatten_orders += 1;
                self.submit(PendingOrder {
                    instrument: i as u16,
                    pair: u16::MAX,
                    side: if qty > 0.0 { Side::Sell } else { Side::Buy },
                    qty: qty.abs().round() as u32,
                    seq: 0,
                    ticket: 0,
                    leg: 0,
                    t_recv_ns: now_ns(),
                    t_event_ns: 0,
                });
            }
        }
    }

    /// Sends now, or queues behind the rate limiter.
    fn submit(&mut self, order: PendingOrder) {
        if self.pending.is_empty() && self.limiter.try_take(now_ns()) {
            self.send(&order);
        } else {
            self.counters.delayed_by_rate_limit += 1;
            if self.pending.try_push(order).is_err() {
                self.counters.dropped_rate_limit_full += 1;
                self.leg_failed(order.ticket, order.leg);
            }
        }
    }

    fn ticket_mut(&mut self, id: u32) -> Option<&mut Ticket> {
        self.tickets[id as usize % TICKETS]
            .as_mut()
            .filter(|t| t.id == id)
    }

    /// A leg's order is over without filling completely.
    fn leg_failed(&mut self, ticket: u32, leg: u8) {
        if let Some(t) = self.ticket_mut(ticket) {
            t.legs[leg as usize].done = true;
        }
        self.check_ticket(ticket, false);
    }

    /// Re-evaluates a ticket after a change; `timed_out` forces a decision on unfilled legs.
    fn check_ticket(&mut self, id: u32, timed_out: bool) {
        let Some(t) = self.ticket_mut(id).copied() else {
            return;
        };
        if t.state != TicketState::Working {
            return;
        }
        let complete = |l: &LegState| l.filled + 1e-9 >= l.qty;
        if t.legs.iter().all(complete) {
            self.close_ticket(id, TicketState::Hedged);
            return;
        }
        // A leg is missing when its order ended short, or when time ran out.
        let missing: arrayvec::ArrayVec<usize, 2> = (0..2)
            .filter(|&k| !complete(&t.legs[k]) && (t.legs[k].done || timed_out))
            .collect();
        if missing.is_empty() {
            return;
        }
        self.counters.legged += 1;
        let any_filled = t.legs.iter().any(|l| l.filled > 0.0);
        if !t.unwind && !any_filled && missing.len() == 2 {
            // Nothing traded: no exposure, nothing to repair.
            self.close_ticket(id, TicketState::Hedged);
            return;
        }
        let max_retries = if t.unwind {
            UNWIND_RETRIES
        } else {
            self.risk.leg_retries
        };
        if t.retries < max_retries {
            // Complete the hedge (or the unwind): re-send what each missing leg still lacks.
            if let Some(tm) = self.ticket_mut(id) {
                tm.retries += 1;
                tm.opened_ns = now_ns();
                for &k in &missing {
                    tm.legs[k].done = false;
                }
            }
            for &k in &missing {
                let l = t.legs[k];
                self.counters.leg_resends += 1;
                self.submit(PendingOrder {
                    instrument: l.instrument,
                    pair: t.pair,
                    side: l.side,
                    qty: (l.qty - l.filled).round() as u32,
                    seq: t.seq,
                    ticket: id,
                    leg: k as u8,
                    t_recv_ns: now_ns(),
                    t_event_ns: 0,
                });
            }
            return;
        }
        if t.unwind {
            self.close_ticket(id, TicketState::Unwound);
            for l in t.legs.iter().filter(|l| l.filled + 1e-9 < l.qty) {
                self.counters.naked_legs += 1;
                tracing::error!(
                    pair = t.pair,
                    instrument = l.instrument,
                    missing = l.qty - l.filled,
                    "naked leg: the unwind did not fill"
                );
            }
            return;
        }
        // Retries exhausted: take back whatever filled and stop trading the pair.
        self.counters.leg_unwinds += 1;
        tracing::warn!(
            pair = t.pair,
            ticket = id,
            "legged pair trade: unwinding the filled leg; the pair stops trading"
        );
        if let Some(b) = self.blocked_pairs.get_mut(t.pair as usize) {
            *b = true;
        }
        self.close_ticket(id, TicketState::Unwound);
        if self.open_tickets.is_full() {
            self.counters.naked_legs += 1;
            tracing::error!(pair = t.pair, "naked leg: no room to track the unwind");
            return;
        }
        let unwind_id = self.next_ticket;
        self.next_ticket = self.next_ticket.wrapping_add(1).max(1);
        let reverse = |l: &LegState| LegState {
            instrument: l.instrument,
            side: l.side.opposite(),
            qty: l.filled.round(),
            filled: 0.0,
            done: false,
        };
        self.tickets[unwind_id as usize % TICKETS] = Some(Ticket {
            id: unwind_id,
            pair: t.pair,
            seq: t.seq,
            opened_ns: now_ns(),
            retries: 0,
            state: TicketState::Working,
            unwind: true,
            legs: [reverse(&t.legs[0]), reverse(&t.legs[1])],
        });
        self.open_tickets.push(unwind_id);
        for (k, l) in t.legs.iter().enumerate() {
            let qty = l.filled.round() as u32;
            if qty > 0 {
                self.submit(PendingOrder {
                    instrument: l.instrument,
                    pair: t.pair,
                    side: l.side.opposite(),
                    qty,
                    seq: t.seq,
                    ticket: unwind_id,
                    leg: k as u8,
                    t_recv_ns: now_ns(),
                    t_event_ns: 0,
                });
            }
        }
        // An unwind with nothing to do is settled at once.
        self.check_ticket(unwind_id, false);
    }

    fn close_ticket(&mut self, id: u32, state: TicketState) {
        if let Some(t) = self.ticket_mut(id) {
            t.state = state;
        }
        self.open_tickets.retain(|x| *x != id);
    }

    /// Legs that did not fill in time.
    fn check_timeouts(&mut self) {
        let limit = self.risk.leg_timeout_ms * 1_000_000;
        let now = now_ns();
        let mut k = 0;
        while k < self.open_tickets.len() {
            let id = self.open_tickets[k];
            let late = self
                .ticket_mut(id)
                .is_some_and(|t| now.saturating_sub(t.opened_ns) > limit);
            if late {
                self.check_ticket(id, true);
            }
            // check_ticket may have removed it; only advance past tickets still open.
            if self.open_tickets.get(k) == Some(&id) {
                k += 1;
            }
        }
    }

    fn risk_allows(&self, o: &PendingOrder) -> bool {
        let r = &self.risk;
        let pos = self
            .positions
            .get(o.instrument as usize)
            .map_or(0.0, |p| p.qty);
        let after = pos
            + if o.side == Side::Buy {
                o.qty as f64
            } else {
                -(o.qty as f64)
            };
        o.qty as f64 <= r.max_order_qty
            && after.abs() <= r.max_position
            && self.open_orders < r.max_open_orders
    }

    fn send_pending(&mut self) -> bool {
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

    fn send(&mut self, o: &PendingOrder) {
        let order_id = self.next_order_id;
        self.next_order_id += 1;
        let mut order_ref = ArrayString::<24>::new();
        let _ = order_ref.try_push_str(itoa::Buffer::new().format(o.seq));
        let symbol = &self.symbols[o.instrument as usize];
        let req = Request::PlaceOrder(OrderRequest {
            order_id,
            contract: ContractSpec::stock(symbol),
            action: o.side.as_str(),
            total_quantity: o.qty as f64,
            order_type: "MKT",
            lmt_price: f64::MAX,
            aux_price: f64::MAX,
            tif: "DAY",
            account: &self.account,
            order_ref: &order_ref,
            transmit: true,
            parent_id: 0,
        });
        self.out.clear();
        req.encode_text(&mut self.out);
        if !write_all_nonblocking(&mut self.writer, &self.out) {
            self.counters.write_errors += 1;
            if o.ticket != 0 {
                self.leg_failed(o.ticket, o.leg);
            }
            return;
        }
        latency::record(&mut self.hist[2], now_ns().saturating_sub(o.t_recv_ns));
        self.counters.orders_sent += 1;
        self.open_orders += 1;
        let i = (order_id - self.first_order_id) as usize % self.slots.len();
        self.slots[i] = Some(OrderSlot {
            order_id,
            instrument: o.instrument,
            pair: o.pair,
            ticket: o.ticket,
            leg: o.leg,
            signal_t_ns: o.t_event_ns,
            qty: o.qty as f64,
            filled: 0.0,
            status: OrderStatusKind::PendingSubmit,
        });
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
                let slot = self.slots[i].as_mut().expect("slot_index checked");
                let was_terminal = slot.status.is_terminal();
                slot.status = status;
                slot.filled = slot.filled.max(filled);
                if status.is_terminal() && !was_terminal {
                    self.open_orders = self.open_orders.saturating_sub(1);
                    match status {
                        OrderStatusKind::Filled => self.counters.orders_filled += 1,
                        _ => self.counters.orders_cancelled += 1,
                    }
                    let (ticket, leg) = (slot.ticket, slot.leg);
                    if ticket != 0 && status != OrderStatusKind::Filled {
                        self.leg_failed(ticket, leg);
                    }
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
            } => {
                if self.seen.iter().any(|(id, _, _)| *id == exec_id) {
                    self.counters.duplicate_fills += 1;
                    return;
                }
                let seen_at = self.seen_next;
                self.seen[seen_at] = (exec_id, instrument, u32::MAX);
                self.seen_next = (self.seen_next + 1) % SEEN_EXECS;
                let (mut pair, mut signal_t_ns) = (u16::MAX, 0);
                match self.slot_index(order_id) {
                    Some(i) => {
                        let slot = self.slots[i].as_mut().expect("slot_index checked");
                        if slot.instrument != instrument || slot.filled + shares > slot.qty + 1e-9 {
                            self.counters.inconsistent_fills += 1;
                        }
                        (pair, signal_t_ns) = (slot.pair, slot.signal_t_ns);
                        let (ticket, leg) = (slot.ticket, slot.leg);
                        if ticket != 0 {
                            if let Some(t) = self.ticket_mut(ticket) {
                                t.legs[leg as usize].filled += shares;
                            }
                            self.check_ticket(ticket, false);
                        }
                    }
                    None => self.counters.unknown_order_fills += 1,
                }
                let Some(pos) = self.positions.get_mut(instrument as usize) else {
                    self.counters.unknown_order_fills += 1;
                    return;
                };
                self.counters.fills += 1;
                let signed = if buy { shares } else { -shares };
                apply_fill(pos, signed, price);
                let index = self.fills.len();
                let logged = self.fills.push(FillRecord {
                    t_ns: msg.t_recv_ns,
                    signal_t_ns,
                    order_id,
                    instrument,
                    pair,
                    qty: signed,
                    price,
                    commission: 0.0,
                });
                if logged {
                    self.seen[seen_at].2 = index as u32;
                }
                self.check_loss();
            }
            OrderEvent::Commission {
                exec_id,
                commission,
                ..
            } => {
                self.counters.commission_reports += 1;
                match self.seen.iter().find(|(id, _, _)| *id == exec_id) {
                    Some(&(_, instrument, fill))
                        if (instrument as usize) < self.positions.len() =>
                    {
                        self.positions[instrument as usize].commissions += commission;
                        if let Some(f) = self.fills.get_mut(fill as usize) {
                            f.commission += commission;
                        }
                    }
                    _ => self.unattributed_commissions += commission,
                }
                self.check_loss();
            }
            OrderEvent::Error { id, code } => {
                if (2100..2200).contains(&code) || code == 202 || id < 0 {
                    self.counters.notices += 1;
                } else {
                    self.counters.order_errors += 1;
                }
                // A rejection may come without a status: the order is over.
                if code == crate::wire::ids::codes::ORDER_REJECTED {
                    if let Some(i) = self.slot_index(id) {
                        let slot = self.slots[i].as_mut().expect("slot_index checked");
                        if !slot.status.is_terminal() {
                            slot.status = OrderStatusKind::Inactive;
                            self.open_orders = self.open_orders.saturating_sub(1);
                            self.counters.orders_cancelled += 1;
                            let (ticket, leg) = (slot.ticket, slot.leg);
                            if ticket != 0 {
                                self.leg_failed(ticket, leg);
                            }
                        }
                    }
                }
            }
            OrderEvent::NextValidId(id) => {
                if id > self.next_order_id {
                    self.next_order_id = id;
                }
            }
            OrderEvent::Disconnected => self.disconnected = true,
        }
    }
}

/// Applies a signed fill to a position with average-cost accounting.
fn apply_fill(pos: &mut PositionState, signed: f64, price: f64) {
    if pos.qty == 0.0 || pos.qty.signum() == signed.signum() {
        let new_qty = pos.qty + signed;
        pos.avg_cost = (pos.avg_cost * pos.qty.abs() + price * signed.abs()) / new_qty.abs();
        pos.qty = new_qty;
    } else {
        let closing = signed.abs().min(pos.qty.abs());
        pos.realized += (price - pos.avg_cost) * closing * pos.qty.signum();
        let new_qty = pos.qty + signed;
        if new_qty == 0.0 {
            pos.avg_cost = 0.0;
        } else if new_qty.signum() != pos.qty.signum() {
            pos.avg_cost = price;
        }
        pos.qty = new_qty;
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
