//! `hft backtest --params FILE --ticks QUOTES... [--symbols A,B] --out DIR [--format parquet]
//! [--no-charts]`: the quote files parsed once into columns, then the run, then the outputs.

use crate::backtest::write_outputs;
use crate::config::EngineParams;
use crate::rundir::{
    CacheUse, QuoteColumns, QuoteFormat, QuoteInputError, QuoteInputs, load_csv_columns,
    write_parquet_tables,
};
use crate::sweep::Setup;
use anyhow::Context;
use std::path::PathBuf;
use std::time::Instant;

/// The arguments of `hft backtest`.
pub struct BacktestArgs {
    pub params: Option<PathBuf>,
    /// Quote files of any format, merged by time.
    pub ticks: Vec<PathBuf>,
    /// Only these symbols' rows.
    pub symbols: Option<Vec<String>>,
    pub out: PathBuf,
    /// Also write `orders.parquet`, `fills.parquet` and `series/<A>-<B>.parquet`.
    pub parquet: bool,
    /// Draw the charts and `report.html` at the end (`--no-charts`: not).
    pub charts: bool,
    /// Read (or write) the quote file's column cache (`FILE.cols`).
    pub columns_cache: bool,
}

/// Quote files parsed once into columns: one CSV file read in 1 MB chunks (with `cache`, from
/// its column cache `FILE.cols` when that is current, else parsed and the cache written;
/// [`load_csv_columns`]), any other input (Parquet, DBN, several files merged by time, a symbol
/// filter) through [`QuoteInputs`].
///
/// # Errors
/// A file that cannot be read, naming it ([`crate::rundir::QuoteInputError`]).
pub fn read_columns(
    ticks: &[PathBuf],
    symbols: Option<&[String]>,
    cache: bool,
) -> anyhow::Result<QuoteColumns> {
    if let [file] = ticks
        && symbols.is_none()
        && QuoteFormat::detect(file)? == QuoteFormat::Csv
    {
        let cannot = |e: std::io::Error| QuoteInputError::new(file, e.to_string());
        if cache {
            let (quotes, used) = load_csv_columns(file).map_err(cannot)?;
            match used {
                CacheUse::Read(p) => eprintln!("columns read from {}", p.display()),
                CacheUse::Written(p) => eprintln!("columns cached in {}", p.display()),
                CacheUse::Parsed(why) => eprintln!("warning: column cache not used: {why}"),
            }
            return Ok(quotes);
        }
        let f = std::fs::File::open(file).map_err(cannot)?;
        let size = f.metadata().map_or(0, |m| m.len());
        return Ok(QuoteColumns::from_csv_reader(f, size).map_err(cannot)?);
    }
    if cache {
        eprintln!("warning: --columns-cache is for one CSV file without --symbols: not used");
    }
    let mut inputs = QuoteInputs::open(ticks, symbols)?;
    let quotes = QuoteColumns::from_inputs(&mut inputs)?;
    for missing in inputs.symbols().missing_from_filter() {
        eprintln!("warning: no row of symbol {missing}");
    }
    Ok(quotes)
}

/// Runs the backtest and writes its outputs.
///
/// # Errors
/// Invalid parameters, a quote file that cannot be read
/// ([`crate::rundir::QuoteInputError`]), output I/O.
pub fn run(args: &BacktestArgs) -> anyhow::Result<()> {
    let params = args.params.as_deref();
    let out = args.out.as_path();
    let params_file = params.map_or("<embedded params/default.toml>".into(), |p| {
        p.display().to_string()
    });
    let params = match params {
        Some(p) => EngineParams::load(p)?,
        None => EngineParams::embedded(),
    };
    // The latency profile is read here, as an input file: unreadable, it is a params error.
    let setup = Setup::of(params, &params_file)?;
    let started = Instant::now();
    let quotes = read_columns(&args.ticks, args.symbols.as_deref(), args.columns_cache)?;
    let parsed = Instant::now();
    let mut bt = setup.backtest();
    bt.run_columns(&quotes);
    let output = bt.finish();
    let ran = Instant::now();
    write_outputs(&output, out).with_context(|| format!("cannot write to {}", out.display()))?;
    if args.parquet {
        write_parquet_tables(out)
            .with_context(|| format!("cannot write Parquet to {}", out.display()))?;
    }
    let written = Instant::now();
    let secs = (written - started).as_secs_f64();
    let s = &output.summary;
    let b = s.backtest();
    let skipped = b.rows.rows - b.rows.quotes;
    for e in &b.first_errors {
        eprintln!("line {}: {:?}", e.line, e.problem);
    }
    println!(
        "{} rows ({} skipped) in {secs:.3} s: {:.1} M rows/s (parse {:.3} s, run {:.3} s, outputs {:.3} s)",
        b.rows.rows,
        skipped,
        b.rows.rows as f64 / secs / 1e6,
        (parsed - started).as_secs_f64(),
        (ran - parsed).as_secs_f64(),
        (written - ran).as_secs_f64(),
    );
    println!(
        "{}: {} trades, net PnL {:.2} USD (gross {:.2}, commissions {:.2}), Sharpe {}, max drawdown {:.2}",
        s.strategy,
        b.trades,
        s.pnl.net,
        b.gross_pnl,
        s.pnl.commissions,
        b.sharpe.map_or("n/a".to_string(), |x| format!("{x:.2}")),
        b.max_drawdown
    );
    let d = &s.dispatch;
    println!(
        "orders {} | fills {} | bad ticks {} | refused by risk {} | legged {} | naked legs {}",
        d.orders_sent,
        d.fills,
        s.bad_ticks.bad_price + s.bad_ticks.crossed + s.bad_ticks.jumps_rejected,
        d.rejected_by_risk,
        d.legged,
        d.naked_legs
    );
    if d.rejected_exec_table > 0 {
        println!(
            "entries refused once the execution table held what it was sized for: {} (raise engine.fills_capacity; a live engine would refuse them too)",
            d.rejected_exec_table
        );
    }
    let per_trade = |usd: f64| usd / b.trades.max(1) as f64;
    println!(
        "execution: shortfall {:.2} USD ({:.2} cents/share) + commissions {:.2} USD = {:.2} USD per round trip",
        b.shortfall,
        100.0 * b.shortfall / b.shares_traded.max(1.0),
        s.pnl.commissions,
        per_trade(b.shortfall + s.pnl.commissions)
    );
    for p in s.series.pairs.iter().filter(|p| p.dropped_rows > 0) {
        println!(
            "{}: {} grid rows past engine.series_capacity not recorded for the charts",
            p.file, p.dropped_rows
        );
    }
    if args.charts {
        super::report::print_charts(out);
    }
    println!("outputs: {}", out.display());
    Ok(())
}
