//! Per-quote signal cost with the cold-thread models and every pair filter enabled: the signal
//! stage's [`PairRouter::on_quote`] for one pair, as the engine runs it (the fits on the model
//! thread, so the heavy work is excluded from the measured path; what remains is polling the
//! parameter slot, the row history for the snapshots, the per-quote forecast and the filters'
//! checks, and every `refit_secs` the snapshot copy).
//!
//! - `signal_filters/var_all_filters`: `kind = "var"` (VECM or VAR by Johansen, horizon 5) with
//!   `[strategy.filters]` breaks = Chow, trend = variance ratio, Markov regime on.
//! - `signal_filters/zscore_all_filters`: the z-score strategy with the same filters and its
//!   Hurst filter (`max_hurst`).
//!
//! One pair, a 1 h window on a 1 s grid (3600 rows), alternating A/B quotes 100 ms apart (a grid
//! row every 10 quotes); warmed through the router with inline fits (so parameters are in place),
//! then the fits move to the model thread. B is a random walk, A = 2 B + 1 + an AR(1) spread.
//!
//! Run: `cargo bench --bench signal_filters`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hft::config::{BreakTest, EngineParams, StrategyKind, TrendTest};
use hft::signal::PairRouter;
use hft::sim::Rng;
use hft::strategy::PairStrategy;
use hft::types::Quote;
use std::hint::black_box;

const QUOTE_STEP_NS: u64 = 100_000_000;
const START_NS: u64 = 1_700_000_000_000_000_000;
/// Quotes of the warm-up: 4000 s.
const WARM_QUOTES: usize = 40_000;
/// Quotes cycled through in the measurement (shifted in time on each pass).
const CYCLE: usize = 20_000;

fn quotes(n: usize) -> Vec<Quote> {
    let mut rng = Rng::new(7, 0);
    let (mut b, mut s) = (50.0, 0.0);
    (0..n)
        .map(|k| {
            b += 0.01 * rng.normal();
            s = 0.995 * s + 0.005 * rng.normal();
            let a = 2.0 * b + 1.0 + s;
            let (instrument, mid) = if k % 2 == 0 { (0, a) } else { (1, b) };
            Quote {
                seq: k as u64 + 1,
                instrument,
                t_ns: START_NS + k as u64 * QUOTE_STEP_NS,
                bid: mid - 0.005,
                ask: mid + 0.005,
                bid_size: 500.0,
                ask_size: 500.0,
            }
        })
        .collect()
}

fn params(kind: StrategyKind) -> EngineParams {
    let mut p = EngineParams::embedded();
    p.strategy.kind = kind;
    p.strategy.window_secs = 3600.0;
    p.strategy.grid_secs = 1.0;
    p.strategy.var.horizon = 5;
    p.strategy.var.refit_secs = 600.0;
    p.strategy.zscore.max_hurst = 0.6;
    let f = &mut p.strategy.filters;
    f.breaks = BreakTest::Chow;
    f.break_recent_secs = 120.0;
    f.trend = TrendTest::VarianceRatio;
    f.markov = true;
    f.refit_secs = 600.0;
    p.pairs.truncate(1);
    p.validate("bench").expect("valid bench params");
    p
}

fn signal_filters(c: &mut Criterion) {
    let mut g = c.benchmark_group("signal_filters");
    g.throughput(Throughput::Elements(1));
    let all = quotes(WARM_QUOTES + CYCLE);
    let (warm, cycle) = all.split_at(WARM_QUOTES);
    for (name, kind) in [
        ("var_all_filters", StrategyKind::Var),
        ("zscore_all_filters", StrategyKind::Zscore),
    ] {
        let p = params(kind);
        let strategy = PairStrategy::new(0, 0, 1, &p.strategy, &p.costs, &p.pairs[0]);
        let mut router = PairRouter::new(vec![strategy], 2).with_models(&p.strategy);
        let mut intents = 0;
        for q in warm {
            router.on_quote(q, |_| intents += 1);
        }
        let c = router.model_counters(0).expect("a model link");
        eprintln!(
            "signal_filters/{name}: {intents} intents in the warm-up, {} fits applied, \
             forecast {:?}, filters {:?} (setup check)",
            c.applied,
            router.pairs[0]
                .spread_forecast()
                .map(|f| (f.vecm, f.levels_order)),
            router.pairs[0].filter_state()
        );
        assert!(c.applied > 0, "{name}: no fit in the warm-up");
        router.start_model_thread().expect("model thread");
        let span = cycle.len() as u64 * QUOTE_STEP_NS;
        g.bench_function(name, |b| {
            let (mut k, mut shift) = (0usize, 0u64);
            b.iter(|| {
                let mut q = cycle[k];
                q.t_ns += shift;
                k += 1;
                if k == cycle.len() {
                    k = 0;
                    shift += span;
                }
                let mut n = 0u32;
                router.on_quote(black_box(&q), |_| n += 1);
                black_box(n)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, signal_filters);
criterion_main!(benches);
