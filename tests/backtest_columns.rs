//! The backtest over quotes parsed once into columns (`QuoteColumns`, what `hft backtest` and
//! `hft sweep` run) gives byte-identical outputs to the row-by-row text reader, skipped rows
//! included; fed in chunks, it equals one run.

mod common;

use hft::backtest::{Backtest, BacktestOutput};
use hft::config::EngineParams;
use hft::rundir::{QuoteColumns, QuoteInputs};

fn params(dir: &std::path::Path) -> EngineParams {
    let path = dir.join("p.toml");
    common::oscillating_params_file(&path, &[]);
    EngineParams::load(&path).unwrap()
}

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("hft-columns-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The oscillating pair's quotes with a row of every kind of problem, an empty line, CRLF
/// endings and a last line without its newline.
fn quotes_with_bad_rows() -> String {
    let text = common::oscillating_quotes(1_700_000_000, 1500);
    let mut out = String::new();
    for (k, line) in text.lines().enumerate() {
        out.push_str(line);
        out.push_str(if k % 97 == 5 { "\r\n" } else { "\n" });
        // Bad rows at the time of the row before them (only the time rule looks back).
        let ts = line.split(',').next().unwrap_or("0");
        match k {
            40 => out.push_str(&format!("{ts},AAA,100.00,300\n")),
            41 => out.push('\n'),
            300 => out.push_str("1600000000000000000,AAA,100.00,300,100.01,200\n"),
            500 => out.push_str(&format!("{ts},AAA,100.05,300,100.01,200\n")),
            700 => out.push_str(&format!("{ts},ZZZ,100.00,300,100.01,200\n")),
            900 => out.push_str("x,AAA,100.00,300,100.01,200\n"),
            1100 => out.push_str(&format!("{ts},AAA,abc,300,100.01,200\n")),
            _ => {}
        }
    }
    out.push_str("1700009999000000000,AAA,1,1");
    out
}

fn assert_same(what: &str, a: &BacktestOutput, b: &BacktestOutput) {
    assert_eq!(a.orders_csv, b.orders_csv, "{what}: orders.csv");
    assert_eq!(a.fills_csv, b.fills_csv, "{what}: fills.csv");
    assert_eq!(a.series_csv, b.series_csv, "{what}: series");
    assert_eq!(
        serde_json::to_vec_pretty(&a.summary).unwrap(),
        serde_json::to_vec_pretty(&b.summary).unwrap(),
        "{what}: summary.json"
    );
}

#[test]
fn columns_give_the_text_readers_outputs_byte_for_byte() {
    let d = dir("csv");
    let params = params(&d);
    let text = quotes_with_bad_rows();

    let mut reader = Backtest::new(&params);
    reader.run_reader(text.as_bytes(), |_| {}).unwrap();
    let reader = reader.finish();

    let columns = QuoteColumns::from_csv_bytes(text.as_bytes()).unwrap();
    let mut bt = Backtest::new(&params);
    bt.run_columns(&columns);
    let from_columns = bt.finish();
    assert_same("columns", &reader, &from_columns);

    let b = reader.summary.backtest();
    assert!(reader.summary.dispatch.orders_sent > 20, "the file trades");
    assert_eq!(b.rows.rows, 3000 + 7, "every row counted");
    assert_eq!(b.rows.rows - b.rows.quotes, 7, "the bad rows skipped");
    let lines: Vec<u64> = b.first_errors.iter().map(|e| e.line).collect();
    assert_eq!(lines.len(), 7);
    assert!(
        lines.windows(2).all(|w| w[0] < w[1]),
        "in file order: {lines:?}"
    );
    let orders = String::from_utf8(from_columns.orders_csv.clone()).unwrap();
    let mut orders = orders.lines();
    assert_eq!(
        orders.next(),
        Some("order_id,t_ns,seq,pair,symbol,side,qty,intent")
    );
    let first: Vec<&str> = orders.next().unwrap().split(',').collect();
    assert_eq!(first.len(), 8);
    assert_eq!(first[0], "1");
    assert!(["AAA", "BBB"].contains(&first[4]) && ["BUY", "SELL"].contains(&first[5]));

    // In chunks of any size, skipped rows at the chunk edges included: the same run.
    for chunk in [1, 7, 1000] {
        let mut bt = Backtest::new(&params);
        let n = columns.accepted();
        let mut start = 0;
        while start < n {
            let end = (start + chunk).min(n);
            bt.feed_columns(&columns, start..end);
            start = end;
        }
        assert_same(&format!("chunks of {chunk}"), &reader, &bt.finish());
    }
}

#[test]
fn columns_of_any_input_equal_the_record_reader() {
    let d = dir("inputs");
    let params = params(&d);
    let file = d.join("q.csv");
    std::fs::write(&file, quotes_with_bad_rows()).unwrap();

    let mut bt = Backtest::new(&params);
    let mut inputs = QuoteInputs::open(std::slice::from_ref(&file), None).unwrap();
    bt.run_inputs(&mut inputs, |_| {}).unwrap();
    let records = bt.finish();

    let mut inputs = QuoteInputs::open(std::slice::from_ref(&file), None).unwrap();
    let columns = QuoteColumns::from_inputs(&mut inputs).unwrap();
    let mut bt = Backtest::new(&params);
    bt.run_columns(&columns);
    assert_same("inputs", &records, &bt.finish());
}

#[test]
fn columns_from_the_cache_file_give_the_csvs_outputs_byte_for_byte() {
    use hft::rundir::{CacheUse, cache_path, load_csv_columns};
    let d = dir("cache");
    let params = params(&d);
    let file = d.join("q.csv");
    let text = quotes_with_bad_rows();
    std::fs::write(&file, &text).unwrap();
    let run = |q: &QuoteColumns| {
        let mut bt = Backtest::new(&params);
        bt.run_columns(q);
        bt.finish()
    };
    let parsed = run(&QuoteColumns::from_csv_bytes(text.as_bytes()).unwrap());
    assert!(parsed.summary.dispatch.orders_sent > 20, "the file trades");

    let (written, used) = load_csv_columns(&file).unwrap();
    assert_eq!(used, CacheUse::Written(cache_path(&file)));
    assert_same("parsed while writing the cache", &parsed, &run(&written));
    let (read, used) = load_csv_columns(&file).unwrap();
    assert_eq!(used, CacheUse::Read(cache_path(&file)));
    assert_same("read from the cache", &parsed, &run(&read));

    // A cut cache: the CSV is parsed again (the same outputs) and the cache written again.
    let bytes = std::fs::read(cache_path(&file)).unwrap();
    std::fs::write(cache_path(&file), &bytes[..bytes.len() / 2]).unwrap();
    let (again, used) = load_csv_columns(&file).unwrap();
    assert!(
        matches!(&used, CacheUse::Parsed(why) if why.contains("q.csv.cols")),
        "{used:?}"
    );
    assert_same("after a cut cache", &parsed, &run(&again));
    assert_eq!(std::fs::read(cache_path(&file)).unwrap(), bytes);
}
