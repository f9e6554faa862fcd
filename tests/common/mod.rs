//! Shared helpers for integration tests: an in-process paper gateway on a free loopback port.

#![allow(dead_code)]

use hft::config::SimParams;
use hft::sim::{Gateway, GatewayOptions};

/// Generous bound for anything a test waits on; assertions are on behaviour, not time.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// The embedded gateway with the universe these tests were written against, pinned here since
/// the embedded `params/sim.toml` became the main job's accelerated market: real time
/// (`market.speed` 1), a brisk feed of 200 quotes a second per symbol (so streaming tests see
/// changes quickly), spreads reverting with half-lives of 120 s (SPY/IVV) and 600 s (KO/PEP) and
/// the leaders' old volatilities (`tests/bootstrap.rs` checks the pair statistics against them).
pub fn test_params() -> SimParams {
    let mut p = SimParams::embedded();
    p.market.speed = 1.0;
    p.market.ticks_per_sec = 200.0;
    for s in &mut p.market.symbols {
        match s.name.as_str() {
            "SPY" => s.vol_per_day = 0.004,
            "KO" => s.vol_per_day = 0.009,
            "IVV" => (s.spread_half_life_secs, s.spread_vol_per_day) = (120.0, 0.002),
            "PEP" => (s.spread_half_life_secs, s.spread_vol_per_day) = (600.0, 0.004),
            _ => {}
        }
    }
    p
}

/// Starts a gateway (as [`start_gateway`]) that replays quote file `file` at 500 rows a wall
/// second instead of its synthetic market, `book_levels` deep: orders reach it while the rows
/// after their tick are still to come, as they would live.
pub fn start_replay_gateway(file: &std::path::Path, book_levels: usize) -> Gateway {
    let mut sim = test_params();
    sim.gateway.book_levels = book_levels;
    sim.market.symbols.clear();
    sim.replay = Some(hft::config::ReplayParams {
        file: file.to_path_buf(),
        more_files: Vec::new(),
        symbols: Vec::new(),
        speed: 0.0,
        rate: 500.0,
    });
    start_gateway(sim)
}

/// Waits (at most [`PATIENCE`]) until the gateway has seen `orders` orders, all filled, and,
/// with `replay_end`, has replayed its whole file.
pub fn wait_for_filled_orders(gw: &Gateway, orders: usize, replay_end: bool) {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let snap = gw.snapshot();
        let done = (snap.replay_finished || !replay_end)
            && snap.orders.len() >= orders
            && snap.orders.iter().all(|o| o.state == "Filled");
        if done || std::time::Instant::now() > deadline {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The gateway's orders as (symbol, action, shares), in the order it received them.
pub fn gateway_orders(gw: &Gateway) -> Vec<(String, String, u32)> {
    gw.snapshot()
        .orders
        .iter()
        .map(|o| (o.symbol.clone(), o.action.to_string(), o.total))
        .collect()
}

/// Starts a gateway on 127.0.0.1 with a free port.
pub fn start_gateway(params: SimParams) -> Gateway {
    let opts = GatewayOptions {
        listen: Some("127.0.0.1:0".into()),
        ..Default::default()
    };
    Gateway::start(params, opts).expect("gateway starts")
}

use hft::io::{ConnectError, TwsConnection};
use hft::wire::text::ServerMessage;
use std::time::Instant;

/// Connects our own text-protocol client.
pub fn text_client(gw: &Gateway, client_id: i32) -> TwsConnection {
    TwsConnection::connect(&gw.local_addr().to_string(), client_id, PATIENCE)
        .expect("text client connects")
}

/// Reads messages until `pick` returns `Some`, failing the test after [`PATIENCE`].
pub fn wait_for<T>(
    conn: &mut TwsConnection,
    mut pick: impl FnMut(&ServerMessage<'_>) -> Option<T>,
) -> T {
    let deadline = Instant::now() + PATIENCE;
    let version = conn.server_version;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "the expected message did not arrive");
        let body = match conn.next_frame(left) {
            Ok(b) => b,
            Err(ConnectError::Timeout(_)) => continue,
            Err(e) => panic!("connection failed: {e}"),
        };
        let msg = ServerMessage::decode(body, version).expect("every gateway message decodes");
        if let Some(v) = pick(&msg) {
            return v;
        }
    }
}

/// A quote file's text: symbols AAA and BBB, one row each per second from Unix second `t0`; A's
/// spread to B oscillates (a sine of period 240 s, one dollar wide), so z-score strategies trade
/// every few dozen rows (the shape `hft bench-wire` builds for itself).
pub fn oscillating_quotes(t0: i64, seconds: i64) -> String {
    use std::fmt::Write;
    let mut text = format!("{}\n", hft::rundir::QUOTE_HEADER);
    for k in 0..seconds {
        let a = (10_000.0 + 100.0 * (2.0 * std::f64::consts::PI * k as f64 / 240.0).sin()).round()
            as i64;
        let b = 5_000 + (k / 7) % 3;
        let ts = (t0 + k) as i128 * 1_000_000_000;
        for (symbol, cents) in [("AAA", a), ("BBB", b)] {
            let _ = writeln!(
                text,
                "{ts},{symbol},{}.{:02},300,{}.{:02},200",
                cents / 100,
                cents % 100,
                (cents + 1) / 100,
                (cents + 1) % 100
            );
        }
    }
    text
}

/// Engine parameters for the pair of [`oscillating_quotes`]: z-score on a 1 s grid over
/// `window_secs`, re-estimated every row, entry 1.5, exit 0.3, equal legs, no cost gate,
/// tick-by-tick data (exchange times), so it trades often and deterministically.
pub fn fast_zscore_pair(window_secs: f64) -> hft::config::EngineParams {
    use hft::config::{EngineParams, PairParams, Sizing, StrategyKind};
    let mut p = EngineParams::embedded();
    p.pairs = vec![PairParams {
        a: "AAA".into(),
        b: "BBB".into(),
        hedge_ratio: None,
        intercept: None,
        spread_mean: None,
        spread_std: None,
        half_life_secs: None,
        execution: None,
        leader: None,
    }];
    p.engine.tick_by_tick = true;
    p.strategy.kind = StrategyKind::Zscore;
    p.strategy.grid_secs = 1.0;
    p.strategy.window_secs = window_secs;
    p.strategy.evaluation_secs = 0.0;
    p.strategy.sizing = Sizing::Equal;
    p.strategy.zscore.entry = 1.5;
    p.strategy.zscore.exit = 0.3;
    p.strategy.zscore.stop = 50.0;
    p.strategy.zscore.min_edge_ratio = 0.0;
    p.strategy.zscore.max_hold_secs = 0.0;
    p
}

/// The engine on its own threads against `gw`, until the returned flag is set.
pub struct EngineRun {
    pub stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    pub handle: std::thread::JoinHandle<anyhow::Result<hft::pipeline::RunReport>>,
    pub run_dir: std::path::PathBuf,
}

impl EngineRun {
    /// Starts the engine with `params` against `gw`; `name` keeps run directories apart.
    pub fn start(gw: &Gateway, params: hft::config::EngineParams, name: &str) -> EngineRun {
        Self::resuming(gw, params, name, None)
    }

    /// As [`EngineRun::start`], restoring the journal of the run directory `resume`.
    pub fn resuming(
        gw: &Gateway,
        params: hft::config::EngineParams,
        name: &str,
        resume: Option<std::path::PathBuf>,
    ) -> EngineRun {
        use std::sync::atomic::AtomicBool;
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let run_dir = std::env::temp_dir().join(format!("hft-run-{}-{name}", std::process::id()));
        let (addr, engine_stop, dir) = (gw.local_addr().to_string(), stop.clone(), run_dir.clone());
        let handle = std::thread::spawn(move || {
            hft::pipeline::run(
                &params,
                hft::pipeline::RunOptions {
                    gateway: addr,
                    duration: std::time::Duration::from_secs(600),
                    run_dir: dir,
                    warmup: None,
                    stop: engine_stop,
                    require_paper: true,
                    resume,
                    metrics: None,
                },
            )
        });
        EngineRun {
            stop,
            handle,
            run_dir,
        }
    }

    /// Stops the engine (it drains in order) and returns its report.
    pub fn finish(self) -> hft::pipeline::RunReport {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.handle
            .join()
            .expect("engine thread")
            .expect("engine run")
    }
}

/// A gateway replaying `rows` seconds of the oscillating pair at `speed` (0: as fast as read),
/// with `configure` applied (faults); returns it with the quote file (removed by the caller).
pub fn replaying_gateway(
    name: &str,
    rows: i64,
    speed: f64,
    configure: impl FnOnce(&mut SimParams),
) -> (Gateway, std::path::PathBuf) {
    let quotes = oscillating_quotes(1_700_000_000, rows);
    replaying_gateway_text(name, &quotes, speed, configure)
}

/// As [`replaying_gateway`], replaying the quote file text `quotes`.
pub fn replaying_gateway_text(
    name: &str,
    quotes: &str,
    speed: f64,
    configure: impl FnOnce(&mut SimParams),
) -> (Gateway, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("hft-replay-{}-{name}.csv", std::process::id()));
    std::fs::write(&path, quotes).expect("quote file");
    let mut sim = test_params();
    sim.market.symbols.clear();
    sim.replay = Some(hft::config::ReplayParams {
        file: path.clone(),
        more_files: Vec::new(),
        symbols: Vec::new(),
        speed,
        rate: 0.0,
    });
    configure(&mut sim);
    (start_gateway(sim), path)
}

/// Waits (bounded by [`PATIENCE`]) until the gateway's replay is over and no order works there.
pub fn wait_replay_done(gw: &Gateway) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let snap = gw.snapshot();
        let quiet = snap.orders.iter().all(|o| o.state != "Submitted");
        if (snap.replay_finished && quiet) || Instant::now() > deadline {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// What a scripted gateway answers to the engine's reconciliation requests (empty lists): the
/// frames to write, or `None` for other requests.
pub fn reconcile_answer(frame: &[u8]) -> Option<Vec<u8>> {
    use hft::wire::Request;
    use hft::wire::ids::incoming;
    use hft::wire::text::EndMarker;
    let (msg_id, req_id) = match Request::decode_text(frame) {
        Ok(Request::Executions { req_id, .. }) => (incoming::EXECUTION_DATA_END, req_id),
        Ok(Request::OpenOrders) => (incoming::OPEN_ORDER_END, 0),
        Ok(Request::Positions) => (incoming::POSITION_END, 0),
        _ => return None,
    };
    let mut out = Vec::new();
    EndMarker { msg_id, req_id }.encode(&mut out);
    Some(out)
}

/// The oscillating test pair of [`fast_zscore_pair`] (30 s window) as a params file (what
/// `hft run --params` reads), with `extra` text replacements applied after it.
pub fn oscillating_params_file(path: &std::path::Path, extra: &[(&str, &str)]) {
    let mut text = hft::config::DEFAULT_PARAMS.to_string();
    let base = [
        (
            "[[pairs]]\na = \"SPY\"\nb = \"IVV\"\n\n[[pairs]]\na = \"KO\"\nb = \"PEP\"\n",
            "[[pairs]]\na = \"AAA\"\nb = \"BBB\"\n",
        ),
        ("window_secs = 600.0", "window_secs = 30.0"),
        ("evaluation_secs = 5.0", "evaluation_secs = 0.0"),
        ("sizing = \"beta\"", "sizing = \"equal\""),
        ("entry = 2.0", "entry = 1.5"),
        ("exit = 0.5", "exit = 0.3"),
        ("stop = 4.0", "stop = 50.0"),
        ("max_hold_secs = 3600.0", "max_hold_secs = 0.0"),
        ("min_edge_ratio = 1.0", "min_edge_ratio = 0.0"),
    ];
    for (from, to) in base.iter().chain(extra) {
        let next = text.replacen(from, to, 1);
        assert_ne!(next, text, "{from} is in params/default.toml");
        text = next;
    }
    std::fs::write(path, text).unwrap();
}

/// The execution ids of a run directory's journal, in journal order.
pub fn journal_exec_ids(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(dir.join(hft::journal::FILE))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("E,"))
        .map(|l| l.split(',').nth(3).unwrap_or("").to_string())
        .collect()
}

/// The order ids of the journal's `O` records in `dir` (a BAG's legs: its id and the next).
pub fn journal_order_ids(dir: &std::path::Path) -> std::collections::BTreeSet<i32> {
    std::fs::read_to_string(dir.join(hft::journal::FILE))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("O,"))
        .filter_map(|l| l.split(',').nth(2)?.parse().ok())
        .collect()
}
