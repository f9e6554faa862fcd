//! Parity per execution policy: one quote file with trade prints, through `hft backtest`'s code
//! and through the live engine against the paper gateway replaying it, gives the same order
//! sequence (symbol, side, quantity) for every policy, and the engine's positions equal the
//! gateway's ledger. A policy is one entry of [`POLICIES`].
//!
//! How the file keeps both paths comparable (see `tests/engine.rs` for the market-order parity
//! and the time argument): whole-second timestamps; A's price moves in steps held for
//! [`HOLD_SECS`] seconds, so an order written on a step meets the same touch at the gateway
//! even when the replay has moved on a few rows; every second prints a trade of
//! [`TRADE_SIZE`] shares at each symbol's bid and one at its ask, more than the displayed size
//! ahead of any resting order plus the order itself, so a resting or algo order at the touch
//! fills completely on the next trade on its side in both paths (the shared queue model), and so
//! does a LMT combo at the net mid worked in a leg's queue (`src/exchange/combo_worked.rs`). The
//! passive and combo policies' re-price and give-up clocks are set out of reach, since the live
//! watchdog runs on the wall clock and the backtest's on event time.

mod common;

use common::{PATIENCE, start_gateway, test_params};
use hft::backtest::Backtest;
use hft::config::{
    AdaptivePriority, ComboPrice, EngineParams, ExecutionParams, PairLeg, PassiveLeg, PassivePrice,
    Policy, ReplayParams,
};
use std::fmt::Write;
use std::time::{Duration, Instant};

const T0: i64 = 1_700_000_000;
/// Seconds A's quote holds each step.
const HOLD_SECS: i64 = 4;
/// Shares of each trade print.
const TRADE_SIZE: u32 = 1_000;

/// Sets a run's `[execution]` keys beyond its policy.
type Configure = fn(&mut ExecutionParams);

/// How each policy is configured for the parity run.
const POLICIES: [(Policy, Configure); 8] = [
    (Policy::Market, |_| {}),
    (Policy::MarketableLimit, |e| e.collar_ticks = 1),
    (Policy::Passive, |e| {
        e.passive_leg = PassiveLeg::A;
        e.passive_price = PassivePrice::Join;
        e.reprice_ticks = 1_000;
        e.give_up_ms = 3_600_000;
    }),
    (Policy::Passive, |e| {
        e.passive_leg = PassiveLeg::B;
        e.passive_price = PassivePrice::MidPrice;
        e.reprice_ticks = 1_000;
        e.give_up_ms = 3_600_000;
    }),
    // The pair's leader rests (`params` makes BBB the leader for this rule).
    (Policy::Passive, |e| {
        e.passive_leg = PassiveLeg::Leader;
        e.passive_price = PassivePrice::Join;
        e.reprice_ticks = 1_000;
        e.give_up_ms = 3_600_000;
    }),
    (Policy::Adaptive, |e| {
        e.adaptive_priority = AdaptivePriority::Normal
    }),
    // One BAG at market per trade.
    (Policy::Combo, |e| e.combo_price = ComboPrice::Market),
    // One BAG at the net mid: out of reach at the touches, worked in A's queue (the legs'
    // spreads tie, so the first leg) at its bid or ask and hedged on B's touch when the next
    // print on that side fills it; its re-price and give-up clocks out of reach, as the
    // passive policy's (the give-up runs on the wall clock live and on event time in the
    // backtest, so a give-up firing would not compare).
    (Policy::Combo, |e| {
        e.combo_price = ComboPrice::Mid;
        e.reprice_ticks = 1_000;
        e.give_up_ms = 3_600_000;
    }),
];

/// AAA in steps along a sine (period 240 s, one dollar wide) and BBB near 50, one-cent spreads,
/// each second: per symbol a row with a trade at its bid, then the same quote with a trade at
/// its ask.
fn quotes_with_trades(seconds: i64) -> String {
    let mut text = format!("{}\n", hft::rundir::QUOTE_HEADER_TRADES);
    let price = |c: i64| format!("{}.{:02}", c / 100, c % 100);
    for k in 0..seconds {
        let step = k - k % HOLD_SECS;
        let a = (10_000.0 + 100.0 * (2.0 * std::f64::consts::PI * step as f64 / 240.0).sin())
            .round() as i64;
        let b = 5_000 + (step / (2 * HOLD_SECS)) % 3;
        let ts = (T0 + k) as i128 * 1_000_000_000;
        for (symbol, bid) in [("AAA", a), ("BBB", b)] {
            let (bid_px, ask_px) = (price(bid), price(bid + 1));
            for traded in [&bid_px, &ask_px] {
                let _ = writeln!(
                    text,
                    "{ts},{symbol},{bid_px},300,{ask_px},200,{traded},{TRADE_SIZE}"
                );
            }
        }
    }
    text
}

fn params(policy: Policy, configure: Configure) -> EngineParams {
    let mut p = common::fast_zscore_pair(30.0);
    p.strategy.base_qty = 100;
    p.costs.book_levels = 1;
    p.execution.policy = policy;
    configure(&mut p.execution);
    if p.execution.passive_leg == PassiveLeg::Leader {
        p.pairs[0].leader = Some(PairLeg::B);
    }
    p
}

type Order = (String, String, u32);

/// The backtest's orders and what its dispatcher counted.
fn backtest(file: &std::path::Path, p: &EngineParams) -> (Vec<Order>, hft::rundir::Summary) {
    let mut bt = Backtest::new(p);
    bt.run_reader(std::fs::File::open(file).unwrap(), |_| {})
        .unwrap();
    let out = bt.finish();
    let orders = String::from_utf8(out.orders_csv)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[4].to_string(), f[5].to_string(), f[6].parse().unwrap())
        })
        .collect();
    (orders, out.summary)
}

fn live(file: &std::path::Path, p: &EngineParams, name: &str, expected: usize) -> Vec<Order> {
    let mut sim = test_params();
    sim.gateway.book_levels = 1;
    sim.market.symbols.clear();
    sim.replay = Some(ReplayParams {
        file: file.to_path_buf(),
        more_files: Vec::new(),
        symbols: Vec::new(),
        speed: 0.0,
        rate: 100.0,
    });
    let gw = start_gateway(sim);
    let engine = common::EngineRun::start(&gw, p.clone(), name);
    let deadline = Instant::now() + PATIENCE;
    let snap = loop {
        let snap = gw.snapshot();
        let settled = snap
            .orders
            .iter()
            .all(|o| o.state == "Filled" || o.state == "Cancelled");
        let done = snap.orders.len() >= expected && (settled || snap.replay_finished);
        if done || Instant::now() > deadline {
            break snap;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let report = engine.finish();
    let orders: Vec<Order> = snap
        .orders
        .iter()
        .map(|o| (o.symbol.clone(), o.action.to_string(), o.total))
        .collect();
    // Fills back into the engine: its positions equal the gateway's ledger.
    let after = gw.snapshot();
    let symbols = p.symbols();
    for (_, symbol, qty, _) in &after.positions {
        let i = symbols.iter().position(|s| s == symbol).unwrap();
        assert_eq!(
            report.dispatch.positions[i].qty, *qty,
            "{name}: {symbol}: engine position vs gateway ledger"
        );
    }
    assert_eq!(report.dispatch.counters.duplicate_fills, 0, "{name}");
    orders
}

#[test]
fn every_policy_sends_the_same_orders_in_the_backtest_and_against_the_gateway() {
    let file = std::env::temp_dir().join(format!("hft-policy-parity-{}.csv", std::process::id()));
    std::fs::write(&file, quotes_with_trades(360)).unwrap();
    let mut combo_market_per_share = None;
    for (k, (policy, configure)) in POLICIES.iter().enumerate() {
        let p = params(*policy, *configure);
        let name = format!("{}-{k}", policy.as_str());
        let (expected, summary) = backtest(&file, &p);
        let d = &summary.dispatch;
        assert!(
            expected.len() >= 8,
            "{name}: the file triggers entries and exits ({} orders)",
            expected.len()
        );
        // Each policy did what it is about.
        match policy {
            Policy::Passive => assert!(d.passive_hedges > 0, "{name}: {d:?}"),
            _ => assert_eq!(d.passive_hedges, 0, "{name}"),
        }
        if p.execution.passive_leg == PassiveLeg::Leader && *policy == Policy::Passive {
            // The leader, BBB, rests first: the entry's first order is its alone.
            assert_eq!(expected[0].0, "BBB", "{name}: {expected:?}");
        }
        if *policy == Policy::Combo {
            // Every BAG filled whole, with no clock firing and no leg ahead.
            assert!(d.combo_executions > 0, "{name}: {d:?}");
            let quiet = (d.combo_reprices, d.combo_give_ups, d.combo_legged);
            assert_eq!(quiet, (0, 0, 0), "{name}: {d:?}");
            // Per share: the MKT BAG pays half a spread a share against the mid; the worked
            // LMT BAG rests on its leg's near touch and earns it back there.
            let bt = summary.backtest.as_ref().expect("a backtest summary");
            let per_share = bt.shortfall / bt.shares_traded;
            match combo_market_per_share {
                None => combo_market_per_share = Some(per_share),
                Some(market) => assert!(per_share < market, "{name}: {per_share} vs {market}"),
            }
        }
        assert_eq!(d.naked_legs, 0, "{name}");
        let orders = live(&file, &p, &name, expected.len());
        assert_eq!(
            orders, expected,
            "{name}: engine orders (left) against backtest orders (right)"
        );
    }
    let _ = std::fs::remove_file(file);
}
