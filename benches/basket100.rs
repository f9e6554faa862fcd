//! A basket of 100 names (IB's default market-data lines) on the hot path:
//!
//! - `basket100/dispatch_rebalance`: the dispatcher's decision step for one rebalance of 100
//!   names: the six `RebalancePart` intents and the `Rebalance` that completes them (as the
//!   signal stage sends them, `types::rebalance_chunks`), the risk checks over all 100 legs
//!   together, the 100-leg ticket opened, the orders the limiter allows written to the outbox
//!   and the rest queued. A fresh started dispatcher per iteration (set up outside the timing).
//! - `basket100/strategy_decide`: the basket strategy applying a fit of 100 names whose every
//!   name changes state: the rules, the hedged targets netted per name (100 x 100), and the
//!   seven intents built.
//!
//! Run: `cargo bench --bench basket100 -- --warm-up-time 1 --measurement-time 3`.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use hft::config::{EngineParams, ExecutionParams, RiskParams, StrategyKind};
use hft::dispatch::{Dispatcher, DispatcherSetup, Outbound};
use hft::normalize::FeedState;
use hft::strategy::basket::BasketStrategy;
use hft::strategy::basket_fit::BasketFit;
use hft::types::{
    EndKind, IntentKind, Leg, Legs, MAX_BASKET_LEGS, OrderEvent, OrderIntent, Side, Stamped,
    rebalance_chunks,
};
use std::hint::black_box;
use std::sync::Arc;

const N: usize = 100;
const T0: u64 = 1_000_000_000_000;
/// When the rebalance comes: ten seconds after start-up, so start-up's requests have left the
/// limiter's window and the quotes are fresh.
const NOW: u64 = T0 + 10_000_000_000;

/// A started, reconciled dispatcher trading one basket of `N` names, every name quoted.
fn dispatcher() -> Dispatcher {
    let feed = Arc::new(FeedState::new(N));
    let mut d = Dispatcher::new(
        DispatcherSetup {
            symbols: (0..N).map(|i| format!("U{i:02}")).collect(),
            pairs: Vec::new(),
            baskets: vec![(0..N as u16).collect()],
            account: "DU1".into(),
            client_id: 1,
            next_order_id: 1,
            risk: RiskParams {
                max_open_orders: 200,
                ..RiskParams::default()
            },
            wall_offset_ns: 0,
            fills_capacity: 1024,
            requests_sent: 0,
            feed: feed.clone(),
            execution: ExecutionParams::default(),
            policies: Vec::new(),
            leaders: Vec::new(),
        },
        None,
        T0,
    );
    d.start(T0);
    for k in [EndKind::Executions, EndKind::OpenOrders, EndKind::Positions] {
        let msg = Stamped {
            value: OrderEvent::End(k),
            t_recv_ns: T0,
            t_enq_ns: T0,
        };
        d.on_order_event(&msg, T0);
    }
    for i in 0..N as u16 {
        feed.publish(i, NOW, 49.99, 50.01, 100.0, 100.0);
    }
    // Start-up's requests (a subscription per name) drain through the limiter first.
    for t in (T0..=NOW).step_by(100_000_000) {
        d.poll(t);
    }
    let mut scratch = Vec::new();
    d.outbox().swap_into(&mut scratch);
    d
}

/// The intents of one rebalance of `N` names, as the signal stage sends them.
fn rebalance_intents() -> Vec<Stamped<OrderIntent>> {
    let legs: Vec<Leg> = (0..N as u16)
        .map(|k| Leg {
            instrument: k,
            side: if k % 2 == 0 { Side::Buy } else { Side::Sell },
            qty: 100,
        })
        .collect();
    let chunks: Vec<_> = rebalance_chunks(N).collect();
    chunks
        .iter()
        .enumerate()
        .map(|(k, c)| Stamped {
            value: OrderIntent {
                pair: 0,
                seq: 7,
                t_ns: NOW,
                kind: if k + 1 < chunks.len() {
                    IntentKind::RebalancePart
                } else {
                    IntentKind::Rebalance
                },
                legs: Legs::from_slice(&legs[c.clone()]).unwrap(),
            },
            t_recv_ns: NOW,
            t_enq_ns: NOW,
        })
        .collect()
}

fn dispatch_rebalance(c: &mut Criterion) {
    let intents = rebalance_intents();
    let mut g = c.benchmark_group("basket100");
    g.bench_function("dispatch_rebalance", |b| {
        let mut batch: Vec<Outbound> = Vec::with_capacity(1024);
        b.iter_batched(
            dispatcher,
            |mut d| {
                for msg in &intents {
                    d.on_intent(msg, NOW);
                }
                // The stage's poll hands the limiter's budget to the queued legs.
                d.poll(NOW);
                batch.clear();
                d.outbox().swap_into(&mut batch);
                assert!(
                    batch.iter().any(|o| matches!(o, Outbound::Place(_))),
                    "{:?} {:?}",
                    &batch,
                    d.counters()
                );
                black_box(batch.len());
                d
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn strategy_decide(c: &mut Criterion) {
    let mut p = EngineParams::embedded().strategy;
    p.kind = StrategyKind::Basket;
    let names: Vec<u16> = (0..N as u16).collect();
    // Every name opens (half long, half short), hedged with a one-factor loading.
    let mut fit = BasketFit {
        n: N,
        k: 1,
        s_score: [0.0; MAX_BASKET_LEGS],
        tradeable: [true; MAX_BASKET_LEGS],
        reversion_rows: [5.0; MAX_BASKET_LEGS],
        hedge: [[0.0; MAX_BASKET_LEGS]; MAX_BASKET_LEGS],
        mids: [50.0; MAX_BASKET_LEGS],
    };
    for i in 0..N {
        fit.s_score[i] = if i % 2 == 0 { -2.0 } else { 2.0 };
        for l in 0..N {
            fit.hedge[i][l] = if i == l { 1.0 } else { -0.01 };
        }
    }
    let fit = Box::new(fit);
    let mut g = c.benchmark_group("basket100");
    g.bench_function("strategy_decide", |b| {
        let mut seq = 0;
        b.iter_batched(
            || BasketStrategy::new(0, &names, &p),
            |mut s| {
                seq += 1;
                let last = s.apply_fit(&fit, seq, T0, |_| {}).unwrap();
                let mut sent = 0;
                s.leading_parts(&last, |i| sent += i.legs.len());
                black_box((sent, last));
                s
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, dispatch_rebalance, strategy_decide);
criterion_main!(benches);
