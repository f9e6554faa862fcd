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

#[test]
fn rejected_combos_are_counted_never_sent_otherwise_and_leave_no_leg_naked() {
    // `[orderflow]` rejects BAG placements (a code, no status) by its seeded draw, as it does
    // plain orders.
    let (gw, quotes) = common::replaying_gateway("combo-rejects", 700, 500.0, |p| {
        p.orderflow = OrderflowParams {
            seed: 3,
            reject_probability: 0.5,
            reject_codes: vec![110, 203],
            ..OrderflowParams::default()
        };
    });
    let mut params = combo_params();
    // Whole at once (100 shares against five levels): no leg ever needs a plain order.
    params.strategy.base_qty = 100;
    params.costs.book_levels = 5;
    let engine = common::EngineRun::start(&gw, params.clone(), "combo-rejects");
    let run_dir = engine.run_dir.clone();
    common::wait_replay_done(&gw);
    let report = engine.finish();
    let snap = gw.snapshot();
    let d = &report.dispatch;
    let c = &d.counters;
    let stats = gw.stats();
    let load = |x: &std::sync::atomic::AtomicU64| x.load(std::sync::atomic::Ordering::Relaxed);
    let bag_rejects = load(&stats.orderflow_bag_rejects);
    assert!(bag_rejects > 0, "the draw rejected some BAGs");
    assert_eq!(c.combo_rejects, bag_rejects, "each counted once: {c:?}");
    assert_eq!(load(&stats.orderflow_rejects), bag_rejects, "only BAGs");
    // Reported in the run's summary.
    let summary = std::fs::read_to_string(run_dir.join("summary.json")).unwrap();
    assert!(
        summary.contains(&format!("\"combo_rejects\": {bag_rejects}")),
        "{summary}"
    );

    // Never sent again under another policy: every order at the gateway is a BAG's leg (two
    // orders under one id), and every BAG went out once.
    let mut legs_per_id: std::collections::BTreeMap<i32, usize> = Default::default();
    for o in &snap.orders {
        *legs_per_id.entry(o.order_id).or_default() += 1;
    }
    assert!(
        legs_per_id.values().all(|&n| n == 2),
        "a plain order went out: {:?}",
        snap.orders
    );
    let booked = legs_per_id.len() as u64;
    assert_eq!(load(&stats.bag_orders_received), booked + bag_rejects);
    // The rejected ones left their pair free: it traded after the first of them (a BAG's id
    // takes two, so a rejected BAG is a gap in the booked ids).
    let ids: Vec<i32> = legs_per_id.keys().copied().collect();
    let first_gap = ids.windows(2).position(|w| w[1] != w[0] + 2);
    let rejected_first = ids[0] != 1 || first_gap.is_some();
    assert!(rejected_first, "{ids:?}");
    let after_gap = first_gap.map_or(ids.len() > 1, |k| k + 2 <= ids.len());
    assert!(after_gap, "the pair traded after a rejected BAG: {ids:?}");

    // No leg naked: the pair's legs even, positions and executions as the ledger's.
    let symbols = params.symbols();
    for (i, symbol) in symbols.iter().enumerate() {
        assert_eq!(d.positions[i].qty, snap.position(symbol), "{symbol}: {c:?}");
    }
    assert_eq!(snap.position(&symbols[0]), -snap.position(&symbols[1]));
    assert!(d.pair_books.iter().all(|b| !b.is_legged()));
    assert_eq!((c.legged, c.naked_legs), (0, 0), "{c:?}");
    assert_eq!(c.fills as usize, snap.executions.len(), "{c:?}");
    let _ = std::fs::remove_file(quotes);
    let _ = std::fs::remove_dir_all(run_dir);
}
