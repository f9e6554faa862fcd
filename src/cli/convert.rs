//! `hft convert IN... OUT`: quote files between CSV, Parquet and DBN (each input's format from
//! its first bytes, the output's from its name), several inputs merged by time, with a symbol
//! filter; and `hft measure-quotes FILE...`: how fast each file reads into the backtest's
//! in-memory rows.

use crate::rundir::{
    ParquetCompression, ParquetOptions, QuoteFormat, QuoteInputs, QuoteOutput, QuoteRecord,
};
use anyhow::Context;
use std::path::PathBuf;
use std::time::Instant;

/// The arguments of `hft convert`.
pub struct ConvertArgs {
    pub inputs: Vec<PathBuf>,
    pub out: PathBuf,
    /// Keep only these symbols.
    pub symbols: Option<Vec<String>>,
    /// Parquet output: the codec and, for integer ticks, the price decimals.
    pub parquet: ParquetOptions,
}

/// Converts, prints what was written.
///
/// # Errors
/// An input that cannot be read ([`crate::rundir::QuoteInputError`], exit status 2), the output
/// being one of the inputs, a value the output format cannot hold, output I/O. Nothing is left
/// under the output's name unless the whole file was written.
pub fn run(args: &ConvertArgs) -> anyhow::Result<()> {
    let same = |a: &PathBuf| match (a.canonicalize(), args.out.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    };
    if args.inputs.iter().any(same) {
        anyhow::bail!("{} is also an input", args.out.display());
    }
    let started = Instant::now();
    let mut inputs = QuoteInputs::open(&args.inputs, args.symbols.as_deref())?;
    let mut out = QuoteOutput::create(&args.out, args.parquet)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let (mut batch, mut skipped) = (Vec::new(), 0u64);
    while inputs.next_batch(&mut batch)? {
        skipped += batch.iter().filter(|r| r.problem.is_some()).count() as u64;
        out.write(&batch, inputs.symbols())
            .with_context(|| format!("writing {}", args.out.display()))?;
    }
    let rows = out
        .finish(inputs.symbols())
        .with_context(|| format!("writing {}", args.out.display()))?;
    let secs = started.elapsed().as_secs_f64();
    for missing in inputs.symbols().missing_from_filter() {
        eprintln!("warning: no row of symbol {missing}");
    }
    let bytes = std::fs::metadata(&args.out).map_or(0, |m| m.len());
    println!(
        "{rows} rows ({skipped} skipped) of {} symbols -> {} ({}, {bytes} bytes) in {secs:.3} s: {:.1} M rows/s",
        (0..inputs.symbols().names().len() as u32)
            .filter(|&id| inputs.symbols().kept(id))
            .count(),
        args.out.display(),
        QuoteFormat::of_name(&args.out).name(),
        (rows + skipped) as f64 / secs.max(1e-9) / 1e6
    );
    Ok(())
}

/// Parses `--compression`.
///
/// # Errors
/// A name other than none, snappy, zstd.
pub fn parse_compression(s: &str) -> Result<ParquetCompression, String> {
    match s {
        "none" => Ok(ParquetCompression::None),
        "snappy" => Ok(ParquetCompression::Snappy),
        "zstd" => Ok(ParquetCompression::Zstd),
        other => Err(format!("`{other}`: expected none, snappy or zstd")),
    }
}

/// `hft measure-quotes`: reads each file `repeat` times into [`QuoteRecord`]s (one core, the
/// rows a backtest takes) and prints its format, size and the best rows per second, of wall
/// time and of the thread's CPU time (Linux `/proc/thread-self/schedstat`; on a box shared with
/// other work the thread gets only part of a core, and the wall rate says more about the load
/// than about the reader).
///
/// # Errors
/// A file that cannot be read.
pub fn measure(files: &[PathBuf], repeat: usize) -> anyhow::Result<()> {
    println!(
        "{:<32} {:>10} {:>12} {:>10} {:>9} {:>12} {:>14}",
        "file", "format", "bytes", "rows", "bytes/row", "M rows/s", "M rows/CPU-s"
    );
    for path in files {
        let format = QuoteFormat::detect(path)?;
        let bytes = std::fs::metadata(path)?.len();
        let (mut best, mut best_cpu) = (f64::INFINITY, f64::INFINITY);
        let mut rows = 0usize;
        let mut batch: Vec<QuoteRecord> = Vec::new();
        for _ in 0..repeat.max(1) {
            let started = Instant::now();
            let cpu_started = thread_cpu_ns();
            let mut inputs = QuoteInputs::open(std::slice::from_ref(path), None)?;
            rows = 0;
            let mut checksum = 0i64;
            while inputs.next_batch(&mut batch)? {
                rows += batch.len();
                checksum = checksum.wrapping_add(batch.last().map_or(0, |r| r.ts_ns));
            }
            std::hint::black_box(checksum);
            best = best.min(started.elapsed().as_secs_f64());
            if let (Some(a), Some(b)) = (cpu_started, thread_cpu_ns()) {
                best_cpu = best_cpu.min((b - a) as f64 / 1e9);
            }
        }
        let rate = |secs: f64| {
            if secs.is_finite() {
                format!("{:.1}", rows as f64 / secs.max(1e-9) / 1e6)
            } else {
                "n/a".to_string()
            }
        };
        println!(
            "{:<32} {:>10} {:>12} {:>10} {:>9.1} {:>12} {:>14}",
            path.display(),
            format.name(),
            bytes,
            rows,
            bytes as f64 / rows.max(1) as f64,
            rate(best),
            rate(best_cpu)
        );
    }
    Ok(())
}

/// The calling thread's CPU time in nanoseconds (Linux), if known.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}
