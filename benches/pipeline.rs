//! The whole in-process pipeline without a socket, in ticks per second.
//!
//! The stage threads are built as `hft::pipeline::run` builds them, but fed from memory: a producer
//! thread plays the io stage (stamps and pushes prebuilt [`MdEvent`]s into the rtrb market-data
//! queue, with backpressure), then [`NormalizeStage`] and [`SignalStage`] run on their own threads
//! with a [`PairRouter`] of z-score [`PairStrategy`]s (the two pairs of `params/default.toml`, 1 h
//! window on a 1 s grid, warmed with a full window), and a sink thread drains the [`IntentMsg`]s
//! as dispatch would. Dispatch's risk checks, order encoding and socket write are excluded (see
//! the `stages` bench for encoding).
//!
//! One iteration pushes `EVENTS` tick-by-tick BidAsk events (four instruments round-robin, 25 ms
//! of event time apart, nearly every one a book change, so nearly every tick becomes a quote)
//! and is timed from the first push until signal's report is returned, that is until the last
//! quote has passed through normalize and signal. Thread start-up is outside the timed part.
//!
//! Waiting: `WaitStrategy::Backoff` (spin, yield, then park 50 us), because the stages, the
//! producer and the sink share a small machine; cores are placed by [`hft::pipeline::place`] (not
//! pinned with fewer than four cores). A tuned box should use `Spin` (set in `setup`) with a
//! pinned, isolated core per stage, which removes the wake-up cost of a parked stage.
//!
//! Run: `cargo bench --bench pipeline`
//! (quick: `cargo bench --bench pipeline -- --warm-up-time 1 --measurement-time 3`)

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use hft::config::EngineParams;
use hft::instruments::REQ_ID_BASE;
use hft::latency::now_ns;
use hft::metrics::EngineMetrics;
use hft::normalize::{NormalizeReport, NormalizeStage, Normalizer};
use hft::pipeline::place;
use hft::runtime::{Cadence, LinkRx, LinkTx, WaitStrategy, Waiter};
use hft::signal::{PairRouter, SignalReport, SignalStage};
use hft::strategy::PairStrategy;
use hft::types::IntentMsg;
use hft::types::{MdEvent, MdTick};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};

mod common;
use common::PairPath;

/// How often the stages publish their metrics (the engine's default `engine.metrics_publish_ms`).
const PUBLISH_NS: u64 = 250_000_000;

/// Ticks per iteration.
const EVENTS: usize = 1 << 20;
/// 2025-11-24 16:00:00 UTC, in Unix nanoseconds: where event time starts.
const START_NS: u64 = 1_764_000_000_000_000_000;
/// Event time between two ticks (of different instruments).
const TICK_STEP_NS: u64 = 25_000_000;
/// Grid rows fed before the run: more than the 3600-row window.
const WARM_ROWS: usize = 4_000;
/// Price-process steps per one-second grid row (one step per 100 ms round of four ticks).
const STEPS_PER_ROW: usize = 10;

/// The zscore strategies of the default pairs, warmed, and the ticks that follow the warm-up.
fn setup() -> (EngineParams, Vec<PairStrategy>, Vec<MdEvent>) {
    let mut params = EngineParams::embedded();
    params.strategy.window_secs = 3600.0;
    params.strategy.grid_secs = 1.0;
    params.engine.wait = WaitStrategy::Backoff;
    assert_eq!(
        params.symbols().len(),
        2 * params.pairs.len(),
        "the default pairs have four distinct instruments"
    );
    let mut paths: Vec<PairPath> = (0..params.pairs.len())
        .map(|p| PairPath::new(p as u64 + 1, 250.0 / (p + 1) as f64))
        .collect();
    let pairs: Vec<PairStrategy> = params
        .pairs
        .iter()
        .zip(&mut paths)
        .enumerate()
        .map(|(i, (pair_params, path))| {
            let (a, b) = (2 * i as u16, 2 * i as u16 + 1);
            let mut strategy =
                PairStrategy::new(i as u16, a, b, &params.strategy, &params.costs, pair_params);
            for _ in 0..WARM_ROWS {
                let mut row = (0.0, 0.0);
                for _ in 0..STEPS_PER_ROW {
                    row = path.step();
                }
                strategy.warm(row.0, row.1);
            }
            strategy.finish_warmup();
            strategy
        })
        .collect();
    let instruments = 2 * paths.len();
    let mut mids = vec![(0.0, 0.0); paths.len()];
    let events = (0..EVENTS)
        .map(|k| {
            let instrument = k % instruments;
            let pair = instrument / 2;
            if instrument.is_multiple_of(2) {
                mids[pair] = paths[pair].step();
            }
            let mid = if instrument.is_multiple_of(2) {
                mids[pair].0
            } else {
                mids[pair].1
            };
            let (bid, ask, bid_size, ask_size) = paths[pair].book(mid);
            MdEvent {
                seq: k as u64 + 1,
                t_recv_ns: 0,
                t_enq_ns: 0,
                t_event_ns: START_NS + k as u64 * TICK_STEP_NS,
                req_id: REQ_ID_BASE + instrument as i32,
                tick: MdTick::BidAsk {
                    bid,
                    ask,
                    bid_size,
                    ask_size,
                },
            }
        })
        .collect();
    (params, pairs, events)
}

/// Spawns a named thread in `scope`, pinned to `core` when given (as the engine does).
fn spawn<'scope, T: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    name: &str,
    core: Option<usize>,
    f: impl FnOnce() -> T + Send + 'scope,
) -> ScopedJoinHandle<'scope, T> {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn_scoped(scope, move || {
            if let Some(id) = core {
                core_affinity::set_for_current(core_affinity::CoreId { id });
            }
            f()
        })
        .expect("cannot spawn a bench thread")
}

/// What one pass through the pipeline did.
struct Pass {
    elapsed: Duration,
    normalize: NormalizeReport,
    signal: SignalReport,
    intents_drained: u64,
}

/// Runs the events through fresh stages (strategies cloned from the warmed templates).
fn pass(params: &EngineParams, templates: &[PairStrategy], events: &[MdEvent]) -> Pass {
    let placement = place(params);
    let wait = placement.wait;
    let instruments = 2 * templates.len();
    let cap = params.engine.queue_capacity;
    let (mut md_tx, md_rx) = rtrb::RingBuffer::<MdEvent>::new(cap);
    let (quote_tx, quote_rx) = rtrb::RingBuffer::new(cap);
    let (quote_tx, quote_rx) = (LinkTx::Fifo(quote_tx), LinkRx::Fifo(quote_rx));
    let (intent_tx, mut intent_rx) = rtrb::RingBuffer::<IntentMsg>::new(cap);
    let io_done = Arc::new(AtomicBool::new(false));
    let normalize_done = Arc::new(AtomicBool::new(false));
    let signal_done = AtomicBool::new(false);
    // The stages publish their numbers as the engine's do (every 250 ms), read by nobody.
    let metrics = Arc::new(EngineMetrics::new(&[]));
    let (normalize_waiter, signal_waiter, mut sink_waiter) =
        (Waiter::new(wait), Waiter::new(wait), Waiter::new(wait));
    let md_waker = normalize_waiter.waker();
    let normalize = NormalizeStage {
        rx: md_rx,
        tx: quote_tx,
        normalizer: Normalizer::new(instruments, params.normalize),
        waker: signal_waiter.waker(),
        waiter: normalize_waiter,
        upstream_done: io_done.clone(),
        feed: Arc::new(hft::normalize::FeedState::new(instruments)),
        metrics: metrics.clone(),
        cadence: Cadence::new(PUBLISH_NS),
        tap: None,
        event_tap: None,
    };
    // No dispatch here: nothing comes back (the producer end stays alive, unused).
    let (_outcome_tx, outcome_rx) = rtrb::RingBuffer::new(16);
    let signal = SignalStage {
        rx: quote_rx,
        tx: intent_tx,
        outcomes: outcome_rx,
        router: PairRouter::new(templates.to_vec(), instruments),
        waker: sink_waiter.waker(),
        waiter: signal_waiter,
        upstream_done: normalize_done.clone(),
        metrics,
        cadence: Cadence::new(PUBLISH_NS),
    };
    std::thread::scope(|s| {
        let normalize_h = spawn(s, "hft-normalize", placement.cores[1], move || {
            normalize.run()
        });
        let signal_h = spawn(s, "hft-signal", placement.cores[2], move || signal.run());
        let signal_done = &signal_done;
        // Plays dispatch without the socket: drains intents until signal has stopped.
        let sink_h = spawn(s, "bench-sink", placement.cores[3], move || {
            let waiter = &mut sink_waiter;
            let mut drained = 0u64;
            loop {
                match intent_rx.pop() {
                    Ok(msg) => {
                        waiter.reset();
                        drained += 1;
                        std::hint::black_box(msg);
                    }
                    Err(_) if signal_done.load(Ordering::Acquire) && intent_rx.is_empty() => {
                        break drained;
                    }
                    Err(_) => {
                        waiter.idle(|| !intent_rx.is_empty() || signal_done.load(Ordering::Acquire))
                    }
                }
            }
        });
        // Plays io: stamps each event as io does and pushes it, waiting while the queue is full.
        let producer_h = spawn(s, "bench-io", placement.cores[0], move || {
            let start = Instant::now();
            for e in events {
                let mut e = *e;
                e.t_recv_ns = now_ns();
                e.t_enq_ns = e.t_recv_ns;
                let backoff = crossbeam::utils::Backoff::new();
                while let Err(rtrb::PushError::Full(back)) = md_tx.push(e) {
                    e = back;
                    backoff.snooze();
                }
                md_waker.wake();
            }
            start
        });
        let start = producer_h.join().expect("producer panicked");
        io_done.store(true, Ordering::Release);
        let normalize = normalize_h.join().expect("normalize panicked");
        normalize_done.store(true, Ordering::Release);
        let signal = signal_h.join().expect("signal panicked");
        let elapsed = start.elapsed();
        signal_done.store(true, Ordering::Release);
        let intents_drained = sink_h.join().expect("sink panicked");
        Pass {
            elapsed,
            normalize,
            signal,
            intents_drained,
        }
    })
}

fn pipeline(c: &mut Criterion) {
    let (params, templates, events) = setup();
    let placement = place(&params);
    let check = pass(&params, &templates, &events);
    assert!(
        check.normalize.counters.quotes * 10 >= events.len() as u64 * 9,
        "too few ticks became quotes: {:?}",
        check.normalize.counters
    );
    assert_eq!(check.signal.quotes, check.normalize.counters.quotes);
    assert_eq!(check.signal.intents, check.intents_drained);
    eprintln!(
        "pipeline: {} ticks -> {} quotes -> {} intents in {:.3?} ({:.2} M ticks/s, setup check); \
         wait {:?}, {}",
        events.len(),
        check.normalize.counters.quotes,
        check.signal.intents,
        check.elapsed,
        events.len() as f64 / check.elapsed.as_secs_f64() / 1e6,
        placement.wait,
        placement.note
    );
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.bench_function("io_normalize_signal_zscore_2_pairs", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| pass(&params, &templates, &events).elapsed)
                .sum()
        })
    });
    g.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
