//! The signal stage's side of the cold model thread never allocates: a router running the `var`
//! strategy with every pair filter, its fits on the model thread, takes 100,000 quotes (polling
//! the parameter slot, applying published fits, copying snapshots for new requests) while a
//! counting global allocator watches the signal thread. The cold thread itself allocates (its
//! fits do) and is not counted: the counter is armed per thread.
//!
//! Its own `main` (`harness = false`), so no test-harness thread allocates while it runs.

use hft::config::{BreakTest, EngineParams, StrategyKind, TrendTest};
use hft::signal::PairRouter;
use hft::sim::Rng;
use hft::strategy::PairStrategy;
use hft::types::Quote;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

thread_local! {
    /// Armed on the thread under watch only.
    static ARMED: Cell<bool> = const { Cell::new(false) };
}
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

struct Counting;

fn count() {
    // `try_with`: during thread teardown the local may be gone; nothing is counted then.
    if ARMED.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to the system allocator with the caller's arguments unchanged;
// counting is a side effect on an atomic and a const-initialised thread-local (which does not
// allocate) and never touches the allocation itself.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const SEC: u64 = 1_000_000_000;

/// Quotes 250 ms apart alternating A and B: B a random walk, A = 2 B + 1 + an AR(1) spread.
fn quotes(n: usize) -> Vec<Quote> {
    let mut rng = Rng::new(3, 0);
    let (mut b, mut s) = (50.0, 0.0);
    (0..n)
        .map(|k| {
            b += 0.02 * rng.normal();
            s = 0.95 * s + 0.05 * rng.normal();
            let (instrument, mid) = if k % 2 == 0 {
                (0, 2.0 * b + 1.0 + s)
            } else {
                (1, b)
            };
            Quote {
                seq: k as u64 + 1,
                instrument,
                t_ns: 1_700_000_000 * SEC + k as u64 * SEC / 4,
                bid: mid - 0.005,
                ask: mid + 0.005,
                bid_size: 500.0,
                ask_size: 500.0,
            }
        })
        .collect()
}

fn main() {
    let mut p = EngineParams::embedded();
    p.strategy.kind = StrategyKind::Var;
    p.strategy.grid_secs = 1.0;
    p.strategy.window_secs = 600.0;
    p.strategy.var.max_lags = 2;
    p.strategy.var.refit_secs = 30.0;
    p.strategy.var.entry = 1.0;
    p.strategy.var.min_edge_ratio = 0.0;
    let f = &mut p.strategy.filters;
    f.breaks = BreakTest::Chow;
    f.trend = TrendTest::VarianceRatio;
    f.markov = true;
    f.markov_min_prob = 0.0;
    f.vr_max_stat = 100.0;
    f.refit_secs = 30.0;
    p.pairs.truncate(1);
    p.validate("no_alloc_model").unwrap();
    let warm = quotes(8_000);
    let measured: Vec<Quote> = quotes(108_000).split_off(8_000);
    let strategy = PairStrategy::new(0, 0, 1, &p.strategy, &p.costs, &p.pairs[0]);
    let mut router = PairRouter::new(vec![strategy], 2).with_models(&p.strategy);
    for q in &warm {
        router.on_quote(q, |_| {});
    }
    router.start_model_thread().unwrap();
    let before = router.model_counters(0).unwrap();
    let mut intents = 0u64;
    ARMED.with(|a| a.set(true));
    for q in &measured {
        router.on_quote(q, |_| intents += 1);
    }
    // Until a fit made on the thread has been applied under watch too: the same quotes again,
    // later in time (no clock: the loop ends when the thread has published).
    let span = measured.last().unwrap().t_ns - measured[0].t_ns + SEC;
    let mut pass = 1;
    while router.model_counters(0).unwrap().applied == before.applied {
        for q in &measured[..4_000] {
            let mut q = *q;
            q.t_ns += pass * span;
            router.on_quote(&q, |_| intents += 1);
        }
        pass += 1;
    }
    ARMED.with(|a| a.set(false));
    let after = router.model_counters(0).unwrap();
    let allocations = ALLOCATIONS.load(Ordering::SeqCst);
    println!(
        "no_alloc_model: {} quotes and more, {intents} intents, {} snapshots handed over, {} fits applied, \
         {} requests skipped (thread busy): {allocations} allocations on the signal thread",
        measured.len(),
        after.requested - before.requested,
        after.applied - before.applied,
        after.busy - before.busy,
    );
    assert!(
        after.requested > before.requested,
        "no snapshot was handed over"
    );
    assert_eq!(allocations, 0, "the signal thread allocated");
}
