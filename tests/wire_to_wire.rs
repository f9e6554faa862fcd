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
    let report = matched_run(false);
    let c = report.summary.engine().counters;
    assert_eq!(c.quotes_conflated, 0, "a FIFO conflates nothing");
    // Every quote got a decision (traded or not), measured.
    assert_eq!(histogram(&report, "tick_to_decision").len(), c.quotes);
}

/// With `engine.md_conflate` the strategy may see fewer quotes, never a stale one: every quote
/// normalize emits is either decided on or counted as conflated, and orders still name their
/// ticks.
#[test]
fn with_conflating_slots_every_quote_is_decided_on_or_counted() {
    let report = matched_run(true);
    let c = report.summary.engine().counters;
    let decided = histogram(&report, "tick_to_decision").len();
    assert_eq!(decided + c.quotes_conflated, c.quotes, "{c:?}");
}

fn histogram<'a>(
    report: &'a hft::pipeline::RunReport,
    name: &str,
) -> &'a hdrhistogram::Histogram<u64> {
    &report
        .histograms
        .iter()
        .find(|h| h.name == name)
        .unwrap_or_else(|| panic!("no {name} histogram"))
        .histogram
}

/// Replays 4,000 ticks at 4,000 a second to the engine and checks every order is matched to
/// the tick that triggered it.
fn matched_run(conflate: bool) -> hft::pipeline::RunReport {
    let rows = 4_000;
    let path = std::env::temp_dir().join(format!("hft-w2w-{}-{conflate}.csv", std::process::id()));
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
    params.engine.md_conflate = conflate;
    let engine = common::EngineRun::start(&gw, params, &format!("w2w-{conflate}"));
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
    // Every order a tick triggered is measured end to end from it.
    assert_eq!(
        histogram(&report, "end_to_end").len() + histogram(&report, "resend_to_wire").len(),
        report.dispatch.counters.orders_sent
    );
    report
}
