//! Model-based test of the [`Dispatcher`]: seeded random schedules of intents, time, kills and
//! wind-downs against a simulated gateway that answers the way real TWS may (partial fills,
//! statuses before or after executions, replayed executions, late, repeated or early
//! commission reports, PendingCancel with fills after it, rejects without a status,
//! disconnections with interleaved reconciliation answers, fills racing them, positions lagging
//! executions, 1100/1101/1102). After every schedule the dispatcher must agree with the
//! gateway's ledger. A failing schedule names its seed; seeds that found a defect stay below as
//! regression tests.

mod basket;
mod checks;
mod gateway;
mod policy;
mod seeds;

use super::*;
use crate::types::{Direction, ExecId, IntentKind, Leg, OrderEvent, OrderIntent, Stamped};
use crate::wire::ids::codes;
use gateway::Gateway;
use policy::Execution;
use std::collections::{BTreeMap, BTreeSet};

const MS: u64 = 1_000_000;
/// Schedules per `cargo test`.
const SCHEDULES: u64 = 10_000;

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): a seeded generator small enough to carry here instead of a dependency.
pub(super) struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One schedule: the dispatcher, the gateway, and what the checks need to remember.
struct Model {
    rng: Rng,
    d: Dispatcher,
    gw: Gateway,
    feed: Arc<FeedState>,
    now: u64,
    risk: RiskParams,
    pairs: Vec<[u16; 2]>,
    /// Baskets (strategy slots after the pairs) and what their intents asked for.
    baskets: Vec<Vec<u16>>,
    asked: basket::Asked,
    batch: Vec<Outbound>,
    /// Ticket of each order sent (from its journal record).
    tickets: BTreeMap<i32, u32>,
    journaled_commissions: BTreeSet<ExecId>,
    /// The latest intent of each pair, and the intents an outcome came back for.
    last_intent: BTreeMap<u16, u64>,
    outcomes: BTreeSet<(u16, u64)>,
    next_seq: u64,
    stopping: bool,
    next_valid_id: i32,
    /// Prints every event and message (`TRACE=1`, with `debug_seed`).
    trace: bool,
    /// The pairs' execution policy and the quotes it prices from (its own random stream).
    exec: Execution,
}

impl Model {
    fn new(seed: u64, exec: Execution) -> Self {
        Self::shaped(seed, exec, false)
    }

    /// A schedule of pairs, or (`baskets`) of baskets beside at most one pair.
    fn shaped(seed: u64, exec: Execution, baskets: bool) -> Self {
        let mut rng = Rng(seed);
        let (pairs, baskets) = if baskets {
            basket::shape(&mut rng)
        } else {
            let two_pairs = rng.chance(60);
            let pairs = match (two_pairs, rng.chance(50)) {
                (false, _) => vec![[0, 1]],
                // Two pairs sharing an instrument, or apart.
                (true, true) => vec![[0, 1], [1, 2]],
                (true, false) => vec![[0, 1], [2, 3]],
            };
            (pairs, Vec::new())
        };
        let slots = pairs.len() + baskets.len();
        let n = 4;
        let risk = RiskParams {
            max_order_qty: 1e6,
            max_position: 1e9,
            max_open_orders: 100,
            max_messages_per_sec: 50,
            max_orders: if rng.chance(30) { 32 } else { 256 },
            leg_timeout_ms: 5_000,
            leg_retries: rng.below(3) as u8,
            max_daily_loss: if rng.chance(10) { 40.0 } else { 1e12 },
            flatten_on_kill: true,
            flatten_on_stop: rng.chance(50),
            max_gross_notional: 1e15,
            max_net_notional: 1e15,
            max_name_notional: 1e15,
            max_quote_age_ms: 3_600_000,
            flatten_on_start: false,
        };
        let now = 1_000 * MS;
        let feed = Arc::new(FeedState::new(n));
        let d = Dispatcher::new(
            DispatcherSetup {
                symbols: (0..n).map(|i| format!("S{i}")).collect(),
                pairs: pairs.clone(),
                baskets: baskets.clone(),
                account: "DU1".into(),
                client_id: 7,
                next_order_id: 100,
                risk,
                wall_offset_ns: 0,
                fills_capacity: 512,
                requests_sent: 0,
                feed: feed.clone(),
                execution: exec.params,
                policies: vec![exec.params.policy; slots],
                leaders: Vec::new(),
            },
            None,
            now,
        );
        let reject_percent = if rng.chance(30) { 10 } else { 0 };
        Model {
            rng,
            d,
            gw: Gateway::new(n, reject_percent),
            feed,
            now,
            risk,
            pairs,
            baskets,
            asked: basket::Asked::default(),
            batch: Vec::with_capacity(1024),
            tickets: BTreeMap::new(),
            journaled_commissions: BTreeSet::new(),
            last_intent: BTreeMap::new(),
            outcomes: BTreeSet::new(),
            next_seq: 1,
            stopping: false,
            next_valid_id: 100,
            trace: std::env::var_os("TRACE").is_some(),
            exec,
        }
    }

    fn quote(&mut self) {
        for i in 0..4 {
            let (bid, ask, bid_size, ask_size) = self.exec.touch(i);
            self.feed.publish(i, self.now, bid, ask, bid_size, ask_size);
        }
    }

    /// Carries out the outbox: journal records are checked, messages go to the gateway.
    fn drain(&mut self) -> Result<(), String> {
        self.d.outbox().swap_into(&mut self.batch);
        let batch = std::mem::take(&mut self.batch);
        let mut placed = false;
        let trace = self.trace;
        for item in &batch {
            if trace && !matches!(item, Outbound::Journal(_)) {
                eprintln!("  -> {item:?}");
            }
            if trace && let Outbound::Journal(j @ JournalEntry::Order { .. }) = item {
                eprintln!("  -> {j:?}");
            }
            match *item {
                Outbound::Journal(JournalEntry::Order {
                    order_id, ticket, ..
                }) => {
                    self.tickets.insert(order_id, ticket);
                }
                Outbound::Journal(JournalEntry::Commission { exec_id, .. }) => {
                    if !self.journaled_commissions.insert(exec_id) {
                        return Err(format!("commission of {exec_id} journaled twice"));
                    }
                }
                Outbound::Journal(_) => {}
                Outbound::Outcome(o) => {
                    self.check_outcome(&o)?;
                    self.outcomes.insert((o.pair, o.seq));
                }
                Outbound::Place(p) => {
                    if !self.gw.connected {
                        return Err(format!("order {} sent while disconnected", p.order_id));
                    }
                    self.check_behind(&p)?;
                    self.check_priced(&p)?;
                    self.check_not_after_reject(&p)?;
                    self.gw.place(&mut self.rng, &p);
                    placed = true;
                }
                Outbound::Cancel { order_id } => {
                    if !self.gw.connected {
                        return Err(format!("cancel {order_id} sent while disconnected"));
                    }
                    self.gw.cancel(&mut self.rng, order_id);
                }
                Outbound::Control(c) => {
                    if !self.gw.connected {
                        return Err(format!("{c:?} sent while disconnected"));
                    }
                    self.gw.control(&mut self.rng, c, "DU1");
                }
            }
        }
        self.batch = batch;
        self.batch.clear();
        self.check_working_set()?;
        if placed {
            self.check_no_overhedge()?;
        }
        Ok(())
    }

    fn event(&mut self, e: OrderEvent) -> Result<(), String> {
        if self.trace {
            eprintln!("{} {e:?}", self.now / MS);
        }
        if let OrderEvent::Error { id, .. } = e
            && let Some(heard) = self.gw.rejected_bags.get_mut(&id)
        {
            *heard = true;
        }
        let msg = Stamped {
            value: e,
            t_recv_ns: self.now,
            t_enq_ns: self.now,
        };
        self.d.on_order_event(&msg, self.now);
        self.drain()
    }

    fn deliver_one(&mut self) -> Result<(), String> {
        match self.gw.take(&mut self.rng) {
            Some(e) => self.event(e),
            None => Ok(()),
        }
    }

    fn advance(&mut self, ms: u64) -> Result<(), String> {
        self.now += ms * MS;
        self.gw.now = self.now;
        self.exec.walk();
        self.quote();
        self.d.poll(self.now);
        self.drain()?;
        if self.stopping {
            self.d.wind_down(self.now);
            self.drain()?;
        }
        Ok(())
    }

    fn intent(&mut self) -> Result<(), String> {
        if !self.baskets.is_empty() {
            return self.slot_intent();
        }
        let pair = self.rng.below(self.pairs.len() as u64) as u16;
        self.pair_intent(pair)
    }

    fn pair_intent(&mut self, pair: u16) -> Result<(), String> {
        let [a, b] = self.pairs[pair as usize];
        let seq = self.next_seq;
        self.next_seq += 1;
        self.last_intent.insert(pair, seq);
        let kind = if self.rng.chance(65) {
            IntentKind::Open(if self.rng.chance(50) {
                Direction::LongSpread
            } else {
                Direction::ShortSpread
            })
        } else {
            IntentKind::Close(crate::types::CloseReason::Exit)
        };
        let buy_a = kind == IntentKind::Open(Direction::LongSpread);
        let qty = |r: &mut Rng| 100 * (1 + r.below(3) as u32);
        let side = |buy: bool| if buy { Side::Buy } else { Side::Sell };
        let legs = [
            Leg {
                instrument: a,
                side: side(buy_a),
                qty: qty(&mut self.rng),
            },
            Leg {
                instrument: b,
                side: side(!buy_a),
                qty: qty(&mut self.rng),
            },
        ];
        let msg = Stamped {
            value: OrderIntent {
                pair,
                seq,
                t_ns: self.now,
                kind,
                legs: legs.into(),
            },
            t_recv_ns: self.now,
            t_enq_ns: self.now,
        };
        self.d.on_intent(&msg, self.now);
        self.drain()
    }

    /// The gateway fills nothing while IB is unreachable. Fills may race the reconciliation
    /// answers (an execution after the executions answer, a positions answer without it).
    fn may_fill(&self) -> bool {
        self.gw.ib_up
    }

    /// The gateway fills part or all of a random working order.
    fn fill_some(&mut self) {
        if !self.may_fill() {
            return;
        }
        let live = self.gw.live();
        if live.is_empty() {
            return;
        }
        let id = live[self.rng.below(live.len() as u64) as usize];
        let o = self.gw.orders[&id];
        let rest = o.qty - o.filled;
        let shares = if self.rng.chance(50) {
            rest
        } else {
            (10.0 * (1 + self.rng.below(10)) as f64).min(rest)
        };
        self.gw.fill(&mut self.rng, id, shares);
    }

    fn reconnect(&mut self) -> Result<(), String> {
        self.gw.connected = true;
        self.gw.ib_up = true;
        // Sometimes the gateway's next id is below ours (the engine never reuses its own).
        let next = if self.rng.chance(50) {
            1
        } else {
            self.next_valid_id.max(self.d.next_order_id)
        };
        self.next_valid_id = next;
        self.event(OrderEvent::Reconnected {
            next_valid_id: next,
        })
    }

    fn step(&mut self) -> Result<(), String> {
        let r = self.rng.below(1000);
        match r {
            0..=349 => self.deliver_one()?,
            350..=499 => self.fill_some(),
            500..=579 => {
                if !self.stopping {
                    self.intent()?;
                }
            }
            580..=699 => {
                let ms = 1 + self.rng.below(50);
                self.advance(ms)?;
            }
            700..=729 => {
                let ms = 1_000 + self.rng.below(6_000);
                self.advance(ms)?;
            }
            730..=789 => {
                let c = self.gw.pending_cancels();
                if !c.is_empty() {
                    let id = c[self.rng.below(c.len() as u64) as usize];
                    self.gw.complete_cancel(&mut self.rng, id);
                }
            }
            790..=809 => {
                if self.gw.connected {
                    self.gw.disconnect(&mut self.rng);
                    self.event(OrderEvent::Disconnected)?;
                } else {
                    self.reconnect()?;
                }
            }
            810..=859 => {
                if !self.gw.connected && self.rng.chance(40) {
                    self.reconnect()?;
                }
            }
            860..=874 => {
                if self.gw.connected && self.gw.ib_up {
                    self.gw.ib_up = false;
                    self.gw.notice(codes::CONNECTIVITY_LOST);
                } else if self.gw.connected {
                    self.gw.ib_up = true;
                    let code = if self.rng.chance(50) {
                        codes::RESTORED_DATA_LOST
                    } else {
                        codes::RESTORED_DATA_KEPT
                    };
                    self.gw.notice(code);
                }
            }
            875..=894 => self.gw.replay_exec(&mut self.rng),
            895..=897 => {
                self.d.kill_command(self.now);
                self.drain()?;
            }
            898..=899 => {
                if !self.stopping {
                    self.stopping = true;
                    self.d.wind_down(self.now);
                    self.drain()?;
                }
            }
            _ => {
                let ms = self.rng.below(5);
                self.advance(ms)?;
            }
        }
        Ok(())
    }

    /// The run ends: the gateway turns cooperative (no rejects, everything fills, cancels take
    /// effect), every commission is reported once more, and the dispatcher winds down until
    /// it has settled.
    fn finish(&mut self) -> Result<(), String> {
        self.gw.reject_percent = 0;
        if !self.gw.connected {
            self.reconnect()?;
        }
        if !self.gw.ib_up {
            self.gw.ib_up = true;
            self.gw.notice(codes::RESTORED_DATA_KEPT);
        }
        self.stopping = true;
        let mut flattened = 0;
        let mut flushed = 0;
        for _ in 0..400 {
            while self.gw.has_messages() {
                self.deliver_one()?;
            }
            for id in self.gw.pending_cancels() {
                if self.rng.chance(50) {
                    self.gw.complete_cancel(&mut self.rng, id);
                }
            }
            if self.may_fill() {
                for id in self.gw.live() {
                    let o = self.gw.orders[&id];
                    self.gw.fill(&mut self.rng, id, o.qty - o.filled);
                }
            }
            while self.gw.has_messages() {
                self.deliver_one()?;
            }
            // Every report once more (some were never sent live): repeats are duplicates.
            if flushed < self.gw.execs.len() {
                let execs = self.gw.execs[flushed..].to_vec();
                flushed = self.gw.execs.len();
                for x in &execs {
                    let e = OrderEvent::Commission {
                        exec_id: x.exec_id,
                        commission: x.commission,
                        realized_pnl: 0.0,
                    };
                    self.event(e)?;
                }
            }
            if self.d.wind_down(self.now) {
                flattened += 1;
            }
            self.drain()?;
            self.advance(200)?;
            let quiet = !self.gw.has_messages() && flushed == self.gw.execs.len();
            if quiet && self.gw.live().is_empty() && self.d.settled() {
                let more = self.d.wind_down(self.now);
                self.drain()?;
                if !more {
                    return Ok(());
                }
                flattened += 1;
            }
        }
        if self.trace {
            for &id in &self.d.open_tickets {
                eprintln!("open ticket {:?}", self.d.ticket(id));
            }
        }
        Err(format!(
            "did not settle (flattens {flattened}, open orders {}, pending {}, tickets {})",
            self.d.open_orders(),
            self.d.pending.len(),
            self.d.open_tickets.len()
        ))
    }
}

/// Runs the schedule of `seed` with market orders; the error says what went wrong.
fn run(seed: u64) -> Result<(), String> {
    run_with(seed, Execution::market())
}

/// Runs the schedule of `seed` under `exec`.
fn run_with(seed: u64, exec: Execution) -> Result<(), String> {
    run_counted(seed, exec).map(|_| ())
}

/// As [`run_with`], returning the dispatcher's counters at the end.
fn run_counted(seed: u64, exec: Execution) -> Result<DispatchCounters, String> {
    run_model(Model::new(seed, exec))
}

/// Runs a schedule to its end and checks it.
fn run_model(mut m: Model) -> Result<DispatchCounters, String> {
    m.d.start(m.now);
    m.drain()?;
    m.quote();
    let steps = 100 + m.rng.below(150);
    for _ in 0..steps {
        m.step()?;
    }
    m.finish()?;
    m.check_end()?;
    m.check_basket_books()?;
    Ok(*m.d.counters())
}

/// Names the seed of a schedule that panicked inside the dispatcher.
struct SeedOnPanic(u64);

impl Drop for SeedOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("model schedule panicked: seed {}", self.0);
        }
    }
}

pub(super) fn check(seed: u64) {
    let _guard = SeedOnPanic(seed);
    if let Err(e) = run(seed) {
        panic!("model schedule failed: seed {seed}: {e}");
    }
}

#[test]
fn random_schedules_agree_with_the_gateway_ledger() {
    for seed in 0..SCHEDULES {
        check(seed);
    }
}
