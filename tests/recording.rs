//! Live recording (`engine.record_quotes`): the engine runs against the paper gateway replaying a
//! quote file (the approach of `tests/engine.rs`: tick-by-tick BidAsk carries the file's times,
//! so the engine's event times are the file's), records `quotes.csv` in its run directory, and
//! that recording replays the run exactly:
//! - `hft backtest` of the recording sends the live run's order sequence and rejects the same
//!   bad tick (the recording holds every top of book the normalizer judged, before its filter);
//! - the paper gateway replaying the recording (`hft sim --replay`) drives a second engine to the
//!   same orders again.

mod common;

use common::{PATIENCE, start_gateway, test_params, wait_replay_done};
use hft::backtest::Backtest;
use hft::config::{EngineParams, ReplayParams};
use hft::pipeline::{MD_EVENTS_FILE, QUOTES_FILE};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const T0: i64 = 1_700_000_000;
/// Second at which A's quote is 10 % off for one row (the normalizer rejects it).
const JUMP_AT: i64 = 300;

fn source_file(seconds: i64) -> PathBuf {
    let jump = format!("{},AAA,", (T0 + JUMP_AT) as i128 * 1_000_000_000);
    let mut text = String::new();
    for line in common::oscillating_quotes(T0, seconds).lines() {
        match line.strip_prefix(&jump) {
            Some(rest) => {
                let f: Vec<f64> = rest.split(',').map(|x| x.parse().unwrap()).collect();
                text.push_str(&format!(
                    "{jump}{:.2},{},{:.2},{}\n",
                    f[0] * 1.1,
                    f[1],
                    f[2] * 1.1,
                    f[3]
                ));
            }
            None => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    let path = std::env::temp_dir().join(format!("hft-recording-{}.csv", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the engine against a gateway replaying `file` at 500 rows a second; returns the orders
/// the gateway received, (symbol, action, quantity) in order, and the engine's report.
fn live_run(
    params: &EngineParams,
    file: &Path,
    name: &str,
) -> (Vec<(String, String, u32)>, hft::pipeline::RunReport) {
    let mut sim = test_params();
    sim.market.symbols.clear();
    sim.replay = Some(ReplayParams {
        file: file.to_path_buf(),
        speed: 0.0,
        rate: 500.0,
        more_files: Vec::new(),
        symbols: Vec::new(),
    });
    let gw = start_gateway(sim);
    let engine = common::EngineRun::start(&gw, params.clone(), name);
    wait_replay_done(&gw);
    // The last orders' fills come back before the engine is stopped.
    let deadline = Instant::now() + PATIENCE;
    while gw.snapshot().orders.iter().any(|o| o.state != "Filled") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let report = engine.finish();
    let orders = gw
        .snapshot()
        .orders
        .iter()
        .map(|o| (o.symbol.clone(), o.action.to_string(), o.total))
        .collect();
    (orders, report)
}

fn backtest_orders(params: &EngineParams, file: &Path) -> (Vec<(String, String, u32)>, u64) {
    let mut bt = Backtest::new(params);
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
    (orders, out.summary.bad_ticks.jumps_rejected)
}

#[test]
fn a_recorded_live_run_replays_to_the_same_orders() {
    let source = source_file(900);
    let mut params = common::fast_zscore_pair(30.0);
    params.risk.max_daily_loss = 1e6;
    assert!(params.engine.record_quotes, "recording is on by default");
    // The raw events too (off by default): a row per market-data event.
    let mut with_events = params.clone();
    with_events.engine.record_events = true;

    let (live, report) = live_run(&with_events, &source, "recorded");
    assert!(live.len() >= 6, "the run trades ({} orders)", live.len());
    let c = &report.summary.engine().counters;
    assert_eq!(c.quotes_record_dropped, 0);
    assert_eq!(report.summary.bad_ticks.jumps_rejected, 1);
    let recording = report.run_dir.join(QUOTES_FILE);
    // One row per top of book normalize judged (a row that changes no book is not one).
    let rows = std::fs::read_to_string(&recording).unwrap().lines().count() as u64 - 1;
    assert_eq!(c.quotes_recorded, rows);
    assert!(rows > 900, "{rows} rows");
    let events = std::fs::read_to_string(report.run_dir.join(MD_EVENTS_FILE)).unwrap();
    assert_eq!(events.lines().next(), Some(hft::rundir::MD_EVENTS_HEADER));
    assert_eq!(events.lines().count() as u64 - 1, c.ticks);
    assert_eq!(
        (c.md_events_recorded, c.md_events_record_dropped),
        (c.ticks, 0)
    );
    assert!(events.lines().nth(1).unwrap().contains(",bid_ask,"));

    // hft backtest of the recording: the live orders, the same tick rejected.
    let (replayed, jumps) = backtest_orders(&params, &recording);
    assert_eq!(jumps, 1);
    assert_eq!(
        replayed, live,
        "backtest of the recording (left) vs live (right)"
    );

    // hft sim --replay of the recording: a second live run, the same orders again.
    let (again, _) = live_run(&params, &recording, "replayed");
    assert_eq!(
        again, live,
        "replay of the recording (left) vs live (right)"
    );

    // With recording off nothing is written.
    let mut off = params.clone();
    off.engine.record_quotes = false;
    let (orders_off, report_off) = live_run(&off, &source, "unrecorded");
    assert_eq!(orders_off, live);
    assert!(!report_off.run_dir.join(QUOTES_FILE).exists());
    assert_eq!(report_off.summary.engine().counters.quotes_recorded, 0);
    assert!(!report_off.run_dir.join(MD_EVENTS_FILE).exists());
    std::fs::remove_file(&source).unwrap();
}
