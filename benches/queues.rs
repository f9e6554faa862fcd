//! One queue hop across two threads: rtrb's SPSC `RingBuffer` (what the engine uses) against
//! crossbeam's `ArrayQueue`, crossbeam-channel `bounded` and std `mpsc::sync_channel`, all with
//! the engine's queue capacity and non-blocking operations in a spin loop (`try_*`; a stage
//! never sleeps inside a queue operation).
//!
//! - `queue_throughput_{u64,md_event}/*`: a producer pushes N items while a consumer pops them;
//!   time from the producer's first push to the consumer's last pop, per item. `md_event` is the
//!   engine's real io -> normalize payload ([`MdEvent`], a 72-byte `Copy` struct).
//! - `queue_hop_latency_{u64,md_event}/*`: ping-pong over two queues; the reported time per
//!   iteration is the round trip divided by 2, i.e. one hop.
//!
//! Cross-thread timing follows rtrb's own benches: `iter_custom`, fresh threads per sample, a
//! `std::sync::Barrier` so both sides start together. With at least two cores the two threads are
//! pinned to distinct cores with `core_affinity`. On a 2-core machine (the development box)
//! every other process competes for the same two cores, so these numbers are noisy; pinned,
//! isolated cores on a tuned box give the stable figures.
//!
//! Run: `cargo bench --bench queues`
//! (quick: `cargo bench --bench queues -- --warm-up-time 1 --measurement-time 3`)

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use crossbeam::queue::ArrayQueue;
use hft::instruments::REQ_ID_BASE;
use hft::types::{MdEvent, MdTick};
use std::hint::{black_box, spin_loop};
use std::sync::{Arc, Barrier, mpsc};
use std::time::{Duration, Instant};

/// Both ends of one bounded queue, each moved to its own thread; operations never block.
trait Queue<T: Send> {
    type Tx: Send;
    type Rx: Send;
    const NAME: &'static str;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx);
    /// False when full.
    fn try_push(tx: &mut Self::Tx, value: T) -> bool;
    fn try_pop(rx: &mut Self::Rx) -> Option<T>;
}

struct Rtrb;
struct CrossbeamArrayQueue;
struct CrossbeamChannel;
struct StdSyncChannel;

impl<T: Send> Queue<T> for Rtrb {
    type Tx = rtrb::Producer<T>;
    type Rx = rtrb::Consumer<T>;
    const NAME: &'static str = "rtrb";
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        rtrb::RingBuffer::new(capacity)
    }
    #[inline]
    fn try_push(tx: &mut Self::Tx, value: T) -> bool {
        tx.push(value).is_ok()
    }
    #[inline]
    fn try_pop(rx: &mut Self::Rx) -> Option<T> {
        rx.pop().ok()
    }
}

impl<T: Send> Queue<T> for CrossbeamArrayQueue {
    type Tx = Arc<ArrayQueue<T>>;
    type Rx = Arc<ArrayQueue<T>>;
    const NAME: &'static str = "crossbeam_array_queue";
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        let q = Arc::new(ArrayQueue::new(capacity));
        (q.clone(), q)
    }
    #[inline]
    fn try_push(tx: &mut Self::Tx, value: T) -> bool {
        tx.push(value).is_ok()
    }
    #[inline]
    fn try_pop(rx: &mut Self::Rx) -> Option<T> {
        rx.pop()
    }
}

impl<T: Send> Queue<T> for CrossbeamChannel {
    type Tx = crossbeam::channel::Sender<T>;
    type Rx = crossbeam::channel::Receiver<T>;
    const NAME: &'static str = "crossbeam_channel_bounded";
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        crossbeam::channel::bounded(capacity)
    }
    #[inline]
    fn try_push(tx: &mut Self::Tx, value: T) -> bool {
        tx.try_send(value).is_ok()
    }
    #[inline]
    fn try_pop(rx: &mut Self::Rx) -> Option<T> {
        rx.try_recv().ok()
    }
}

impl<T: Send> Queue<T> for StdSyncChannel {
    type Tx = mpsc::SyncSender<T>;
    type Rx = mpsc::Receiver<T>;
    const NAME: &'static str = "std_mpsc_sync_channel";
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        mpsc::sync_channel(capacity)
    }
    #[inline]
    fn try_push(tx: &mut Self::Tx, value: T) -> bool {
        tx.try_send(value).is_ok()
    }
    #[inline]
    fn try_pop(rx: &mut Self::Rx) -> Option<T> {
        rx.try_recv().ok()
    }
}

/// The engine's default queue capacity (`engine.queue_capacity`).
fn capacity() -> usize {
    hft::config::EngineParams::embedded().engine.queue_capacity
}

/// Two distinct cores for the two threads, when the machine has them.
fn cores() -> Option<(core_affinity::CoreId, core_affinity::CoreId)> {
    let ids = core_affinity::get_core_ids().unwrap_or_default();
    (ids.len() >= 2).then(|| (ids[0], ids[1]))
}

fn pin(core: Option<core_affinity::CoreId>) {
    if let Some(id) = core {
        core_affinity::set_for_current(id);
    }
}

#[inline]
fn push_spin<T: Copy + Send, Q: Queue<T>>(tx: &mut Q::Tx, value: T) {
    while !Q::try_push(tx, value) {
        spin_loop();
    }
}

#[inline]
fn pop_spin<T: Send, Q: Queue<T>>(rx: &mut Q::Rx) -> T {
    loop {
        if let Some(v) = Q::try_pop(rx) {
            return v;
        }
        spin_loop();
    }
}

/// `items` values pushed by one thread and popped by another: first push to last pop.
fn stream<T: Copy + Send, Q: Queue<T>>(items: u64, make: fn(u64) -> T) -> Duration {
    let (mut tx, mut rx) = Q::bounded(capacity());
    let pins = cores();
    let barrier = Barrier::new(2);
    let barrier = &barrier;
    std::thread::scope(|s| {
        let producer = s.spawn(move || {
            pin(pins.map(|p| p.0));
            barrier.wait();
            let start = Instant::now();
            for i in 0..items {
                push_spin::<T, Q>(&mut tx, make(i));
            }
            start
        });
        let consumer = s.spawn(move || {
            pin(pins.map(|p| p.1));
            barrier.wait();
            for _ in 0..items {
                black_box(pop_spin::<T, Q>(&mut rx));
            }
            Instant::now()
        });
        let start = producer.join().expect("producer panicked");
        let end = consumer.join().expect("consumer panicked");
        end.saturating_duration_since(start)
    })
}

/// `round_trips` ping-pongs over two queues; returns half the total, i.e. one hop per trip.
fn ping_pong<T: Copy + Send, Q: Queue<T>>(round_trips: u64, make: fn(u64) -> T) -> Duration {
    let (mut ping_tx, mut ping_rx) = Q::bounded(capacity());
    let (mut pong_tx, mut pong_rx) = Q::bounded(capacity());
    let pins = cores();
    let barrier = Barrier::new(2);
    let barrier = &barrier;
    std::thread::scope(|s| {
        let echo = s.spawn(move || {
            pin(pins.map(|p| p.1));
            barrier.wait();
            for _ in 0..round_trips {
                let v = pop_spin::<T, Q>(&mut ping_rx);
                push_spin::<T, Q>(&mut pong_tx, v);
            }
        });
        let origin = s.spawn(move || {
            pin(pins.map(|p| p.0));
            barrier.wait();
            let start = Instant::now();
            for i in 0..round_trips {
                push_spin::<T, Q>(&mut ping_tx, make(i));
                black_box(pop_spin::<T, Q>(&mut pong_rx));
            }
            start.elapsed()
        });
        echo.join().expect("echo thread panicked");
        origin.join().expect("origin thread panicked") / 2
    })
}

fn md_event(seq: u64) -> MdEvent {
    MdEvent {
        seq,
        t_recv_ns: seq,
        t_enq_ns: seq,
        t_event_ns: seq,
        req_id: REQ_ID_BASE,
        tick: MdTick::BidAsk {
            bid: 100.0,
            ask: 100.01,
            bid_size: 300.0,
            ask_size: 200.0,
        },
    }
}

fn throughput<T: Copy + Send, Q: Queue<T>>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    make: fn(u64) -> T,
) {
    g.bench_function(Q::NAME, |b| {
        b.iter_custom(|items| stream::<T, Q>(items, make))
    });
}

fn latency<T: Copy + Send, Q: Queue<T>>(g: &mut BenchmarkGroup<'_, WallTime>, make: fn(u64) -> T) {
    g.bench_function(Q::NAME, |b| {
        b.iter_custom(|trips| ping_pong::<T, Q>(trips, make))
    });
}

/// Throughput and hop latency of the four queues for one payload.
fn payload<T: Copy + Send>(c: &mut Criterion, name: &str, make: fn(u64) -> T) {
    let mut g = c.benchmark_group(format!("queue_throughput_{name}"));
    g.throughput(Throughput::Elements(1));
    throughput::<T, Rtrb>(&mut g, make);
    throughput::<T, CrossbeamArrayQueue>(&mut g, make);
    throughput::<T, CrossbeamChannel>(&mut g, make);
    throughput::<T, StdSyncChannel>(&mut g, make);
    g.finish();
    let mut g = c.benchmark_group(format!("queue_hop_latency_{name}"));
    latency::<T, Rtrb>(&mut g, make);
    latency::<T, CrossbeamArrayQueue>(&mut g, make);
    latency::<T, CrossbeamChannel>(&mut g, make);
    latency::<T, StdSyncChannel>(&mut g, make);
    g.finish();
}

fn queues(c: &mut Criterion) {
    match cores() {
        Some((a, b)) => eprintln!("queues: threads pinned to cores {} and {}", a.id, b.id),
        None => eprintln!("queues: fewer than 2 cores, threads not pinned"),
    }
    payload(c, "u64", |i| i);
    payload(c, "md_event", md_event);
}

criterion_group!(benches, queues);
criterion_main!(benches);
