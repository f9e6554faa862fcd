//! Wire-to-wire measurement: the gateway replays at a fixed rate, the engine trades, and every
//! order it sends is matched to the tick that triggered it through orderRef (the engine's tick
//! sequence number, which the gateway counts the same way per connection).

mod common;

use common::PATIENCE;
use hft::config::{ReplayParams, SimParams};
use hft::sim::{Gateway, GatewayOptions};
use std::time::{Duration, Instant};

#[test]
fn every_order_is_matched_to_its_tick() {
    let rows = 4_000;
    let path = std::env::temp_dir().join(format!("hft-w2w-{}.csv", std::process::id()));
    let text = common::oscillating_quotes(1_700_000_000, rows as i64 / 2);
    std::fs::write(&path, text).unwrap();

    let mut sim = SimParams::embedded();
    sim.market.symbols.clear();
    sim.gateway.max_messages_per_sec = 100_000;
    sim.gateway.disconnect_messages_per_sec = 100_000;
    sim.replay = Some(ReplayParams {
        file: path.clone(),
        more_files: Vec::new(),
        symbols: Vec::new(),
        speed: 1.0,
        rate: 4_000.0,
    });
    let gw = Gateway::start(
        sim,
        GatewayOptions {
            listen: Some("127.0.0.1:0".into()),
            ..Default::default()
        },
    )
    .unwrap();

    let mut params = common::fast_zscore_pair(30.0);
    params.risk.max_messages_per_sec = 100_000;
    let engine = common::EngineRun::start(&gw, params, "w2w");
    let deadline = Instant::now() + PATIENCE;
    loop {
        let snap = gw.snapshot();
        let w = gw.wire_report().expect("recording is on at a fixed rate");
        let settled = !snap.orders.is_empty() && snap.orders.iter().all(|o| o.state == "Filled");
        if (w.ticks as usize >= rows && settled) || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let report = engine.finish();
    let w = gw.wire_report().unwrap();
    assert_eq!(w.ticks as usize, rows, "every row was sent on the schedule");
    assert!(w.matched >= 20, "orders were sent ({})", w.matched);
    assert_eq!(
        w.unmatched, 0,
        "every orderRef names a tick the gateway sent"
    );
    assert_eq!(w.tick_to_trade.len(), w.matched);
    assert_eq!(w.matched, report.dispatch.counters.orders_sent);
    // A tick-to-trade measured from the schedule is positive and below the patience bound.
    assert!(w.tick_to_trade.min() > 0 && w.tick_to_trade.max() < PATIENCE.as_nanos() as u64);
    let _ = std::fs::remove_file(path);
}
