//! `hft analyze`: every statistic of [`crate::analysis`] for named series of a closes file, as a
//! table or JSON; with `--basket`, the factor model of the symbols at the last window instead.
//! Bad input (a missing file, an unknown symbol, too few rows, a constant series, a setting out
//! of range) is reported on stderr with exit status 2.

use crate::analysis::{AnalyzeParams, analyze, basket};
use crate::pairs::read_closes_csv;
use crate::stats::{FactorConfig, FactorCount};
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
    /// The factor model of the `--symbols` at the last window (PCA eigenportfolios, residual
    /// regressions, AR(1) s-scores) instead of the other statistics.
    #[arg(long, requires = "symbols", conflicts_with = "pair")]
    pub basket: bool,
    /// `--basket`: returns in the correlation window (the last ones of the file).
    #[arg(long, default_value_t = 252, requires = "basket")]
    pub factor_window: usize,
    /// `--basket`: the last rows of the window used by the regressions and the AR(1).
    #[arg(long, default_value_t = 60, requires = "basket")]
    pub residual_window: usize,
    /// `--basket`: keep exactly K factors (default: the fewest explaining `--explained`).
    #[arg(
        long,
        value_name = "K",
        requires = "basket",
        conflicts_with = "explained"
    )]
    pub factors: Option<usize>,
    /// `--basket`: keep the fewest factors explaining this fraction of the variance.
    #[arg(long, value_name = "F", default_value_t = 0.55, requires = "basket")]
    pub explained: f64,
    /// `--basket`: the length of one row in kappa's unit (1/252: kappa per year of days).
    #[arg(long, default_value_t = 1.0 / 252.0, requires = "basket")]
    pub dt: f64,
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
    let mut out = BufWriter::new(std::io::stdout().lock());
    let written = if args.basket {
        let cfg = FactorConfig {
            factor_window: args.factor_window,
            residual_window: args.residual_window,
            k: args
                .factors
                .map_or(FactorCount::Explained(args.explained), FactorCount::Fixed),
            dt: args.dt,
        };
        let report = basket(&names, &columns, &symbols, &cfg)?;
        if args.json {
            serde_json::to_writer_pretty(&mut out, &report)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        } else {
            report.write_table(&mut out)
        }
    } else {
        let report = analyze(&names, &columns, &symbols, &params)?;
        if args.json {
            serde_json::to_writer_pretty(&mut out, &report)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        } else {
            report.write_table(&mut out)
        }
    };
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("writing stdout"),
        _ => Ok(()),
    }
}
