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
/// Orders delayed by the rate limiter that can wait at once.
const PENDING: usize = 1024;

/// A token bucket over every outbound message: `rate` per second, bursts up to `rate`.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    rate: f64,
    tokens: f64,
    last_ns: u64,
}

impl RateLimiter {
    /// At most `per_sec` messages per second.
    pub fn new(per_sec: u32, now: u64) -> Self {
        RateLimiter {
            rate: per_sec as f64,
            tokens: per_sec as f64,
            last_ns: now,
        }
    }

    /// Takes a token if one is available at `now`.
    ///
    /// # Examples
    /// ```
    /// let mut l = hft::dispatch::RateLimiter::new(2, 0);
    /// assert!(l.try_take(0) && l.try_take(0) && !l.try_take(0));
    /// assert!(l.try_take(500_000_000)); // half a second refills one token
    /// ```
    #[inline]
    pub fn try_take(&mut self, now: u64) -> bool {
        let elapsed = now.saturating_sub(self.last_ns) as f64 / 1e9;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.rate);
        self.last_ns = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// One order the engine sent.
#[derive(Debug, Clone, Copy)]
struct OrderSlot {
    order_id: i32,
    instrument: u16,
    pair: u16,
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

#[derive(Debug, Clone, Copy)]
struct PendingOrder {
    instrument: u16,
    pair: u16,
    side: Side,
    qty: u32,
    seq: u64,
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
            if worked {
                self.waiter.reset();
                continue;
            }
            if self.upstream_done.load(Ordering::Acquire) && self.intents.is_empty() {
                // Done when nothing is waiting or working, or at the hard deadline.
                let settled = self.pending.is_empty() && self.open_orders == 0;
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
        for leg in msg.intent.legs {
            let order = PendingOrder {
                instrument: leg.instrument,
                pair: msg.intent.pair,
                side: leg.side,
                qty: leg.qty,
                seq: msg.intent.seq,
                t_recv_ns: msg.t_recv_ns,
                t_event_ns: msg.intent.t_ns,
            };
            if !self.risk_allows(&order) {
                self.counters.rejected_by_risk += 1;
                continue;
            }
            if self.pending.is_empty() && self.limiter.try_take(now_ns()) {
                self.send(&order);
            } else {
                self.counters.delayed_by_rate_limit += 1;
                if self.pending.try_push(order).is_err() {
                    self.counters.dropped_rate_limit_full += 1;
                }
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
            }
            OrderEvent::Error { id, code } => {
                if (2100..2200).contains(&code) || code == 202 || id < 0 {
                    self.counters.notices += 1;
                } else {
                    self.counters.order_errors += 1;
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
