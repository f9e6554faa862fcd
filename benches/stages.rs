//! Service time of each hot-path stage, one event at a time, on realistic inputs prepared outside
//! the timed loop:
//!
//! - `io_decode/*`: the io stage's real decode path, [`hft::io::stage::decode`], from a frame body
//!   (TICK_PRICE, TICK_SIZE, TICK_BY_TICK BidAsk) to an [`MdEvent`]. Frames come from the wire
//!   encoder with varying prices and sizes.
//! - `normalize/bid_ask_4_instruments`: [`Normalizer::on_event`] on tick-by-tick BidAsk events
//!   of four instruments whose books change on (almost) every event, so quotes are emitted.
//! - `signal_update/{seed,zscore,kalman}`: [`PairStrategy::on_quote`] for one pair with a 1 h
//!   window (`window_secs = 3600`, `grid_secs = 1`: 3600 grid rows; other settings as in
//!   `params/default.toml`), warmed with a full window, fed alternating A/B quotes 100 ms apart
//!   (a grid row every 10 quotes).
//! - `dispatch/*`: the rate limiter and PLACE_ORDER encoded into a preallocated buffer as the
//!   dispatch stage did before templates (order id, `orderRef` from the tick sequence number), and
//!   from an [`OrderTemplate`] per instrument and side as it does now. Dispatch's risk
//!   check is private (three comparisons) and is not measured on its own.
//! - `clock/*`: one read of the engine's clock (TSC) and of `std::time::Instant`.
//! - `backtest/zscore_1_pair_on_quote`: the backtest loop over 1M quotes already in memory
//!   ([`Backtest::on_quote`]: the exchange's book, the normalizer, the strategy, the dispatcher
//!   and the fills), reported in quotes per second.
//!
//! The price process is synthetic and seeded: B is a random walk, A = 2 B + 1 + a mean-reverting
//! spread, so the z-score strategy really enters and exits (the counts are printed at start-up).
//!
//! Run: `cargo bench --bench stages`
//! (quick: `cargo bench --bench stages -- --warm-up-time 1 --measurement-time 3`)

use arrayvec::ArrayString;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use hft::backtest::Backtest;
use hft::config::{EngineParams, StrategyKind};
use hft::dispatch::RateLimiter;
use hft::instruments::REQ_ID_BASE;
use hft::io::stage::{Decoded, decode};
use hft::normalize::Normalizer;
use hft::strategy::PairStrategy;
use hft::types::Quote;
use hft::types::{MdEvent, MdTick};
use hft::wire::handshake::MAX_TEXT_VERSION;
use hft::wire::ids::tick_type;
use hft::wire::{
    ContractSpec, OrderRequest, OrderTemplate, Request, TickByTick, TickByTickData, TickPrice,
    TickSize, split_frame,
};
use std::hint::black_box;
use std::time::{Duration, Instant};

mod common;
use common::PairPath;

/// 2025-11-24 16:00:00 UTC, in Unix nanoseconds: where event time starts.
const START_NS: u64 = 1_764_000_000_000_000_000;
/// Event time between two quotes of the pair (A and B alternate).
const QUOTE_STEP_NS: u64 = 100_000_000;
/// Price-process steps per one-second grid row during warm-up (one step per A/B quote pair).
const STEPS_PER_ROW: usize = 5;
/// Grid rows fed before timing: more than the 3600-row window.
const WARM_ROWS: usize = 4_000;
/// Inputs cycled through by the per-event benches (a power of two).
const CYCLE: usize = 1 << 16;

/// `n` quotes alternating instrument 0 (A) and 1 (B), `QUOTE_STEP_NS` apart from `t0`.
fn pair_quotes(path: &mut PairPath, n: usize, t0: u64) -> Vec<Quote> {
    let mut mids = (0.0, 0.0);
    (0..n)
        .map(|k| {
            if k % 2 == 0 {
                mids = path.step();
            }
            let (instrument, mid) = if k % 2 == 0 { (0, mids.0) } else { (1, mids.1) };
            let (bid, ask, bid_size, ask_size) = path.book(mid);
            Quote {
                seq: k as u64 + 1,
                instrument,
                t_ns: t0 + k as u64 * QUOTE_STEP_NS,
                bid,
                ask,
                bid_size,
                ask_size,
            }
        })
        .collect()
}

/// `n` tick-by-tick BidAsk events round-robin over two pairs (four instruments), 25 ms apart.
fn bid_ask_events(n: usize) -> Vec<MdEvent> {
    let mut paths = [PairPath::new(1, 250.0), PairPath::new(2, 60.0)];
    let mut mids = [(0.0, 0.0); 2];
    (0..n)
        .map(|k| {
            let instrument = k % 4;
            let path = &mut paths[instrument / 2];
            if instrument % 2 == 0 {
                mids[instrument / 2] = path.step();
            }
            let (a, b) = mids[instrument / 2];
            let (bid, ask, bid_size, ask_size) = path.book(if instrument % 2 == 0 { a } else { b });
            let t = START_NS + k as u64 * 25_000_000;
            MdEvent {
                seq: k as u64 + 1,
                t_recv_ns: 0,
                t_enq_ns: 0,
                t_event_ns: t,
                req_id: REQ_ID_BASE + instrument as i32,
                tick: MdTick::BidAsk {
                    bid,
                    ask,
                    bid_size,
                    ask_size,
                },
            }
        })
        .collect()
}

/// Engine params with `kind`, one pair and a 1 h window on a 1 s grid.
fn one_hour_params(kind: StrategyKind) -> EngineParams {
    let mut p = EngineParams::embedded();
    p.strategy.kind = kind;
    p.strategy.window_secs = 3600.0;
    p.strategy.grid_secs = 1.0;
    p.pairs.truncate(1);
    p
}

/// Frame bodies (length prefix removed) encoded by `encode`.
fn bodies(
    events: &[MdEvent],
    mut encode: impl FnMut(usize, &MdEvent, &mut Vec<u8>),
) -> Vec<Vec<u8>> {
    let mut buf = Vec::with_capacity(256);
    events
        .iter()
        .enumerate()
        .map(|(k, e)| {
            buf.clear();
            encode(k, e, &mut buf);
            let (body, _) = split_frame(&buf, 1 << 16)
                .expect("encoder writes valid frames")
                .expect("encoder writes whole frames");
            body.to_vec()
        })
        .collect()
}

/// The bid, ask, bid size and ask size of a BidAsk event.
fn sides(e: &MdEvent) -> (f64, f64, f64, f64) {
    match e.tick {
        MdTick::BidAsk {
            bid,
            ask,
            bid_size,
            ask_size,
        } => (bid, ask, bid_size, ask_size),
        _ => unreachable!("bid_ask_events makes BidAsk events only"),
    }
}

fn decode_frames(c: &mut Criterion) {
    let events = bid_ask_events(4096);
    let tick_price = bodies(&events, |k, e, out| {
        let (bid, ask, bid_size, ask_size) = sides(e);
        let (tick_type, price, size) = if k % 2 == 0 {
            (tick_type::BID, bid, bid_size)
        } else {
            (tick_type::ASK, ask, ask_size)
        };
        TickPrice {
            req_id: e.req_id,
            tick_type,
            price,
            size,
            attr_mask: 0,
        }
        .encode(out);
    });
    let tick_size = bodies(&events, |k, e, out| {
        let (_, _, bid_size, ask_size) = sides(e);
        let (tick_type, size) = if k % 2 == 0 {
            (tick_type::BID_SIZE, bid_size)
        } else {
            (tick_type::ASK_SIZE, ask_size)
        };
        TickSize {
            req_id: e.req_id,
            tick_type,
            size,
        }
        .encode(out);
    });
    let tick_by_tick = bodies(&events, |_, e, out| {
        let (bid, ask, bid_size, ask_size) = sides(e);
        TickByTick {
            req_id: e.req_id,
            time: (e.t_event_ns / 1_000_000_000) as i64,
            data: TickByTickData::BidAsk {
                bid,
                ask,
                bid_size,
                ask_size,
                mask: 0,
            },
        }
        .encode(out);
    });
    let symbols = EngineParams::embedded().symbols();
    let mut g = c.benchmark_group("io_decode");
    g.throughput(Throughput::Elements(1));
    for (name, frames) in [
        ("tick_price", &tick_price),
        ("tick_size", &tick_size),
        ("tick_by_tick_bid_ask", &tick_by_tick),
    ] {
        let mut seq = 0;
        for f in frames.iter() {
            let decoded = decode(f, MAX_TEXT_VERSION, 1, START_NS, &mut seq, &symbols);
            assert!(
                matches!(decoded, Ok(Decoded::Md(_))),
                "{name} frame does not decode to a market-data event"
            );
        }
        g.bench_function(name, |b| {
            let mut k = 0usize;
            b.iter(|| {
                let frame = &frames[k % frames.len()];
                k += 1;
                black_box(decode(
                    black_box(frame),
                    MAX_TEXT_VERSION,
                    1_000,
                    START_NS,
                    &mut seq,
                    &symbols,
                ))
            })
        });
    }
    g.finish();
}

fn normalize(c: &mut Criterion) {
    let events = bid_ask_events(CYCLE);
    let params = EngineParams::embedded();
    let mut normalizer = Normalizer::new(4, params.normalize);
    let quotes = events
        .iter()
        .filter(|e| normalizer.on_event(e).is_some())
        .count();
    assert!(
        quotes * 10 >= events.len() * 9,
        "only {quotes} of {} events became quotes",
        events.len()
    );
    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Elements(1));
    g.bench_function("bid_ask_4_instruments", |b| {
        let mut k = 0usize;
        b.iter(|| {
            let e = &events[k % CYCLE];
            k += 1;
            black_box(normalizer.on_event(black_box(e)))
        })
    });
    g.finish();
}

/// A strategy of `kind` warmed with `WARM_ROWS` grid rows, and the quotes that follow them.
fn warmed(kind: StrategyKind) -> (PairStrategy, Vec<Quote>) {
    let params = one_hour_params(kind);
    let mut strategy =
        PairStrategy::new(0, 0, 1, &params.strategy, &params.costs, &params.pairs[0]);
    let mut path = PairPath::new(7, 250.0);
    for _ in 0..WARM_ROWS {
        let mut row = (0.0, 0.0);
        for _ in 0..STEPS_PER_ROW {
            row = path.step();
        }
        strategy.warm(row.0, row.1);
    }
    strategy.finish_warmup();
    let quotes = pair_quotes(&mut path, CYCLE, START_NS);
    (strategy, quotes)
}

fn signal_update(c: &mut Criterion) {
    let mut g = c.benchmark_group("signal_update");
    g.throughput(Throughput::Elements(1));
    for (name, kind) in [
        ("seed", StrategyKind::Seed),
        ("zscore", StrategyKind::Zscore),
        ("kalman", StrategyKind::Kalman),
    ] {
        let (mut strategy, quotes) = warmed(kind);
        let mut check = strategy.clone();
        let intents = quotes
            .iter()
            .filter(|q| check.on_quote(q).is_some())
            .count();
        let counters = check.counters();
        assert!(
            counters.grid_rows > WARM_ROWS as u64,
            "{name}: no grid rows"
        );
        eprintln!(
            "signal_update/{name}: {intents} intents, {} grid rows over {} quotes (setup check)",
            counters.grid_rows - WARM_ROWS as u64,
            quotes.len()
        );
        // Each pass over the quotes is shifted forward in time so the grid keeps advancing.
        let span = quotes.len() as u64 * QUOTE_STEP_NS;
        g.bench_function(name, |b| {
            let (mut k, mut shift) = (0usize, 0u64);
            b.iter(|| {
                let mut q = quotes[k];
                q.t_ns += shift;
                k += 1;
                if k == quotes.len() {
                    k = 0;
                    shift += span;
                }
                black_box(strategy.on_quote(black_box(&q)))
            })
        });
    }
    g.finish();
}

fn dispatch(c: &mut Criterion) {
    let symbols = EngineParams::embedded().symbols();
    let account = "DU1234567".to_string();
    let mut g = c.benchmark_group("dispatch");
    g.throughput(Throughput::Elements(1));
    g.bench_function("rate_limiter_try_take", |b| {
        let mut limiter = RateLimiter::new(45, 0);
        let mut now = 0u64;
        b.iter(|| {
            now += 1_000_000;
            black_box(limiter.try_take(black_box(now)))
        })
    });
    let mut out = Vec::with_capacity(8192);
    g.bench_function("place_order_encode", |b| {
        let (mut order_id, mut seq) = (1_000i32, 1_000_000u64);
        b.iter(|| {
            order_id += 1;
            seq += 7;
            let mut order_ref = ArrayString::<24>::new();
            let _ = order_ref.try_push_str(itoa::Buffer::new().format(black_box(seq)));
            let symbol = &symbols[order_id as usize % symbols.len()];
            let req = Request::PlaceOrder(OrderRequest {
                order_id,
                contract: ContractSpec::stock(symbol),
                action: if order_id % 2 == 0 { "BUY" } else { "SELL" },
                total_quantity: 100.0,
                order_type: "MKT",
                lmt_price: f64::MAX,
                aux_price: f64::MAX,
                tif: "DAY",
                account: &account,
                order_ref: &order_ref,
                transmit: true,
                parent_id: 0,
            });
            out.clear();
            req.encode_text(&mut out);
            black_box(out.len())
        })
    });
    // The same orders from the per-instrument, per-side templates dispatch builds at start-up:
    // only the order id, quantity and orderRef are written per order.
    let templates: Vec<[OrderTemplate; 2]> = symbols
        .iter()
        .map(|s| ["BUY", "SELL"].map(|side| OrderTemplate::market_day(s, side, &account).unwrap()))
        .collect();
    g.bench_function("place_order_template", |b| {
        let (mut order_id, mut seq) = (1_000i32, 1_000_000u64);
        b.iter(|| {
            order_id += 1;
            seq += 7;
            let t = &templates[order_id as usize % templates.len()][(order_id % 2) as usize];
            out.clear();
            t.write(order_id, black_box(100), black_box(seq), &mut out);
            black_box(out.len())
        })
    });
    g.finish();
}

fn backtest(c: &mut Criterion) {
    const QUOTES: usize = 1_000_000;
    let params = one_hour_params(StrategyKind::Zscore);
    let quotes = pair_quotes(&mut PairPath::new(11, 250.0), QUOTES, START_NS);
    let mut check = Backtest::new(&params);
    for q in &quotes {
        check.on_quote(q);
    }
    let summary = check.finish().summary;
    eprintln!(
        "backtest: {} quotes -> {} orders, {} trades (setup check)",
        summary.backtest().rows.quotes,
        summary.orders,
        summary.backtest().trades
    );
    let mut g = c.benchmark_group("backtest");
    g.throughput(Throughput::Elements(QUOTES as u64));
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(20);
    g.bench_function("zscore_1_pair_on_quote", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // A fresh backtest each pass: event time must not go backwards.
                let mut bt = Backtest::new(&params);
                let start = Instant::now();
                for q in &quotes {
                    bt.on_quote(black_box(q));
                }
                total += start.elapsed();
                black_box(&mut bt);
            }
            total
        })
    });
    g.finish();
}

/// The engine's clock (the TSC through `quanta`) against `std::time::Instant` (CLOCK_MONOTONIC
/// through the vDSO), one read each.
fn clock(c: &mut Criterion) {
    hft::latency::start_clock();
    let mut g = c.benchmark_group("clock");
    g.bench_function("now_ns_tsc", |b| {
        b.iter(|| black_box(hft::latency::now_ns()))
    });
    let epoch = Instant::now();
    g.bench_function("std_instant_elapsed", |b| {
        b.iter(|| black_box(epoch.elapsed().as_nanos() as u64))
    });
    g.finish();
}

criterion_group!(
    benches,
    clock,
    decode_frames,
    normalize,
    signal_update,
    dispatch,
    backtest
);
criterion_main!(benches);
