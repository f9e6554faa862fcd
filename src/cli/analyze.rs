//! `hft analyze`: every statistic of [`crate::analysis`] for named series of a closes file, as a
//! table or JSON. Bad input (a missing file, an unknown symbol, too few rows, a constant series)
//! is reported on stderr with exit status 2.

use crate::analysis::{AnalyzeParams, analyze};
use crate::pairs::read_closes_csv;
use anyhow::Context;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `hft analyze`.
#[derive(Debug, Clone, clap::Args)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["pair", "symbols"]))]
pub struct AnalyzeArgs {
    /// CSV of closes: a `Date` column, then one column per symbol.
    #[arg(long, value_name = "FILE.csv")]
    pub closes: PathBuf,
    /// Two symbols analyzed as a pair: A regressed on B.
    #[arg(long, value_name = "A,B", value_delimiter = ',', num_args = 1)]
    pub pair: Option<Vec<String>>,
    /// One or more symbols (two are also analyzed as a pair).
    #[arg(long, value_name = "A,B,C", value_delimiter = ',', num_args = 1)]
    pub symbols: Option<Vec<String>>,
    /// JSON instead of a table (keys documented in the README, "hft analyze").
    #[arg(long)]
    pub json: bool,
    /// Rows of the rectangular kernel.
    #[arg(long, default_value_t = 60)]
    pub window: usize,
    /// Half-life of the exponential kernel, in rows.
    #[arg(long, default_value_t = 20.0)]
    pub half_life: f64,
    /// Largest VAR order for the lag selection.
    #[arg(long, default_value_t = 8)]
    pub max_lags: usize,
    /// Variance-ratio horizons.
    #[arg(long, value_delimiter = ',', default_value = "2,4,8,16")]
    pub vr_lags: Vec<usize>,
    /// The Chow test's candidate row (default: the middle row).
    #[arg(long)]
    pub chow_at: Option<usize>,
}

/// Runs `hft analyze`; the exit status is 0, or 2 with a message on stderr for bad input.
pub fn run(args: AnalyzeArgs) -> ExitCode {
    match analyze_to_stdout(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn analyze_to_stdout(args: AnalyzeArgs) -> anyhow::Result<()> {
    let symbols = match (&args.pair, &args.symbols) {
        (Some(pair), _) if pair.len() != 2 => {
            anyhow::bail!("--pair takes exactly two symbols, A,B (got {})", pair.len())
        }
        (Some(list), _) | (None, Some(list)) => list.clone(),
        (None, None) => anyhow::bail!("give --pair A,B or --symbols A,B,C"),
    };
    let params = AnalyzeParams {
        rect_window: args.window,
        ema_half_life_rows: args.half_life,
        vr_lags: args.vr_lags.clone(),
        max_lags: args.max_lags,
        chow_index: args.chow_at,
        ..AnalyzeParams::default()
    };
    let path = &args.closes;
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let (names, columns) = read_closes_csv(BufReader::new(file))
        .with_context(|| format!("malformed closes file {}", path.display()))?;
    let report = analyze(&names, &columns, &symbols, &params)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        report.write_table(&mut out)
    };
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("writing stdout"),
        _ => Ok(()),
    }
}
