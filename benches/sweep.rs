//! `hft sweep`'s core: a 4 x 3 grid of z-score entry and exit over the same quotes, as
//! [`run_all`] runs it (the sets form one family: the first computes the signal, the others
//! replay it, `strategy::tape`) and with every set run alone (each its own signal). Throughput in
//! config-rows (sets x rows). The quotes: 400,000 rows of the synthetic universe (`hft sim
//! --write-ticks`), parsed once; the signal is the costly one, a 0.2 s grid with the window
//! fitted on every row (the order-heavy params of issue 16).
//!
//! Run: `cargo bench --bench sweep`
//! (quick: `cargo bench --bench sweep -- --warm-up-time 1 --measurement-time 5`)

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hft::config::SimParams;
use hft::sim::{Universe, write_synthetic};
use hft::sweep::{ScannedQuotes, Setup, run_all};

const ROWS: u64 = 400_000;

fn quotes() -> ScannedQuotes {
    let mut universe = Universe::new(&SimParams::embedded().market);
    let mut csv = Vec::new();
    write_synthetic(&mut universe, ROWS, 1_767_225_600, &mut csv).expect("ticks");
    ScannedQuotes::from_csv_bytes(&csv).expect("quotes")
}

fn setups() -> Vec<Setup> {
    let mut sets = Vec::new();
    for entry in [1.5, 2.0, 2.5, 3.0] {
        for exit in [0.0, 0.25, 0.5] {
            let set = |k: &str, v: f64| (k.to_string(), toml::Value::Float(v));
            let overrides = [
                set("strategy.grid_secs", 0.2),
                set("strategy.window_secs", 20.0),
                set("strategy.evaluation_secs", 0.0),
                set("strategy.zscore.entry", entry),
                set("strategy.zscore.exit", exit),
            ];
            sets.push(Setup::resolve(None, "<bench>", &overrides).expect("params"));
        }
    }
    sets
}

fn sweep(c: &mut Criterion) {
    let quotes = quotes();
    let sets = setups();
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10);
    g.throughput(Throughput::Elements(
        sets.len() as u64 * quotes.accepted() as u64,
    ));
    g.bench_function("4x3 entry-exit, one family, 1 thread", |b| {
        b.iter(|| run_all(&sets, &quotes, 1))
    });
    g.bench_function("4x3 entry-exit, each set alone, 1 thread", |b| {
        b.iter(|| {
            sets.iter()
                .map(|s| {
                    let mut bt = s.sweep_backtest();
                    bt.run_columns(&quotes);
                    bt.finish_summary().fills
                })
                .sum::<u64>()
        })
    });
    g.finish();
}

criterion_group!(benches, sweep);
criterion_main!(benches);
