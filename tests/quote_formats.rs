//! Quote files in CSV, Parquet and Databento DBN: round trips give identical backtests, several
//! files merge by time (stable for equal times), a symbol filter, DBN files made here with the
//! `dbn` crate's encoder (MBP-1, TBBO, BBO-1s), and every kind of bad input: a clear error naming
//! the file and the place, exit status 2, nothing half-written left behind.

mod common;

use common::{fast_zscore_pair, oscillating_quotes};
use dbn::encode::{DbnEncodable, EncodeRecord};
use hft::backtest::{Backtest, BacktestOutput};
use hft::rundir::{
    ParquetCompression, ParquetOptions, QuoteInputs, QuoteOutput, QuoteRecord, RowProblem,
};
use std::path::{Path, PathBuf};
use std::process::Command;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hft-formats-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The oscillating pair plus a third symbol the strategy does not trade (counted as unknown).
fn quotes_csv(d: &Path) -> PathBuf {
    let mut text = oscillating_quotes(1_700_000_000, 600);
    for k in 0..50 {
        text.push_str(&format!(
            "{},CCC,20.5,10,20.52,15\n",
            (1_700_000_600i64 + k) * 1_000_000_000
        ));
    }
    let path = d.join("q.csv");
    std::fs::write(&path, text).unwrap();
    path
}

fn convert(inputs: &[PathBuf], out: &Path, parquet: ParquetOptions) {
    let mut q = QuoteInputs::open(inputs, None).unwrap();
    let mut o = QuoteOutput::create(out, parquet).unwrap();
    let mut batch = Vec::new();
    while q.next_batch(&mut batch).unwrap() {
        o.write(&batch, q.symbols()).unwrap();
    }
    o.finish(q.symbols()).unwrap();
}

fn backtest_files(files: &[PathBuf]) -> BacktestOutput {
    let mut bt = Backtest::new(&fast_zscore_pair(30.0));
    let mut inputs = QuoteInputs::open(files, None).unwrap();
    bt.run_inputs(&mut inputs, |_| {}).unwrap();
    bt.finish()
}

fn backtest_csv_reader(file: &Path) -> BacktestOutput {
    let mut bt = Backtest::new(&fast_zscore_pair(30.0));
    bt.run_reader(std::fs::File::open(file).unwrap(), |_| {})
        .unwrap();
    bt.finish()
}

fn assert_same(what: &str, a: &BacktestOutput, b: &BacktestOutput) {
    assert_eq!(a.orders_csv, b.orders_csv, "{what}: orders");
    assert_eq!(a.fills_csv, b.fills_csv, "{what}: fills");
    assert_eq!(a.series_csv, b.series_csv, "{what}: series");
    assert_eq!(
        serde_json::to_string(&a.summary).unwrap(),
        serde_json::to_string(&b.summary).unwrap(),
        "{what}: summary"
    );
}

#[test]
fn round_trips_between_formats_give_identical_backtests() {
    let d = dir("roundtrip");
    let csv = quotes_csv(&d);
    let reference = backtest_csv_reader(&csv);
    let b = reference.summary.backtest();
    assert!(
        reference.summary.dispatch.orders_sent > 10,
        "the pair trades"
    );
    assert_eq!(b.rows.unknown_symbol, 50, "CCC is counted, not traded");

    let plain = ParquetOptions::default();
    let ticks = ParquetOptions {
        compression: ParquetCompression::Zstd,
        price_decimals: Some(2),
    };
    let uncompressed = ParquetOptions {
        compression: ParquetCompression::None,
        price_decimals: None,
    };
    // CSV -> Parquet -> DBN -> DBN (zstd) -> Parquet (ticks) -> CSV, each step from the last.
    let chain: [(&str, ParquetOptions); 6] = [
        ("a.parquet", plain),
        ("b.dbn", plain),
        ("c.dbn.zst", plain),
        ("d.parquet", ticks),
        ("e.csv", plain),
        ("f.parquet", uncompressed),
    ];
    let mut last = csv.clone();
    for (name, options) in chain {
        let next = d.join(name);
        convert(std::slice::from_ref(&last), &next, options);
        let out = backtest_files(std::slice::from_ref(&next));
        assert_same(name, &reference, &out);
        last = next;
    }
    // The CSV written back is the same rows (numbers in their shortest form).
    let back = std::fs::read_to_string(d.join("e.csv")).unwrap();
    let orig = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(back.lines().count(), orig.lines().count());
    // The general reader over the CSV agrees with the streaming one.
    assert_same("csv via inputs", &reference, &backtest_files(&[csv]));
    std::fs::remove_dir_all(&d).unwrap();
}

/// Rows of `text` (a quote file's data lines) as a file of the format of `name`.
fn file_of(d: &Path, name: &str, rows: &str) -> PathBuf {
    let csv = d.join(format!("{name}.src.csv"));
    std::fs::write(&csv, format!("{}\n{rows}", hft::rundir::QUOTE_HEADER)).unwrap();
    let path = d.join(name);
    if name.ends_with(".csv") {
        std::fs::rename(&csv, &path).unwrap();
    } else {
        convert(&[csv], &path, ParquetOptions::default());
    }
    path
}

fn names(inputs: &QuoteInputs, rows: &[QuoteRecord]) -> Vec<(i64, String, u16)> {
    rows.iter()
        .map(|r| (r.ts_ns, inputs.symbols().name(r.symbol).to_string(), r.file))
        .collect()
}

#[test]
fn files_merge_by_time_stably_and_filter_symbols() {
    let d = dir("merge");
    let a = file_of(
        &d,
        "a.parquet",
        "10,AAA,1,1,2,1\n20,AAA,1,1,2,1\n20,BBB,1,1,2,1\n",
    );
    let b = file_of(
        &d,
        "b.dbn",
        "5,CCC,1,1,2,1\n20,CCC,1,1,2,1\n30,AAA,1,1,2,1\n",
    );
    let c = file_of(&d, "c.csv", "20,DDD,1,1,2,1\n20,AAA,3,1,4,1\n");
    let files = vec![a, b, c];
    let mut inputs = QuoteInputs::open(&files, None).unwrap();
    let rows = inputs.read_all().unwrap();
    let s = |t: i64, n: &str, f: u16| (t, n.to_string(), f);
    assert_eq!(
        names(&inputs, &rows),
        vec![
            s(5, "CCC", 1),
            s(10, "AAA", 0),
            // Equal times: the first file's rows in their order, then the next file's.
            s(20, "AAA", 0),
            s(20, "BBB", 0),
            s(20, "CCC", 1),
            s(20, "DDD", 2),
            s(20, "AAA", 2),
            s(30, "AAA", 1),
        ]
    );
    // Rows keep their place in their own file (the CSV form's line: the first row is 2).
    assert_eq!(rows[6].row, 3);
    assert_eq!((rows[6].bid, rows[6].ask), (3.0, 4.0));

    let filter = ["AAA".to_string(), "CCC".to_string()];
    let mut inputs = QuoteInputs::open(&files, Some(&filter)).unwrap();
    let rows = inputs.read_all().unwrap();
    let kept: Vec<String> = names(&inputs, &rows).into_iter().map(|r| r.1).collect();
    assert_eq!(kept, ["CCC", "AAA", "AAA", "CCC", "AAA", "AAA"]);

    // The replaying gateway reads the same merge.
    let mut symbols = vec!["AAA".to_string()];
    let (replay, errors) = hft::sim::read_quote_files(&files, Some(&filter), &mut symbols).unwrap();
    assert!(errors.is_empty());
    assert_eq!(symbols, ["AAA", "CCC"]);
    let order: Vec<(i64, usize)> = replay.iter().map(|r| (r.ts_ns, r.symbol)).collect();
    assert_eq!(order, [(5, 1), (10, 0), (20, 0), (20, 1), (20, 0), (30, 0)]);
    assert_eq!(replay[4].top.bid, 300, "cents");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn rows_breaking_the_rules_are_counted_in_every_format() {
    let d = dir("rules");
    // Written with the parquet crate directly, so the rows are not filtered by a converter:
    // a crossed quote, time going backwards, a zero price, a null size (pandas writes
    // nullable columns).
    let path = d.join("rules.parquet");
    write_parquet(
        &path,
        "message q { required int64 ts_ns; required binary symbol (STRING); required double bid;
         optional double bid_size; required double ask; required double ask_size; }",
        &[10, 20, 5, 30, 40],
        &["AAA", "AAA", "AAA", "AAA", "AAA"],
        [
            &[1.0, 3.0, 1.0, 0.0, 1.0],
            &[1.0, 1.0, 1.0, 1.0],
            &[2.0, 2.0, 2.0, 2.0, 2.0],
            &[1.0; 5],
        ],
        Some(&[1, 1, 1, 1, 0]),
    );
    let mut inputs = QuoteInputs::open(&[path], None).unwrap();
    let rows = inputs.read_all().unwrap();
    let problems: Vec<(u64, Option<RowProblem>)> =
        rows.iter().map(|r| (r.row, r.problem)).collect();
    assert_eq!(
        problems,
        [
            (2, None),
            (3, Some(RowProblem::CrossedQuote)),
            (4, Some(RowProblem::TimeBackwards)),
            (5, Some(RowProblem::BadNumber)),
            (6, Some(RowProblem::BadNumber)),
        ]
    );
    std::fs::remove_dir_all(&d).unwrap();
}

/// A Parquet file of the given schema: `ts`, `symbols`, then the four numeric columns (the
/// second may be nullable with `defs`).
fn write_parquet(
    path: &Path,
    schema: &str,
    ts: &[i64],
    symbols: &[&str],
    numbers: [&[f64]; 4],
    defs: Option<&[i16]>,
) {
    use parquet::column::writer::ColumnWriter;
    use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use std::sync::Arc;
    let schema = Arc::new(parquet::schema::parser::parse_message_type(schema).unwrap());
    let file = std::fs::File::create(path).unwrap();
    let props = Arc::new(WriterProperties::builder().build());
    let mut w = SerializedFileWriter::new(file, schema, props).unwrap();
    let mut rg = w.next_row_group().unwrap();
    let mut k = 0;
    while let Some(mut col) = rg.next_column().unwrap() {
        match k {
            0 => {
                col.typed::<Int64Type>()
                    .write_batch(ts, None, None)
                    .unwrap();
            }
            1 => {
                let v: Vec<ByteArray> = symbols.iter().map(|s| ByteArray::from(*s)).collect();
                col.typed::<ByteArrayType>()
                    .write_batch(&v, None, None)
                    .unwrap();
            }
            _ => {
                let d = if k == 3 { defs } else { None };
                match col.untyped() {
                    ColumnWriter::DoubleColumnWriter(w) => {
                        w.write_batch(numbers[k - 2], d, None).unwrap();
                    }
                    // A text column where a number belongs (the wrong-type case).
                    ColumnWriter::ByteArrayColumnWriter(w) => {
                        let text: Vec<ByteArray> =
                            ts.iter().map(|_| ByteArray::from("x")).collect();
                        w.write_batch(&text, None, None).unwrap();
                    }
                    _ => unreachable!("the schemas here have double or binary numbers"),
                }
            }
        }
        col.close().unwrap();
        k += 1;
    }
    rg.close().unwrap();
    w.close().unwrap();
}

/// A DBN file of `schema` made with the `dbn` crate's encoder, symbols in the metadata.
fn write_dbn_records<R: DbnEncodable>(path: &Path, schema: dbn::Schema, records: &[R]) {
    let metadata = dbn::MetadataBuilder::new()
        .dataset("XNAS.ITCH")
        .schema(Some(schema))
        .start(1)
        .stype_in(Some(dbn::SType::RawSymbol))
        .stype_out(dbn::SType::InstrumentId)
        .mappings(vec![mapping("SPY", 15_144), mapping("IVV", 9_001)])
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut enc = dbn::encode::dbn::Encoder::new(file, &metadata).unwrap();
    enc.encode_records(records).unwrap();
    enc.flush().unwrap();
}

fn mapping(raw: &str, id: u32) -> dbn::SymbolMapping {
    dbn::SymbolMapping {
        raw_symbol: raw.into(),
        intervals: vec![dbn::MappingInterval {
            start_date: time::macros::date!(2026 - 11 - 02),
            end_date: time::macros::date!(2026 - 11 - 07),
            symbol: id.to_string(),
        }],
    }
}

fn level(bid: i64, ask: i64) -> dbn::BidAskPair {
    dbn::BidAskPair {
        bid_px: bid,
        ask_px: ask,
        bid_sz: 100,
        ask_sz: 200,
        bid_ct: 1,
        ask_ct: 1,
    }
}

fn mbp1(id: u32, ts: u64, bid: i64, ask: i64) -> dbn::Mbp1Msg {
    dbn::Mbp1Msg {
        hd: dbn::RecordHeader::new::<dbn::Mbp1Msg>(dbn::rtype::MBP_1, 1, id, ts - 5),
        ts_recv: ts,
        levels: [level(bid, ask)],
        ..Default::default()
    }
}

#[test]
fn dbn_schemas_map_to_quotes_with_symbols_from_the_metadata() {
    let d = dir("dbn");
    const PX: i64 = 1_000_000_000;
    for schema in [dbn::Schema::Mbp1, dbn::Schema::Tbbo] {
        let path = d.join(format!("{schema}.dbn"));
        write_dbn_records(
            &path,
            schema,
            &[
                mbp1(
                    15_144,
                    100,
                    450 * PX + 10 * PX / 100,
                    450 * PX + 11 * PX / 100,
                ),
                mbp1(9_001, 101, 451 * PX, 451 * PX + PX / 100),
                // An empty side: a bad number; an unmapped instrument: an unknown symbol.
                mbp1(15_144, 102, dbn::UNDEF_PRICE, 452 * PX),
                mbp1(77, 103, PX, 2 * PX),
            ],
        );
        let mut inputs = QuoteInputs::open(&[path], None).unwrap();
        let rows = inputs.read_all().unwrap();
        assert_eq!(rows.len(), 4, "{schema}");
        assert_eq!(inputs.symbols().name(rows[0].symbol), "SPY");
        assert_eq!(
            (rows[0].ts_ns, rows[0].bid, rows[0].ask),
            (100, 450.10, 450.11)
        );
        assert_eq!((rows[0].bid_size, rows[0].ask_size), (100.0, 200.0));
        assert_eq!(inputs.symbols().name(rows[1].symbol), "IVV");
        assert_eq!(rows[2].problem, Some(RowProblem::BadNumber));
        assert_eq!(rows[3].problem, Some(RowProblem::UnknownSymbol));
    }
    let bbo = |id: u32, ts: u64, rtype: u8| dbn::BboMsg {
        hd: dbn::RecordHeader::new::<dbn::BboMsg>(rtype, 1, id, ts - 1),
        price: dbn::UNDEF_PRICE,
        size: 0,
        _reserved1: 0,
        side: b'N' as std::ffi::c_char,
        flags: Default::default(),
        _reserved2: 0,
        ts_recv: ts,
        _reserved3: [0; 4],
        sequence: 0,
        levels: [level(10 * PX, 10 * PX + PX / 100)],
    };
    for (schema, rtype) in [
        (dbn::Schema::Bbo1S, dbn::rtype::BBO_1S),
        (dbn::Schema::Bbo1M, dbn::rtype::BBO_1M),
    ] {
        let path = d.join(format!("{schema}.dbn"));
        write_dbn_records(
            &path,
            schema,
            &[bbo(9_001, 1_000, rtype), bbo(15_144, 2_000, rtype)],
        );
        let mut inputs = QuoteInputs::open(&[path], None).unwrap();
        let rows = inputs.read_all().unwrap();
        let got: Vec<(i64, &str, f64)> = rows
            .iter()
            .map(|r| (r.ts_ns, inputs.symbols().name(r.symbol), r.ask))
            .collect();
        assert_eq!(
            got,
            [(1_000, "IVV", 10.01), (2_000, "SPY", 10.01)],
            "{schema}"
        );
    }
    std::fs::remove_dir_all(&d).unwrap();
}

fn hft() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hft"))
}

/// `hft backtest` on `file`: exit status 2, stderr naming the file and `place`, no outputs.
fn assert_bad_input(d: &Path, file: &Path, place: &str) {
    let out_dir = d.join(format!(
        "out-{}",
        file.file_name().unwrap().to_string_lossy()
    ));
    let out = hft()
        .args(["backtest", "--ticks"])
        .arg(file)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}: {stderr}", file.display());
    assert!(
        stderr.contains(&file.display().to_string()),
        "names the file: {stderr}"
    );
    assert!(stderr.contains(place), "names `{place}`: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !out_dir.join("orders.csv").exists(),
        "no outputs for bad input"
    );
}

#[test]
fn bad_input_is_a_clear_error_with_exit_status_2() {
    let d = dir("bad");
    let csv = quotes_csv(&d);
    // Parquet: truncated (no footer), a corrupt page, a missing column, a wrong type.
    let good = d.join("good.parquet");
    convert(std::slice::from_ref(&csv), &good, ParquetOptions::default());
    let bytes = std::fs::read(&good).unwrap();
    let truncated = d.join("truncated.parquet");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    assert_bad_input(&d, &truncated, "not a readable Parquet file");
    let corrupt = d.join("corrupt.parquet");
    let mut broken = bytes.clone();
    for b in &mut broken[40..bytes.len() / 3] {
        *b = 0xa5;
    }
    std::fs::write(&corrupt, &broken).unwrap();
    assert_bad_input(&d, &corrupt, "row group 0");
    let missing = d.join("missing.parquet");
    write_parquet(
        &missing,
        "message q { required int64 ts_ns; required binary symbol (STRING); required double bid;
         required double bid_size; required double ask; required double ask_sz; }",
        &[1],
        &["AAA"],
        [&[1.0], &[1.0], &[2.0], &[1.0]],
        None,
    );
    assert_bad_input(&d, &missing, "missing column `ask_size`");
    let wrong = d.join("wrong-type.parquet");
    write_parquet(
        &wrong,
        "message q { required int64 ts_ns; required binary symbol (STRING); required binary bid;
         required double bid_size; required double ask; required double ask_size; }",
        &[1],
        &["AAA"],
        [&[], &[1.0], &[2.0], &[1.0]],
        None,
    );
    assert_bad_input(&d, &wrong, "column `bid` has type BYTE_ARRAY");

    // DBN: an unknown schema, a record of another type, a truncated file, not DBN at all.
    let trades = d.join("trades.dbn");
    write_dbn_records(&trades, dbn::Schema::Trades, &[dbn::TradeMsg::default()]);
    assert_bad_input(&d, &trades, "DBN schema `trades` is not a quote schema");
    let mixed = d.join("mixed.dbn");
    {
        let metadata = dbn::MetadataBuilder::new()
            .dataset("XNAS.ITCH")
            .schema(None)
            .start(1)
            .stype_in(None)
            .stype_out(dbn::SType::InstrumentId)
            .build();
        let file = std::fs::File::create(&mixed).unwrap();
        let mut enc = dbn::encode::dbn::Encoder::new(file, &metadata).unwrap();
        enc.encode_record(&mbp1(1, 10, 1_000_000_000, 2_000_000_000))
            .unwrap();
        enc.encode_record(&dbn::TradeMsg::default()).unwrap();
    }
    assert_bad_input(&d, &mixed, "record 2: record type 0x00 is not a quote");
    let good_dbn = d.join("good.dbn");
    convert(
        std::slice::from_ref(&csv),
        &good_dbn,
        ParquetOptions::default(),
    );
    let bytes = std::fs::read(&good_dbn).unwrap();
    let cut = d.join("cut.dbn");
    std::fs::write(&cut, &bytes[..bytes.len() - 7]).unwrap();
    assert_bad_input(&d, &cut, "truncated: 73 bytes after record");
    let not_dbn = d.join("garbage.dbn");
    std::fs::write(&not_dbn, b"this is not a DBN file at all").unwrap();
    assert_bad_input(&d, &not_dbn, "not a DBN file");
    // A CSV without its header; a file that does not exist.
    let headless = d.join("headless.csv");
    std::fs::write(&headless, "1,AAA,1,1,2,1\n").unwrap();
    assert_bad_input(&d, &headless, "line 1: expected header");
    assert_bad_input(&d, &d.join("absent.csv"), "cannot open");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_failed_conversion_leaves_nothing_under_the_output_name() {
    let d = dir("atomic");
    let csv = quotes_csv(&d);
    // Prices of two decimals do not fit ticks of one decimal: the writer fails midway.
    let out = d.join("ticks.parquet");
    let status = hft()
        .arg("convert")
        .arg(&csv)
        .arg(&out)
        .args(["--price-decimals", "1"])
        .output()
        .unwrap();
    assert!(!status.status.success());
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(
        stderr.contains("not a whole number of 1e-1 ticks"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["q.csv"], "no output and no temporary file");
    // A corrupt input: exit 2, and again nothing written.
    let bad = d.join("bad.parquet");
    std::fs::write(&bad, b"PAR1 but nothing else").unwrap();
    let status = hft().arg("convert").arg(&bad).arg(&out).output().unwrap();
    assert_eq!(status.status.code(), Some(2));
    assert!(!out.exists());
    // The CLI's round trip through every format.
    let (pq, dbn, zst, back) = (
        d.join("q.parquet"),
        d.join("q.dbn"),
        d.join("q.dbn.zst"),
        d.join("back.csv"),
    );
    for (from, to) in [(&csv, &pq), (&pq, &dbn), (&dbn, &zst), (&zst, &back)] {
        let s = hft().arg("convert").arg(from).arg(to).output().unwrap();
        assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    }
    let rows = |p: &Path| std::fs::read_to_string(p).unwrap().lines().count();
    assert_eq!(rows(&back), rows(&csv));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn sweep_rows_from_any_format_match_the_csv_scan() {
    let d = dir("sweep");
    let csv = quotes_csv(&d);
    let pq = d.join("q.parquet");
    convert(std::slice::from_ref(&csv), &pq, ParquetOptions::default());
    let from_csv =
        hft::sweep::ScannedQuotes::from_csv_bytes(&std::fs::read(&csv).unwrap()).unwrap();
    let mut inputs = QuoteInputs::open(&[pq], None).unwrap();
    let from_parquet = hft::sweep::ScannedQuotes::from_inputs(&mut inputs).unwrap();
    assert_eq!(from_csv.len(), from_parquet.len());
    assert_eq!(from_csv.symbols(), from_parquet.symbols());
    let run = |q: &hft::sweep::ScannedQuotes| {
        let mut bt = Backtest::new(&fast_zscore_pair(30.0));
        q.feed(&mut bt);
        bt.finish()
    };
    assert_same("sweep rows", &run(&from_csv), &run(&from_parquet));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn many_row_groups_and_pages_with_nulls_read_in_order() {
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use std::sync::Arc;
    let d = dir("groups");
    let path = d.join("groups.parquet");
    // 50,000 rows in row groups of 7,000 and pages of 500 rows (data pages v2 for the sizes'
    // nulls), symbols cycling through 5, every 97th bid null.
    let n = 50_000usize;
    let schema = "message q { required int64 ts_ns; optional binary symbol (STRING);
        optional double bid; required double bid_size; required double ask;
        required double ask_size; }";
    let schema = Arc::new(parquet::schema::parser::parse_message_type(schema).unwrap());
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(7_000))
        .set_data_page_row_count_limit(500)
        .set_write_batch_size(500)
        .set_writer_version(parquet::file::properties::WriterVersion::PARQUET_2_0)
        .build();
    let mut w = SerializedFileWriter::new(
        std::fs::File::create(&path).unwrap(),
        schema,
        Arc::new(props),
    )
    .unwrap();
    for start in (0..n).step_by(7_000) {
        let rows: Vec<usize> = (start..(start + 7_000).min(n)).collect();
        let mut rg = w.next_row_group().unwrap();
        let mut k = 0;
        while let Some(mut col) = rg.next_column().unwrap() {
            match k {
                0 => {
                    let ts: Vec<i64> = rows.iter().map(|&i| i as i64 * 10).collect();
                    col.typed::<Int64Type>()
                        .write_batch(&ts, None, None)
                        .unwrap();
                }
                1 => {
                    let v: Vec<ByteArray> = rows
                        .iter()
                        .map(|&i| ByteArray::from(format!("S{}", i % 5).as_str()))
                        .collect();
                    let defs = vec![1i16; rows.len()];
                    col.typed::<ByteArrayType>()
                        .write_batch(&v, Some(&defs), None)
                        .unwrap();
                }
                2 => {
                    let defs: Vec<i16> = rows.iter().map(|&i| i16::from(i % 97 != 0)).collect();
                    let v: Vec<f64> = rows
                        .iter()
                        .filter(|&&i| i % 97 != 0)
                        .map(|&i| 100.0 + (i % 13) as f64)
                        .collect();
                    col.typed::<DoubleType>()
                        .write_batch(&v, Some(&defs), None)
                        .unwrap();
                }
                _ => {
                    let v: Vec<f64> = rows.iter().map(|&i| 200.0 + (i % 7) as f64).collect();
                    col.typed::<DoubleType>()
                        .write_batch(&v, None, None)
                        .unwrap();
                }
            }
            col.close().unwrap();
            k += 1;
        }
        rg.close().unwrap();
    }
    w.close().unwrap();
    let mut inputs = QuoteInputs::open(&[path], None).unwrap();
    let rows = inputs.read_all().unwrap();
    assert_eq!(rows.len(), n);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.row, i as u64 + 2);
        assert_eq!(
            inputs.symbols().name(r.symbol),
            format!("S{}", i % 5),
            "row {i}"
        );
        if i % 97 == 0 {
            assert_eq!(r.problem, Some(RowProblem::BadNumber), "row {i}");
        } else {
            assert_eq!(
                (r.ts_ns, r.bid, r.problem),
                (i as i64 * 10, 100.0 + (i % 13) as f64, None)
            );
            assert_eq!(r.ask_size, 200.0 + (i % 7) as f64);
        }
    }
    std::fs::remove_dir_all(&d).unwrap();
}

/// Every row of `files`, read through the one input path.
fn records(files: &[PathBuf]) -> Vec<QuoteRecord> {
    let mut q = QuoteInputs::open(files, None).unwrap();
    let (mut all, mut batch) = (Vec::new(), Vec::new());
    while q.next_batch(&mut batch).unwrap() {
        all.append(&mut batch);
    }
    all
}

#[test]
fn trade_columns_survive_csv_parquet_and_dbn() {
    let d = dir("trades");
    let csv = d.join("t.csv");
    std::fs::write(
        &csv,
        "ts_ns,symbol,bid,bid_size,ask,ask_size,last,last_size\n\
         1000,AAA,10,100,10.02,200,10.02,300\n\
         2000,AAA,10,100,10.03,200,,\n\
         3000,BBB,20,100,20.01,200,20,100\n",
    )
    .unwrap();
    let trades = |rows: &[QuoteRecord]| -> Vec<(f64, f64)> {
        rows.iter().map(|r| (r.last, r.last_size)).collect()
    };
    let want = vec![(10.02, 300.0), (0.0, 0.0), (20.0, 100.0)];
    assert_eq!(trades(&records(std::slice::from_ref(&csv))), want);
    for (name, options) in [
        ("t.parquet", ParquetOptions::default()),
        (
            "c.parquet",
            ParquetOptions {
                price_decimals: Some(2),
                ..ParquetOptions::default()
            },
        ),
        ("back.csv", ParquetOptions::default()),
        ("t.dbn", ParquetOptions::default()),
        ("t.dbn.zst", ParquetOptions::default()),
    ] {
        let out = d.join(name);
        convert(std::slice::from_ref(&csv), &out, options);
        assert_eq!(trades(&records(&[out])), want, "{name}");
    }
    // A file without trade columns reads as before: no trades.
    let old = quotes_csv(&d);
    assert!(records(&[old]).iter().all(|r| r.last_size == 0.0));
}
