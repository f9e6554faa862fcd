//! Never a naked leg: with the paper gateway rejecting every second order, the engine completes
//! each pair's hedge by re-sending the missing leg, or, once its retries are spent, unwinds the
//! pair's position and stops trading it. Either way its positions end equal to the gateway's
//! ledger, hedged pair by pair, every fill counted once.

mod common;

use hft::dispatch::DispatchReport;
use hft::sim::Gateway;
use std::sync::atomic::Ordering;

/// Rows of the replay, and its pace: 200 recorded seconds a second, so a grid row is 5 ms
/// apart and an entry's exit comes dozens of rows later. The rejection of a leg reaches the
/// engine long before the strategy's next decision, on any machine: the test is about the
/// engine's answer to a rejection, not about which of the two comes first (an unpaced replay
/// let a close overtake the rejection on a fast dispatcher, and the re-send never happened).
const ROWS: i64 = 720;
const SPEED: f64 = 200.0;

fn run(name: &str, leg_retries: u8) -> (Gateway, DispatchReport) {
    let (gw, path) = common::replaying_gateway(name, ROWS, SPEED, |s| {
        s.faults.reject_every_nth_order = 2;
    });

    let mut params = common::fast_zscore_pair(30.0);
    params.risk.leg_retries = leg_retries;
    let engine = common::EngineRun::start(&gw, params, name);
    // Until the replay is out and no order is working; the engine then drains until its pair
    // trades are settled before it returns.
    common::wait_replay_done(&gw);
    let report = engine.finish();
    let _ = std::fs::remove_file(path);
    (gw, report.dispatch)
}

fn assert_matches_gateway_and_hedged(gw: &Gateway, d: &DispatchReport) {
    let snap = gw.snapshot();
    let symbols = ["AAA", "BBB"];
    let mut gateway = [0.0; 2];
    for (_, symbol, qty, _) in &snap.positions {
        gateway[symbols.iter().position(|s| s == symbol).unwrap()] = *qty;
    }
    assert_eq!(
        [d.positions[0].qty, d.positions[1].qty],
        gateway,
        "engine positions equal the gateway ledger"
    );
    // Equal-quantity legs: a hedged pair holds opposite positions.
    assert_eq!(gateway[0], -gateway[1], "the pair is hedged (no naked leg)");
    assert_eq!(
        d.counters.fills as usize,
        snap.exec_ids.len(),
        "every fill counted once"
    );
    assert_eq!(d.counters.naked_legs, 0, "{:?}", d.counters);
    assert_eq!(gw.stats().rate_violations.load(Ordering::Relaxed), 0);
}

#[test]
fn rejected_legs_are_resent_until_hedged() {
    let (gw, d) = run("complete", 3);
    assert!(
        d.counters.legged > 0 && d.counters.leg_resends > 0,
        "{:?}",
        d.counters
    );
    assert!(
        gw.snapshot().orders.iter().any(|o| o.state == "Inactive"),
        "the gateway did reject orders"
    );
    assert_matches_gateway_and_hedged(&gw, &d);
}

#[test]
fn without_retries_the_filled_leg_is_unwound_and_the_pair_stops() {
    let (gw, d) = run("unwind", 0);
    // Every legged trade is taken back: unwound (intents already in flight when the first
    // rejection came back included, later intents of the pair refused), or closed by the
    // strategy's close that came while it was still working (the close cancels the entry and
    // takes back what it left). Either way: hedged.
    assert!(
        d.counters.leg_unwinds >= 1 || d.counters.closes_after_cancel >= 1,
        "{:?}",
        d.counters
    );
    assert_matches_gateway_and_hedged(&gw, &d);
}
