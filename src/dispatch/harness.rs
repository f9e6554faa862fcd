//! A dispatcher driven by hand through IB message sequences (no thread, socket or clock),
//! shared by the unit tests, the defect tests and the model-based test.

use super::*;
use crate::types::{Direction, EndKind, ExecId, IntentKind, Leg, OrderEvent, OrderIntent, Stamped};

pub(super) const MS: u64 = 1_000_000;

/// A dispatcher for one pair (A = 0, B = 1) with a fresh feed, and what it sent so far.
pub(super) struct Harness {
    pub d: Dispatcher,
    pub feed: Arc<FeedState>,
    pub now: u64,
    pub sent: Vec<Outbound>,
    pub next_exec: u32,
    /// Bid and ask of A and B as `quote` publishes them (locked at 100 and 50 by default).
    pub touch: [(f64, f64); 2],
    /// Instruments quoted (past A and B: locked at 50).
    pub instruments: usize,
}

impl Harness {
    pub fn new(risk: RiskParams) -> Self {
        Self::with_pairs(risk, vec![[0, 1]])
    }

    pub fn with_pairs(risk: RiskParams, pairs: Vec<[u16; 2]>) -> Self {
        Self::with_execution(risk, pairs, ExecutionParams::default())
    }

    /// Pairs that all trade by `execution.policy`.
    pub fn with_execution(
        risk: RiskParams,
        pairs: Vec<[u16; 2]>,
        execution: ExecutionParams,
    ) -> Self {
        Self::restoring(risk, pairs, execution, None)
    }

    /// As [`with_execution`](Self::with_execution), restoring the journal of an earlier run
    /// (`--resume`).
    pub fn restoring(
        risk: RiskParams,
        pairs: Vec<[u16; 2]>,
        execution: ExecutionParams,
        restored: Option<&crate::journal::Recovered>,
    ) -> Self {
        let now = 1_000 * MS;
        let feed = Arc::new(FeedState::new(2));
        let d = Dispatcher::new(
            DispatcherSetup {
                symbols: vec!["A".into(), "B".into()],
                pairs,
                baskets: Vec::new(),
                account: "DU1".into(),
                client_id: 7,
                next_order_id: 100,
                risk,
                wall_offset_ns: 0,
                fills_capacity: 64,
                requests_sent: 0,
                feed: feed.clone(),
                execution,
                policies: Vec::new(),
                leaders: Vec::new(),
            },
            restored,
            now,
        );
        let mut h = Harness {
            d,
            feed,
            now,
            sent: Vec::new(),
            next_exec: 0,
            touch: [(100.0, 100.0), (50.0, 50.0)],
            instruments: 2,
        };
        h.quote();
        h
    }

    /// A dispatcher for one basket of `n` names (instruments 0..n, slot 0), started and
    /// reconciled; names past A and B quote at 50.
    pub fn basket(risk: RiskParams, n: u16) -> Self {
        Self::baskets(risk, n, vec![(0..n).collect()], None)
    }

    /// A dispatcher for `baskets` (slots 0..) over instruments 0..n, restored from `restored`
    /// when given, started and reconciled; names past A and B quote at 50.
    pub fn baskets(
        risk: RiskParams,
        n: u16,
        baskets: Vec<Vec<u16>>,
        restored: Option<&crate::journal::Recovered>,
    ) -> Self {
        let now = 1_000 * MS;
        let feed = Arc::new(FeedState::new(n as usize));
        let d = Dispatcher::new(
            DispatcherSetup {
                symbols: (0..n).map(|i| format!("S{i}")).collect(),
                pairs: Vec::new(),
                baskets,
                account: "DU1".into(),
                client_id: 7,
                next_order_id: 100,
                risk,
                wall_offset_ns: 0,
                fills_capacity: 64,
                requests_sent: 0,
                feed: feed.clone(),
                execution: ExecutionParams::default(),
                policies: Vec::new(),
                leaders: Vec::new(),
            },
            restored,
            now,
        );
        let mut h = Harness {
            d,
            feed,
            now,
            sent: Vec::new(),
            next_exec: 0,
            touch: [(100.0, 100.0), (50.0, 50.0)],
            instruments: n as usize,
        };
        h.quote();
        Self::started_with(h)
    }

    /// A basket intent of slot `pair`: a rebalance to `targets` (signed shares per
    /// instrument), or a close when `targets` is empty. More targets than one intent carries
    /// go as the strategy sends them: parts first, in chunks ([`crate::types::rebalance_chunks`]).
    pub fn basket_intent(&mut self, pair: u16, seq: u64, targets: &[(u16, i64)]) -> Vec<Outbound> {
        let legs = targets
            .iter()
            .map(|&(instrument, q)| Leg {
                instrument,
                side: if q < 0 { Side::Sell } else { Side::Buy },
                qty: q.unsigned_abs() as u32,
            })
            .collect::<Vec<_>>();
        let chunks: Vec<_> = crate::types::rebalance_chunks(legs.len()).collect();
        for (k, chunk) in chunks.iter().enumerate() {
            let kind = if targets.is_empty() {
                IntentKind::Close(crate::types::CloseReason::Exit)
            } else if k + 1 < chunks.len() {
                IntentKind::RebalancePart
            } else {
                IntentKind::Rebalance
            };
            self.intent(pair, seq, kind, &legs[chunk.clone()]);
        }
        self.take()
    }

    /// One decision step `seq`: each basket's targets (as [`basket_intent`](Self::basket_intent)
    /// sends them) between the step's markers.
    pub fn step(&mut self, seq: u64, baskets: &[(u16, &[(u16, i64)])]) -> Vec<Outbound> {
        self.intent(0, seq, IntentKind::StepOpen, &[]);
        let mut out = self.take();
        for &(pair, targets) in baskets {
            out.extend(self.basket_intent(pair, seq, targets));
        }
        self.intent(0, seq, IntentKind::StepClose, &[]);
        out.extend(self.take());
        out
    }

    /// One intent of slot `pair` with `legs` (at most `types::MAX_LEGS`), handed to dispatch.
    pub fn intent(&mut self, pair: u16, seq: u64, kind: IntentKind, legs: &[Leg]) {
        let msg = Stamped {
            value: OrderIntent {
                pair,
                seq,
                t_ns: self.now,
                kind,
                legs: crate::types::Legs::from_slice(legs).unwrap(),
            },
            t_recv_ns: self.now,
            t_enq_ns: self.now,
        };
        self.d.on_intent(&msg, self.now);
    }

    /// Both instruments quoted now (the feed is fresh).
    pub fn quote(&mut self) {
        for i in 0..self.instruments {
            let (bid, ask) = self.touch.get(i).copied().unwrap_or((50.0, 50.0));
            self.feed
                .publish(i as u16, self.now, bid, ask, 100.0, 100.0);
        }
    }

    pub fn take(&mut self) -> Vec<Outbound> {
        let mut batch = Vec::with_capacity(256);
        self.d.outbox().swap_into(&mut batch);
        self.sent.extend_from_slice(&batch);
        batch
    }

    pub fn event(&mut self, e: OrderEvent) -> Vec<Outbound> {
        let msg = Stamped {
            value: e,
            t_recv_ns: self.now,
            t_enq_ns: self.now,
        };
        self.d.on_order_event(&msg, self.now);
        self.take()
    }

    /// Start-up, with the reconciliation answered empty.
    pub fn started(risk: RiskParams) -> Self {
        Self::started_with(Harness::new(risk))
    }

    pub fn started_with(mut h: Harness) -> Self {
        h.d.start(h.now);
        h.take();
        for k in [EndKind::Executions, EndKind::OpenOrders, EndKind::Positions] {
            h.event(OrderEvent::End(k));
        }
        h.poll();
        h
    }

    pub fn poll(&mut self) -> Vec<Outbound> {
        self.d.poll(self.now);
        self.take()
    }

    pub fn entry(&mut self, seq: u64) -> Vec<Outbound> {
        self.entry_on(0, seq)
    }

    pub fn entry_on(&mut self, pair: u16, seq: u64) -> Vec<Outbound> {
        let intent = OrderIntent {
            pair,
            seq,
            t_ns: self.now,
            kind: IntentKind::Open(Direction::LongSpread),
            legs: [
                Leg {
                    instrument: 0,
                    side: Side::Buy,
                    qty: 100,
                },
                Leg {
                    instrument: 1,
                    side: Side::Sell,
                    qty: 200,
                },
            ]
            .into(),
        };
        let msg = Stamped {
            value: intent,
            t_recv_ns: self.now,
            t_enq_ns: self.now,
        };
        self.d.on_intent(&msg, self.now);
        self.take()
    }

    /// A close intent for pair `pair` (sized by the dispatcher, not by its legs).
    pub fn close_on(&mut self, pair: u16, seq: u64) -> Vec<Outbound> {
        let leg = |instrument| Leg {
            instrument,
            side: Side::Buy,
            qty: 0,
        };
        let msg = Stamped {
            value: OrderIntent {
                pair,
                seq,
                t_ns: self.now,
                kind: IntentKind::Close(crate::types::CloseReason::Exit),
                legs: [leg(0), leg(1)].into(),
            },
            t_recv_ns: self.now,
            t_enq_ns: self.now,
        };
        self.d.on_intent(&msg, self.now);
        self.take()
    }

    /// The gateway's position of `instrument` (a reconciliation answer).
    pub fn position(&mut self, instrument: u16, qty: f64) -> Vec<Outbound> {
        self.event(OrderEvent::Position {
            account: crate::types::Account::from("DU1").unwrap(),
            instrument,
            qty,
            avg_cost: 0.0,
        })
    }

    pub fn exec(&mut self, order_id: i32, instrument: u16, buy: bool, shares: f64) -> ExecId {
        self.next_exec += 1;
        let mut id = ExecId::new();
        id.push_str(&format!("e{}", self.next_exec));
        self.event(OrderEvent::Execution {
            order_id,
            exec_id: id,
            instrument,
            buy,
            shares,
            price: if instrument == 0 { 100.0 } else { 50.0 },
            cum_qty: shares,
        });
        id
    }

    pub fn status(&mut self, order_id: i32, status: OrderStatusKind, filled: f64) -> Vec<Outbound> {
        self.event(OrderEvent::Status {
            order_id,
            status,
            filled,
            remaining: 0.0,
            avg_fill_price: 0.0,
            last_fill_price: 0.0,
        })
    }
}

pub(super) fn places(items: &[Outbound]) -> Vec<PlaceOrder> {
    items
        .iter()
        .filter_map(|o| match o {
            Outbound::Place(p) => Some(*p),
            _ => None,
        })
        .collect()
}

impl Harness {
    /// An execution with a given id (a replay when the id was sent before).
    pub fn execution(
        &mut self,
        order_id: i32,
        exec_id: ExecId,
        instrument: u16,
        buy: bool,
        shares: f64,
    ) -> Vec<Outbound> {
        self.event(OrderEvent::Execution {
            order_id,
            exec_id,
            instrument,
            buy,
            shares,
            price: if instrument == 0 { 100.0 } else { 50.0 },
            cum_qty: shares,
        })
    }

    pub fn commission(&mut self, exec_id: ExecId, commission: f64) -> Vec<Outbound> {
        self.event(OrderEvent::Commission {
            exec_id,
            commission,
            realized_pnl: 0.0,
        })
    }

    pub fn error(&mut self, id: i32, code: i32) -> Vec<Outbound> {
        self.event(OrderEvent::Error { id, code })
    }

    /// Time passes by `ms` (quotes stay fresh) and the dispatcher polls.
    pub fn advance(&mut self, ms: u64) -> Vec<Outbound> {
        self.now += ms * MS;
        self.quote();
        self.poll()
    }

    /// Answers a reconciliation: every kind ended, in the order given.
    pub fn reconcile(&mut self, ends: [EndKind; 3]) -> Vec<Outbound> {
        let mut out = Vec::new();
        for k in ends {
            out.extend(self.event(OrderEvent::End(k)));
        }
        out
    }
}

/// The cancels in `items`.
pub(super) fn cancels(items: &[Outbound]) -> Vec<i32> {
    items
        .iter()
        .filter_map(|o| match o {
            Outbound::Cancel { order_id } => Some(*order_id),
            _ => None,
        })
        .collect()
}
