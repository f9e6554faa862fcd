//! The simulated gateway of the model-based test: it answers what the dispatcher sends the way
//! real TWS may (PROTOCOL.md, "Message orderings"), and keeps the reference ledger: what it
//! filled per instrument, and the commission of each execution.
//!
//! Messages wait in FIFO streams (statuses and errors; live executions; the three
//! reconciliation answers) and a pool of commission reports; the test delivers from a stream
//! or the pool at random, so every interleaving that keeps each stream's order can happen:
//! statuses before or after their executions, commissions before their executions, answers
//! interleaved.
//!
//! A combo (BAG) order `N` is kept as its two legs, `N` and `N + 1` (the dispatcher's own
//! numbering), each filled on its own (non-guaranteed: one leg may fill while the other
//! waits); what the engine hears names `N` only, as IB does: leg executions (with the leg's
//! instrument), a BAG-level execution when complete units grow (before or after the leg's),
//! the BAG's status in units, commissions for legs only, one open order. A BAG's statuses
//! usually wait in the executions' stream, behind the executions they follow (PROTOCOL.md:
//! the status with the net average price after the executions); for some BAGs (status first)
//! they go in the statuses' stream and may overtake the legs' executions, PendingCancel and a
//! final Cancelled included: a status in units cannot say what each leg filled, so an engine
//! learns a legged BAG's legs from a reconciliation round after its end. BAG-level executions
//! are replayed with the legs' (live, and at a random place in a REQ_EXECUTIONS answer).
use super::Rng;
use crate::dispatch::{Control, OrderKind, PlaceOrder};
use crate::types::{Account, EndKind, ExecId, OrderEvent, OrderStatusKind, Side};
use crate::wire::ids::codes;
use std::collections::{BTreeMap, VecDeque};

mod combo;

/// Codes that reject an order with no final status.
const REJECT_CODES: [i32; 5] = [
    codes::ORDER_REJECTED,
    codes::DUPLICATE_ORDER_ID,
    110,
    codes::NO_SECURITY_DEFINITION,
    203,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GwState {
    Working,
    PendingCancel,
    Done,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct GwOrder {
    pub instrument: u16,
    pub buy: bool,
    pub qty: f64,
    pub filled: f64,
    pub state: GwState,
    /// Something about it reached the engine (an order nobody heard of can be lost with the
    /// socket: its bytes never arrived).
    pub announced: bool,
    /// A combo leg: its BAG's order id and the leg's ratio.
    pub bag: Option<(i32, f64)>,
}

/// One execution of the day.
#[derive(Debug, Clone, Copy)]
pub(super) struct GwExec {
    pub order_id: i32,
    pub exec_id: ExecId,
    pub instrument: u16,
    pub buy: bool,
    pub shares: f64,
    pub cum: f64,
    pub commission: f64,
    /// When it filled (the model's clock).
    pub at: u64,
}

/// How long a fill may be missing from a positions answer.
const POSITION_LAG_NS: u64 = 500_000_000;

/// Which stream a message waits in.
pub(super) const STATUS: usize = 0;
pub(super) const EXECS: usize = 1;
pub(super) const RECON_EXECS: usize = 2;
pub(super) const RECON_OPEN: usize = 3;
pub(super) const RECON_POSITIONS: usize = 4;
const STREAMS: usize = 5;

/// A message and the order it is about (for `announced`).
pub(super) type Msg = (OrderEvent, Option<i32>);

pub(super) struct Gateway {
    pub orders: BTreeMap<i32, GwOrder>,
    pub execs: Vec<GwExec>,
    /// The reference ledger: what the gateway filled per instrument.
    pub positions: Vec<f64>,
    pub connected: bool,
    /// False after 1100 until 1101/1102: IB is unreachable, nothing fills.
    pub ib_up: bool,
    pub streams: [VecDeque<Msg>; STREAMS],
    pub commission_pool: Vec<Msg>,
    /// Percent of orders rejected (0 in a cooperative schedule).
    pub reject_percent: u64,
    /// An order was rejected, or ended by the gateway: hedging may have been impossible.
    pub hostile: bool,
    pub next_exec: u32,
    /// The model's clock.
    pub now: u64,
    /// Per BAG: complete units reported; and every BAG-level execution (replayed with the
    /// day's executions).
    bag_units: BTreeMap<i32, f64>,
    bag_execs: Vec<OrderEvent>,
    /// BAGs whose statuses go to the statuses' stream (status first: they may overtake the
    /// legs' executions they reflect; drawn per BAG).
    bag_status_first: std::collections::BTreeSet<i32>,
    /// BAGs rejected at placement (their order ids), and whether the engine heard the
    /// rejection (it may be lost with the socket: the BAG is then only gone).
    pub rejected_bags: BTreeMap<i32, bool>,
}

impl Gateway {
    pub fn new(instruments: usize, reject_percent: u64) -> Self {
        Gateway {
            orders: BTreeMap::new(),
            execs: Vec::new(),
            positions: vec![0.0; instruments],
            connected: true,
            ib_up: true,
            streams: Default::default(),
            commission_pool: Vec::new(),
            reject_percent,
            hostile: false,
            next_exec: 0,
            now: 0,
            bag_units: BTreeMap::new(),
            bag_execs: Vec::new(),
            bag_status_first: Default::default(),
            rejected_bags: Default::default(),
        }
    }

    fn push(&mut self, stream: usize, e: OrderEvent, order: Option<i32>) {
        if self.connected {
            self.streams[stream].push_back((e, order));
        }
    }

    fn status(&mut self, order_id: i32, status: OrderStatusKind) {
        if let Some((bag, _)) = self.orders[&order_id].bag {
            return self.bag_status(bag, status);
        }
        let o = self.orders[&order_id];
        let e = OrderEvent::Status {
            order_id,
            status,
            filled: o.filled,
            remaining: o.qty - o.filled,
            avg_fill_price: 0.0,
            last_fill_price: 0.0,
        };
        self.push(STATUS, e, Some(order_id));
    }

    pub fn place(&mut self, rng: &mut Rng, p: &PlaceOrder) {
        if let OrderKind::Combo(c) = p.kind {
            return self.place_combo(rng, p, &c);
        }
        let reject = rng.below(100) < self.reject_percent;
        let order = GwOrder {
            instrument: p.instrument,
            buy: p.side == Side::Buy,
            qty: p.qty as f64,
            filled: 0.0,
            state: if reject {
                GwState::Done
            } else {
                GwState::Working
            },
            announced: false,
            bag: None,
        };
        self.orders.insert(p.order_id, order);
        if reject {
            self.hostile = true;
            let code = REJECT_CODES[rng.below(REJECT_CODES.len() as u64) as usize];
            self.push(
                STATUS,
                OrderEvent::Error {
                    id: p.order_id,
                    code,
                },
                Some(p.order_id),
            );
            if code == codes::ORDER_REJECTED && rng.chance(50) {
                self.status(p.order_id, OrderStatusKind::Inactive);
            }
            return;
        }
        if rng.chance(30) {
            self.status(p.order_id, OrderStatusKind::PreSubmitted);
        }
        if rng.chance(70) {
            self.status(p.order_id, OrderStatusKind::Submitted);
        }
        if p.kind.is_ioc() {
            // Immediate or cancel: what fills at once, then the rest is cancelled.
            if self.ib_up && rng.chance(60) {
                let shares = if rng.chance(50) {
                    p.qty as f64
                } else {
                    (10 * (1 + rng.below(10))) as f64
                };
                self.fill(rng, p.order_id, shares);
            }
            if let Some(o) = self.orders.get_mut(&p.order_id)
                && o.state == GwState::Working
            {
                o.state = GwState::Done;
                self.status(p.order_id, OrderStatusKind::Cancelled);
            }
        }
    }

    pub fn cancel(&mut self, rng: &mut Rng, order_id: i32) {
        if let [bag, leg_b] = self.legs_of(order_id)[..] {
            // A BAG: both legs at once, one status.
            let states = [bag, leg_b].map(|id| self.orders[&id].state);
            if states.iter().all(|s| *s == GwState::Done) {
                let e = OrderEvent::Error {
                    id: bag,
                    code: 10148,
                };
                return self.push(STATUS, e, Some(bag));
            }
            for id in [bag, leg_b] {
                let o = self.orders.get_mut(&id).expect("both legs");
                if o.state == GwState::Working {
                    o.state = GwState::PendingCancel;
                }
            }
            if rng.chance(70) {
                self.bag_status(bag, OrderStatusKind::PendingCancel);
            }
            return;
        }
        let Some(o) = self.orders.get_mut(&order_id) else {
            let e = OrderEvent::Error {
                id: order_id,
                code: codes::ORDER_NOT_FOUND,
            };
            self.push(STATUS, e, None);
            return;
        };
        match o.state {
            GwState::Working => {
                o.state = GwState::PendingCancel;
                if rng.chance(70) {
                    self.status(order_id, OrderStatusKind::PendingCancel);
                }
            }
            GwState::PendingCancel => {}
            GwState::Done => {
                let e = OrderEvent::Error {
                    id: order_id,
                    code: 10148,
                };
                self.push(STATUS, e, Some(order_id));
            }
        }
    }

    /// A cancel takes effect.
    pub fn complete_cancel(&mut self, rng: &mut Rng, order_id: i32) {
        if let [bag, leg_b] = self.legs_of(order_id)[..] {
            let mut ended = false;
            for id in [bag, leg_b] {
                let o = self.orders.get_mut(&id).expect("both legs");
                if o.state == GwState::PendingCancel {
                    o.state = GwState::Done;
                    ended = true;
                }
            }
            if ended {
                if rng.chance(30) {
                    let e = OrderEvent::Error {
                        id: bag,
                        code: codes::ORDER_CANCELLED,
                    };
                    self.push(STATUS, e, Some(bag));
                }
                self.bag_status(bag, OrderStatusKind::Cancelled);
            }
            return;
        }
        let Some(o) = self.orders.get_mut(&order_id) else {
            return;
        };
        if o.state != GwState::PendingCancel {
            return;
        }
        o.state = GwState::Done;
        if rng.chance(30) {
            let e = OrderEvent::Error {
                id: order_id,
                code: codes::ORDER_CANCELLED,
            };
            self.push(STATUS, e, Some(order_id));
        }
        self.status(order_id, OrderStatusKind::Cancelled);
    }

    /// Fills `shares` of a working order (or one pending cancel).
    pub fn fill(&mut self, rng: &mut Rng, order_id: i32, shares: f64) {
        let Some(o) = self.orders.get_mut(&order_id) else {
            return;
        };
        let shares = shares.min(o.qty - o.filled);
        if o.state == GwState::Done || shares <= 0.0 {
            return;
        }
        o.filled += shares;
        let done = o.filled >= o.qty;
        let pending_cancel = o.state == GwState::PendingCancel;
        if done {
            o.state = GwState::Done;
        }
        let o = *o;
        self.next_exec += 1;
        let exec_id = ExecId::from(format!("x{}", self.next_exec).as_str()).unwrap();
        // Multiples of 1/4: sums are exact, so the ledger compares with ==.
        let commission = 1.0 + f64::from(self.next_exec % 4) * 0.25;
        // A combo leg's execution names its BAG.
        let reported_id = o.bag.map_or(order_id, |(bag, _)| bag);
        let x = GwExec {
            order_id: reported_id,
            exec_id,
            instrument: o.instrument,
            buy: o.buy,
            shares,
            cum: o.filled,
            commission,
            at: self.now,
        };
        self.execs.push(x);
        self.positions[o.instrument as usize] += if o.buy { shares } else { -shares };
        let bag_exec = o.bag.and_then(|(bag, _)| self.bag_exec(bag));
        // (Drawn only for combos: the other policies' schedules stay as recorded.)
        let bag_first = bag_exec.is_some() && rng.chance(50);
        if let (Some(e), true) = (bag_exec, bag_first) {
            self.push(EXECS, e, Some(reported_id));
        }
        let copies = if rng.chance(5) { 2 } else { 1 };
        for _ in 0..copies {
            // Sometimes the symbol is not one the engine knows by name.
            let unknown = rng.chance(5);
            self.push(EXECS, exec_event(&x, unknown), Some(reported_id));
        }
        if let (Some(e), false) = (bag_exec, bag_first) {
            self.push(EXECS, e, Some(reported_id));
        }
        if done {
            self.status(order_id, OrderStatusKind::Filled);
            if rng.chance(10) {
                self.status(order_id, OrderStatusKind::Filled);
            }
        } else if rng.chance(70) {
            let s = if pending_cancel {
                OrderStatusKind::PendingCancel
            } else {
                OrderStatusKind::Submitted
            };
            self.status(order_id, s);
        }
        // Reports come late (or only with the replay after a reconnection), sometimes twice.
        if rng.chance(90) {
            self.push_commission(&x);
            if rng.chance(10) {
                self.push_commission(&x);
            }
        }
    }

    fn push_commission(&mut self, x: &GwExec) {
        if self.connected {
            let e = OrderEvent::Commission {
                exec_id: x.exec_id,
                commission: x.commission,
                realized_pnl: 0.0,
            };
            self.commission_pool.push((e, None));
        }
    }

    /// An execution of the day sent again (same execution id).
    pub fn replay_exec(&mut self, rng: &mut Rng) {
        if self.execs.is_empty() {
            return;
        }
        let x = self.execs[rng.below(self.execs.len() as u64) as usize];
        self.push(EXECS, exec_event(&x, false), Some(x.order_id));
        if rng.chance(50) {
            self.push_commission(&x);
        }
        self.replay_bag_exec(rng);
    }

    /// The socket is gone: what was on its way is lost, and orders nobody heard of may never
    /// have arrived.
    pub fn disconnect(&mut self, rng: &mut Rng) {
        self.connected = false;
        for s in &mut self.streams {
            s.clear();
        }
        self.commission_pool.clear();
        let unheard: Vec<i32> = self
            .orders
            .iter()
            .filter(|(_, o)| !o.announced && o.filled == 0.0)
            .filter(|(id, o)| o.bag.is_none_or(|(bag, _)| bag == **id))
            .map(|(&id, _)| id)
            .collect();
        for id in unheard {
            let legs = self.legs_of(id);
            let heard = legs.iter().any(|l| {
                self.orders
                    .get(l)
                    .is_some_and(|o| o.announced || o.filled > 0.0)
            });
            if !heard && rng.chance(50) {
                for l in legs {
                    self.orders.remove(&l);
                }
            }
        }
    }

    /// A request of the dispatcher's.
    pub fn control(&mut self, rng: &mut Rng, c: Control, account: &str) {
        match c {
            Control::Executions => {
                let day = self.execs.clone();
                let from = self.streams[RECON_EXECS].len();
                for x in &day {
                    self.push(RECON_EXECS, exec_event(x, false), Some(x.order_id));
                    if rng.chance(90) {
                        self.push_commission(x);
                    }
                }
                self.replay_bag_execs(rng, RECON_EXECS, from);
                self.push(RECON_EXECS, OrderEvent::End(EndKind::Executions), None);
            }
            Control::OpenOrders => {
                let open: Vec<(i32, GwOrder)> = self
                    .orders
                    .iter()
                    .filter(|(_, o)| o.state != GwState::Done)
                    // A combo is listed once, by its BAG's id.
                    .filter(|(id, o)| o.bag.is_none_or(|(bag, _)| bag == **id))
                    .map(|(&id, o)| (id, *o))
                    .collect();
                for (order_id, o) in open {
                    let e = OrderEvent::OpenOrder {
                        order_id,
                        instrument: o.instrument,
                    };
                    self.push(RECON_OPEN, e, Some(order_id));
                }
                self.push(RECON_OPEN, OrderEvent::End(EndKind::OpenOrders), None);
            }
            Control::Positions => {
                // Positions can lag executions: sometimes the fills of the last moment are
                // not in yet.
                let mut shown = self.positions.clone();
                if rng.chance(30) {
                    let recent = self.now.saturating_sub(POSITION_LAG_NS);
                    for x in self.execs.iter().filter(|x| x.at > recent) {
                        shown[x.instrument as usize] -= if x.buy { x.shares } else { -x.shares };
                    }
                }
                for (i, &qty) in shown.iter().enumerate() {
                    if qty != 0.0 || rng.chance(20) {
                        let e = OrderEvent::Position {
                            account: Account::from(account).unwrap(),
                            instrument: i as u16,
                            qty,
                            avg_cost: 0.0,
                        };
                        self.push(RECON_POSITIONS, e, None);
                    }
                }
                self.push(RECON_POSITIONS, OrderEvent::End(EndKind::Positions), None);
            }
            Control::CancelPositions | Control::Subscribe(_) => {}
        }
    }

    /// A notice on the socket (1100, 1101, 1102).
    pub fn notice(&mut self, code: i32) {
        self.push(STATUS, OrderEvent::Error { id: -1, code }, None);
    }

    /// Orders still working or pending cancel.
    pub fn live(&self) -> Vec<i32> {
        self.orders
            .iter()
            .filter(|(_, o)| o.state != GwState::Done)
            .map(|(&id, _)| id)
            .collect()
    }

    pub fn pending_cancels(&self) -> Vec<i32> {
        self.orders
            .iter()
            .filter(|(_, o)| o.state == GwState::PendingCancel)
            .map(|(&id, _)| id)
            .collect()
    }

    /// Something waits to be delivered.
    pub fn has_messages(&self) -> bool {
        !self.commission_pool.is_empty() || self.streams.iter().any(|s| !s.is_empty())
    }

    /// Takes a message to deliver: from a random non-empty stream (its oldest), or a random
    /// commission report.
    pub fn take(&mut self, rng: &mut Rng) -> Option<OrderEvent> {
        let mut sources: Vec<usize> = (0..STREAMS)
            .filter(|&s| !self.streams[s].is_empty())
            .collect();
        if !self.commission_pool.is_empty() {
            sources.push(STREAMS);
        }
        if sources.is_empty() {
            return None;
        }
        let source = sources[rng.below(sources.len() as u64) as usize];
        let (e, order) = if source == STREAMS {
            let k = rng.below(self.commission_pool.len() as u64) as usize;
            self.commission_pool.swap_remove(k)
        } else {
            self.streams[source].pop_front()?
        };
        if let Some(o) = order.and_then(|id| self.orders.get_mut(&id)) {
            o.announced = true;
        }
        Some(e)
    }
}

fn exec_event(x: &GwExec, unknown_symbol: bool) -> OrderEvent {
    OrderEvent::Execution {
        order_id: x.order_id,
        exec_id: x.exec_id,
        instrument: if unknown_symbol {
            u16::MAX
        } else {
            x.instrument
        },
        buy: x.buy,
        shares: x.shares,
        price: 100.0,
        cum_qty: x.cum,
    }
}
