//! `hft`: command-line entry point. See `hft --help` and the README.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "hft",
    version,
    about = "Pairs-trading engine for Interactive Brokers, with a TWS-compatible paper gateway"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// The main job (default): the paper gateway in-process and a bounded session against it.
    Demo {
        /// Seconds of streaming market data.
        #[arg(long, default_value_t = 10.0)]
        duration: f64,
    },
    /// Run the paper gateway (a TWS on loopback) until killed or for --duration seconds.
    Sim {
        /// Gateway parameters (default: the embedded params/sim.toml).
        #[arg(long)]
        params: Option<PathBuf>,
        /// Listen address (default from params: 127.0.0.1:7497).
        #[arg(long)]
        listen: Option<String>,
        /// Allow a non-loopback listen address.
        #[arg(long)]
        allow_remote: bool,
        /// Replay a quote file (ts_ns,symbol,bid,bid_size,ask,ask_size) instead of the synthetic feed.
        #[arg(long)]
        replay: Option<PathBuf>,
        /// Replay speed factor (0 = as fast as clients read).
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Synthetic feed as fast as clients read instead of paced to the wall clock.
        #[arg(long)]
        unpaced: bool,
        /// Write N ticks of the synthetic universe to --out and exit.
        #[arg(long, value_name = "N")]
        write_ticks: Option<u64>,
        /// Output file for --write-ticks.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Stop after this many seconds.
        #[arg(long)]
        duration: Option<f64>,
    },
    /// Measure how many ticks per second the gateway streams to one client that only reads.
    MeasureStream {
        /// Tick messages to receive.
        #[arg(long, default_value_t = 5_000_000)]
        ticks: u64,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Demo { duration: 10.0 }) {
        Command::Demo { duration } => hft::cli::demo::run(duration),
        Command::Sim {
            params,
            listen,
            allow_remote,
            replay,
            speed,
            unpaced,
            write_ticks,
            out,
            duration,
        } => hft::cli::sim::run(hft::cli::sim::SimArgs {
            params,
            listen,
            allow_remote,
            replay,
            speed,
            unpaced,
            write_ticks,
            out,
            duration,
        }),
        Command::MeasureStream { ticks } => hft::cli::measure::stream(ticks),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(p) = e.downcast_ref::<hft::params::ParamsError>() {
                eprintln!("invalid parameters: {p}");
                return ExitCode::from(2);
            }
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
