//! Wire codec service times: decoding market-data frames (ours beside a naive split-and-parse
//! baseline) and encoding orders and ticks into preallocated buffers.
//!
//! Run: `cargo bench --bench wire`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hft::wire::text::ServerMessage;
use hft::wire::{ContractSpec, Fields, OrderRequest, Request, TickByTick, TickPrice, TickSize};
use std::hint::black_box;

const TICK_PRICE: &[u8] = b"1\x006\x001001\x001\x00101.25\x00300\x000\x00";
const TICK_SIZE: &[u8] = b"2\x006\x001001\x000\x00400\x00";
const TICK_BY_TICK: &[u8] =
    b"99\x001001\x003\x001764000000\x00101.25\x00101.26\x00300\x00200\x000\x00";

/// The naive way: split into owned strings, then parse each.
fn naive_tick_price(body: &[u8]) -> Option<(i32, i32, f64, f64)> {
    let text = String::from_utf8(body.to_vec()).ok()?;
    let fields: Vec<String> = text.split('\0').map(str::to_string).collect();
    Some((
        fields[2].parse().ok()?,
        fields[3].parse().ok()?,
        fields[4].parse().ok()?,
        fields[5].parse().ok()?,
    ))
}

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(1));
    g.bench_function("tick_price", |b| {
        b.iter(|| {
            let mut f = Fields::new(black_box(TICK_PRICE));
            f.skip_fields(1).unwrap();
            black_box(TickPrice::decode(&mut f).unwrap())
        })
    });
    g.bench_function("tick_price_naive_baseline", |b| {
        b.iter(|| black_box(naive_tick_price(black_box(TICK_PRICE))))
    });
    g.bench_function("tick_size", |b| {
        b.iter(|| {
            let mut f = Fields::new(black_box(TICK_SIZE));
            f.skip_fields(1).unwrap();
            black_box(TickSize::decode(&mut f).unwrap())
        })
    });
    g.bench_function("tick_by_tick_bid_ask", |b| {
        b.iter(|| {
            let mut f = Fields::new(black_box(TICK_BY_TICK));
            f.skip_fields(1).unwrap();
            black_box(TickByTick::decode(&mut f).unwrap())
        })
    });
    g.bench_function("dispatch_tick_price", |b| {
        b.iter(|| {
            black_box(
                ServerMessage::decode(black_box(TICK_PRICE), 178)
                    .unwrap()
                    .clone(),
            )
        })
    });
    g.finish();
}

fn encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Elements(1));
    let mut out = Vec::with_capacity(4096);
    let order = OrderRequest {
        order_id: 1001,
        contract: ContractSpec::stock("SPY"),
        action: "BUY",
        total_quantity: 100.0,
        order_type: "MKT",
        lmt_price: f64::MAX,
        aux_price: f64::MAX,
        tif: "DAY",
        account: "DU1234567",
        order_ref: "184467",
        transmit: true,
        parent_id: 0,
    };
    g.bench_function("place_order", |b| {
        b.iter(|| {
            out.clear();
            Request::PlaceOrder(*black_box(&order)).encode_text(&mut out);
            black_box(out.len())
        })
    });
    let tick = TickPrice {
        req_id: 1001,
        tick_type: 1,
        price: 101.25,
        size: 300.0,
        attr_mask: 0,
    };
    g.bench_function("tick_price", |b| {
        b.iter(|| {
            out.clear();
            black_box(&tick).encode(&mut out);
            black_box(out.len())
        })
    });
    g.finish();
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
