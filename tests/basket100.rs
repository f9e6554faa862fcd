//! A basket of 100 names (IB's default market-data lines) end to end: the paper gateway's
//! factor universe of 100 names (params/sim_basket100.toml, written by
//! scripts/gen_basket100.py) traded by params/basket100.toml, in the backtest and by the engine
//! against the paper gateway. A rebalance of 100 names crosses the signal -> dispatch queue as
//! seven small intents (six `RebalancePart`s and the `Rebalance` that completes them) and goes
//! out as one 100-leg ticket paced by the 45 msg/s limiter.

mod common;

use hft::backtest::Backtest;
use hft::config::{EngineParams, SimParams};
use hft::sim::{Universe, write_synthetic};

fn params() -> EngineParams {
    let text = std::fs::read_to_string("params/basket100.toml").unwrap();
    EngineParams::from_toml("params/basket100.toml", &text).unwrap()
}

fn sim() -> SimParams {
    let text = std::fs::read_to_string("params/sim_basket100.toml").unwrap();
    SimParams::from_toml("params/sim_basket100.toml", &text).unwrap()
}

#[test]
fn the_params_files_name_100_names() {
    assert_eq!(params().baskets[0].symbols.len(), 100);
    assert_eq!(sim().market.symbols.len(), 100);
}

#[test]
fn a_100_name_basket_trades_in_the_backtest() {
    // 40 minutes of the universe, one quote a second per name: the 10-minute window fills,
    // then a refit every 30 s.
    let mut u = Universe::new(&sim().market);
    let mut csv = Vec::new();
    write_synthetic(&mut u, 100 * 40 * 60, 1_700_000_000, &mut csv).unwrap();
    let mut bt = Backtest::new(&params());
    bt.run_reader(csv.as_slice(), |_| {}).expect("reads");
    let out = bt.finish();
    let s = &out.summary;
    let b = &s.baskets[0];
    assert_eq!(b.names.len(), 100);
    assert!(b.fits_applied > 10 && b.intents > 0, "{b:?}");
    // Rebalances over more names than one intent carries completed: the basket held more
    // than 16 names at once, every leg filled, none left naked.
    assert!(b.max_names_held > 16, "{}", b.max_names_held);
    assert!(s.orders > 100 && s.fills > 100, "{} {}", s.orders, s.fills);
    assert_eq!(s.dispatch.naked_legs, 0);
    // One intent's orders: one per name (netted), up to 100.
    let mut per_seq = std::collections::HashMap::<&str, Vec<&str>>::new();
    let orders_csv = String::from_utf8(out.orders_csv.clone()).unwrap();
    for line in orders_csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[7] == "rebalance" {
            per_seq.entry(f[2]).or_default().push(f[4]);
        }
    }
    let widest = per_seq.values().map(Vec::len).max().unwrap_or(0);
    assert!(widest > 16, "the widest rebalance had {widest} orders");
    for symbols in per_seq.values() {
        let mut unique = symbols.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), symbols.len(), "one order per name and intent");
    }
    eprintln!(
        "orders {} fills {} widest rebalance {widest} max names held {} gross {} net {}",
        s.orders, s.fills, b.max_names_held, b.gross_pnl, b.net_pnl
    );
}

#[test]
fn the_engine_trades_a_100_name_basket_against_the_paper_gateway() {
    let mut sim = sim();
    // Ten market minutes a wall second: the window fills in about a second.
    sim.market.speed = 600.0;
    sim.market.start_unix = 0;
    let gw = common::start_gateway(sim);
    let engine = common::EngineRun::start(&gw, params(), "basket100");
    let deadline = std::time::Instant::now() + common::PATIENCE;
    loop {
        let snap = gw.snapshot();
        let done = snap.orders.len() >= 100 && snap.orders.iter().all(|o| o.state == "Filled");
        if done || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let report = engine.finish();
    let snap = gw.snapshot();
    let c = &report.dispatch.counters;
    assert!(
        snap.orders.len() >= 100,
        "the gateway saw {} orders",
        snap.orders.len()
    );
    assert!(c.fills >= 100 && c.naked_legs == 0, "{c:?}");
    // The engine's books are the gateway's, name by name.
    let symbols = params().symbols();
    for (i, p) in report.dispatch.positions.iter().enumerate() {
        let at_gateway: f64 = snap
            .positions
            .iter()
            .filter(|(_, s, _, _)| *s == symbols[i])
            .map(|(_, _, q, _)| q)
            .sum();
        assert_eq!(p.qty, at_gateway, "{}", symbols[i]);
    }
    let b = &report.summary.baskets[0];
    assert_eq!(b.names.len(), 100);
    assert!(b.max_names_held > 16, "{}", b.max_names_held);
    for (k, qty) in b.positions.iter().enumerate() {
        assert_eq!(*qty, report.dispatch.positions[k].qty, "{}", b.names[k]);
    }
    gw.shutdown();
}
