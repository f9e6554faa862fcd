//! The `combo` execution policy end to end: the engine against the paper gateway replaying a
//! quote file sends the same order sequence as `hft backtest` over that file (both fill combos
//! by the one rule of `exchange::ComboOrder`), its positions equal the gateway's ledger (the
//! BAG-level executions are not booked); and a combo pair whose leg has no contract details
//! does not start (the error names the pair and the policy). How time is made comparable: see
//! `tests/engine.rs`.

mod common;

use common::{start_gateway, test_params};
use hft::backtest::Backtest;
use hft::config::{ComboPrice, Policy};

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
