//! The backtest with execution policies and latency: every policy trades through the same
//! dispatcher and exchange, leaves no naked leg, and a late wire delays fills as it should,
//! deterministically.

mod common;

use hft::backtest::{Backtest, BacktestOutput};
use hft::config::{BacktestParams, EngineParams, Policy};

const ROWS: i64 = 2_400;

fn run(params: &EngineParams) -> BacktestOutput {
    let csv = common::oscillating_quotes(1_700_000_000, ROWS);
    let mut bt = Backtest::new(params);
    bt.run_reader(csv.as_bytes(), |_| {}).expect("reads");
    bt.finish()
}

fn params(policy: Policy) -> EngineParams {
    let mut p = common::fast_zscore_pair(30.0);
    p.execution.policy = policy;
    p
}

/// `(order_id, t_ns)` of each row of a CSV whose first two columns are those.
fn times(csv: &[u8]) -> Vec<(i64, u64)> {
    String::from_utf8_lossy(csv)
        .lines()
        .skip(1)
        .map(|l| {
            let mut f = l.split(',');
            let id = f.next().unwrap().parse().unwrap();
            let t = f.next().unwrap().parse().unwrap();
            (id, t)
        })
        .collect()
}

#[test]
fn every_policy_trades_hedged_through_the_same_dispatcher() {
    for policy in Policy::ALL {
        let out = run(&params(policy));
        let s = &out.summary;
        let d = &s.dispatch;
        assert!(d.orders_sent >= 10, "{}: {d:?}", policy.as_str());
        assert_eq!(d.naked_legs, 0, "{}", policy.as_str());
        assert_eq!(s.naked_pairs, 0, "{}", policy.as_str());
        match policy {
            // The quotes are one cent wide with 200-300 shares: IOCs at the touch plus the
            // collar fill, as market orders do.
            Policy::MarketableLimit => assert!(d.orders_filled > 0),
            // The resting leg fills when the market comes to it, its hedge follows.
            Policy::Passive => assert!(d.passive_hedges > 0, "{d:?}"),
            // The algo works both legs at the venue (the midpoint, then the far touch) and
            // fills them there; nothing is hedged by the engine.
            Policy::Adaptive => assert!(d.orders_filled > 0 && d.passive_hedges == 0, "{d:?}"),
            Policy::Market => {}
        }
        // Deterministic: the same run twice gives the same bytes.
        let again = run(&params(policy));
        assert_eq!(out.orders_csv, again.orders_csv, "{}", policy.as_str());
        assert_eq!(out.fills_csv, again.fills_csv, "{}", policy.as_str());
    }
}

/// Shortfall per share against the mid the engine saw when it wrote each order.
fn paid_per_share(out: &BacktestOutput) -> f64 {
    let b = out.summary.backtest();
    b.shortfall / b.shares_traded
}

#[test]
fn market_orders_pay_half_the_spread_and_a_resting_leg_pays_less() {
    // One-cent quotes with 200-300 shares at the touch, 100-share orders, no latency: a
    // market order pays exactly half a cent per share against the mid.
    let market = run(&params(Policy::Market));
    assert!(
        (paid_per_share(&market) - 0.005).abs() < 1e-9,
        "{}",
        paid_per_share(&market)
    );
    let passive = run(&params(Policy::Passive));
    assert!(
        paid_per_share(&passive) < paid_per_share(&market),
        "passive {} market {}",
        paid_per_share(&passive),
        paid_per_share(&market)
    );
}

#[test]
fn a_late_wire_delays_every_fill_by_both_latencies() {
    let mut p = params(Policy::Market);
    p.backtest = BacktestParams {
        feed_latency_us: 200_000.0,
        order_latency_us: 300_000.0,
        order_latency_hgrm: String::new(),
    };
    let late = run(&p);
    let orders = times(&late.orders_csv);
    let fills = times(&late.fills_csv);
    assert!(fills.len() >= 10, "{}", fills.len());
    for (id, t_fill) in &fills {
        let t_order = orders
            .iter()
            .find(|(o, _)| o == id)
            .map(|(_, t)| *t)
            .expect("every fill has its order");
        // Out to the exchange, back to the engine.
        assert!(
            *t_fill >= t_order + 500_000_000,
            "order {id}: sent {t_order}, fill known {t_fill}"
        );
    }
    // The same decisions are made on late quotes: the engine trades, deterministically.
    assert_eq!(late.fills_csv, run(&p).fills_csv);
    let instant = run(&params(Policy::Market));
    assert_ne!(late.fills_csv, instant.fills_csv);
}
