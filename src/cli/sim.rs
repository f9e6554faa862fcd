//! `hft sim`: the paper gateway as a standalone server.

use crate::config::{ReplayParams, SimParams, load};
use crate::sim::{Gateway, GatewayOptions, Universe, write_synthetic};
use anyhow::Context;
use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Arguments of `hft sim`.
pub struct SimArgs {
    pub params: Option<PathBuf>,
    pub listen: Option<String>,
    pub allow_remote: bool,
    /// Quote files to replay (any format, merged by time); empty: the synthetic feed.
    pub replay: Vec<PathBuf>,
    /// Replay only these symbols.
    pub symbols: Option<Vec<String>>,
    pub speed: f64,
    pub unpaced: bool,
    pub write_ticks: Option<u64>,
    pub out: Option<PathBuf>,
    pub duration: Option<f64>,
}

/// Loads gateway parameters from `path`, or the embedded defaults.
///
/// # Errors
/// A [`crate::config::ParamsError`] naming the key and file.
pub fn load_params(path: Option<&std::path::Path>) -> anyhow::Result<SimParams> {
    Ok(match path {
        Some(p) => {
            let params: SimParams = load(p)?;
            params.validate(&p.display().to_string())?;
            params
        }
        None => SimParams::embedded(),
    })
}

/// Runs `hft sim`.
///
/// # Errors
/// Invalid parameters, an address that cannot be bound, an unreadable quote file.
pub fn run(args: SimArgs) -> anyhow::Result<()> {
    let mut params = load_params(args.params.as_deref())?;
    if let Some(n) = args.write_ticks {
        let out = args.out.context("--write-ticks needs --out FILE")?;
        let mut universe = Universe::new(&params.market);
        let start = if params.market.start_unix > 0 {
            params.market.start_unix
        } else {
            1_767_225_600
        };
        let file = std::fs::File::create(&out)
            .with_context(|| format!("cannot create {}", out.display()))?;
        let mut w = BufWriter::new(file);
        write_synthetic(&mut universe, n, start, &mut w)?;
        std::io::Write::flush(&mut w)?;
        println!(
            "wrote {n} ticks of {} symbols to {}",
            universe.names().len(),
            out.display()
        );
        return Ok(());
    }
    let mut replay = args.replay.into_iter();
    if let Some(file) = replay.next() {
        if !(args.speed >= 0.0 && args.speed.is_finite()) {
            return Err(crate::config::ParamsError::new("--speed", "speed", "must be >= 0").into());
        }
        params.replay = Some(ReplayParams {
            file,
            more_files: replay.collect(),
            symbols: args.symbols.unwrap_or_default(),
            speed: args.speed,
            rate: 0.0,
        });
    }
    let opts = GatewayOptions {
        listen: args.listen,
        allow_remote: args.allow_remote,
        unpaced: args.unpaced,
        ..Default::default()
    };
    let gw = Gateway::start(params.clone(), opts)?;
    println!(
        "paper gateway listening on {} (account {})",
        gw.local_addr(),
        params.gateway.account
    );
    println!(
        "symbols: {}",
        params
            .market
            .symbols
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    if params.replay.is_none() {
        println!(
            "market clock: {} x the wall clock (market.speed)",
            params.market.speed
        );
    }
    let started = Instant::now();
    let limit = args.duration.map(Duration::from_secs_f64);
    loop {
        std::thread::sleep(Duration::from_millis(200));
        if limit.is_some_and(|l| started.elapsed() >= l) {
            break;
        }
    }
    let s = gw.stats();
    println!(
        "connections {} | ticks sent {} | orders {} | executions {} | rate violations {} | malformed frames {}",
        s.connections.load(Ordering::Relaxed),
        s.ticks_sent.load(Ordering::Relaxed),
        s.orders_received.load(Ordering::Relaxed),
        s.executions.load(Ordering::Relaxed),
        s.rate_violations.load(Ordering::Relaxed),
        s.malformed_frames.load(Ordering::Relaxed),
    );
    gw.shutdown();
    Ok(())
}
