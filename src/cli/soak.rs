//! `hft bench-wire --soak`: the engine under sustained load against the paper gateway, for a
//! duration (10 minutes unless told): 100 instruments in 50 pairs, ticks at a fixed total rate
//! (100,000 a second unless told), the quote file replayed over and over with its times moved
//! on. Every interval (a minute unless told) it prints and records resident memory, ticks,
//! orders, drops and the tick-to-trade percentiles of that interval; at the end it checks that
//! the engine's books equal the gateway's. The table goes to `soak.csv` in the run directory.
//! Opt-in and long: never part of `cargo test`.

use super::measure::{bench_engine_params, push_quote_row, us_percentiles};
use crate::config::{PairParams, ReplayParams, SimParams};
use crate::instruments::Instruments;
use crate::metrics::EngineMetrics;
use crate::sim::{Gateway, GatewayOptions};
use anyhow::Context;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Pairs traded (two instruments each).
const PAIRS: usize = 50;
/// Market seconds in one pass of the quote file (one row per symbol per market second).
const PASS_SECONDS: i64 = 600;

/// How a soak runs.
#[derive(Debug, Clone, Copy)]
pub struct SoakOptions {
    /// Ticks per second, all instruments together.
    pub rate: f64,
    pub duration: Duration,
    /// How often a row of the table is taken.
    pub interval: Duration,
    /// The engine's risk limits during the soak.
    pub limits: SoakLimits,
}

/// The risk limits a soak runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SoakLimits {
    /// The embedded params' limits (message-rate limiter, open orders, notional, daily loss):
    /// what a deployment runs, under a full market-data load.
    Production,
    /// Every limit lifted, as `hft bench-wire` measures: every signal becomes an order at once.
    Lifted,
}

/// The engine params of a soak: bench-wire's strategy, with the embedded risk limits unless
/// `limits` lifts them.
///
/// # Examples
/// ```
/// use hft::cli::soak::{soak_risk, SoakLimits};
/// use hft::config::EngineParams;
/// let embedded = EngineParams::embedded().risk;
/// assert_eq!(soak_risk(SoakLimits::Production).max_messages_per_sec, embedded.max_messages_per_sec);
/// assert!(soak_risk(SoakLimits::Lifted).max_messages_per_sec > 1_000_000);
/// ```
pub fn soak_risk(limits: SoakLimits) -> crate::config::RiskParams {
    match limits {
        SoakLimits::Production => crate::config::EngineParams::embedded().risk,
        SoakLimits::Lifted => bench_engine_params().risk,
    }
}

/// The quotes of the soak: pairs `Annn`/`Bnnn`, one row each per market second from Unix
/// second `t0`; each pair's A oscillates against B (a sine of period 240 s, phase by pair), so
/// every pair trades every few dozen rows.
fn soak_quotes(t0: i64, pairs: usize, seconds: i64) -> String {
    let mut text = format!("{}\n", crate::rundir::QUOTE_HEADER);
    for k in 0..seconds {
        let ts = (t0 + k) as i128 * 1_000_000_000;
        for p in 0..pairs {
            let phase = 2.0 * std::f64::consts::PI * (k as f64 + 7.0 * p as f64) / 240.0;
            let a = (10_000.0 + 100.0 * phase.sin()).round() as i64;
            let b = 5_000 + (k / 7 + p as i64) % 3;
            for (symbol, cents) in [(format!("A{p:03}"), a), (format!("B{p:03}"), b)] {
                push_quote_row(&mut text, ts, &symbol, cents);
            }
        }
    }
    text
}

/// A tick rate from the command line: a positive, finite number of ticks per second.
///
/// # Errors
/// A message naming the value (a usage error: exit status 2).
///
/// # Examples
/// ```
/// use hft::cli::soak::parse_rate;
/// assert_eq!(parse_rate("100000"), Ok(100_000.0));
/// assert!(parse_rate("0").is_err() && parse_rate("fast").is_err());
/// ```
pub fn parse_rate(input: &str) -> Result<f64, String> {
    match input.trim().parse::<f64>() {
        Ok(r) if r > 0.0 && r.is_finite() => Ok(r),
        _ => Err(format!(
            "`{input}` is not a rate: a positive number of ticks per second, e.g. 100000"
        )),
    }
}

/// Resident memory of this process in KiB (`VmRSS`), 0 where unknown.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Runs the soak and prints its table and end checks.
///
/// # Errors
/// Gateway or engine failures, run-directory I/O.
pub fn soak(o: SoakOptions) -> anyhow::Result<()> {
    crate::latency::start_clock();
    let file = std::env::temp_dir().join(format!("hft-soak-{}.csv", std::process::id()));
    std::fs::write(&file, soak_quotes(1_700_000_000, PAIRS, PASS_SECONDS))?;
    let mut sim = SimParams::embedded();
    sim.market.symbols.clear();
    sim.gateway.max_messages_per_sec = u32::MAX / 2;
    sim.gateway.disconnect_messages_per_sec = u32::MAX / 2;
    sim.replay = Some(ReplayParams {
        file: file.clone(),
        more_files: Vec::new(),
        symbols: Vec::new(),
        speed: 1.0,
        rate: o.rate,
    });
    let gw = Gateway::start(
        sim,
        GatewayOptions {
            listen: Some("127.0.0.1:0".into()),
            repeat_replay: true,
            ..Default::default()
        },
    )?;
    let mut p = bench_engine_params();
    p.risk = soak_risk(o.limits);
    p.pairs = (0..PAIRS)
        .map(|k| PairParams {
            a: format!("A{k:03}"),
            b: format!("B{k:03}"),
            ..p.pairs[0].clone()
        })
        .collect();
    let symbols = Instruments::of(&p).symbols().to_vec();
    let metrics = Arc::new(EngineMetrics::new(&symbols));
    let stop = Arc::new(AtomicBool::new(false));
    let run_dir = std::env::temp_dir().join(format!("hft-soak-run-{}", std::process::id()));
    let (addr, engine_stop, engine_metrics, engine_dir) = (
        gw.local_addr().to_string(),
        stop.clone(),
        metrics.clone(),
        run_dir.clone(),
    );
    let engine = std::thread::spawn(move || {
        crate::pipeline::run(
            &p,
            crate::pipeline::RunOptions {
                gateway: addr,
                duration: o.duration + Duration::from_secs(3600),
                run_dir: engine_dir,
                warmup: None,
                stop: engine_stop,
                require_paper: true,
                resume: None,
                metrics: Some(engine_metrics),
            },
        )
    });
    println!(
        "soak: {PAIRS} pairs ({} instruments) at {:.0} ticks/s for {:?}, a row every {:?}, {:?} risk limits",
        2 * PAIRS,
        o.rate,
        o.duration,
        o.interval,
        o.limits
    );
    let header = "minute,rss_mib,ticks,orders,md_dropped,p50_us,p90_us,p99_us,p99_9_us,max_us";
    println!("{header}");
    let mut csv = format!("{header}\n");
    let started = Instant::now();
    let mut previous = gw
        .wire_report()
        .map(|w| (w.tick_to_trade, w.ticks, w.matched));
    let mut row = 0u32;
    while started.elapsed() < o.duration && !engine.is_finished() {
        row += 1;
        let due = o.interval * row;
        while started.elapsed() < due.min(o.duration) && !engine.is_finished() {
            std::thread::sleep(Duration::from_millis(100));
        }
        let Some(w) = gw.wire_report() else {
            anyhow::bail!("the gateway does not record tick-to-trade");
        };
        let mut interval = w.tick_to_trade.clone();
        let (ticks, orders) = match &previous {
            Some((h, t, m)) => {
                // Counts only grow: what this interval added.
                interval.subtract(h).context("tick-to-trade histogram")?;
                (w.ticks - t, w.matched - m)
            }
            None => (w.ticks, w.matched),
        };
        let q = us_percentiles(&interval);
        let line = format!(
            "{:.2},{:.1},{ticks},{orders},{},{:.1},{:.1},{:.1},{:.1},{:.1}",
            started.elapsed().as_secs_f64() / 60.0,
            rss_kib() as f64 / 1024.0,
            metrics.io.md_dropped.get(),
            q[0],
            q[1],
            q[2],
            q[3],
            q[4]
        );
        println!("{line}");
        csv.push_str(&line);
        csv.push('\n');
        previous = Some((w.tick_to_trade, w.ticks, w.matched));
    }
    stop.store(true, Ordering::SeqCst);
    let report = engine
        .join()
        .map_err(|_| anyhow::anyhow!("the engine thread panicked"))??;
    let ledger = gw.snapshot();
    let w = gw.wire_report();
    gw.shutdown();
    let _ = std::fs::remove_file(&file);
    std::fs::write(run_dir.join("soak.csv"), &csv)
        .with_context(|| format!("cannot write {}", run_dir.join("soak.csv").display()))?;
    let c = report.summary.engine().counters;
    println!(
        "drops: md_queue_full {}, md_dropped {}, quote_queue_full {}, quotes_conflated {}",
        c.md_queue_full, c.md_dropped, c.quote_queue_full, c.quotes_conflated
    );
    if let Some(w) = w {
        let q = us_percentiles(&w.tick_to_trade);
        println!(
            "whole run: {} ticks, {} orders matched ({} not), tick-to-trade p50 {:.1} us, p99 {:.1} us, max {:.1} us",
            w.ticks, w.matched, w.unmatched, q[0], q[2], q[4]
        );
    }
    let mismatches = book_mismatches(&symbols, &report, &ledger);
    if mismatches.is_empty() {
        println!(
            "books: the engine's position in every instrument equals the gateway's ({} executions)",
            ledger.executions.len()
        );
    } else {
        println!("books differ from the gateway's: {}", mismatches.join("; "));
    }
    println!("table: {}", run_dir.join("soak.csv").display());
    println!("run directory: {}", run_dir.display());
    Ok(())
}

/// Instruments whose engine position differs from the gateway ledger's, described.
fn book_mismatches(
    symbols: &[String],
    report: &crate::pipeline::RunReport,
    ledger: &crate::sim::LedgerSnapshot,
) -> Vec<String> {
    let mut out = Vec::new();
    for (i, symbol) in symbols.iter().enumerate() {
        let gateway: f64 = ledger.position(symbol);
        let engine = report.dispatch.positions.get(i).map_or(0.0, |p| p.qty);
        if (engine - gateway).abs() > 1e-9 {
            out.push(format!("{symbol}: engine {engine}, gateway {gateway}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soak_quotes_have_a_row_per_symbol_per_second() {
        let text = soak_quotes(1_700_000_000, 3, 4);
        let rows: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(rows.len(), 3 * 2 * 4);
        assert!(rows[0].starts_with("1700000000000000000,A000,"));
        assert!(rows[5].starts_with("1700000000000000000,B002,"));
        assert!(rows[6].starts_with("1700000001000000000,A000,"));
    }
}
