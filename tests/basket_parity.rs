//! Engine-vs-backtest parity for the basket strategy (as `tests/engine.rs` does for pairs): the
//! same quote file through `hft backtest`'s code path and through the live engine against the
//! paper gateway replaying it gives the same order sequence.
//!
//! How time is made comparable: the file's timestamps are whole seconds and the engine
//! subscribes tick-by-tick BidAsk (exchange times in seconds), so the engine's quotes have the
//! event times, prices and sizes the backtest reads, in file order.
//!
//! **The one allowed difference**: the quote at which a fit is applied. The backtest fits
//! inline and applies the fit on the next quote; the engine fits on the model thread and
//! applies the fit on the first quote after it is published, a few quotes later. A basket's
//! decision is a function of the fit alone (its s-scores, hedges and the mids of the grid row
//! it was made at, which size the positions), so the intents carry other tick sequence numbers
//! (`orderRef`) and event times, and nothing else differs (with the quote-age limit set above
//! the file's longest gap: see `params`; with a value tilt, so the engine's tilt is checked
//! against the backtest's): the test asserts the same fits
//! (s-scores bit for bit) applied no earlier than in the backtest, the same orders (symbol,
//! side, quantity) in the same sequence, all filled, and the engine's books equal to the
//! gateway's and the backtest's. (The executions of an order may split differently: the
//! gateway fills an order against its book as the replay stands when the order arrives, which
//! the replay does not wait for; that is the exchange's side, not the engine's decisions.)

mod common;

use hft::config::{EngineParams, SimParams};
use hft::sim::{Universe, write_synthetic};

/// `seconds` of the factor universe (params/sim_basket.toml, 8 names, a quote a second each),
/// its timestamps cut to whole seconds (as tick-by-tick data carries them), in a file.
fn quote_file(seconds: u64) -> std::path::PathBuf {
    let text = std::fs::read_to_string("params/sim_basket.toml").unwrap();
    let sim = SimParams::from_toml("params/sim_basket.toml", &text).unwrap();
    let mut u = Universe::new(&sim.market);
    let mut raw = Vec::new();
    write_synthetic(&mut u, 8 * seconds, 1_700_000_000, &mut raw).unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let mut out = String::with_capacity(raw.len());
    for (i, line) in raw.lines().enumerate() {
        if i == 0 {
            out.push_str(line);
        } else {
            let (ts, rest) = line.split_once(',').unwrap();
            let ts: u64 = ts.parse().unwrap();
            out.push_str(&format!("{},{rest}", ts - ts % 1_000_000_000));
        }
        out.push('\n');
    }
    let path = std::env::temp_dir().join(format!("hft-basket-parity-{}.csv", std::process::id()));
    std::fs::write(&path, out).unwrap();
    path
}

/// A fundamentals file (dated the quotes' day): AAA the cheapest name, HHH the richest.
fn fundamentals() -> std::path::PathBuf {
    let mut text = String::from("date,symbol,pe,pb\n");
    for (i, s) in ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH"]
        .iter()
        .enumerate()
    {
        text.push_str(&format!(
            "2023-11-14,{s},{},{}\n",
            8 + 4 * i,
            1.0 + 0.5 * i as f64
        ));
    }
    let path = std::env::temp_dir().join(format!(
        "hft-basket-parity-fundamentals-{}.csv",
        std::process::id()
    ));
    std::fs::write(&path, text).unwrap();
    path
}

/// params/basket.toml with a value tilt (so the live path's tilt is checked too).
fn params(fundamentals: &std::path::Path) -> EngineParams {
    let text = std::fs::read_to_string("params/basket.toml").unwrap();
    let mut p = EngineParams::from_toml("params/basket.toml", &text).unwrap();
    // Both books (the backtest's venue and the gateway's) are 5 levels deep from the file's
    // top of book, the same model (`exchange::Book`).
    assert_eq!(p.costs.book_levels, 5);
    // Quote age is measured on each mode's clock: event time in the backtest (where a name
    // that has not quoted for 5 s is stale), wall time in the engine (the replay runs 62 times
    // faster, so nothing is). A limit above the file's longest gap makes neither refuse.
    p.risk.max_quote_age_ms = 600_000;
    p.strategy.basket.value_tilt = 0.5;
    p.strategy.basket.fundamentals = fundamentals.display().to_string();
    p
}

/// A backtest of `params` on `file` through `Setup` (as `hft backtest` builds it: the
/// fundamentals file read).
fn backtest(params: &EngineParams, file: &std::path::Path) -> hft::backtest::BacktestOutput {
    let setup = hft::sweep::Setup::of(params.clone(), "basket.toml").unwrap();
    let mut bt = setup.backtest();
    bt.run_reader(std::fs::File::open(file).unwrap(), |_| {})
        .unwrap();
    bt.finish()
}

fn basket_series(dir: &std::path::Path) -> hft::rundir::BasketSeries {
    let text = std::fs::read_to_string(dir.join("series/basket-0.csv")).unwrap();
    hft::rundir::read_basket_series(&text).unwrap()
}

#[test]
fn the_engine_against_the_replaying_gateway_sends_the_backtests_basket_orders() {
    let file = quote_file(1800);
    let values = fundamentals();
    let params = params(&values);

    let out = backtest(&params, &file);
    // The tilt matters on this file: without it the orders differ.
    let mut untilted = params.clone();
    untilted.strategy.basket.value_tilt = 0.0;
    assert_ne!(backtest(&untilted, &file).orders_csv, out.orders_csv);
    let expected: Vec<(String, String, u32)> = String::from_utf8(out.orders_csv.clone())
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[4].to_string(), f[5].to_string(), f[6].parse().unwrap())
        })
        .collect();
    assert!(
        expected.len() >= 30,
        "the file triggers rebalances ({} orders)",
        expected.len()
    );
    let bt_dir = std::env::temp_dir().join(format!("hft-basket-parity-bt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&bt_dir);
    hft::backtest::write_outputs(&out, &bt_dir).unwrap();
    let bt_series = basket_series(&bt_dir);

    // The gateway replays the file at 500 rows a wall second: refits (every 30 s of event time)
    // come 0.48 s apart, and a rebalance's orders (8 at most, paced under IB's 50 messages a
    // second) are filled and its outcome back well before the next one.
    let gw = common::start_replay_gateway(&file, 5);
    let engine = common::EngineRun::start(&gw, params.clone(), "basket-parity");
    common::wait_for_filled_orders(&gw, expected.len(), true);
    let report = engine.finish();
    let snap = gw.snapshot();

    // The same fits, applied no earlier than in the backtest (the allowed difference).
    let live_series = basket_series(&report.run_dir);
    let rows = live_series.t_ns.len();
    assert!(
        rows + 1 >= bt_series.t_ns.len() && rows <= bt_series.t_ns.len(),
        "fits applied: engine {rows}, backtest {}",
        bt_series.t_ns.len()
    );
    for name in 0..8 {
        let (live, bt) = (&live_series.s_score[name], &bt_series.s_score[name]);
        for (r, (l, b)) in live.iter().zip(bt).enumerate() {
            assert!(
                l.to_bits() == b.to_bits() || (l.is_nan() && b.is_nan()),
                "name {name}, fit {r}: s-score {l} live, {b} in the backtest"
            );
        }
        assert_eq!(
            live_series.target[name][..rows],
            bt_series.target[name][..rows],
            "name {name}: targets"
        );
    }
    for (l, b) in live_series.t_ns.iter().zip(&bt_series.t_ns) {
        assert!(l >= b, "a fit applied at {l} live, {b} in the backtest");
    }

    // The same orders in the same sequence.
    let live: Vec<(String, String, u32)> = snap
        .orders
        .iter()
        .map(|o| (o.symbol.clone(), o.action.to_string(), o.total))
        .collect();
    assert_eq!(
        live, expected,
        "engine orders (left) against backtest orders (right)"
    );
    let d = &report.dispatch;
    assert_eq!(d.counters.orders_sent as usize, expected.len());
    assert_eq!(d.counters.naked_legs, 0);
    // Executions may split differently (the gateway fills an order against its book when the
    // order arrives, and the replay does not wait for it), the quantities may not.
    assert_eq!(d.counters.orders_filled as usize, expected.len());
    // The engine's books are the gateway's and the backtest's.
    let symbols = params.symbols();
    for (i, symbol) in symbols.iter().enumerate() {
        let at_gateway: f64 = snap.position(symbol);
        assert_eq!(
            d.positions[i].qty, at_gateway,
            "{symbol}: engine vs gateway"
        );
        assert_eq!(
            d.positions[i].qty, out.summary.positions[i].position,
            "{symbol}: engine vs backtest"
        );
    }
    gw.shutdown();
    let _ = std::fs::remove_dir_all(&bt_dir);
    let _ = std::fs::remove_file(file);
    let _ = std::fs::remove_file(values);
}
