//! `hft`: command-line entry point. See `hft --help` and the README.

use clap::{Parser, Subcommand, ValueEnum};
use hft::cli::duration::parse_duration;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "hft",
    version,
    about = "Pairs-trading engine for Interactive Brokers, with a TWS-compatible paper gateway"
)]
struct Cli {
    /// Log lines on stderr as text or as one JSON object per line.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    Csv,
    Parquet,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// The engine (default): against --gateway, the params' gateway, or an in-process paper gateway.
    Run {
        /// Engine parameters (default: the embedded params/default.toml).
        #[arg(long)]
        params: Option<PathBuf>,
        /// How long to run: 40s, 90m, 2h, 500ms, or plain seconds (default:
        /// engine.duration_secs).
        #[arg(long, value_parser = parse_duration)]
        duration: Option<Duration>,
        /// Run directory (default: a new one under engine.runs_dir).
        #[arg(long)]
        out: Option<PathBuf>,
        /// HOST:PORT of TWS / IB Gateway, overriding the params file.
        #[arg(long)]
        gateway: Option<String>,
        /// Warm the windows from live ticks instead of historical bars.
        #[arg(long)]
        no_bootstrap: bool,
        /// Allow a live (non-paper) account or a live port.
        #[arg(long)]
        live: bool,
        /// Restore the journal of this earlier run directory (after a crash) and reconcile it
        /// with the gateway before trading.
        #[arg(long, value_name = "RUN_DIR")]
        resume: Option<PathBuf>,
        /// `parquet`: also fills.parquet and series/<A>-<B>.parquet in the run directory.
        #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
        format: OutputFormat,
    },
    /// Trip the kill switch of a running engine: cancel its working orders, flatten if
    /// risk.flatten_on_kill, dump the latency and summary, exit.
    Kill {
        /// The engine's run directory (printed at start-up).
        run_dir: PathBuf,
    },
    /// The strategy over recorded quote files, in-process and deterministic.
    Backtest {
        /// Engine parameters (default: the embedded params/default.toml).
        #[arg(long)]
        params: Option<PathBuf>,
        /// Quote files: CSV (ts_ns,symbol,bid,bid_size,ask,ask_size), Parquet or Databento DBN
        /// (MBP-1, TBBO, BBO), by their first bytes; several are merged by time (equal times:
        /// command-line order).
        #[arg(long, value_name = "QUOTES", num_args = 1.., required = true)]
        ticks: Vec<PathBuf>,
        /// Only these symbols' rows (comma-separated).
        #[arg(long, value_delimiter = ',')]
        symbols: Option<Vec<String>>,
        /// Output directory for orders.csv, fills.csv and summary.json.
        #[arg(long)]
        out: PathBuf,
        /// `parquet`: also orders.parquet, fills.parquet and series/<A>-<B>.parquet.
        #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
        format: OutputFormat,
        /// Do not draw the charts and report.html (`hft report DIR` draws them later).
        #[arg(long)]
        no_charts: bool,
    },
    /// Quote files between CSV, Parquet and DBN: the inputs' formats from their first bytes,
    /// the output's from its name (.csv, .parquet, .dbn, .dbn.zst); several inputs are merged
    /// by time. Written under a temporary name, renamed when complete.
    Convert {
        /// Input files, then the output file.
        #[arg(num_args = 2.., required = true, value_name = "IN... OUT")]
        files: Vec<PathBuf>,
        /// Only these symbols (comma-separated).
        #[arg(long, value_delimiter = ',')]
        symbols: Option<Vec<String>>,
        /// Parquet output's codec: none, snappy or zstd.
        #[arg(long, default_value = "snappy", value_parser = hft::cli::convert::parse_compression)]
        compression: hft::rundir::ParquetCompression,
        /// Parquet output's prices as INT64 ticks with this many decimals (DECIMAL(18, D))
        /// instead of DOUBLE.
        #[arg(long, value_name = "D", value_parser = clap::value_parser!(u8).range(0..=9))]
        price_decimals: Option<u8>,
    },
    /// How fast quote files read into the backtest's rows (one core): format, size, rows/s.
    MeasureQuotes {
        /// Quote files of any format.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Reads per file; the best is printed.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
    /// One backtest per parameter set of a grid file over one quote file, on threads;
    /// `hft sweep merge DIR... --out DIR` combines the outputs of `--shard` runs.
    #[command(subcommand_negates_reqs = true, args_conflicts_with_subcommands = true)]
    Sweep {
        #[command(subcommand)]
        merge: Option<SweepCommand>,
        /// Engine parameters the sets apply to (default: the embedded params/default.toml).
        #[arg(long)]
        params: Option<PathBuf>,
        /// The parameter sets: a [grid] of dotted keys -> arrays (every combination, the last
        /// axis fastest) or [[set]] tables of dotted keys -> values.
        #[arg(long, value_name = "G.toml", required = true)]
        grid: Option<PathBuf>,
        /// Quote files (CSV, Parquet, DBN), merged by time.
        #[arg(long, value_name = "QUOTES", num_args = 1.., required = true)]
        ticks: Vec<PathBuf>,
        /// Only these symbols' rows (comma-separated).
        #[arg(long, value_delimiter = ',')]
        symbols: Option<Vec<String>>,
        /// Backtest threads (default: one per core); the results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Output directory for sweep.csv, sweep.json and heatmap.png.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run only shard K of N (1 <= K <= N: the sets K-1, K-1+N, ...); with --out, also
        /// shard.json for `hft sweep merge`.
        #[arg(long, value_name = "K/N", value_parser = parse_shard)]
        shard: Option<hft::sweep::Shard>,
    },
    /// Select cointegrated pairs from historical bars of a universe; write a derived params file.
    Bootstrap {
        /// Engine parameters (default: the embedded params/default.toml); [bootstrap] names the universe.
        #[arg(long)]
        params: Option<PathBuf>,
        /// The derived parameter file: the input with its [[pairs]] replaced by the selected pairs.
        #[arg(long)]
        out: PathBuf,
        /// Keep at most K pairs.
        #[arg(long, value_name = "K", default_value_t = 10)]
        top: usize,
        #[command(flatten)]
        selection: hft::cli::pairs::SelectionArgs,
        #[command(flatten)]
        valuation: hft::cli::valuation::ValuationArgs,
    },
    /// Run the paper gateway (a TWS on loopback) until killed or for --duration.
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
        /// Replay quote files (CSV, Parquet or DBN; several merged by time) instead of the
        /// synthetic feed.
        #[arg(long, num_args = 1..)]
        replay: Vec<PathBuf>,
        /// Replay only these symbols (comma-separated).
        #[arg(long, value_delimiter = ',')]
        symbols: Option<Vec<String>>,
        /// Replay speed factor (0 = as fast as clients read).
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Synthetic feed as fast as clients read instead of paced to the wall clock.
        #[arg(long)]
        unpaced: bool,
        /// Write N ticks of the synthetic universe (quotes with their trade prints,
        /// `...,last,last_size`) to --out and exit.
        #[arg(long, value_name = "N")]
        write_ticks: Option<u64>,
        /// Output file for --write-ticks.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Stop after this long: 40s, 90m, 2h, 500ms, or plain seconds.
        #[arg(long, value_parser = parse_duration)]
        duration: Option<Duration>,
    },
    /// Wire-to-wire tick-to-trade at fixed tick rates (paper gateway -> engine -> gateway), next
    /// to the loopback TCP floor of this machine.
    BenchWire {
        /// Tick rates to measure, ticks per second.
        #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
        rates: Vec<f64>,
        /// Ticks per rate for this long: 5s, 500ms, or plain seconds.
        #[arg(long, value_parser = parse_duration, default_value = "5")]
        seconds: Duration,
        /// Busy-poll stages (falls back to block without a core per stage).
        #[arg(long)]
        spin: bool,
        /// Soak instead: 100 instruments in 50 pairs at --soak-rate ticks/s for --duration,
        /// a table row (RSS, drops, tick-to-trade percentiles) every --interval, books checked
        /// against the gateway at the end.
        #[arg(long)]
        soak: bool,
        /// Soak length: 10m, 90s, or plain seconds.
        #[arg(long, value_parser = parse_duration, default_value = "10m")]
        duration: Duration,
        /// Soak ticks per second, all instruments together.
        #[arg(long, default_value_t = 100_000.0, value_parser = hft::cli::soak::parse_rate)]
        soak_rate: f64,
        /// Soak table row every this long.
        #[arg(long, value_parser = parse_duration, default_value = "60s")]
        interval: Duration,
        /// Soak risk limits: `production` (the embedded params' limiter, open-order and notional
        /// limits: a realistic order flow under a full market-data load) or `lifted` (every
        /// signal an order at once, as bench-wire measures).
        #[arg(long, value_enum, default_value = "production")]
        soak_limits: hft::cli::soak::SoakLimits,
    },
    /// Measure how many ticks per second the gateway streams to one client that only reads.
    MeasureStream {
        /// Tick messages to receive.
        #[arg(long, default_value_t = 5_000_000)]
        ticks: u64,
    },
    /// Charts of a run directory (hft run or hft backtest): PNG and SVG into RUN_DIR/charts, and
    /// RUN_DIR/report.html (summary, latency table and every chart on one page).
    Report {
        /// The run directory.
        run_dir: PathBuf,
    },
    /// Rank every pair of a closes file by return correlation and Engle-Granger cointegration.
    Pairs {
        /// CSV of closes: a `Date` column, then one column per symbol.
        #[arg(long, value_name = "FILE.csv")]
        closes: PathBuf,
        /// Print only the first K pairs of the ranking (default: all).
        #[arg(long, value_name = "K")]
        top: Option<usize>,
        #[command(flatten)]
        selection: hft::cli::pairs::SelectionArgs,
        /// A JSON array instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        valuation: hft::cli::valuation::ValuationArgs,
    },
    /// Every research statistic (EMA kernels, VAR, Johansen, variance ratio, Hurst, CUSUM, Chow,
    /// Zivot-Andrews, Engle-Granger) of named series of a closes file; exit status 2 on bad input.
    Analyze(hft::cli::analyze::AnalyzeArgs),
    /// Historical ticks (REQ_HISTORICAL_TICKS through ibapi) into a quote file: paged, paced,
    /// resumable; exit status 2 on bad input, 1 when stopped (re-run to resume).
    History(hft::cli::history::HistoryArgs),
}

/// The subcommands of `hft sweep`.
#[derive(clap::Subcommand)]
enum SweepCommand {
    /// Combine the output directories of `hft sweep --shard K/N --out DIR` (all N shards) into
    /// exactly the outputs of the whole sweep on one machine.
    Merge {
        /// The shards' output directories (each with shard.json), in any order.
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Output directory for sweep.csv, sweep.json and heatmap.png.
        #[arg(long)]
        out: PathBuf,
    },
}

/// `--shard K/N`.
fn parse_shard(text: &str) -> Result<hft::sweep::Shard, String> {
    hft::sweep::Shard::parse(text).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    match cli.log_format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
    }
    let default = Command::Run {
        params: None,
        duration: None,
        out: None,
        gateway: None,
        no_bootstrap: false,
        live: false,
        resume: None,
        format: OutputFormat::Csv,
    };
    let result = match cli.command.unwrap_or(default) {
        Command::Run {
            params,
            duration,
            out,
            gateway,
            no_bootstrap,
            live,
            resume,
            format,
        } => hft::cli::run::run(hft::cli::run::RunArgs {
            params,
            duration,
            out,
            gateway,
            no_bootstrap,
            live,
            resume,
            parquet: format == OutputFormat::Parquet,
        }),
        Command::Kill { run_dir } => hft::cli::run::kill(&run_dir),
        Command::Backtest {
            params,
            ticks,
            symbols,
            out,
            format,
            no_charts,
        } => hft::cli::backtest::run(&hft::cli::backtest::BacktestArgs {
            params,
            ticks,
            symbols,
            out,
            parquet: format == OutputFormat::Parquet,
            charts: !no_charts,
        }),
        Command::Convert {
            mut files,
            symbols,
            compression,
            price_decimals,
        } => {
            let out = files.pop().expect("clap requires two files");
            hft::cli::convert::run(&hft::cli::convert::ConvertArgs {
                inputs: files,
                out,
                symbols,
                parquet: hft::rundir::ParquetOptions {
                    compression,
                    price_decimals,
                },
            })
        }
        Command::MeasureQuotes { files, repeat } => hft::cli::convert::measure(&files, repeat),
        Command::Sweep {
            merge: Some(SweepCommand::Merge { dirs, out }),
            ..
        } => hft::cli::sweep::merge(&dirs, &out),
        Command::Sweep {
            merge: None,
            params,
            grid,
            ticks,
            symbols,
            threads,
            out,
            shard,
        } => match grid {
            Some(grid) => hft::cli::sweep::run(&hft::cli::sweep::SweepArgs {
                params,
                grid,
                ticks,
                symbols,
                threads,
                out,
                shard,
            }),
            None => Err(anyhow::anyhow!("hft sweep needs --grid G.toml")),
        },
        Command::Bootstrap {
            params,
            out,
            top,
            selection,
            valuation,
        } => hft::cli::bootstrap::run(params.as_deref(), &out, top, &selection, &valuation),
        Command::Sim {
            params,
            listen,
            allow_remote,
            replay,
            symbols,
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
            symbols,
            speed,
            unpaced,
            write_ticks,
            out,
            duration: duration.map(|d| d.as_secs_f64()),
        }),
        Command::MeasureStream { ticks } => hft::cli::measure::stream(ticks),
        Command::Report { run_dir } => hft::cli::report::run(&run_dir).map(|charts| {
            for chart in charts {
                println!("{}", chart.display());
            }
            println!("{}", hft::cli::report::html_path(&run_dir).display());
        }),
        Command::BenchWire {
            soak: true,
            duration,
            soak_rate,
            interval,
            soak_limits,
            ..
        } => hft::cli::soak::soak(hft::cli::soak::SoakOptions {
            rate: soak_rate,
            duration,
            interval,
            limits: soak_limits,
        }),
        Command::BenchWire {
            rates,
            seconds,
            spin,
            ..
        } => hft::cli::measure::wire(&rates, seconds.as_secs_f64(), spin),
        Command::Pairs {
            closes,
            top,
            selection,
            json,
            valuation,
        } => hft::cli::pairs::run(&closes, top, &selection, json, &valuation),
        Command::Analyze(args) => return hft::cli::analyze::run(args),
        Command::History(args) => return hft::cli::history::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(p) = e.downcast_ref::<hft::config::ParamsError>() {
                eprintln!("invalid parameters: {p}");
                return ExitCode::from(2);
            }
            // A quote file that cannot be read is bad input, as a bad parameter file is.
            if let Some(q) = e
                .chain()
                .find_map(|c| c.downcast_ref::<hft::rundir::QuoteInputError>())
            {
                eprintln!("bad quote file: {q}");
                return ExitCode::from(2);
            }
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
