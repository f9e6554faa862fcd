//! `hft analyze` on the committed ETF closes against the reference values of
//! `scripts/reference_wishlist.py` (statsmodels 0.15.0, arch 8.0.0, pandas 3.1.1, numpy 2.4.6,
//! scipy 1.17.1), and its handling of bad input.

#[path = "common/reference.rs"]
mod reference;

use reference::{ETF_FILE, reference};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

/// Relative tolerance of the whole report: the loosest of the tolerances (1e-6 for the
/// break tests; the per-function tests in `tests/wishlist.rs` check the tighter ones).
const TOLERANCE: f64 = 1e-6;

fn hft(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hft"))
        .args(args)
        .output()
        .expect("hft runs")
}

/// Every key of `want` must be in `got` with an equal value: numbers to `TOLERANCE` relative (an
/// absolute floor of 1e-300 for p-values that underflow to zero), everything else exactly.
fn assert_matches(path: &str, got: &Value, want: &Value) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            for (key, w) in w {
                let g = g.get(key).unwrap_or_else(|| panic!("{path}.{key} missing"));
                assert_matches(&format!("{path}.{key}"), g, w);
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            assert_eq!(g.len(), w.len(), "{path}: length");
            for (i, (g, w)) in g.iter().zip(w).enumerate() {
                assert_matches(&format!("{path}[{i}]"), g, w);
            }
        }
        (Value::Number(g), Value::Number(w)) if w.is_f64() || g.is_f64() => {
            let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
            assert!(
                (g - w).abs() <= TOLERANCE * w.abs().max(1e-300),
                "{path}: got {g:e}, expected {w:e}"
            );
        }
        _ => assert_eq!(got, want, "{path}"),
    }
}

fn run_json(args: &[&str]) -> Value {
    let out = hft(args);
    assert!(
        out.status.success(),
        "hft {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[test]
fn json_of_a_pair_matches_the_reference() {
    let got = run_json(&[
        "analyze", "--closes", ETF_FILE, "--pair", "SPY,DIA", "--json",
    ]);
    assert_matches("analyze_pair", &got, &reference()["analyze_pair"]);
}

#[test]
fn json_of_three_symbols_matches_the_reference() {
    let got = run_json(&[
        "analyze",
        "--closes",
        ETF_FILE,
        "--symbols",
        "EFA,VGK,EWG",
        "--json",
    ]);
    assert_matches("analyze_symbols", &got, &reference()["analyze_symbols"]);
    assert!(got["pair"].is_null());
}

#[test]
fn the_table_names_every_section() {
    let out = hft(&["analyze", "--closes", ETF_FILE, "--pair", "EWG,EWQ"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "pair EWG on EWQ",
        "Zivot-Andrews",
        "VAR on log returns",
        "Johansen",
        "CUSUM",
        "ema (half-life 20",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
}

fn scratch_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hft-analyze-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn assert_bad_input(args: &[&str], message: &str) {
    let out = hft(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(
        stderr.contains(message),
        "{args:?}: expected `{message}` in {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_input_exits_with_status_2_and_a_message() {
    assert_bad_input(
        &[
            "analyze",
            "--closes",
            "/nonexistent/closes.csv",
            "--pair",
            "A,B",
        ],
        "cannot open",
    );
    assert_bad_input(
        &["analyze", "--closes", ETF_FILE, "--pair", "SPY,XYZ"],
        "unknown symbol `XYZ`",
    );
    assert_bad_input(
        &["analyze", "--closes", ETF_FILE, "--pair", "SPY"],
        "exactly two symbols",
    );
    assert_bad_input(
        &["analyze", "--closes", ETF_FILE, "--symbols", "SPY,SPY"],
        "named twice",
    );
    assert_bad_input(&["analyze", "--closes", ETF_FILE], "--pair");
    let short: String = std::iter::once("Date,A,B\n".to_string())
        .chain((0..50).map(|t| format!("d{t},{},{}\n", 100.0 + t as f64, 50.0 + (t % 7) as f64)))
        .collect();
    let short = scratch_file("short.csv", &short);
    assert_bad_input(
        &[
            "analyze",
            "--closes",
            short.to_str().unwrap(),
            "--pair",
            "A,B",
        ],
        "too few rows: 50",
    );
    let constant: String = std::iter::once("Date,A,B\n".to_string())
        .chain((0..300).map(|t| format!("d{t},{},42.5\n", 100.0 + (t as f64 * 0.3).sin())))
        .collect();
    let constant = scratch_file("constant.csv", &constant);
    assert_bad_input(
        &[
            "analyze",
            "--closes",
            constant.to_str().unwrap(),
            "--pair",
            "A,B",
        ],
        "symbol `B` is constant",
    );
    let negative: String = std::iter::once("Date,A\n".to_string())
        .chain((0..150).map(|t| format!("d{t},{}\n", if t == 10 { -1.0 } else { 10.0 + t as f64 })))
        .collect();
    let negative = scratch_file("negative.csv", &negative);
    assert_bad_input(
        &[
            "analyze",
            "--closes",
            negative.to_str().unwrap(),
            "--symbols",
            "A",
        ],
        "symbol `A` has a close that is not positive",
    );
    let malformed = scratch_file("malformed.csv", "Date,A\nd0,1,2\n");
    assert_bad_input(
        &[
            "analyze",
            "--closes",
            malformed.to_str().unwrap(),
            "--symbols",
            "A",
        ],
        "malformed closes file",
    );
}
