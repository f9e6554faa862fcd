//! The `combo` execution policy end to end: the engine against the paper gateway replaying a
//! quote file sends the same order sequence as `hft backtest` over that file (both fill combos
//! by the one rule of `exchange::ComboOrder`), its positions equal the gateway's ledger (the
//! BAG-level executions are not booked); and a combo pair whose leg has no contract details
//! does not start (the error names the pair and the policy); and under the message orderings
//! real TWS produces for combos (`[orderflow]`: BAG statuses first, PendingCancel, legs'
//! commissions late and repeated, the connection dropped with a BAG working, REQ_EXECUTIONS
//! replays with the BAG-level executions in them) each leg's execution is booked once and the
//! engine ends holding what the ledger holds. How time is made comparable: see
//! `tests/engine.rs`.

mod common;

use common::{start_gateway, test_params};
use hft::backtest::Backtest;
use hft::config::{ComboPrice, OrderMoment, OrderflowParams, Policy, WaitStrategy};
use std::collections::BTreeSet;

const T0: i64 = 1_700_000_000;

fn combo_params() -> hft::config::EngineParams {
    let mut params = common::fast_zscore_pair(30.0);
    params.execution.policy = Policy::Combo;
    // MKT combos (a LMT combo resting across rows would fill on other rows live, where the
    // order reaches the gateway later than in the backtest), never given up (the give-up clock
    // is the wall clock live and event time in the backtest).
    params.execution.combo_price = ComboPrice::Market;
    params.execution.give_up_ms = 3_600_000;
    // 500 shares a leg against a 200/300-share touch one level deep: legs fill in parts, on
    // their own quotes (non-guaranteed).
    params.strategy.base_qty = 500;
    params.risk.max_daily_loss = 1e6;
    params.costs.book_levels = 1;
    params
}

#[test]
fn engine_with_combos_matches_backtest_orders_and_gateway_positions() {
    let path = std::env::temp_dir().join(format!("hft-combo-{}.csv", std::process::id()));
    std::fs::write(&path, common::oscillating_quotes(T0, 1200)).unwrap();
    let params = combo_params();

    let mut bt = Backtest::new(&params);
    bt.run_reader(std::fs::File::open(&path).unwrap(), |_| {})
        .unwrap();
    let out = bt.finish();
    let s = &out.summary;
    let expected: Vec<(String, String, u32)> = String::from_utf8(out.orders_csv)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[4].to_string(), f[5].to_string(), f[6].parse().unwrap())
        })
        .collect();
    assert!(expected.len() >= 8, "entries and exits ({expected:?})");
    assert!(
        s.dispatch.combo_executions > 0,
        "the backtest's combos report BAG-level executions"
    );
    assert!(
        s.dispatch.fills > s.dispatch.orders_sent,
        "legs fill in parts"
    );
    assert_eq!(s.dispatch.combo_rejects, 0);

    let gw = common::start_replay_gateway(&path, 1);
    let engine = common::EngineRun::start(&gw, params.clone(), "combo-parity");
    common::wait_for_filled_orders(&gw, expected.len(), false);
    let report = engine.finish();
    let snap = gw.snapshot();
    // The gateway books a combo's legs as its orders, in leg order: the same sequence.
    let live = common::gateway_orders(&gw);
    assert_eq!(
        live, expected,
        "engine orders (left) against backtest orders (right)"
    );
    let d = &report.dispatch.counters;
    assert!(d.combo_executions > 0);
    assert_eq!(
        d.fills as usize,
        snap.exec_ids.len(),
        "legs' executions only"
    );
    let symbols = params.symbols();
    for (_, symbol, qty, _) in &snap.positions {
        let i = symbols.iter().position(|x| x == symbol).unwrap();
        assert_eq!(
            report.dispatch.positions[i].qty, *qty,
            "{symbol}: engine position vs gateway ledger"
        );
    }
    let _ = std::fs::remove_file(path);
}

#[test]
fn a_combo_pair_without_contract_details_does_not_start() {
    let gw = start_gateway(test_params());
    let mut params = hft::config::EngineParams::embedded();
    params.pairs[0].b = "NOSUCH".into();
    params.pairs[0].execution = Some(Policy::Combo);
    params.pairs.truncate(1);
    let run = common::EngineRun::start(&gw, params, "combo-no-details");
    let err = run
        .handle
        .join()
        .expect("engine thread")
        .err()
        .expect("the run refuses to start");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("combo") && msg.contains("NOSUCH") && msg.contains("pair"),
        "{msg}"
    );
    assert!(gw.snapshot().orders.is_empty());
}

#[test]
fn combos_under_every_message_ordering_book_each_leg_once() {
    let (gw, quotes) = common::replaying_gateway("combo-orderflow", 700, 500.0, |p| {
        p.orderflow = OrderflowParams {
            seed: 12,
            status_first_probability: 0.5,
            commission_delay_ms: [0, 20],
            commission_repeat_probability: 0.5,
            pending_cancel_ms: [0, 30],
            answer_delay_ms: [0, 20],
            // The first BAG's acknowledgement and the next moment after the reconnection:
            // what filled meanwhile comes back only in REQ_EXECUTIONS, BAG-level ones included.
            disconnect_at: vec![OrderMoment::Acknowledged, OrderMoment::PartialFill],
            disconnect_probability: 1.0,
            max_disconnects: 2,
            bag_executions_in_replay: true,
            ..OrderflowParams::default()
        };
        p.gateway.book_levels = 1;
    });
    let mut params = combo_params();
    params.engine.wait = WaitStrategy::Backoff;
    params.connection.reconnect_min_ms = 20;
    params.connection.reconnect_max_ms = 200;
    params.risk.flatten_on_stop = true;
    let engine = common::EngineRun::start(&gw, params.clone(), "combo-orderflow");
    let run_dir = engine.run_dir.clone();
    common::wait_replay_done(&gw);
    let report = engine.finish();
    let snap = gw.snapshot();
    let d = &report.dispatch;
    let c = &d.counters;
    let disconnects = gw
        .stats()
        .orderflow_disconnects
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        disconnects >= 1,
        "the connection dropped with a BAG working"
    );
    assert!(c.combo_executions > 0, "{c:?}");
    // Positions and commissions per symbol equal the ledger's.
    let symbols = params.symbols();
    for (i, symbol) in symbols.iter().enumerate() {
        let held: f64 = snap.position(symbol);
        assert_eq!(
            d.positions[i].qty, held,
            "{symbol}: engine vs ledger ({c:?})"
        );
        let commission: f64 = snap
            .executions
            .iter()
            .filter(|e| e.symbol == *symbol)
            .map(|e| e.commission)
            .sum();
        assert!(
            (d.positions[i].commissions - commission).abs() < 1e-6,
            "{symbol}: commissions {} vs ledger {commission}",
            d.positions[i].commissions
        );
    }
    // Each leg's execution counted once (the ledger holds legs only), journaled once.
    assert_eq!(c.fills as usize, snap.executions.len(), "{c:?}");
    let journal = common::journal_exec_ids(&run_dir);
    let unique: BTreeSet<&String> = journal.iter().collect();
    assert_eq!(unique.len(), journal.len(), "an execution journaled twice");
    assert_eq!(journal.len(), snap.executions.len());
    assert!(
        snap.orders.iter().all(|o| o.state != "Submitted"),
        "nothing works at the end"
    );
    let _ = std::fs::remove_file(quotes);
    let _ = std::fs::remove_dir_all(run_dir);
}
