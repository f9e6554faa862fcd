//! Quote files read into the backtest's in-memory rows ([`QuoteRecord`]), one core, per format:
//! 2M rows of the synthetic universe (`hft sim --write-ticks`, six symbols) written once as CSV,
//! Parquet (uncompressed, snappy, zstd; prices as DOUBLE, and snappy with DECIMAL ticks) and DBN
//! (plain and zstd) in a temporary folder, then each read whole per iteration through
//! [`QuoteInputs`], reported in rows per second.
//!
//! Run: `cargo bench --bench quote_formats`
//! (quick: `cargo bench --bench quote_formats -- --warm-up-time 1 --measurement-time 3`)

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hft::config::SimParams;
use hft::rundir::{ParquetCompression, ParquetOptions, QuoteInputs, QuoteOutput};
use hft::sim::{Universe, write_synthetic};
use std::path::PathBuf;

const ROWS: u64 = 2_000_000;

fn files() -> (PathBuf, Vec<(&'static str, PathBuf)>) {
    let dir = std::env::temp_dir().join(format!("hft-bench-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let csv = dir.join("q.csv");
    let mut universe = Universe::new(&SimParams::embedded().market);
    let mut w = std::io::BufWriter::new(std::fs::File::create(&csv).expect("csv"));
    write_synthetic(&mut universe, ROWS, 1_767_225_600, &mut w).expect("ticks");
    drop(w);
    let opts = |compression, price_decimals| ParquetOptions {
        compression,
        price_decimals,
    };
    let outputs = [
        (
            "parquet_none",
            "q-none.parquet",
            opts(ParquetCompression::None, None),
        ),
        (
            "parquet_snappy",
            "q-snappy.parquet",
            opts(ParquetCompression::Snappy, None),
        ),
        (
            "parquet_zstd",
            "q-zstd.parquet",
            opts(ParquetCompression::Zstd, None),
        ),
        (
            "parquet_snappy_ticks",
            "q-ticks.parquet",
            opts(ParquetCompression::Snappy, Some(2)),
        ),
        ("dbn", "q.dbn", ParquetOptions::default()),
        ("dbn_zstd", "q.dbn.zst", ParquetOptions::default()),
    ];
    let mut inputs = QuoteInputs::open(std::slice::from_ref(&csv), None).expect("csv input");
    let rows = inputs.read_all().expect("csv rows");
    let mut files = vec![("csv", csv.clone())];
    for (name, file, options) in outputs {
        let path = dir.join(file);
        let mut out = QuoteOutput::create(&path, options).expect("output");
        out.write(&rows, inputs.symbols()).expect("write");
        out.finish(inputs.symbols()).expect("finish");
        files.push((name, path));
    }
    for (name, path) in &files {
        let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
        println!(
            "{name}: {bytes} bytes, {:.1} bytes/row",
            bytes as f64 / ROWS as f64
        );
    }
    (dir, files)
}

fn read(c: &mut Criterion) {
    let (dir, files) = files();
    let mut group = c.benchmark_group("quotes_read");
    group.throughput(Throughput::Elements(ROWS));
    group.sample_size(10);
    let mut batch = Vec::new();
    for (name, path) in &files {
        group.bench_function(*name, |b| {
            b.iter(|| {
                let mut inputs =
                    QuoteInputs::open(std::slice::from_ref(path), None).expect("input");
                let mut rows = 0usize;
                while inputs.next_batch(&mut batch).expect("batch") {
                    rows += batch.len();
                }
                assert_eq!(rows as u64, ROWS);
                rows
            })
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group!(benches, read);
criterion_main!(benches);
