//! The engine end to end against the in-process paper gateway, and parity with the backtest.
//!
//! How time is made comparable: the gateway replays a recorded quote file whose timestamps are
//! whole seconds, and the engine subscribes tick-by-tick BidAsk, whose messages carry the
//! recorded (exchange) time in seconds. The engine's quotes therefore have exactly the event times,
//! prices and sizes the backtest reads from the same file, one quote per row, in file order (the
//! replay starts only once both symbols are subscribed). Strategy time comes only from events, so
//! both paths must decide the same intents; the test compares the order sequences.
//!
//! The file and limits are chosen so that every part of the live path matters: one tick jumps
//! 10 % for a single row (the normalizer's bad-tick filter rejects it), the gross-notional limit
//! refuses the entries made while A is rich, and orders of 500 shares against a 200/300-share
//! touch with one book level fill in parts over several rows. A backtest that skipped the
//! normalizer, the risk checks or the pair targets would send other orders.

mod common;

use hft::backtest::Backtest;

const T0: i64 = 1_700_000_000;

/// Row (second) at which A's quote jumps 10 % for one row.
const JUMP_AT: i64 = 500;

/// A quote file: two symbols, one row each per second; A's spread to B oscillates, and A's quote
/// at [`JUMP_AT`] is 10 % off for that row only.
fn quote_file(name: &str, seconds: i64) -> std::path::PathBuf {
    let mut text = String::new();
    let jump_ts = format!("{},AAA,", (T0 + JUMP_AT) as i128 * 1_000_000_000);
    for line in common::oscillating_quotes(T0, seconds).lines() {
        if let Some(rest) = line.strip_prefix(&jump_ts) {
            let f: Vec<&str> = rest.split(',').collect();
            let up = |x: &str| format!("{:.2}", x.parse::<f64>().unwrap() * 1.1);
            text.push_str(&format!(
                "{jump_ts}{},{},{},{}\n",
                up(f[0]),
                f[1],
                up(f[2]),
                f[3]
            ));
        } else {
            text.push_str(line);
            text.push('\n');
        }
    }
    let path = std::env::temp_dir().join(format!("hft-engine-{}-{name}.csv", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn engine_against_paper_gateway_matches_backtest_and_gateway_positions() {
    let file = quote_file("parity", 1200);
    let mut params = common::fast_zscore_pair(30.0);
    // 500 shares a leg against a touch of 200 (ask) and 300 (bid), one level deep: partial fills.
    params.strategy.base_qty = 500;
    // A leg filled at the jump row loses close to the default loss limit: this test is about
    // parity, not the kill switch (tests/kill_switch.rs).
    params.risk.max_daily_loss = 1e6;
    params.costs.book_levels = 1;
    // An entry is ~500 x (100 + 50) = 75,000 USD gross: those made while A trades above 100
    // are refused.
    params.risk.max_gross_notional = 75_000.0;

    // The backtest's orders: (symbol, side, qty) in order.
    let mut bt = Backtest::new(&params);
    bt.run_reader(std::fs::File::open(&file).unwrap(), |_| {})
        .unwrap();
    let out = bt.finish();
    let s = &out.summary;
    assert_eq!(s.bad_ticks.jumps_rejected, 1, "the jump row is filtered");
    assert!(
        s.dispatch.rejected_notional > 0,
        "some entries are refused by the gross-notional limit"
    );
    assert!(
        s.dispatch.fills > s.dispatch.orders_sent,
        "orders fill in parts ({} fills, {} orders)",
        s.dispatch.fills,
        s.dispatch.orders_sent
    );
    let expected: Vec<(String, String, u32)> = String::from_utf8(out.orders_csv)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[4].to_string(), f[5].to_string(), f[6].parse().unwrap())
        })
        .collect();
    assert!(
        expected.len() >= 8,
        "the file triggers entries and exits ({} orders)",
        expected.len()
    );
    eprintln!("backtest orders: {}", expected.len());

    // The same file replayed by the paper gateway at 500 rows a second: orders reach the
    // gateway while the rows after their tick are still to come, as they would live.
    let gw = common::start_replay_gateway(&file, 1);
    let engine = common::EngineRun::start(&gw, params.clone(), "parity");
    // Wait until the gateway has seen as many orders as the backtest made, all of them done.
    common::wait_for_filled_orders(&gw, expected.len(), false);
    let report = engine.finish();
    let snap = gw.snapshot();

    // Parity: the same orders in the same sequence.
    let live = common::gateway_orders(&gw);
    assert_eq!(
        live, expected,
        "engine orders (left) against backtest orders (right)"
    );
    // orderRef carries the triggering tick's sequence number.
    assert!(
        snap.orders
            .iter()
            .all(|o| o.order_ref.parse::<u64>().is_ok())
    );

    // The live path filtered, refused and filled in parts exactly as the backtest did.
    let d = &report.dispatch;
    assert_eq!(
        report.summary.bad_ticks.jumps_rejected, 1,
        "the engine's normalizer rejects the jump row"
    );
    // A refused entry is reported back to the strategy, which tries again on a later tick.
    // Live, the report comes no sooner than in the backtest (where it is immediate), so the
    // engine repeats a refused entry at most as often; the orders above are the same.
    let (live_refused, bt_refused) = (d.counters.rejected_notional, s.dispatch.rejected_notional);
    assert!(
        live_refused > 0 && live_refused <= bt_refused,
        "entries refused by risk: engine {live_refused}, backtest {bt_refused}"
    );
    assert_eq!(d.counters.fills, s.dispatch.fills, "the same partial fills");

    // Ticks in, orders out, fills back: the engine's positions equal the gateway's ledger.
    assert_eq!(d.counters.orders_sent as usize, expected.len());
    assert_eq!(
        d.counters.fills as usize,
        snap.exec_ids.len(),
        "every fill counted once"
    );
    assert_eq!(d.counters.duplicate_fills, 0);
    let symbols = params.symbols();
    for (account, symbol, qty, _) in &snap.positions {
        assert_eq!(account, "DU1234567");
        let i = symbols.iter().position(|s| s == symbol).unwrap();
        assert_eq!(
            d.positions[i].qty, *qty,
            "{symbol}: engine position vs gateway ledger"
        );
    }
    assert_eq!(
        gw.stats()
            .rate_violations
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );

    // The run directory holds what `hft report` charts: every grid row and every fill.
    let run_dir = &report.run_dir;
    let read = |file: &str| std::fs::read_to_string(run_dir.join(file)).unwrap();
    let series = hft::rundir::read_series(&read("series/AAA-BBB.csv")).unwrap();
    assert_eq!(series.len() as u64, report.summary.strategies[0].grid_rows);
    assert_eq!(report.summary.series.pairs[0].dropped_rows, 0);
    let fills = hft::rundir::read_fills(&read("fills.csv")).unwrap();
    assert_eq!(fills.len(), snap.exec_ids.len());
    let (first_t, last_t) = (series[0].t_ns, series[series.len() - 1].t_ns);
    for f in &fills {
        assert_eq!(f.pair, Some(0));
        // On the strategy's (exchange) clock, within the series.
        let t = f
            .signal_t_ns
            .expect("the engine logs the triggering tick's time");
        assert!((first_t..=last_t).contains(&t), "{f:?}");
    }
    for (i, symbol) in symbols.iter().enumerate() {
        let logged: f64 = fills
            .iter()
            .filter(|f| &f.symbol == symbol)
            .map(|f| f.qty)
            .sum();
        assert_eq!(
            logged, d.positions[i].qty,
            "{symbol}: fill log vs positions"
        );
    }
    let charts = hft::cli::report::run(run_dir).expect("charts of the engine's run");
    for name in ["pair-AAA-BBB.png", "latency.svg", "latency-end_to_end.png"] {
        assert!(
            charts.iter().any(|p| p.ends_with(name)),
            "{name}: {charts:?}"
        );
    }
    let _ = std::fs::remove_file(file);
}
