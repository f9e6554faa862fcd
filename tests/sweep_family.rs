//! Sweep families: sets that differ only in the rules replay the signal one of them computes.
//! Every member's results must be exactly its own backtest's, whatever the rules, the chunk
//! size and the thread count; a replay out of step with its rows must be noticed.

mod common;

use hft::backtest::Backtest;
use hft::config::{EngineParams, Policy, Sizing};
use hft::sweep::{ScannedQuotes, Setup, SweepRow, run_all, signal_key};

/// A cointegrated pair on irregular times: B a random walk near 50, A = 2 B + 3 plus a
/// mean-reverting spread, one-cent spreads, about two quotes a second for `seconds`.
fn pair_quotes(seconds: u64) -> ScannedQuotes {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut text = format!("{}\n", hft::rundir::QUOTE_HEADER);
    let (mut b, mut spread, mut t) = (50.0_f64, 0.0_f64, 1_700_000_000_000_000_000_u64);
    let end = t + seconds * 1_000_000_000;
    while t < end {
        t += 1 + (uniform() * 1.0e9) as u64;
        b += (uniform() - 0.5) * 0.02;
        spread = 0.97 * spread + (uniform() - 0.5) * 0.08;
        let (symbol, mid) = if uniform() < 0.5 {
            ("AAA", 2.0 * b + 3.0 + spread)
        } else {
            ("BBB", b)
        };
        let bid = (mid * 100.0).round() / 100.0;
        text.push_str(&format!(
            "{t},{symbol},{bid:.2},{},{:.2},{}\n",
            100 + (uniform() * 900.0) as u32,
            bid + 0.01,
            100 + (uniform() * 900.0) as u32
        ));
    }
    ScannedQuotes::from_csv_bytes(text.as_bytes()).unwrap()
}

fn base() -> EngineParams {
    let mut p = common::fast_zscore_pair(120.0);
    p.strategy.evaluation_secs = 5.0;
    p.strategy.sizing = Sizing::Beta;
    p.strategy.zscore.max_hold_secs = 600.0;
    p.strategy.zscore.stop = 3.5;
    p.strategy.zscore.min_edge_ratio = 0.5;
    p
}

/// Sets differing only in the rules: thresholds, holding limit, edge, size, sizing, costs,
/// the execution policy and a risk limit.
fn members() -> Vec<EngineParams> {
    let edits: [fn(&mut EngineParams); 8] = [
        |_| {},
        |p| p.strategy.zscore.entry = 2.0,
        |p| p.strategy.zscore.exit = 0.0,
        |p| p.strategy.zscore.stop = 2.2,
        |p| p.strategy.zscore.max_hold_secs = 30.0,
        |p| (p.strategy.base_qty, p.strategy.sizing) = (300, Sizing::Dollar),
        |p| (p.execution.policy, p.costs.commission_min) = (Policy::Passive, 0.35),
        |p| p.risk.max_position = 150.0,
    ];
    edits
        .iter()
        .map(|edit| {
            let mut p = base();
            edit(&mut p);
            p
        })
        .collect()
}

fn alone(p: &EngineParams, quotes: &ScannedQuotes) -> serde_json::Value {
    let mut bt = Setup::of(p.clone(), "<test>").unwrap().sweep_backtest();
    bt.run_columns(quotes);
    serde_json::to_value(bt.finish_summary()).unwrap()
}

#[test]
fn every_member_replaying_the_signal_gets_exactly_its_own_backtest() {
    let quotes = pair_quotes(4 * 3600);
    let sets = members();
    let key = signal_key(&sets[0]);
    assert!(sets.iter().all(|p| signal_key(p) == key), "one family");
    for chunk in [1, 97, 4096] {
        let mut bts: Vec<Backtest> = sets
            .iter()
            .map(|p| Setup::of(p.clone(), "<test>").unwrap().sweep_backtest())
            .collect();
        let (leader, followers) = bts.split_first_mut().unwrap();
        assert!(leader.record_signal(), "a z-score pair's signal is taped");
        let rows = quotes.accepted();
        let mut start = 0;
        while start < rows {
            let end = (start + chunk).min(rows);
            leader.clear_signal();
            leader.feed_columns(&quotes, start..end);
            for f in followers.iter_mut() {
                leader.lend_signal(f);
                f.feed_columns(&quotes, start..end);
                leader.take_back_signal(f);
            }
            start = end;
        }
        let mut trades = Vec::new();
        for (i, bt) in bts.into_iter().enumerate() {
            assert!(!bt.signal_lost(), "set {i}, chunk {chunk}");
            let shared = serde_json::to_value(bt.finish_summary()).unwrap();
            assert_eq!(shared, alone(&sets[i], &quotes), "set {i}, chunk {chunk}");
            trades.push(shared["trades"].as_u64().unwrap());
        }
        // The rules matter: the members did not all trade alike, and all traded.
        assert!(trades.iter().all(|&t| t > 0), "{trades:?}");
        trades.dedup();
        assert!(trades.len() > 3, "{trades:?}");
    }
}

#[test]
fn a_sweep_of_families_gives_each_set_its_own_row_for_any_thread_count() {
    let quotes = pair_quotes(2 * 3600);
    let mut params = members();
    // A second family (the regime filter changes the signal), and two sets with a feed
    // latency: alike but for the rules, yet never taped (their backtest refuses to record), so
    // each computes its own signal.
    for p in members().into_iter().take(4) {
        let mut p = p;
        p.strategy.zscore.max_hurst = 0.65;
        p.strategy.zscore.hurst_window_secs = 300.0;
        params.push(p);
    }
    for p in members().into_iter().take(2) {
        let mut p = p;
        p.backtest.feed_latency_us = 150.0;
        params.push(p);
    }
    assert_ne!(signal_key(&params[0]), signal_key(&params[8]));
    assert_eq!(signal_key(&params[12]), signal_key(&params[13]));
    let setups: Vec<Setup> = params
        .iter()
        .map(|p| Setup::of(p.clone(), "<test>").unwrap())
        .collect();
    let expected: Vec<SweepRow> = params
        .iter()
        .map(|p| {
            let mut bt = Setup::of(p.clone(), "<test>").unwrap().sweep_backtest();
            bt.run_columns(&quotes);
            SweepRow::of_summary(&bt.finish_summary())
        })
        .collect();
    assert!(expected[8..12].iter().any(|r| r.trades > 0));
    assert!(expected[12..].iter().all(|r| r.trades > 0));
    assert_ne!(
        expected[0], expected[8],
        "the regime filter changed something"
    );
    for threads in [1, 2, 3] {
        assert_eq!(run_all(&setups, &quotes, threads), expected, "{threads}");
    }
}

#[test]
fn a_replay_of_other_rows_is_noticed_and_its_set_reported_lost() {
    let quotes = pair_quotes(600);
    let rows = quotes.accepted();
    let setup = Setup::of(base(), "<test>").unwrap();
    let (mut leader, mut follower) = (setup.sweep_backtest(), setup.sweep_backtest());
    assert!(leader.record_signal());
    leader.feed_columns(&quotes, 0..rows / 2);
    // The follower is given the first half's signal for the second half's rows.
    leader.lend_signal(&mut follower);
    follower.feed_columns(&quotes, rows / 2..rows);
    leader.take_back_signal(&mut follower);
    assert!(follower.signal_lost());
    assert!(!leader.signal_lost());

    // Rows the leader recorded but the follower never read are noticed too.
    let (mut leader, mut follower) = (setup.sweep_backtest(), setup.sweep_backtest());
    assert!(leader.record_signal());
    leader.feed_columns(&quotes, 0..rows);
    leader.lend_signal(&mut follower);
    follower.feed_columns(&quotes, 0..rows / 2);
    leader.take_back_signal(&mut follower);
    assert!(follower.signal_lost());
}

#[test]
fn only_signals_that_can_be_replayed_are_recorded() {
    let taped = |edit: fn(&mut EngineParams)| {
        let mut p = base();
        edit(&mut p);
        Setup::of(p, "<test>")
            .unwrap()
            .sweep_backtest()
            .record_signal()
    };
    assert!(taped(|_| {}));
    assert!(!taped(
        |p| p.strategy.filters.breaks = hft::config::BreakTest::Cusum
    ));
    assert!(!taped(
        |p| p.strategy.kind = hft::config::StrategyKind::Kalman
    ));
    assert!(!taped(|p| p.backtest.feed_latency_us = 200.0));
}
