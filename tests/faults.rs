//! The engine against each fault the paper gateway injects, while it trades: dropped
//! connections (with and without replayed executions), the daily-restart pattern (1100 then 1101
//! or 1102), rejected orders, partial and delayed fills, a stale feed; plus a gateway that sends
//! garbage, the kill command and the gross-notional limit. After each run: the engine's positions
//! equal the gateway's ledger, every fill is counted exactly once, no pair ends with a naked leg,
//! no limit was exceeded, the gateway saw no message-rate violation, nothing panicked.
//!
//! Faults fire at wall-clock times of the gateway's replay (both run on the same clock), and every
//! assertion is on what happened, not on how long it took.

mod common;

use common::PATIENCE;
use hft::config::{EngineParams, SimParams};
use hft::pipeline::RunReport;
use hft::sim::Gateway;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// 1,200 s of the oscillating pair replayed at 100x: about 12 s of trading, an entry or exit
/// every second or so.
fn replaying(name: &str, configure: impl FnOnce(&mut SimParams)) -> (Gateway, std::path::PathBuf) {
    common::replaying_gateway(name, 1200, 100.0, configure)
}

fn engine_params() -> EngineParams {
    let mut p = common::fast_zscore_pair(30.0);
    p.connection.reconnect_min_ms = 50;
    p.connection.reconnect_max_ms = 400;
    p
}

/// Runs the engine until the replay is over and nothing works at the gateway.
fn run_through(gw: &Gateway, params: EngineParams, name: &str) -> RunReport {
    let engine = common::EngineRun::start(gw, params, name);
    common::wait_replay_done(gw);
    // A moment for the last fills to reach the engine (it also drains on its own).
    std::thread::sleep(Duration::from_millis(200));
    engine.finish()
}

/// The invariants every fault must keep.
fn assert_consistent(gw: &Gateway, report: &RunReport, params: &EngineParams) {
    let snap = gw.snapshot();
    let d = &report.dispatch;
    let c = &d.counters;
    let symbols = params.symbols();
    let mut ledger = vec![0.0; symbols.len()];
    for (_, symbol, qty, _) in &snap.positions {
        if let Some(i) = symbols.iter().position(|s| s == symbol) {
            ledger[i] = *qty;
        }
    }
    let engine: Vec<f64> = d.positions.iter().map(|p| p.qty).collect();
    assert_eq!(
        engine, ledger,
        "engine positions equal the gateway ledger ({c:?})"
    );
    assert_eq!(
        c.fills as usize,
        snap.exec_ids.len(),
        "every fill counted exactly once ({c:?})"
    );
    assert_eq!(
        c.position_mismatches, 0,
        "positions matched without adopting the gateway's ({c:?})"
    );
    for (p, b) in d.pair_books.iter().enumerate() {
        assert!(!b.is_legged(), "pair {p} ends with a naked leg: {b:?}");
    }
    assert_eq!(c.naked_legs, 0, "{c:?}");
    assert_eq!(report.summary.naked_pairs, 0);
    let r = &params.risk;
    for (i, q) in ledger.iter().enumerate() {
        assert!(q.abs() <= r.max_position, "{}: position limit", symbols[i]);
    }
    for o in &snap.orders {
        assert!(
            f64::from(o.total) <= r.max_order_qty,
            "order size limit: {o:?}"
        );
    }
    assert_eq!(
        gw.stats().rate_violations.load(Ordering::Relaxed),
        0,
        "the gateway counted no message-rate violation"
    );
}

#[test]
fn dropped_connections_reconnect_reconcile_and_trade_on() {
    let (gw, path) = replaying("drop", |s| s.faults.drop_at_secs = vec![3.0, 6.5]);
    let params = engine_params();
    let report = run_through(&gw, params.clone(), "drop");
    let c = &report.dispatch.counters;
    let io = &report.summary.engine().connectivity;
    assert!(io.disconnects >= 2, "{io:?}");
    assert!(io.reconnects >= 2, "{io:?}");
    assert!(
        c.reconciliations >= 3,
        "start-up and one per session: {c:?}"
    );
    assert!(c.orders_sent > 0 && c.fills > 0, "it traded: {c:?}");
    assert!(
        gw.stats().connections.load(Ordering::Relaxed) >= 3,
        "the engine came back twice"
    );
    assert_consistent(&gw, &report, &params);
    let _ = std::fs::remove_file(path);
}

#[test]
fn replayed_executions_after_a_reconnect_are_counted_once() {
    let (gw, path) = replaying("replay", |s| {
        s.faults.drop_at_secs = vec![4.0];
        s.faults.replay_executions_on_reconnect = true;
    });
    let params = engine_params();
    let report = run_through(&gw, params.clone(), "replay");
    let c = &report.dispatch.counters;
    assert!(c.reconnects >= 1, "{c:?}");
    assert!(
        c.duplicate_fills > 0,
        "the gateway replayed executions and the engine saw them as duplicates: {c:?}"
    );
    assert_consistent(&gw, &report, &params);
    let _ = std::fs::remove_file(path);
}

fn restart(data_lost: bool, name: &str) {
    let (gw, path) = replaying(name, |s| {
        s.faults.restart_at_secs = vec![4.0];
        s.faults.restart_gap_secs = 1.0;
        s.faults.restart_data_lost = data_lost;
    });
    let params = engine_params();
    let report = run_through(&gw, params.clone(), name);
    let c = &report.dispatch.counters;
    assert_eq!(c.link_losses, 1, "1100 seen: {c:?}");
    assert!(
        c.reconciliations >= 2,
        "reconciled after the restart: {c:?}"
    );
    assert_eq!(
        report.summary.engine().connectivity.disconnects,
        0,
        "the socket stays up through 1100/110x"
    );
    // Market data came back: the ticks sent after the restart reached the engine (with 1101
    // only because the engine subscribed again).
    // About 460 book changes come before the restart at 4 s and 800 after it ends.
    let ticks = report.summary.engine().counters.ticks;
    let sent = gw.stats().ticks_sent.load(Ordering::Relaxed);
    assert!(ticks >= sent, "engine ticks {ticks}, gateway sent {sent}");
    assert!(
        sent > 900,
        "ticks flowed after the restart ended (gateway sent {sent})"
    );
    assert_consistent(&gw, &report, &params);
    let _ = std::fs::remove_file(path);
}

#[test]
fn daily_restart_with_data_lost_resubscribes_and_reconciles() {
    restart(true, "restart-1101");
}

#[test]
fn daily_restart_with_data_kept_reconciles() {
    restart(false, "restart-1102");
}

#[test]
fn partial_and_delayed_fills_and_rejections_keep_positions_exact() {
    let (gw, path) = replaying("partial", |s| {
        s.faults.max_fill_qty = 30;
        s.faults.fill_delay_ms = 150;
        s.faults.reject_every_nth_order = 5;
    });
    let params = engine_params();
    let report = run_through(&gw, params.clone(), "partial");
    let c = &report.dispatch.counters;
    assert!(c.fills > c.orders_filled, "orders filled in parts: {c:?}");
    assert!(c.orders_cancelled > 0, "some orders were rejected: {c:?}");
    assert_consistent(&gw, &report, &params);
    let _ = std::fs::remove_file(path);
}

#[test]
fn a_stale_feed_blocks_entries_until_it_is_fresh() {
    let (gw, path) = replaying("stale", |s| {
        s.faults.stale_symbol = "BBB".into();
        s.faults.stale_after_secs = 2.0;
        s.faults.stale_for_secs = 5.0;
    });
    let mut params = engine_params();
    params.risk.max_quote_age_ms = 500;
    let report = run_through(&gw, params.clone(), "stale");
    let c = &report.dispatch.counters;
    assert!(
        c.stale_episodes >= 1,
        "the watchdog saw BBB go stale: {c:?}"
    );
    assert_consistent(&gw, &report, &params);
    let _ = std::fs::remove_file(path);
}

#[test]
fn the_gross_notional_limit_refuses_entries() {
    let (gw, path) = replaying("notional", |_| {});
    let mut params = engine_params();
    // One entry is 100 x ~100 + 100 x ~50 = ~15,000 USD gross.
    params.risk.max_gross_notional = 10_000.0;
    let report = run_through(&gw, params.clone(), "notional");
    let c = &report.dispatch.counters;
    assert!(c.rejected_notional > 0, "{c:?}");
    assert_eq!(c.orders_sent, 0, "{c:?}");
    assert_consistent(&gw, &report, &params);
    let _ = std::fs::remove_file(path);
}

#[test]
fn the_kill_command_cancels_working_orders_flattens_and_stops() {
    let (gw, path) = replaying("kill", |s| s.faults.fill_delay_ms = 2_000);
    let params = engine_params();
    let engine = common::EngineRun::start(&gw, params.clone(), "kill");
    // Once orders are working at the gateway, ask for the kill as `hft kill RUN_DIR` does.
    let deadline = Instant::now() + PATIENCE;
    while !gw.snapshot().orders.iter().any(|o| o.state == "Submitted") && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    hft::cli::run::kill(&engine.run_dir).expect("kill file written");
    // The engine stops on its own: no stop flag from the test.
    let report = engine.handle.join().expect("engine thread").expect("run");
    let c = &report.dispatch.counters;
    assert_eq!(
        report.summary.kill_switch,
        hft::dispatch::KillReason::Command
    );
    assert!(c.cancels_sent >= 1, "working orders cancelled: {c:?}");
    let snap = gw.snapshot();
    assert!(
        snap.orders.iter().any(|o| o.state == "Cancelled"),
        "the gateway cancelled them"
    );
    assert!(
        snap.orders.iter().all(|o| o.state != "Submitted"),
        "nothing left working"
    );
    assert_consistent(&gw, &report, &params);
    assert!(
        report.dispatch.positions.iter().all(|p| p.qty == 0.0),
        "flattened (risk.flatten_on_kill)"
    );
    let _ = std::fs::remove_file(path);
}
