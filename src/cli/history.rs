//! `hft history --ticks`: historical ticks into a quote file (see [`crate::history`]).
//!
//! Exit status: 0 when the file is complete; 2 for bad input (a malformed day, `--from` after
//! `--to`, no symbols, invalid parameters, the state of an interrupted download with other
//! arguments); 1 when the download stops (a lost connection, an IB error, pacing errors past the
//! retries): what was received is kept and the same command resumes it.

use crate::config::{DEFAULT_PARAMS, EngineParams, ParamsError, SimParams};
use crate::history::{self, Day, Options, PacingRules};
use crate::sim::{Gateway, GatewayOptions};
use crate::wire::TickKind;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `hft history`.
#[derive(Debug, Clone, clap::Args)]
pub struct HistoryArgs {
    /// Download historical ticks (REQ_HISTORICAL_TICKS); required, bars are `hft bootstrap`'s.
    #[arg(long, required = true)]
    pub ticks: bool,
    /// Symbols (US stocks, SMART), comma-separated.
    #[arg(
        long,
        value_name = "A,B",
        value_delimiter = ',',
        num_args = 1,
        required = true
    )]
    pub symbols: Vec<String>,
    /// First New York trading day, YYYY-MM-DD.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: String,
    /// Last New York trading day, YYYY-MM-DD (inclusive).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: String,
    /// BID_ASK (bid/ask and sizes), MIDPOINT (bid = ask = mid) or TRADES (bid = ask = price).
    #[arg(long, default_value = "BID_ASK")]
    pub what: String,
    /// Regular trading hours only (09:30-16:00 New York); else 04:00-20:00.
    #[arg(long)]
    pub rth: bool,
    /// The quote file to write (ts_ns,symbol,bid,bid_size,ask,ask_size).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// HOST:PORT of TWS / IB Gateway (default: connection.gateway of the params; when that is
    /// empty, the paper gateway in-process).
    #[arg(long)]
    pub gateway: Option<String>,
    /// Engine parameters for the connection (default: the embedded params/default.toml).
    #[arg(long)]
    pub params: Option<PathBuf>,
}

/// Runs `hft history`; returns the process exit status.
pub fn run(args: HistoryArgs) -> ExitCode {
    match run_inner(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Stopped(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    BadInput(String),
    Stopped(String),
}

fn day(flag: &str, s: &str) -> Result<Day, Failure> {
    history::parse_day(s)
        .ok_or_else(|| Failure::BadInput(format!("{flag}: `{s}` is not a day (YYYY-MM-DD)")))
}

fn run_inner(args: HistoryArgs) -> Result<(), Failure> {
    let from = day("--from", &args.from)?;
    let to = day("--to", &args.to)?;
    if from > to {
        return Err(Failure::BadInput(format!(
            "--from {} is after --to {}",
            args.from, args.to
        )));
    }
    let what = TickKind::parse(&args.what).ok_or_else(|| {
        Failure::BadInput(format!(
            "--what: `{}` is not BID_ASK, MIDPOINT or TRADES",
            args.what
        ))
    })?;
    let symbols: Vec<String> = args
        .symbols
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if symbols.is_empty() {
        return Err(Failure::BadInput("--symbols: no symbol given".into()));
    }
    let engine = load_params(args.params.as_ref()).map_err(|e| Failure::BadInput(e.to_string()))?;
    let configured = args
        .gateway
        .clone()
        .unwrap_or_else(|| engine.connection.gateway.clone());
    let mut in_process = None;
    let gateway = if configured.is_empty() {
        let opts = GatewayOptions {
            listen: Some("127.0.0.1:0".into()),
            unpaced: true,
            ..Default::default()
        };
        let gw = Gateway::start(SimParams::embedded(), opts).map_err(|e| {
            Failure::Stopped(format!("cannot start the in-process paper gateway: {e}"))
        })?;
        let addr = gw.local_addr().to_string();
        println!("paper gateway (in-process) on {addr}");
        in_process = Some(gw);
        addr
    } else {
        configured
    };
    let opts = Options {
        gateway,
        client_id: engine.connection.control_client_id,
        symbols,
        from,
        to,
        what,
        rth: args.rth,
        out: args.out.clone(),
        pacing: PacingRules::IB,
        progress_bar: true,
    };
    let result = history::download(&opts);
    if let Some(gw) = in_process {
        gw.shutdown();
    }
    match result {
        Ok(r) => {
            println!(
                "history: {} rows in {} ({} pages, {} ticks received, {} boundary seconds re-read, {} pacing waits totalling {:.1} s, {} pacing errors{}{}{})",
                r.rows,
                args.out.display(),
                r.pages,
                r.ticks_received,
                r.boundary_rereads,
                r.pacing_waits,
                r.pacing_wait.as_secs_f64(),
                r.pacing_errors,
                if r.resumed { ", resumed" } else { "" },
                if r.skipped_ticks > 0 {
                    format!(", {} ticks with bad prices skipped", r.skipped_ticks)
                } else {
                    String::new()
                },
                if r.overfull_seconds > 0 {
                    format!(
                        ", {} seconds held more ticks than a page: kept as sent",
                        r.overfull_seconds
                    )
                } else {
                    String::new()
                },
            );
            Ok(())
        }
        Err(e) if e.is_bad_input() => Err(Failure::BadInput(e.to_string())),
        Err(e) => Err(Failure::Stopped(e.to_string())),
    }
}

fn load_params(path: Option<&PathBuf>) -> Result<EngineParams, ParamsError> {
    match path {
        Some(p) => {
            let file = p.display().to_string();
            let text = std::fs::read_to_string(p)
                .map_err(|e| ParamsError::new(&file, "<file>", format!("cannot read: {e}")))?;
            EngineParams::from_toml(&file, &text)
        }
        None => EngineParams::from_toml("<embedded params/default.toml>", DEFAULT_PARAMS),
    }
}
