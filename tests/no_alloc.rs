//! No heap allocation on the hot path: the four engine stages run against a scripted gateway
//! (this test) in steady state, with signals, orders and fills, and the quote recorder writing
//! `quotes.csv`, while a counting global allocator watches. After a warm-up, 100,000 ticks must
//! cause zero allocations.
//!
//! This test has its own `main` (`harness = false`) so no test-harness thread allocates while the
//! counter is armed. The scripted gateway pre-encodes every frame before arming and answers orders
//! from preallocated buffers.
//!
//! The measured window ends only after the order triggered near the end of the tick stream has been
//! answered and the engine has gone quiet, so the whole stream has passed through every stage
//! (the pipeline is FIFO). Waiting here bounds the window; nothing asserts on durations.

mod common;

use hft::pipeline::{self, RunOptions};
use hft::types::ExecId;
use hft::wire::text::{
    CommissionReport, ContractView, ExecutionData, ManagedAccts, NextValidId, OrderStatus,
};
use hft::wire::{self, FrameReader, Request, TickByTick, TickByTickData};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

mod counting_alloc;
use counting_alloc::{ALLOCATIONS, ARMED};

const WARMUP_STEPS: u64 = 10_000;
const MEASURED_STEPS: u64 = 50_000;
const PERIOD: f64 = 1000.0;
const T0: i64 = 1_700_000_000;

/// Two ticks per second: A oscillates (a sine of period 1000 s), B barely moves.
fn ticks(from: u64, to: u64, out: &mut Vec<u8>) {
    for k in from..to {
        let a = (100.0 + (2.0 * std::f64::consts::PI * k as f64 / PERIOD).sin()) * 100.0;
        let b = 5000.0 + ((k / 3) % 3) as f64;
        for (req_id, cents) in [(1000, a.round()), (1001, b)] {
            let bid = cents / 100.0;
            let t = TickByTick {
                req_id,
                time: T0 + k as i64,
                data: TickByTickData::BidAsk {
                    bid,
                    ask: (cents + 1.0) / 100.0,
                    bid_size: 100.0,
                    ask_size: 100.0,
                    mask: 0,
                },
            };
            t.encode(out);
        }
    }
}

fn read_frame(stream: &mut TcpStream) -> Vec<u8> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).expect("frame length");
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    stream.read_exact(&mut body).expect("frame body");
    body
}

/// Answers every PLACE_ORDER with a full fill, from preallocated buffers.
/// Answers every PLACE_ORDER with a full fill, from preallocated buffers. It never writes the
/// socket itself: responses go through a byte ring to the main thread, the only writer, so this
/// thread always keeps reading (a gateway that stops reading would stall the engine's writes).
fn responder(
    mut input: TcpStream,
    mut output: rtrb::Producer<u8>,
    orders: Arc<AtomicU64>,
    last_ref: Arc<AtomicU64>,
) {
    let mut reader = FrameReader::new(1 << 16);
    let mut out = Vec::with_capacity(8192);
    let mut exec_seq = 0u64;
    loop {
        match reader.fill_from(&mut input) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        while let Ok(Some(body)) = reader.next_frame() {
            let Ok(Request::PlaceOrder(o)) = Request::decode_text(body) else {
                continue;
            };
            exec_seq += 1;
            let mut exec_id = ExecId::new();
            let _ = exec_id.try_push_str("0000test.");
            let _ = exec_id.try_push_str(itoa::Buffer::new().format(exec_seq));
            let price = if o.contract.symbol == "AAA" {
                100.0
            } else {
                50.0
            };
            out.clear();
            ExecutionData {
                req_id: -1,
                order_id: o.order_id,
                contract: ContractView {
                    con_id: 1,
                    symbol: o.contract.symbol,
                    sec_type: "STK",
                    exchange: "SMART",
                    currency: "USD",
                    ..Default::default()
                },
                exec_id: &exec_id,
                time: "20231114 22:13:20 UTC",
                account: "DU1",
                exchange: "ISLAND",
                side: if o.action == "BUY" { "BOT" } else { "SLD" },
                shares: o.total_quantity,
                price,
                perm_id: 1,
                client_id: 1,
                cum_qty: o.total_quantity,
                avg_price: price,
                order_ref: o.order_ref,
                last_liquidity: 2,
            }
            .encode(&mut out);
            OrderStatus {
                order_id: o.order_id,
                status: "Filled",
                filled: o.total_quantity,
                remaining: 0.0,
                avg_fill_price: price,
                perm_id: 1,
                parent_id: 0,
                last_fill_price: price,
                client_id: 1,
                why_held: "",
                mkt_cap_price: 0.0,
            }
            .encode(&mut out);
            CommissionReport {
                exec_id: &exec_id,
                commission: 1.0,
                currency: "USD",
                realized_pnl: f64::MAX,
            }
            .encode(&mut out);
            while output.slots() < out.len() {
                if output.is_abandoned() {
                    return;
                }
                std::thread::yield_now();
            }
            // A whole response is committed at once: the reader only ever sees complete frames.
            let chunk = output.write_chunk_uninit(out.len()).expect("room checked");
            chunk.fill_from_iter(out.iter().copied());
            orders.fetch_add(1, Ordering::Relaxed);
            let seq = wire::parse_i64(o.order_ref.as_bytes()).unwrap_or(0) as u64;
            last_ref.fetch_max(seq, Ordering::Relaxed);
        }
    }
}

/// Waits until `orders` has not moved for a second (bounded by a generous patience).
fn settle(orders: &AtomicU64, until: impl Fn() -> bool, mut pump: impl FnMut()) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut last = (orders.load(Ordering::Relaxed), Instant::now());
    loop {
        std::thread::sleep(Duration::from_millis(5));
        pump();
        let now = orders.load(Ordering::Relaxed);
        if now != last.0 {
            last = (now, Instant::now());
        } else if until() && last.1.elapsed() > Duration::from_secs(1) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the engine did not process the ticks (orders seen: {now})"
        );
    }
}

fn main() {
    // The counter itself works: one armed allocation is one count.
    ARMED.store(true, Ordering::SeqCst);
    let probe = std::hint::black_box(Box::new(7u64));
    ARMED.store(false, Ordering::SeqCst);
    drop(probe);
    assert_eq!(
        ALLOCATIONS.swap(0, Ordering::SeqCst),
        1,
        "the counting allocator counts"
    );

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let mut params = common::fast_zscore_pair(60.0);
    params.risk.max_position = 1e9;
    // Orders flow as fast as signals come: the measured window must end with the tick stream.
    params.risk.max_messages_per_sec = 100_000;
    // The stages publish their metrics every millisecond, so the armed window holds many
    // publications (counters, positions, PnL, latency percentiles). The status line and the
    // endpoint are cold threads that allocate by design: off here (they read what the stages
    // publish, which is what this test measures).
    params.engine.metrics_publish_ms = 1;
    params.engine.status_secs = 0.0;
    params.engine.metrics_listen.clear();
    // The quote recorder (a cold thread fed by normalize) runs too: it must not allocate either.
    assert!(params.engine.record_quotes, "recording is on by default");
    // And the raw-event recorder (off by default), a second cold thread of the same loop.
    params.engine.record_events = true;
    let metrics = Arc::new(hft::metrics::EngineMetrics::new(&params.symbols()));
    let watched = metrics.clone();
    let run_dir = std::env::temp_dir().join(format!("hft-no-alloc-{}", std::process::id()));
    let engine_stop = stop.clone();
    let engine = std::thread::spawn(move || {
        pipeline::run(
            &params,
            RunOptions {
                gateway: addr,
                duration: Duration::from_secs(600),
                run_dir,
                warmup: None,
                stop: engine_stop,
                require_paper: true,
                resume: None,
                metrics: Some(watched),
            },
        )
    });

    // The scripted gateway: handshake, START_API, account and first order id.
    let (mut s, _) = listener.accept().expect("engine connects");
    let mut prefix = [0u8; 4];
    s.read_exact(&mut prefix).expect("API prefix");
    assert_eq!(&prefix, b"API\0");
    let range = read_frame(&mut s);
    assert!(wire::parse_version_range(&range).is_ok());
    let mut out = Vec::new();
    wire::encode_server_hello(&mut out, 178, "20231114 22:13:20 UTC");
    s.write_all(&out).expect("hello");
    let start_api = read_frame(&mut s);
    assert!(matches!(
        Request::decode_text(&start_api),
        Ok(Request::StartApi { .. })
    ));
    out.clear();
    ManagedAccts { accounts: "DU1" }.encode(&mut out);
    NextValidId { order_id: 1 }.encode(&mut out);
    s.write_all(&out).expect("session start");
    // The engine reconciles first (answered with empty lists), then subscribes.
    let mut subscriptions = 0;
    while subscriptions < 2 {
        let frame = read_frame(&mut s);
        if let Some(answer) = common::reconcile_answer(&frame) {
            s.write_all(&answer).expect("reconciliation answers");
            continue;
        }
        match Request::decode_text(&frame) {
            Ok(Request::TickByTick { .. }) => subscriptions += 1,
            Ok(Request::CancelPositions) => {}
            other => panic!("unexpected request {other:?}"),
        }
    }

    let orders = Arc::new(AtomicU64::new(0));
    let last_ref = Arc::new(AtomicU64::new(0));
    let (responses_tx, mut responses) = rtrb::RingBuffer::<u8>::new(8 << 20);
    let mut writer = s.try_clone().expect("clone");
    let r = std::thread::spawn({
        let (input, orders, last_ref) = (
            s.try_clone().expect("clone"),
            orders.clone(),
            last_ref.clone(),
        );
        move || responder(input, responses_tx, orders, last_ref)
    });

    let mut warm = Vec::new();
    ticks(0, WARMUP_STEPS, &mut warm);
    let mut measured = Vec::new();
    ticks(WARMUP_STEPS, WARMUP_STEPS + MEASURED_STEPS, &mut measured);
    // The only socket writer: responses first, then the next chunk of ticks.
    let mut pump = |writer: &mut TcpStream| {
        let n = responses.slots();
        if n > 0 {
            let chunk = responses.read_chunk(n).expect("slots checked");
            let (a, b) = chunk.as_slices();
            writer.write_all(a).expect("responses");
            writer.write_all(b).expect("responses");
            chunk.commit_all();
        }
    };
    // Chunks end on frame boundaries, so responses never land inside a tick frame.
    let send = |writer: &mut TcpStream, pump: &mut dyn FnMut(&mut TcpStream), bytes: &[u8]| {
        let mut start = 0;
        while start < bytes.len() {
            let mut end = start;
            while end < bytes.len() && end - start < 16 * 1024 {
                let len = u32::from_be_bytes(bytes[end..end + 4].try_into().expect("prefix"));
                end += 4 + len as usize;
            }
            pump(writer);
            writer.write_all(&bytes[start..end]).expect("ticks");
            start = end;
        }
    };

    send(&mut writer, &mut pump, &warm);
    let warm_ticks = 2 * WARMUP_STEPS;
    settle(
        &orders,
        || last_ref.load(Ordering::Relaxed) + 4 * PERIOD as u64 >= warm_ticks,
        || pump(&mut writer),
    );
    let orders_before = orders.load(Ordering::Relaxed);

    let published_before = (
        metrics.io.ticks.get(),
        metrics.dispatch.fills.get(),
        metrics.dispatch.end_to_end.count.get(),
    );
    ARMED.store(true, Ordering::SeqCst);
    send(&mut writer, &mut pump, &measured);
    let total_ticks = 2 * (WARMUP_STEPS + MEASURED_STEPS);
    settle(
        &orders,
        || last_ref.load(Ordering::Relaxed) + 4 * PERIOD as u64 >= total_ticks,
        || pump(&mut writer),
    );
    let published_after = (
        metrics.io.ticks.get(),
        metrics.dispatch.fills.get(),
        metrics.dispatch.end_to_end.count.get(),
    );
    ARMED.store(false, Ordering::SeqCst);
    let allocations = ALLOCATIONS.load(Ordering::SeqCst);
    let measured_orders = orders.load(Ordering::Relaxed) - orders_before;

    stop.store(true, Ordering::SeqCst);
    let report = engine.join().expect("engine thread").expect("engine run");
    drop(writer);
    let _ = s.shutdown(std::net::Shutdown::Both);
    let _ = r.join();
    let ticks = report.summary.engine().counters.ticks;
    println!(
        "no_alloc: {ticks} ticks processed, {} measured ({measured_orders} orders filled in the measured window), {} quotes recorded, {allocations} allocations while armed",
        2 * MEASURED_STEPS,
        report.summary.engine().counters.quotes_recorded
    );
    assert_eq!(ticks, total_ticks, "every tick reached the engine");
    assert!(
        // (Closes wait for the entry they follow to end, so a window trades fewer orders
        // than it has signals.)
        measured_orders >= 4,
        "the measured window had signals and orders ({measured_orders})"
    );
    assert!(
        report.dispatch.counters.fills >= measured_orders,
        "fills came back"
    );
    assert!(
        published_after.0 > published_before.0
            && published_after.1 > published_before.1
            && published_after.2 > published_before.2,
        "the stages published their metrics while armed ({published_before:?} -> {published_after:?})"
    );
    let recorded = report.summary.engine().counters.quotes_recorded;
    // A row per book change (B's quote changes every third step only). The ticks arrive as fast
    // as the engine reads them, so a recorder starved of CPU may drop rows: every one is counted.
    let c = &report.summary.engine().counters;
    assert!(
        recorded + c.quotes_record_dropped > MEASURED_STEPS / 2,
        "the recorder wrote ({recorded} rows, {} dropped)",
        c.quotes_record_dropped
    );
    assert_eq!(c.md_events_recorded + c.md_events_record_dropped, ticks);
    assert_eq!(allocations, 0, "heap allocations on the hot path");
    println!("test no_alloc ... ok");
}
