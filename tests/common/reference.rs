//! The reference values of `tests/data/wishlist_reference.json` and the ETF closes they were
//! computed from.
//!
//! The JSON is written by `scripts/reference_wishlist.py` with Python 3.11.7, numpy 2.4.6,
//! pandas 3.1.1, scipy 1.17.1, statsmodels 0.15.0 and arch 8.0.0 (the versions are also in the
//! file's `versions` object). Closes: `tests/data/etf23_daily.csv` (source and licence in
//! `tests/data/README.md`).

#![allow(dead_code)]

use serde_json::Value;

pub const ETF_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/etf23_daily.csv");
pub const REFERENCE_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/wishlist_reference.json"
);

pub fn reference() -> Value {
    let text = std::fs::read_to_string(REFERENCE_FILE).expect("reference JSON present");
    serde_json::from_str(&text).expect("reference JSON parses")
}

pub fn etf() -> (Vec<String>, Vec<Vec<f64>>) {
    let file = std::fs::File::open(ETF_FILE).expect("tests/data/etf23_daily.csv is present");
    hft::pairs::read_closes_csv(std::io::BufReader::new(file)).expect("well formed")
}

pub fn closes(symbol: &str) -> Vec<f64> {
    let (names, columns) = etf();
    let i = names
        .iter()
        .position(|n| n == symbol)
        .expect("symbol in file");
    columns[i].clone()
}

pub fn log_closes(symbol: &str) -> Vec<f64> {
    closes(symbol).iter().map(|p| p.ln()).collect()
}

pub fn log_returns(symbol: &str) -> Vec<f64> {
    log_closes(symbol).windows(2).map(|w| w[1] - w[0]).collect()
}

pub fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

pub fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(f).collect()
}

pub fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().expect("array").iter().map(floats).collect()
}

pub fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

/// `|got - want| <= rel * max(|want|, floor)`.
pub fn assert_close(what: &str, got: f64, want: f64, rel: f64, floor: f64) {
    let error = (got - want).abs();
    assert!(
        error <= rel * want.abs().max(floor),
        "{what}: got {got:e}, expected {want:e} (error {error:.1e})"
    );
}
