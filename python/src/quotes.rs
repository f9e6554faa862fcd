//! Quotes scanned once, fed to any number of backtests.
//!
//! Every row goes through the crate's one quote parser (`hft::rundir::QuoteScanner`): a CSV
//! file's lines as they are, a DataFrame's rows rendered first as the line a quote file would
//! hold (integers by `itoa`, floats shortest-round-trip by `ryu`). So a DataFrame and the CSV it
//! was read from give the same backtest, and a bad row is skipped and counted (with its line
//! number: the header is line 1) exactly as `hft backtest` skips it.

use hft::sweep::{QuotesBuilder, ScannedQuotes};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

/// Rows of a quote file or DataFrame, scanned (`hft.load_quotes` returns one; `hft.backtest`
/// and `hft.sweep` take one instead of a DataFrame or path to skip the conversion): the crate's
/// [`ScannedQuotes`], which its sweep feeds to every backtest.
#[pyclass(frozen, module = "hft._hft")]
pub struct Quotes(ScannedQuotes);

impl Quotes {
    /// The scanned rows.
    pub fn rows(&self) -> &ScannedQuotes {
        &self.0
    }
}

/// Native-endian 8-byte words of a NumPy buffer (`ndarray.tobytes()`).
fn words(name: &str, bytes: &[u8]) -> PyResult<Vec<[u8; 8]>> {
    if bytes.len() % 8 != 0 {
        return Err(PyValueError::new_err(format!(
            "column {name}: {} bytes is not a whole number of 8-byte values",
            bytes.len()
        )));
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|c| c.try_into().expect("chunks_exact yields 8 bytes"))
        .collect())
}

#[pymethods]
impl Quotes {
    /// Reads and scans a quote CSV (`ts_ns,symbol,bid,bid_size,ask,ask_size`).
    #[staticmethod]
    fn from_csv(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Self> {
        let text = std::fs::read(&path)
            .map_err(|e| PyOSError::new_err(format!("cannot read {}: {e}", path.display())))?;
        py.detach(|| ScannedQuotes::from_csv_bytes(&text))
            .map(Quotes)
            .map_err(|e| PyValueError::new_err(format!("{}: {e}", path.display())))
    }

    /// Scans columns: `ts_ns` as int64 bytes, `codes` (int64 bytes) indexing `symbols` (-1: a
    /// missing symbol), prices and sizes as float64 bytes, all of one length.
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    fn from_columns(
        py: Python<'_>,
        ts_ns: &[u8],
        codes: &[u8],
        symbols: Vec<String>,
        bid: &[u8],
        bid_size: &[u8],
        ask: &[u8],
        ask_size: &[u8],
    ) -> PyResult<Self> {
        let ts = words("ts_ns", ts_ns)?;
        let codes = words("symbol", codes)?;
        let cols = [
            words("bid", bid)?,
            words("bid_size", bid_size)?,
            words("ask", ask)?,
            words("ask_size", ask_size)?,
        ];
        let n = ts.len();
        if codes.len() != n || cols.iter().any(|c| c.len() != n) {
            return Err(PyValueError::new_err("quote columns differ in length"));
        }
        Ok(py.detach(|| {
            let mut b = QuotesBuilder::with_capacity(n);
            let mut line = Vec::with_capacity(128);
            let (mut ints, mut floats) = (itoa::Buffer::new(), ryu::Buffer::new());
            for k in 0..n {
                line.clear();
                line.extend_from_slice(ints.format(i64::from_ne_bytes(ts[k])).as_bytes());
                line.push(b',');
                let code = i64::from_ne_bytes(codes[k]);
                if let Some(s) = usize::try_from(code).ok().and_then(|c| symbols.get(c)) {
                    line.extend_from_slice(s.as_bytes());
                }
                for col in &cols {
                    line.push(b',');
                    line.extend_from_slice(floats.format(f64::from_ne_bytes(col[k])).as_bytes());
                }
                b.push_line(&line, k as u64 + 2);
            }
            Quotes(b.finish())
        }))
    }

    /// Rows, scanned or skipped.
    fn __len__(&self) -> usize {
        self.0.len()
    }

    /// Symbols seen in accepted rows, in order of first appearance.
    #[getter]
    fn symbols(&self) -> Vec<String> {
        self.0.symbols().to_vec()
    }

    fn __repr__(&self) -> String {
        format!(
            "Quotes({} rows, symbols {:?})",
            self.0.len(),
            self.0.symbols()
        )
    }
}
