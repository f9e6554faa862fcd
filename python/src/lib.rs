//! `hft._hft`: the Rust half of the `hft` Python package. It runs the crate's backtest, sweep,
//! pair ranking and run-directory readers with the GIL released and hands back bytes and plain
//! values; `hft/__init__.py` turns them into DataFrames.

mod params;
mod quotes;
mod sweep;

use hft::backtest::write_outputs;
use hft::pairs::{Significance, rank_pairs_with_lags};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use quotes::Quotes;

/// `(summary.json text, orders.csv, fills.csv, [(a, b, series csv)])` of one backtest.
type Outputs<'py> = (
    String,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Vec<(String, String, Bound<'py, PyBytes>)>,
);

/// Runs one backtest: `params` is TOML text (`None`: the embedded defaults) named `file` in
/// errors, `overrides` dotted keys set on top; with `out_dir`, also writes the run directory
/// as `hft backtest --out` does.
#[pyfunction]
#[pyo3(signature = (quotes, params, file, overrides=None, out_dir=None))]
fn backtest<'py>(
    py: Python<'py>,
    quotes: &Bound<'py, Quotes>,
    params: Option<&str>,
    file: &str,
    overrides: Option<&Bound<'py, PyDict>>,
    out_dir: Option<std::path::PathBuf>,
) -> PyResult<Outputs<'py>> {
    let overrides = params::overrides(overrides)?;
    let setup =
        hft::sweep::Setup::resolve(params, file, &overrides).map_err(|e| params::to_py(py, e))?;
    let quotes = quotes.get().rows();
    let out = py.detach(|| {
        let out = setup.run(quotes);
        match &out_dir {
            Some(dir) => write_outputs(&out, dir)
                .map_err(|e| format!("cannot write to {}: {e}", dir.display()))
                .map(|()| out),
            None => Ok(out),
        }
    });
    let out = out.map_err(PyOSError::new_err)?;
    let summary = serde_json::to_string(&out.summary)
        .map_err(|e| PyValueError::new_err(format!("summary: {e}")))?;
    let series = out
        .summary
        .series
        .pairs
        .iter()
        .zip(&out.series_csv)
        .map(|(entry, (_, csv))| (entry.a.clone(), entry.b.clone(), PyBytes::new(py, csv)))
        .collect();
    Ok((
        summary,
        PyBytes::new(py, &out.orders_csv),
        PyBytes::new(py, &out.fills_csv),
        series,
    ))
}

/// Ranks every pair of `names` / `columns` (float64 bytes, aligned rows) by the crate's
/// Engle-Granger test at `level` percent; the ranking as a JSON array of `PairStats`.
#[pyfunction]
#[pyo3(signature = (names, columns, level=5, lags=0, top=None))]
fn rank_pairs(
    py: Python<'_>,
    names: Vec<String>,
    columns: Vec<Vec<u8>>,
    level: u8,
    lags: usize,
    top: Option<usize>,
) -> PyResult<String> {
    let level = Significance::from_percent(level)
        .ok_or_else(|| PyValueError::new_err(format!("level must be 1, 5 or 10, not {level}")))?;
    if names.len() != columns.len() {
        return Err(PyValueError::new_err("one name per column of closes"));
    }
    let columns = f64_columns(&columns);
    let ranked = py
        .detach(|| rank_pairs_with_lags(&names, &columns, level, lags, top.unwrap_or(usize::MAX)));
    serde_json::to_string(&ranked).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Every research statistic of `hft analyze` for `symbols` among `names` / `columns` (float64
/// bytes, aligned rows), with the CLI's default settings: the report as JSON (the CLI's `--json`).
#[pyfunction]
fn analyze_closes(
    py: Python<'_>,
    names: Vec<String>,
    columns: Vec<Vec<u8>>,
    symbols: Vec<String>,
) -> PyResult<String> {
    if names.len() != columns.len() {
        return Err(PyValueError::new_err("one name per column of closes"));
    }
    let columns = f64_columns(&columns);
    let params = hft::analysis::AnalyzeParams::default();
    let report = py
        .detach(|| hft::analysis::analyze(&names, &columns, &symbols, &params))
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    serde_json::to_string(&report).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Columns of float64 bytes (numpy's `tobytes()`, native order) as `f64` columns.
fn f64_columns(columns: &[Vec<u8>]) -> Vec<Vec<f64>> {
    columns
        .iter()
        .map(|c| {
            c.chunks_exact(8)
                .map(|w| f64::from_ne_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]))
                .collect()
        })
        .collect()
}

/// A closes CSV (`Date,SYM1,SYM2,...`) through the crate's reader (`hft pairs` reads it the
/// same way): symbol names and one column of closes per symbol.
#[pyfunction]
fn read_closes(path: std::path::PathBuf) -> PyResult<(Vec<String>, Vec<Vec<f64>>)> {
    let file = std::fs::File::open(&path)
        .map_err(|e| PyOSError::new_err(format!("cannot open {}: {e}", path.display())))?;
    hft::pairs::read_closes_csv(std::io::BufReader::new(file)).map_err(|e| {
        PyValueError::new_err(format!("malformed closes file {}: {e}", path.display()))
    })
}

/// Every `latency/*.hgrm` of a run directory through the crate's parser: `[(name, [(value_us,
/// percentile, total_count)])]`, `None` without `latency/`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn read_latency(
    py: Python<'_>,
    run_dir: std::path::PathBuf,
) -> PyResult<Option<Vec<(String, Vec<(f64, f64, u64)>)>>> {
    let files = py
        .detach(|| hft::rundir::read_latency(&run_dir))
        .map_err(|e| PyOSError::new_err(format!("{e:#}")))?;
    Ok(files.map(|files| {
        files
            .into_iter()
            .map(|f| {
                let points = f
                    .points
                    .iter()
                    .map(|p| (p.value, p.percentile, p.total_count))
                    .collect();
                (f.name, points)
            })
            .collect()
    }))
}

#[pymodule]
fn _hft(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Quotes>()?;
    m.add_function(wrap_pyfunction!(backtest, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(rank_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(analyze_closes, m)?)?;
    m.add_function(wrap_pyfunction!(read_closes, m)?)?;
    m.add_function(wrap_pyfunction!(read_latency, m)?)?;
    m.add("QUOTE_HEADER", hft::rundir::QUOTE_HEADER)?;
    m.add("FILLS_HEADER", hft::rundir::FILLS_HEADER)?;
    m.add("SERIES_HEADER", hft::rundir::SERIES_HEADER)?;
    Ok(())
}
