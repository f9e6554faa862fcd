//! `hft measure-stream` (gateway streaming throughput to one client that only reads) and
//! `hft bench-wire` (wire-to-wire tick-to-trade against the loopback floor), each with its own
//! input built here.

use crate::config::{
    EngineParams, PairParams, ReplayParams, SimParams, Sizing, StrategyKind, WaitStrategy,
};
use crate::io::TwsConnection;
use crate::sim::{Gateway, GatewayOptions};
use crate::wire::{ContractSpec, Request};
use std::time::{Duration, Instant};

/// Starts an unpaced gateway, subscribes to every symbol and counts tick frames until `ticks`.
///
/// # Errors
/// Connection failures.
pub fn stream(ticks: u64) -> anyhow::Result<()> {
    let params = SimParams::embedded();
    let symbols: Vec<String> = params
        .market
        .symbols
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let opts = GatewayOptions {
        listen: Some("127.0.0.1:0".into()),
        unpaced: true,
        ..Default::default()
    };
    let gw = Gateway::start(params, opts)?;
    let mut conn =
        TwsConnection::connect(&gw.local_addr().to_string(), 1, Duration::from_secs(10))?;
    for (i, s) in symbols.iter().enumerate() {
        conn.send(&Request::MarketData {
            req_id: i as i32 + 1,
            contract: ContractSpec::stock(s),
            generic_ticks: "",
            snapshot: false,
        })?;
    }
    let (mut count, mut bytes) = (0u64, 0u64);
    let mut started = None;
    while count < ticks {
        let body = conn.next_frame(Duration::from_secs(10))?;
        // A reader that only reads: look at the message id, count, move on.
        if matches!(body.first(), Some(b'1' | b'2')) && body.get(1) == Some(&0) {
            count += 1;
            started.get_or_insert_with(Instant::now);
        }
        bytes += body.len() as u64 + 4;
    }
    let secs = started.map_or(0.0, |s| s.elapsed().as_secs_f64());
    println!(
        "received {count} tick messages ({:.1} MB) in {secs:.3} s: {:.0} ticks/s, {:.1} MB/s",
        bytes as f64 / 1e6,
        count as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    drop(conn);
    gw.shutdown();
    Ok(())
}

/// Percentiles of a histogram in microseconds: p50, p90, p99, p99.9, max.
pub(super) fn us_percentiles(h: &hdrhistogram::Histogram<u64>) -> [f64; 5] {
    let p = |q: f64| {
        if h.is_empty() {
            0.0
        } else {
            h.value_at_percentile(q) as f64 / 1000.0
        }
    };
    [
        p(50.0),
        p(90.0),
        p(99.0),
        p(99.9),
        if h.is_empty() {
            0.0
        } else {
            h.max() as f64 / 1000.0
        },
    ]
}

/// Loopback round trips between two threads: TCP ping-pong of 64-byte messages, each round
/// trip whole (a tick in and an order out cross loopback once each, as one round trip does).
/// The floor under any wire-to-wire number on this machine.
///
/// # Errors
/// Socket errors.
pub fn loopback_floor(round_trips: usize) -> anyhow::Result<hdrhistogram::Histogram<u64>> {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let echo = std::thread::spawn(move || -> std::io::Result<()> {
        let (mut s, _) = listener.accept()?;
        s.set_nodelay(true)?;
        let mut buf = [0u8; 64];
        loop {
            if s.read_exact(&mut buf).is_err() {
                return Ok(());
            }
            s.write_all(&buf)?;
        }
    });
    let mut c = std::net::TcpStream::connect(addr)?;
    c.set_nodelay(true)?;
    let mut h = crate::latency::histogram();
    let mut buf = [7u8; 64];
    for i in 0..round_trips + 1000 {
        let start = crate::latency::now_ns();
        c.write_all(&buf)?;
        c.read_exact(&mut buf)?;
        if i >= 1000 {
            crate::latency::record(&mut h, crate::latency::now_ns() - start);
        }
    }
    drop(c);
    let _ = echo.join();
    Ok(h)
}

/// The quotes `hft bench-wire` replays: symbols AAA and BBB, one row each per second from Unix
/// second `t0`; A's spread to B oscillates (a sine of period 240 s, one dollar wide), so the
/// z-score of [`bench_engine_params`] trades every few dozen rows.
fn bench_quotes(t0: i64, seconds: i64) -> String {
    let mut text = format!("{}\n", crate::rundir::QUOTE_HEADER);
    for k in 0..seconds {
        let a = (10_000.0 + 100.0 * (2.0 * std::f64::consts::PI * k as f64 / 240.0).sin()).round()
            as i64;
        let b = 5_000 + (k / 7) % 3;
        let ts = (t0 + k) as i128 * 1_000_000_000;
        for (symbol, cents) in [("AAA", a), ("BBB", b)] {
            push_quote_row(&mut text, ts, symbol, cents);
        }
    }
    text
}

/// One quote row of the measurement files: bid `cents` for 300, ask a cent above for 200.
pub(super) fn push_quote_row(text: &mut String, ts: i128, symbol: &str, cents: i64) {
    use std::fmt::Write;
    let _ = writeln!(
        text,
        "{ts},{symbol},{}.{:02},300,{}.{:02},200",
        cents / 100,
        cents % 100,
        (cents + 1) / 100,
        (cents + 1) % 100
    );
}

/// The engine parameters of `hft bench-wire`, for the pair of [`bench_quotes`]: z-score on a 1 s
/// grid over a 30 s window, re-estimated every row, entry 1.5, exit 0.3, equal legs, no cost
/// gate, tick-by-tick data (exchange times), so it trades often and deterministically.
///
/// Measurement settings, not trading ones: the message-rate limiter, the position, open-order
/// and notional limits are lifted so every signal becomes an order at once, and so is the
/// daily-loss kill switch (the synthetic spread loses money at the touch: the kill switch would
/// end the measurement, not the ticks).
pub(super) fn bench_engine_params() -> EngineParams {
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
    p.strategy.window_secs = 30.0;
    p.strategy.evaluation_secs = 0.0;
    p.strategy.sizing = Sizing::Equal;
    p.strategy.zscore.entry = 1.5;
    p.strategy.zscore.exit = 0.3;
    p.strategy.zscore.stop = 50.0;
    p.strategy.zscore.min_edge_ratio = 0.0;
    p.strategy.zscore.max_hold_secs = 0.0;
    p.risk.max_messages_per_sec = u32::MAX / 2;
    p.risk.max_position = 1e12;
    p.risk.max_open_orders = 1 << 20;
    p.risk.max_gross_notional = f64::MAX;
    p.risk.max_net_notional = f64::MAX;
    p.risk.max_name_notional = f64::MAX;
    p.risk.max_daily_loss = 1e18;
    p
}

/// `hft bench-wire`: the paper gateway sends ticks at fixed rates to the engine (in-process threads,
/// real loopback TCP) and measures tick-to-trade from each tick's scheduled send time to the
/// arrival of the order it triggered (orderRef = tick sequence), next to the loopback floor.
///
/// Measurement settings, not trading ones: the engine's message-rate limiter and the gateway's
/// rate rule are lifted so every signal becomes an order at once; the strategy is a z-score on a
/// synthetic oscillating spread that signals every few dozen ticks.
///
/// # Errors
/// Gateway or engine failures.
pub fn wire(rates: &[f64], seconds: f64, spin: bool) -> anyhow::Result<()> {
    crate::latency::start_clock();
    println!("load average before: {}", load_average());
    let floor = loopback_floor(100_000)?;
    let f = us_percentiles(&floor);
    println!(
        "loopback round-trip floor (TCP ping-pong, 64 B): p50 {:.1} us, p90 {:.1}, p99 {:.1}, p99.9 {:.1}, max {:.1}",
        f[0], f[1], f[2], f[3], f[4]
    );
    println!(
        "{:>9} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10} {:>10}",
        "rate/s",
        "ticks",
        "orders",
        "p50 us",
        "p90 us",
        "p99 us",
        "p99.9 us",
        "max us",
        "p50/floor",
        "p99/floor"
    );
    for &rate in rates {
        let rows = ((rate * seconds) as usize).max(2_000);
        let file = std::env::temp_dir().join(format!("hft-bench-wire-{}.csv", std::process::id()));
        std::fs::write(&file, bench_quotes(1_700_000_000, rows.div_ceil(2) as i64))?;
        let mut sim = SimParams::embedded();
        sim.market.symbols.clear();
        sim.gateway.max_messages_per_sec = u32::MAX / 2;
        sim.gateway.disconnect_messages_per_sec = u32::MAX / 2;
        sim.replay = Some(ReplayParams {
            file: file.clone(),
            more_files: Vec::new(),
            symbols: Vec::new(),
            speed: 1.0,
            rate,
        });
        let gw = Gateway::start(
            sim,
            GatewayOptions {
                listen: Some("127.0.0.1:0".into()),
                ..Default::default()
            },
        )?;

        let mut p = bench_engine_params();
        if spin {
            p.engine.wait = WaitStrategy::Spin;
        }
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let run_dir =
            std::env::temp_dir().join(format!("hft-bench-wire-run-{}", std::process::id()));
        let (addr, engine_stop) = (gw.local_addr().to_string(), stop.clone());
        let engine = std::thread::spawn(move || {
            crate::pipeline::run(
                &p,
                crate::pipeline::RunOptions {
                    gateway: addr,
                    duration: Duration::from_secs(3600),
                    run_dir,
                    warmup: None,
                    stop: engine_stop,
                    require_paper: true,
                    resume: None,
                    metrics: None,
                },
            )
        });
        // Until every scheduled tick is out, then a moment for the last orders.
        let deadline = Instant::now() + Duration::from_secs_f64(seconds * 3.0 + 30.0);
        while gw.wire_report().is_some_and(|w| (w.ticks as usize) < rows)
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(500));
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let ran = engine
            .join()
            .map_err(|_| anyhow::anyhow!("the engine thread panicked"));
        if let Ok(Ok(r)) = &ran
            && r.dispatch.counters.kill_switch > 0
        {
            println!(
                "          (the kill switch tripped: {:?})",
                r.dispatch.kill_reason
            );
        }
        let w = gw
            .wire_report()
            .ok_or_else(|| anyhow::anyhow!("the gateway did not record"))?;
        gw.shutdown();
        let _ = std::fs::remove_file(&file);
        let q = us_percentiles(&w.tick_to_trade);
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        println!(
            "{:>9.0} {:>9} {:>8} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>10.1} {:>10.2} {:>10.2}",
            rate,
            w.ticks,
            w.matched,
            q[0],
            q[1],
            q[2],
            q[3],
            q[4],
            ratio(q[0], f[0]),
            ratio(q[2], f[2])
        );
        if w.unmatched > 0 {
            println!("          ({} orders did not match a tick)", w.unmatched);
        }
        match &ran {
            Ok(Ok(_)) => {}
            Ok(Err(e)) | Err(e) => println!("          (the engine ended with an error: {e})"),
        }
    }
    println!("load average after: {}", load_average());
    Ok(())
}

/// The 1, 5 and 15 minute load averages (`/proc/loadavg`), or `unknown`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}
