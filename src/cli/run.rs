//! `hft run` and the main job (`cargo run --release` without arguments).

use crate::bootstrap;
use crate::config::{EngineParams, SimParams};
use crate::pipeline::{self, RunOptions};
use crate::sim::{Gateway, GatewayOptions};
use anyhow::Context;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Arguments of `hft run`.
#[derive(Debug, Clone, Default)]
pub struct RunArgs {
    pub params: Option<PathBuf>,
    pub duration: Option<Duration>,
    pub out: Option<PathBuf>,
    pub gateway: Option<String>,
    pub no_bootstrap: bool,
    pub live: bool,
    /// Run directory of an earlier run whose journal is restored.
    pub resume: Option<PathBuf>,
    /// Also write the run directory's tables (fills, series) as Parquet at the end.
    pub parquet: bool,
}

/// Ports TWS and IB Gateway use for live accounts by default.
const LIVE_PORTS: [u16; 2] = [7496, 4001];

/// Runs the engine: against `--gateway`, the params' gateway, or (when both are empty) the paper
/// gateway started in-process.
///
/// # Errors
/// Invalid parameters (a [`crate::config::ParamsError`]), connection or bootstrap failures.
pub fn run(args: RunArgs) -> anyhow::Result<()> {
    let params = match &args.params {
        Some(p) => EngineParams::load(p)?,
        None => EngineParams::embedded(),
    };
    // The fundamentals file of a value tilt is an input like the params: checked before
    // connecting, naming the params file (the engine reads it again when it builds the baskets).
    if let Some(p) = &args.params {
        crate::pairs::valuation::basket_value_tilts(&params, &p.display().to_string())?;
    }
    if let Some(dir) = &args.resume {
        let journal = dir.join(crate::journal::FILE);
        anyhow::ensure!(
            journal.is_file(),
            "--resume {}: no {} there",
            dir.display(),
            crate::journal::FILE
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGINT, stop.clone())
        .context("cannot install SIGINT handler")?;
    signal_hook::flag::register(signal_hook::consts::SIGTERM, stop.clone())
        .context("cannot install SIGTERM handler")?;

    let address = args
        .gateway
        .clone()
        .unwrap_or_else(|| params.connection.gateway.clone());
    let mut in_process = None;
    let gateway = if address.is_empty() {
        let sim = SimParams::embedded();
        let opts = GatewayOptions {
            listen: Some("127.0.0.1:0".into()),
            ..Default::default()
        };
        let gw = Gateway::start(sim, opts).context("cannot start the in-process paper gateway")?;
        let addr = gw.local_addr().to_string();
        println!("paper gateway (in-process) on {addr}");
        in_process = Some(gw);
        addr
    } else {
        let port = address
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse::<u16>().ok());
        if port.is_some_and(|p| LIVE_PORTS.contains(&p)) && !args.live {
            anyhow::bail!(
                "{address} is a live-trading port (TWS 7496 / IB Gateway 4001): pass --live to trade a live account"
            );
        }
        address
    };

    let warmup = if args.no_bootstrap {
        println!("bootstrap skipped (--no-bootstrap): windows warm up from live ticks");
        None
    } else {
        let symbols = params.symbols();
        // Two windows: the first fills the rolling statistics, the second shows them (the pair
        // charts draw the bootstrap before the live rows) over a full window.
        let bars = 2 * (params.strategy.window_secs / params.strategy.grid_secs).ceil() as usize;
        println!(
            "bootstrap: {} x {} s MIDPOINT bars for {} through the ibapi client",
            bars,
            params.strategy.grid_secs,
            symbols.join(" ")
        );
        let history = bootstrap::fetch(
            &gateway,
            params.connection.control_client_id,
            &symbols,
            params.strategy.grid_secs,
            bars,
        )
        .context("bootstrap failed (use --no-bootstrap to warm up from live ticks instead)")?;
        println!("bootstrap: {} aligned bars per symbol", history.times.len());
        let pairs: Vec<(String, String)> = params
            .pairs
            .iter()
            .map(|p| (p.a.clone(), p.b.clone()))
            .collect();
        // A bar's close is the last mid before its end: the grid row at the bar's end time.
        let grid_ns = (params.strategy.grid_secs * 1e9) as u64;
        let row = |t: &i64, &(a_mid, b_mid): &(f64, f64)| pipeline::WarmRow {
            t_ns: (*t).max(0) as u64 * 1_000_000_000 + grid_ns,
            a_mid,
            b_mid,
        };
        let rows = history.rows(&pairs);
        Some(
            rows.iter()
                .map(|r| {
                    history
                        .times
                        .iter()
                        .zip(r)
                        .map(|(t, ab)| row(t, ab))
                        .collect()
                })
                .collect(),
        )
    };

    let duration = args
        .duration
        .unwrap_or_else(|| Duration::from_secs_f64(params.engine.duration_secs));
    let run_dir = match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            dir.clone()
        }
        None => crate::rundir::new_run_dir(std::path::Path::new(&params.engine.runs_dir))?,
    };
    println!(
        "engine: {} pairs, {} strategy, running {:.0} s (Ctrl-C stops early)",
        params.pairs.len(),
        format!("{:?}", params.strategy.kind).to_lowercase(),
        duration.as_secs_f64()
    );
    let report = pipeline::run(
        &params,
        RunOptions {
            gateway: gateway.clone(),
            duration,
            run_dir,
            warmup,
            stop,
            require_paper: !args.live,
            resume: args.resume.clone(),
            metrics: None,
        },
    )?;
    println!();
    let placement = &report.summary.engine().placement;
    println!("stages: wait = {}, {}", placement.wait, placement.note);
    if placement.wait != "spin" {
        println!(
            "(queue waits include the wake-up of an idle stage; spin on isolated cores for the \
             low-latency numbers: see README, Running on a tuned Linux box)"
        );
    }
    print!("{}", report.table);
    println!();
    println!("{}", report.trading);
    if let Some(gw) = in_process {
        let ledger = gw.snapshot();
        let rate_violations = gw
            .stats()
            .rate_violations
            .load(std::sync::atomic::Ordering::Relaxed);
        println!(
            "paper gateway: {} executions, {} message-rate violations",
            ledger.exec_ids.len(),
            rate_violations
        );
        gw.shutdown();
    }
    super::report::print_charts(&report.run_dir);
    if args.parquet {
        crate::rundir::write_parquet_tables(&report.run_dir)
            .with_context(|| format!("cannot write Parquet to {}", report.run_dir.display()))?;
    }
    println!("run directory: {}", report.run_dir.display());
    Ok(())
}

/// `hft kill RUN_DIR`: asks the engine running in `run_dir` to trip its kill switch (it polls
/// for [`pipeline::KILL_FILE`] every 20 ms).
///
/// # Errors
/// `run_dir` is not a run directory, or the file cannot be created.
pub fn kill(run_dir: &std::path::Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        run_dir.join(crate::journal::FILE).is_file(),
        "{} is not a run directory (no {})",
        run_dir.display(),
        crate::journal::FILE
    );
    if run_dir.join("summary.json").is_file() {
        println!("note: that run has already finished");
    }
    std::fs::write(run_dir.join(pipeline::KILL_FILE), b"kill\n")
        .with_context(|| format!("cannot write the kill file in {}", run_dir.display()))?;
    println!(
        "kill requested: {}",
        run_dir.join(pipeline::KILL_FILE).display()
    );
    Ok(())
}
