//! Stage 4, dispatch: the [`Dispatcher`] state machine and the thread that owns the socket
//! ([`DispatchStage`], in `stage.rs`).
//!
//! The dispatcher takes intents, order events and the time `now`, and appends what must happen
//! to its [`Outbox`]: journal records and messages for the gateway (orders, cancels,
//! reconciliation and market-data requests), in the order they must happen. It owns no socket,
//! thread, queue or clock, so a unit test drives it through any sequence of IB messages, and the
//! backtest runs the same dispatcher against the exchange matcher.
//!
//! It does: pre-trade checks, the outbound message-rate limiter, order ids, the order state
//! machine, fills (de-duplicated by execution id), positions, PnL and commissions per instrument
//! and per pair, pair legging, the kill switch, and the session (reconnection, reconciliation
//! with the gateway). Every table is sized at start-up; nothing allocates per order or per fill.
//!
//! ```text
//!  intent ──> risk (link up, feed fresh, limits) ──> ticket (both legs) ──> rate limiter ──> outbox
//!  order events ──> order slots ──> fills once (ExecTable) ──> positions, pair books, journal
//!                                 └─> tickets: hedged | resend missing leg | unwind, stop the pair
//! ```

mod book;
mod combo;
mod combo_resume;
mod combo_route;
mod counters;
mod execution;
mod fills;
mod limiter;
mod link;
mod netting;
mod orders;
mod outbox;
mod rebalance_parts;
mod risk;
mod shared;
mod stage;
mod tickets;
mod view;
mod wire_combo;
mod wire_out;

pub use book::{ExecTable, LegBook, PairBook, PositionState, SeenExec};
pub use combo::ComboKind;
pub use counters::{DispatchCounters, DispatchOutcome, KillReason};
pub use execution::OrderKind;
pub use limiter::{RATE_WINDOW_NS, RateLimiter};
pub use link::RECONCILE_REQ_ID;
pub use netting::CrossStats;
pub use outbox::{Control, Outbound, Outbox, PlaceOrder};
pub use shared::{Owner, STEP_BASKETS, allocate};
pub use stage::{DispatchReport, DispatchSetup, DispatchStage, FINAL_GRACE, WRITE_STALL_LIMIT};

use crate::config::{ExecutionParams, Policy, RiskParams};
use crate::journal::{JournalEntry, Recovered};
use crate::normalize::FeedState;
use crate::record::{FillRecord, FixedLog};
use crate::types::{IntentMsg, IntentOutcome, MAX_BASKET_LEGS, OrderMsg, OrderStatusKind, Side};
use link::Link;
use std::sync::Arc;
use tickets::Ticket;

/// Pair tickets (both legs of one intent) remembered at once.
const TICKETS: usize = 1024;
/// Tickets waiting for both legs to fill at once.
const OPEN_TICKETS: usize = 1024;
/// Orders and cancels delayed by the rate limiter (or a session being down) at once.
const PENDING: usize = 1024;
/// Control requests waiting for the rate limiter at once, besides one subscription per
/// instrument (each queued once): the reconciliation rounds' always find room.
const CONTROLS: usize = 512;
/// How often the staleness watchdog and the leg timeouts look.
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
    status_filled: f64,
    /// ... and as the executions received add up (either may come first; see
    /// [`OrderSlot::filled`]).
    exec_filled: f64,
    buy: bool,
    /// A flatten, close or unwind order: not cancelled when the engine winds down.
    reducing: bool,
    /// A cancel was asked for because a close or the kill took over from its entry.
    cancel_asked: bool,
    /// A reconciliation found it neither listed nor filled: one more look before it ends.
    unlisted: bool,
    /// When IB's 202 said it was cancelled while no final status had come (0: no such 202).
    cancel_reported_ns: u64,
    status: OrderStatusKind,
    /// Reconciliation round in which the gateway last reported it working.
    epoch: u32,
    /// Where a working order's slot index sits in [`Dispatcher::live`].
    live_at: u32,
    /// The combo this order is a leg of (`combo.rs`).
    combo: Option<combo::ComboSlot>,
}

/// Something waiting for the limiter: an order, or a cancel (`cancel_id != 0`).
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
    /// Event time of the triggering tick (0: no tick triggered it, see
    /// [`PendingOrder::triggered_by_tick`]).
    t_event_ns: u64,
    cancel_id: i32,
    /// A `combo`: leg B's shares (its instrument and side are its ticket's second leg); this
    /// order's own fields are leg A's. 0: a single order.
    combo_b: u32,
}

impl PendingOrder {
    /// Whether a tick's intent triggered this order. Re-sends, hedges, give-ups and flattens
    /// are built by the dispatcher on its own clock with no event time.
    fn triggered_by_tick(&self) -> bool {
        self.t_event_ns != 0
    }
}

/// What dispatch knows of one strategy slot: a pair (two legs) or a basket (up to
/// [`MAX_BASKET_LEGS`]). Every rule below (targets, closes, unwinds, adoption) is written over the
/// slot's legs, so pairs and baskets share it.
#[derive(Debug, Clone, Copy)]
struct PairState {
    /// Every leg as the slot's own orders traded it.
    book: LegBook,
    /// What each leg will hold once every order submitted for it completes (the book plus
    /// what is working or queued). Entries need it flat; closes are sized from it.
    target: [f64; MAX_BASKET_LEGS],
    /// A close waiting for the session, for the pair's entries to end, or for room in the
    /// ticket table.
    close_pending: bool,
    /// The sequence number of the intent behind that close (0: none, e.g. an adoption), and
    /// the event time of its tick.
    close_seq: u64,
    close_t_ns: u64,
    /// The pair stopped trading after an unwind.
    blocked: bool,
    /// Fresh flattens this pair needed after a reducing trade failed.
    flattens: u8,
    /// A position adopted from the gateway changed the book: the pair is to be closed.
    adopted: bool,
    /// A basket's rebalance parts waiting for the intent that completes them.
    parts: rebalance_parts::RebalanceParts,
}

/// What the dispatcher is built from.
pub struct DispatcherSetup {
    pub symbols: Vec<String>,
    /// Instrument indices of each pair's legs.
    pub pairs: Vec<[u16; 2]>,
    /// Instrument indices of each basket's names (at most [`MAX_BASKET_LEGS`] each); baskets are
    /// the strategy slots after the pairs (basket `b` is slot `pairs.len() + b`).
    pub baskets: Vec<Vec<u16>>,
    pub account: String,
    pub client_id: i32,
    pub next_order_id: i32,
    pub risk: RiskParams,
    /// Converts monotonic stamps to Unix time for the journal.
    pub wall_offset_ns: u64,
    pub fills_capacity: usize,
    /// Requests already written on this session at start, charged to the rate limiter.
    pub requests_sent: u32,
    /// The feed normalize publishes (staleness, marks, and the touch that prices limits).
    pub feed: Arc<FeedState>,
    /// How orders are worked; `policies[p]` is pair `p`'s (missing: `execution.policy`).
    pub execution: ExecutionParams,
    pub policies: Vec<Policy>,
    /// Each pair's leader leg (0: A, 1: B), for `passive_leg = "leader"` (missing: A; params
    /// refuse a passive pair without one under that rule).
    pub leaders: Vec<Option<u8>>,
}

/// The dispatch state machine. See the module documentation.
pub struct Dispatcher {
    symbols: Vec<String>,
    account: String,
    next_order_id: i32,
    risk: RiskParams,
    limiter: RateLimiter,
    wall_offset_ns: u64,
    feed: Arc<FeedState>,
    execution: ExecutionParams,
    /// Each pair's execution policy.
    policies: Box<[Policy]>,
    /// Each pair's leader leg (0: A, 1: B).
    leaders: Box<[u8]>,
    /// The time of the call being handled (monotonic in the engine, event time in a backtest).
    now: u64,
    kill_reason: KillReason,
    /// Flatten attempts left (kill switch, end of run).
    flatten_attempts: u8,
    /// Upstream has stopped: working orders were cancelled once.
    stopping: bool,
    outbox: Outbox,
    slots: Box<[Option<OrderSlot>]>,
    first_order_id: i32,
    positions: Box<[PositionState]>,
    /// Per instrument: what it will hold once every order submitted for it completes (the
    /// position plus what is working or queued). Risk limits apply to this, so a decision does
    /// not depend on how fast fills come back.
    projected: Box<[f64]>,
    /// Pairs, then baskets.
    pairs: Box<[PairState]>,
    /// How many of `pairs` are pairs (the rest are baskets).
    pair_count: usize,
    seen: ExecTable,
    fills: FixedLog<FillRecord>,
    unattributed_commissions: f64,
    pending: arrayvec::ArrayVec<PendingOrder, PENDING>,
    /// Sized at start-up ([`CONTROLS`] and the instruments); it never grows.
    controls: std::collections::VecDeque<Control>,
    /// Pair tickets by id modulo [`TICKETS`], and the ids still working.
    tickets: Box<[Option<Ticket>]>,
    open_tickets: arrayvec::ArrayVec<u32, OPEN_TICKETS>,
    next_ticket: u32,
    /// The slots of the orders still working, in no order: what scans of working orders
    /// (cancels of a pair's entries, late legs, lost orders) walk instead of the whole table.
    /// Allocated for the whole table at start-up; `live.len()` is the number working.
    live: Vec<u32>,
    /// Scratch for scans of the working set ([`Dispatcher::begin_scan`]).
    scan: Vec<u32>,
    /// A close held back (see [`PairState::close_pending`]) may go now: a ticket ended (the
    /// entry it waited for, or room in the ticket table) or the session came back.
    closes_due: bool,
    /// Executions counted whose commission report has not come yet.
    commissions_awaited: u64,
    /// A cancel was dropped by the full queue since the last look (`orders.rs`).
    cancels_dropped: bool,
    link: Link,
    /// (start-up, subscribe) of a reconciliation a link loss interrupted: owed by the next one.
    unfinished_round: (bool, bool),
    /// Reconciliation round (order slots confirmed working carry it), the latest round whose
    /// answers were all in when trading resumed, and whether a combo that ended short waits for
    /// a new round (`combo.rs`).
    epoch: u32,
    reconciled_epoch: u32,
    combo_round_due: bool,
    /// Reconciliation answers asked for and not yet ended.
    outstanding: link::Outstanding,
    /// Gateway positions received in the current reconciliation.
    recon_positions: Box<[Option<(f64, f64)>]>,
    /// Per instrument: the difference (gateway - engine) the last reconciliation saw, not
    /// adopted before a second look confirms it (positions can lag executions).
    suspect: Box<[Option<f64>]>,
    /// Per instrument: when its latest execution was first counted (a position answer may not
    /// show it yet).
    last_fill_ns: Box<[u64]>,
    /// When the latest reconciliation round was asked for.
    round_asked_ns: u64,
    /// When the second look is due (0: none), and how many looks in a row found a change.
    recheck_at: u64,
    rechecks: u8,
    stale: Box<[bool]>,
    next_watchdog_ns: u64,
    counters: DispatchCounters,
    /// Netting across baskets: the open decision step, shared orders, crosses (`netting.rs`).
    nets: netting::Nets,
}

impl Dispatcher {
    /// Builds the dispatcher with all tables allocated, restoring `restored` (the journal of a
    /// previous run) when given. Nothing is sent until [`start`](Self::start).
    pub fn new(s: DispatcherSetup, restored: Option<&Recovered>, now: u64) -> Self {
        let n = s.symbols.len();
        let pair_count = s.pairs.len();
        let pairs: Box<[PairState]> = s
            .pairs
            .iter()
            .map(|p| &p[..])
            .chain(s.baskets.iter().map(|b| &b[..MAX_BASKET_LEGS.min(b.len())]))
            .map(|instruments| PairState {
                book: LegBook::new(instruments).unwrap_or_else(|| unreachable!("legs capped")),
                target: [0.0; MAX_BASKET_LEGS],
                close_pending: false,
                close_seq: 0,
                close_t_ns: 0,
                blocked: false,
                flattens: 0,
                adopted: false,
                parts: rebalance_parts::RebalanceParts::NONE,
            })
            .collect();
        let mut limiter = RateLimiter::new(s.risk.max_messages_per_sec, now);
        for _ in 0..s.requests_sent {
            limiter.charge(now);
        }
        let exec_capacity =
            s.risk.max_orders.max(s.fills_capacity) + restored.map_or(0, |r| r.executions.len());
        let mut d = Dispatcher {
            account: s.account,
            next_order_id: s.next_order_id,
            limiter,
            risk: s.risk,
            wall_offset_ns: s.wall_offset_ns,
            policies: (0..pairs.len())
                .map(|p| s.policies.get(p).copied().unwrap_or(s.execution.policy))
                .collect(),
            leaders: (0..pairs.len())
                .map(|p| s.leaders.get(p).copied().flatten().unwrap_or(0))
                .collect(),
            feed: s.feed,
            execution: s.execution,
            now,
            kill_reason: KillReason::None,
            flatten_attempts: 3,
            stopping: false,
            // One call appends at most: a flatten of every instrument and slot leg, the
            // cancels of every slot, and the subscriptions.
            outbox: Outbox::with_capacity(
                2 * (n + MAX_BASKET_LEGS * pairs.len() + s.risk.max_orders) + 64,
            ),
            slots: vec![None; s.risk.max_orders].into_boxed_slice(),
            first_order_id: s.next_order_id,
            positions: vec![PositionState::default(); n].into_boxed_slice(),
            projected: vec![0.0; n].into_boxed_slice(),
            pairs,
            pair_count,
            seen: ExecTable::with_capacity(exec_capacity),
            fills: FixedLog::preallocated(s.fills_capacity),
            unattributed_commissions: 0.0,
            pending: arrayvec::ArrayVec::new(),
            controls: std::collections::VecDeque::with_capacity(n + CONTROLS),
            tickets: vec![None; TICKETS].into_boxed_slice(),
            open_tickets: arrayvec::ArrayVec::new(),
            next_ticket: 1,
            live: Vec::with_capacity(s.risk.max_orders),
            scan: Vec::with_capacity(s.risk.max_orders),
            closes_due: false,
            commissions_awaited: 0,
            cancels_dropped: false,
            link: Link::Up,
            unfinished_round: (false, false),
            epoch: 0,
            reconciled_epoch: 0,
            combo_round_due: false,
            outstanding: link::Outstanding::default(),
            recon_positions: vec![None; n].into_boxed_slice(),
            suspect: vec![None; n].into_boxed_slice(),
            last_fill_ns: vec![0; n].into_boxed_slice(),
            round_asked_ns: 0,
            recheck_at: 0,
            rechecks: 0,
            stale: vec![false; n].into_boxed_slice(),
            next_watchdog_ns: 0,
            counters: DispatchCounters::default(),
            nets: netting::Nets::new(n, pair_count + s.baskets.len()),
            symbols: s.symbols,
        };
        if let Some(r) = restored {
            d.restore(r);
        }
        d
    }

    /// Starts the run: reconciles with the gateway; market data is requested once reconciled.
    pub fn start(&mut self, now: u64) {
        self.now = now;
        self.start_reconcile(true, true);
        self.send_pending();
    }

    /// An intent from the strategy.
    pub fn on_intent(&mut self, msg: &IntentMsg, now: u64) {
        self.now = now;
        self.handle_intent(msg);
        self.send_pending();
    }

    /// An order event (or a session event) from io.
    pub fn on_order_event(&mut self, msg: &OrderMsg, now: u64) {
        self.now = now;
        self.handle_order_event(msg);
        if self.closes_due {
            self.service_closes();
        }
        if self.counters.kill_switch > 0 {
            self.maybe_flatten();
        }
        self.send_pending();
    }

    /// Periodic work: requests waiting for the limiter go out; every 50 ms of `now`, leg
    /// timeouts, feed staleness and deferred closes are looked at. True when something was sent.
    #[inline]
    pub fn poll(&mut self, now: u64) -> bool {
        if self.controls.is_empty() && self.pending.is_empty() && now < self.next_watchdog_ns {
            return false;
        }
        self.poll_due(now)
    }

    /// The part of [`poll`](Self::poll) with something to do, out of line.
    #[cold]
    fn poll_due(&mut self, now: u64) -> bool {
        self.now = now;
        self.poll_recheck();
        let sent = self.send_pending();
        if now >= self.next_watchdog_ns {
            self.next_watchdog_ns = now + WATCHDOG_NS;
            self.cold_checks();
        }
        sent
    }

    /// Trips the kill switch (`hft kill`, or the engine's own request).
    pub fn kill_command(&mut self, now: u64) {
        self.now = now;
        self.kill(KillReason::Command);
    }

    /// Upstream has stopped: entries end, working entry orders are cancelled (once); then, when
    /// a flatten is wanted and nothing is in flight, the positions left are closed. True when a
    /// flatten was started (there is more to wait for; see [`settled`](Self::settled)).
    pub fn wind_down(&mut self, now: u64) -> bool {
        self.now = now;
        if !self.stopping {
            self.stopping = true;
            self.stop_entries(None);
        }
        // After the kill switch (or at the end of a run when asked), positions left by
        // trades still in flight are closed too.
        let started = self.maybe_flatten();
        self.send_pending();
        started
    }

    /// Nothing waits for the limiter, nothing is working, every ticket has ended, no
    /// reconciliation is waiting for answers (or for its second look), and no execution an
    /// order's status reported is still on its way (TWS may send the status first).
    pub fn settled(&self) -> bool {
        self.pending.is_empty()
            && self.live.is_empty()
            && self.open_tickets.is_empty()
            && !self.link.is_reconciling()
            && !self.executions_in_flight()
    }

    /// Executions counted whose commission report has not come yet: a run that ends now would
    /// book too little (TWS may report a commission well after its execution).
    pub fn commissions_pending(&self) -> u64 {
        self.commissions_awaited
    }

    /// The session is down (socket lost or 1100): nothing can settle until it is back.
    pub fn link_down(&self) -> bool {
        self.link == Link::Down
    }

    /// A reconciliation is waiting for its answers (or its second look).
    pub fn reconciling(&self) -> bool {
        self.link.is_reconciling()
    }

    /// A write of `place` failed: the order never left, so it ends here (its ticket sees a
    /// failed leg, its pair's target gives the quantity back).
    pub fn on_write_failed(&mut self, place: &PlaceOrder, now: u64) {
        self.now = now;
        self.counters.write_errors += 1;
        self.order_not_sent(place.order_id);
    }

    /// A control request or cancel could not be written (counted; io reports the lost session).
    pub fn on_request_write_failed(&mut self) {
        self.counters.write_errors += 1;
    }

    /// Records how many intent outcomes found the signal stage's queue full.
    pub fn set_outcomes_dropped(&mut self, n: u64) {
        self.counters.outcomes_dropped = n;
    }

    /// Records how often the journal's queue was full (reported with the counters).
    pub fn set_journal_full_waits(&mut self, waits: u64) {
        self.counters.journal_full_waits = waits;
    }

    /// Writes the fills log's preallocated room once (no page fault when fills are logged).
    pub fn prefault(&mut self) {
        self.fills.prefault();
    }

    /// Logs the pairs that end with one leg only and hands the end state over.
    pub fn finish(mut self) -> DispatchOutcome {
        self.counters.commissions_missing = self.commissions_awaited;
        if self.commissions_awaited > 0 {
            tracing::warn!(
                missing = self.commissions_awaited,
                "the run ends before these executions' commission reports came"
            );
        }
        for (p, s) in self.pairs[..self.pair_count].iter().enumerate() {
            let b = s.book.pair();
            if b.is_legged() {
                tracing::error!(
                    pair = p,
                    a = b.legs[0].qty,
                    b = b.legs[1].qty,
                    "the run ends with a naked leg in this pair"
                );
            }
        }
        DispatchOutcome {
            counters: self.counters,
            positions: self.positions.to_vec(),
            pair_books: self.pairs[..self.pair_count]
                .iter()
                .map(|p| p.book.pair())
                .collect(),
            basket_books: self.pairs[self.pair_count..]
                .iter()
                .map(|p| p.book)
                .collect(),
            basket_crosses: self.nets.crosses[self.pair_count..].to_vec(),
            unattributed_commissions: self.unattributed_commissions,
            disconnected: self.link == Link::Down,
            kill_reason: self.kill_reason,
            fills: self.fills,
        }
    }

    /// A flatten will take back what a failed entry leaves (now, or when the run winds down).
    fn wants_flatten(&self) -> bool {
        (self.counters.kill_switch > 0 && self.risk.flatten_on_kill) || self.risk.flatten_on_stop
    }

    /// Tells pair `pair`'s strategy what its intent `seq` came to: what the pair holds now
    /// (a basket: its gross and net shares), and whether its trade completed (nothing for seq
    /// 0, which no intent has).
    fn report_outcome(&mut self, pair: u16, seq: u64, reached: bool) {
        let Some(p) = self.pairs.get(pair as usize) else {
            return;
        };
        if seq == 0 {
            return;
        }
        let held = if (pair as usize) < self.pair_count {
            [0, 1].map(|k| p.book.legs()[k].qty.round() as i64)
        } else {
            p.book.gross_net()
        };
        self.outbox.push(Outbound::Outcome(IntentOutcome {
            pair,
            seq,
            held,
            reached,
        }));
    }

    /// True when slot `pair` is a basket (numbered after the pairs).
    fn is_basket(&self, pair: u16) -> bool {
        (pair as usize) >= self.pair_count && (pair as usize) < self.pairs.len()
    }

    fn journal(&mut self, e: JournalEntry) {
        self.outbox.push(Outbound::Journal(e));
    }

    fn wall_ns(&self) -> u64 {
        self.wall_offset_ns + self.now
    }
}

#[cfg(test)]
mod basket_tests;
#[cfg(test)]
mod combo_tests;
#[cfg(test)]
mod execution_tests;
#[cfg(test)]
mod exit_tests;
#[cfg(test)]
mod harness;
#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod money_tests;
#[cfg(test)]
mod netting_tests;
#[cfg(test)]
mod tests;
