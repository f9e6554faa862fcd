//! Quotes scanned once, fed to any number of backtests.
//!
//! Every row goes through the crate's one quote parser ([`QuoteScanner`]) once; a backtest then
//! takes the scanned fields ([`Backtest::feed_row`]) instead of parsing the text again. A bad row
//! is kept as its [`RowProblem`] with its line number (the header is line 1), so each backtest
//! skips and counts it exactly as `hft backtest` does on the file.

use crate::backtest::Backtest;
use crate::rundir::{
    QUOTE_HEADER, QuoteFields, QuoteInputError, QuoteInputs, QuoteScanner, RowProblem,
};
use std::collections::HashMap;

/// One scanned row; the symbol is an index into [`ScannedQuotes::symbols`].
#[derive(Debug, Clone, Copy)]
struct Fields {
    ts_ns: i64,
    symbol: u32,
    bid: f64,
    bid_size: f64,
    ask: f64,
    ask_size: f64,
    last: f64,
    last_size: f64,
}

#[derive(Debug, Clone, Copy)]
struct Row {
    line_no: u64,
    scanned: Result<Fields, RowProblem>,
}

/// Rows of a quote file, scanned: what a parameter sweep feeds to each of its backtests.
///
/// # Examples
/// ```
/// use hft::sweep::ScannedQuotes;
/// let text = b"ts_ns,symbol,bid,bid_size,ask,ask_size\n1,AAA,10,1,10.01,1\nbad row\n";
/// let quotes = ScannedQuotes::from_csv_bytes(text).unwrap();
/// assert_eq!(quotes.len(), 2); // the bad row is kept, to be counted as skipped
/// assert_eq!(quotes.symbols(), ["AAA"]);
/// assert!(ScannedQuotes::from_csv_bytes(b"ts,sym\n").is_err());
/// ```
#[derive(Debug, Default)]
pub struct ScannedQuotes {
    rows: Vec<Row>,
    symbols: Vec<String>,
}

/// Appends scanned rows to a [`ScannedQuotes`], interning their symbols.
#[derive(Default)]
pub struct QuotesBuilder {
    scanner: QuoteScanner,
    index: HashMap<Vec<u8>, u32>,
    quotes: ScannedQuotes,
}

impl QuotesBuilder {
    /// A builder with room for `rows` rows.
    pub fn with_capacity(rows: usize) -> Self {
        QuotesBuilder {
            quotes: ScannedQuotes {
                rows: Vec::with_capacity(rows),
                symbols: Vec::new(),
            },
            ..Self::default()
        }
    }

    /// Scans one data row (`ts_ns,symbol,bid,bid_size,ask,ask_size`, without its newline).
    pub fn push_line(&mut self, line: &[u8], line_no: u64) {
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
                last: f.last,
                last_size: f.last_size,
            }
        });
        self.quotes.rows.push(Row { line_no, scanned });
    }

    /// The rows pushed so far.
    pub fn finish(self) -> ScannedQuotes {
        self.quotes
    }
}

impl ScannedQuotes {
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
        if !crate::rundir::is_quote_header(header) {
            return Err(format!("line 1: expected header `{QUOTE_HEADER}`"));
        }
        let mut b = QuotesBuilder::with_capacity(memchr::memchr_iter(b'\n', text).count());
        for (k, line) in lines.enumerate() {
            if !line.is_empty() {
                b.push_line(line, k as u64 + 2);
            }
        }
        Ok(b.finish())
    }

    /// Every row of `inputs` (quote files of any format, merged by time), each kept with its
    /// problem as [`ScannedQuotes::from_csv_bytes`] keeps a bad line.
    ///
    /// # Errors
    /// A file that cannot be read, naming it and the place.
    pub fn from_inputs(inputs: &mut QuoteInputs) -> Result<Self, QuoteInputError> {
        let mut rows = Vec::new();
        let mut batch = Vec::new();
        while inputs.next_batch(&mut batch)? {
            rows.extend(batch.iter().map(|r| Row {
                line_no: r.row,
                scanned: match r.problem {
                    Some(p) => Err(p),
                    None => Ok(Fields {
                        ts_ns: r.ts_ns,
                        symbol: r.symbol,
                        bid: r.bid,
                        bid_size: r.bid_size,
                        ask: r.ask,
                        ask_size: r.ask_size,
                        last: r.last,
                        last_size: r.last_size,
                    }),
                },
            }));
        }
        Ok(ScannedQuotes {
            rows,
            symbols: inputs.symbols().names().to_vec(),
        })
    }

    /// Rows, scanned or skipped.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// No rows at all.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Symbols seen in accepted rows, in order of first appearance.
    pub fn symbols(&self) -> &[String] {
        &self.symbols
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
                last: f.last,
                last_size: f.last_size,
            });
            bt.feed_row(scanned, row.line_no);
        }
    }
}
