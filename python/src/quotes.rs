//! Quotes scanned once, fed to any number of backtests.
//!
//! Every row goes through the crate's one quote parser ([`QuoteScanner`]): a CSV file's lines as
//! they are, a DataFrame's rows rendered first as the line a quote file would hold (integers by
//! `itoa`, floats shortest-round-trip by `ryu`). So a DataFrame and the CSV it was read from give
//! the same backtest, and a bad row is skipped and counted (with its line number: the header is
//! line 1) exactly as `hft backtest` skips it.

use hft::backtest::Backtest;
use hft::rundir::{QUOTE_HEADER, QuoteFields, QuoteScanner, RowProblem};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use std::collections::HashMap;

/// One scanned row; the symbol is an index into [`Quotes::symbols`].
#[derive(Debug, Clone, Copy)]
struct Fields {
    ts_ns: i64,
    symbol: u32,
    bid: f64,
    bid_size: f64,
    ask: f64,
    ask_size: f64,
}

#[derive(Debug, Clone, Copy)]
struct Row {
    line_no: u64,
    scanned: Result<Fields, RowProblem>,
}

/// Rows of a quote file or DataFrame, scanned (`hft.load_quotes` returns one; `hft.backtest`
/// and `hft.sweep` take one instead of a DataFrame or path to skip the conversion).
#[pyclass(frozen, module = "hft._hft")]
pub struct Quotes {
    rows: Vec<Row>,
    symbols: Vec<String>,
}

/// Appends scanned rows, interning their symbols.
struct Builder {
    scanner: QuoteScanner,
    index: HashMap<Vec<u8>, u32>,
    quotes: Quotes,
}

impl Builder {
    fn new(capacity: usize) -> Self {
        Builder {
            scanner: QuoteScanner::default(),
            index: HashMap::new(),
            quotes: Quotes {
                rows: Vec::with_capacity(capacity),
                symbols: Vec::new(),
            },
        }
    }

    fn push_line(&mut self, line: &[u8], line_no: u64) {
        let scanned = self.scanner.scan(line).map(|f| {
            let next = self.quotes.symbols.len() as u32;
            let symbol = *self.index.entry(f.symbol.to_vec()).or_insert_with(|| {
                self.quotes
                    .symbols
                    .push(String::from_utf8_lossy(f.symbol).into_owned());
                next
            });
            Fields {
                ts_ns: f.ts_ns,
                symbol,
                bid: f.bid,
                bid_size: f.bid_size,
                ask: f.ask,
                ask_size: f.ask_size,
            }
        });
        self.quotes.rows.push(Row { line_no, scanned });
    }
}

impl Quotes {
    /// Scans a quote file's text: the header first, then one row per non-empty line (a last
    /// line without a newline included), as [`Backtest::run_reader`] reads it.
    ///
    /// # Errors
    /// A missing or wrong header.
    pub fn from_csv_bytes(text: &[u8]) -> Result<Self, String> {
        let mut lines = text.split(|&b| b == b'\n');
        let header = lines.next().unwrap_or_default();
        let header = header.strip_suffix(b"\r").unwrap_or(header);
        if text.is_empty() {
            return Err("empty quote file (no header)".into());
        }
        if header != QUOTE_HEADER.as_bytes() {
            return Err(format!("line 1: expected header `{QUOTE_HEADER}`"));
        }
        let mut b = Builder::new(memchr::memchr_iter(b'\n', text).count());
        for (k, line) in lines.enumerate() {
            if !line.is_empty() {
                b.push_line(line, k as u64 + 2);
            }
        }
        Ok(b.quotes)
    }

    /// Feeds every row to `bt`, in order.
    pub fn feed(&self, bt: &mut Backtest) {
        for row in &self.rows {
            let scanned = row.scanned.map(|f| QuoteFields {
                ts_ns: f.ts_ns,
                symbol: self.symbols[f.symbol as usize].as_bytes(),
                bid: f.bid,
                bid_size: f.bid_size,
                ask: f.ask,
                ask_size: f.ask_size,
            });
            bt.feed_row(scanned, row.line_no);
        }
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
        py.detach(|| Quotes::from_csv_bytes(&text))
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
            let mut b = Builder::new(n);
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
            b.quotes
        }))
    }

    /// Rows, scanned or skipped.
    fn __len__(&self) -> usize {
        self.rows.len()
    }

    /// Symbols seen in accepted rows, in order of first appearance.
    #[getter]
    fn symbols(&self) -> Vec<String> {
        self.symbols.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "Quotes({} rows, symbols {:?})",
            self.rows.len(),
            self.symbols
        )
    }
}
