//! Quote files parsed once into columns: what the backtest and every set of a sweep run over.
//!
//! ```text
//!  CSV text ──> QuoteScanner ──┐
//!                              ├──> ColumnsBuilder ──> QuoteColumns
//!  QuoteInputs (any format) ───┘     ts_ns | symbol | bid | bid_size | ask | ask_size | row
//!                                    (+ trade: [last, last_size], once a row has one)
//!                                    + the skipped rows, each at its place among the others
//! ```
//!
//! Rules:
//! - A row that passes the quote rules ([`super::QuoteScanner`]) is one entry of every column, in
//!   file order; its symbol is an id into [`QuoteColumns::symbols`] (interned once, in order of
//!   first appearance), or [`super::NO_SYMBOL`] for a missing one.
//! - A row that breaks a rule is not in the columns: it is a [`SkippedRow`] that remembers how
//!   many accepted rows came before it (`at`), so a consumer counts it at the same place as the
//!   text reader does (the first errors of a backtest keep their order).
//! - `row` is the row's number as its file's CSV form has it (the header is line 1).
//!
//! - Optional columns (the trade printed with a row: [`QuoteColumns::trades`]) are an
//!   `Option<Vec<T>>`, created by the builder at the first row that has the field (the rows
//!   before it filled with the "absent" value), read through a getter returning `Option<&[T]>`:
//!   a file without trades costs nothing, and consumers that do not read it are unaffected.

use super::{
    NO_SYMBOL, QUOTE_HEADER, QuoteInputError, QuoteInputs, QuoteRecord, QuoteScanner, RowProblem,
    is_quote_header,
};
use std::collections::HashMap;

mod cache;
pub use cache::{CacheKey, CacheUse, cache_path, load_csv_columns};

/// A row that was not accepted, and where it was in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkippedRow {
    /// How many accepted rows came before it.
    pub at: usize,
    /// Its number in the file (line of its CSV form).
    pub row: u64,
    /// Why it was skipped.
    pub problem: RowProblem,
}

/// Quote rows in columns (see the module documentation).
///
/// # Examples
/// ```
/// use hft::rundir::QuoteColumns;
/// let text = b"ts_ns,symbol,bid,bid_size,ask,ask_size\n1,AAA,10,1,10.01,1\nbad row\n2,BBB,5,1,5.01,2\n";
/// let q = QuoteColumns::from_csv_bytes(text).unwrap();
/// assert_eq!((q.len(), q.accepted()), (3, 2)); // the bad row is kept, to be counted as skipped
/// assert_eq!(q.symbols(), ["AAA", "BBB"]);
/// assert_eq!((q.ts_ns(), q.symbol_ids()), (&[1i64, 2][..], &[0u32, 1][..]));
/// assert_eq!((q.skipped()[0].at, q.skipped()[0].row), (1, 3));
/// assert!(QuoteColumns::from_csv_bytes(b"ts,sym\n").is_err());
/// ```
#[derive(Debug, Clone, Default)]
pub struct QuoteColumns {
    ts_ns: Vec<i64>,
    symbol: Vec<u32>,
    bid: Vec<f64>,
    bid_size: Vec<f64>,
    ask: Vec<f64>,
    ask_size: Vec<f64>,
    row: Vec<u64>,
    /// The trade printed with each accepted row (price, size; size 0: none), present from the
    /// first row that has one (the rows before it filled with none).
    trade: Option<Vec<[f64; 2]>>,
    skipped: Vec<SkippedRow>,
    symbols: Vec<String>,
}

impl QuoteColumns {
    /// Parses a quote file's text: the header first, then one row per non-empty line (a last
    /// line without a newline included), as the backtest's text reader reads it.
    ///
    /// # Errors
    /// An empty text or a wrong header (the message names line 1).
    pub fn from_csv_bytes(text: &[u8]) -> Result<Self, String> {
        Self::from_csv_reader(text, text.len() as u64).map_err(|e| e.to_string())
    }

    /// Reads a quote file's text from `input` in 1 MB chunks (the file is never held whole:
    /// only the columns), with room reserved for a file of `size_hint` bytes; the same rows as
    /// [`QuoteColumns::from_csv_bytes`].
    ///
    /// # Errors
    /// I/O errors, an empty input or a wrong header (`InvalidData`, naming line 1).
    pub fn from_csv_reader(mut input: impl std::io::Read, size_hint: u64) -> std::io::Result<Self> {
        use std::io::{Error, ErrorKind};
        // About 46 bytes a row: room for them all, so the columns never grow while parsing.
        let rows = usize::try_from(size_hint / 40 + 1).unwrap_or(0);
        let mut b = ColumnsBuilder::with_capacity(rows);
        let mut buf = vec![0u8; 1 << 20];
        let (mut filled, mut line_no, mut header_seen, mut any) = (0usize, 0u64, false, false);
        loop {
            let n = input.read(&mut buf[filled..])?;
            any |= n > 0;
            let eof = n == 0;
            filled += n;
            let mut start = 0;
            while let Some(nl) = memchr::memchr(b'\n', &buf[start..filled]) {
                let line = &buf[start..start + nl];
                line_no += 1;
                if !header_seen {
                    if !is_quote_header(line) {
                        let m = format!("line 1: expected header `{QUOTE_HEADER}`");
                        return Err(Error::new(ErrorKind::InvalidData, m));
                    }
                    header_seen = true;
                } else if !line.is_empty() {
                    b.push_line(line, line_no);
                }
                start += nl + 1;
            }
            if eof {
                let last = &buf[start..filled];
                if !header_seen {
                    if !any {
                        let m = "empty quote file (no header)";
                        return Err(Error::new(ErrorKind::InvalidData, m));
                    }
                    if !is_quote_header(last) {
                        let m = format!("line 1: expected header `{QUOTE_HEADER}`");
                        return Err(Error::new(ErrorKind::InvalidData, m));
                    }
                } else if !last.is_empty() {
                    b.push_line(last, line_no + 1);
                }
                return Ok(b.finish());
            }
            buf.copy_within(start..filled, 0);
            filled -= start;
            if filled == buf.len() {
                // A single line longer than the buffer: grow once.
                buf.resize(buf.len() * 2, 0);
            }
        }
    }

    /// Every row of `inputs` (quote files of any format, merged by time).
    ///
    /// # Errors
    /// A file that cannot be read, naming it and the place.
    pub fn from_inputs(inputs: &mut QuoteInputs) -> Result<Self, QuoteInputError> {
        let mut b = ColumnsBuilder::with_capacity(1 << 16);
        let mut batch = Vec::with_capacity(1 << 14);
        while inputs.next_batch(&mut batch)? {
            for r in &batch {
                b.push_record(r);
            }
        }
        let mut columns = b.finish();
        columns.symbols = inputs.symbols().names().to_vec();
        Ok(columns)
    }

    /// Rows in all, accepted or skipped.
    pub fn len(&self) -> usize {
        self.ts_ns.len() + self.skipped.len()
    }

    /// No rows at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rows in the columns (accepted by the quote rules).
    pub fn accepted(&self) -> usize {
        self.ts_ns.len()
    }

    /// Symbols by id, in order of first appearance.
    pub fn symbols(&self) -> &[String] {
        &self.symbols
    }

    /// Unix nanoseconds of each accepted row.
    pub fn ts_ns(&self) -> &[i64] {
        &self.ts_ns
    }

    /// Symbol id of each accepted row (into [`QuoteColumns::symbols`], or [`NO_SYMBOL`]).
    pub fn symbol_ids(&self) -> &[u32] {
        &self.symbol
    }

    /// Bid prices.
    pub fn bid(&self) -> &[f64] {
        &self.bid
    }

    /// Bid sizes.
    pub fn bid_size(&self) -> &[f64] {
        &self.bid_size
    }

    /// Ask prices.
    pub fn ask(&self) -> &[f64] {
        &self.ask
    }

    /// Ask sizes.
    pub fn ask_size(&self) -> &[f64] {
        &self.ask_size
    }

    /// The trade printed with each accepted row (`[price, size]`, size 0 for none), or `None`
    /// when no row has one (a six-column file).
    pub fn trades(&self) -> Option<&[[f64; 2]]> {
        self.trade.as_deref()
    }

    /// Each accepted row's number in its file.
    pub fn rows(&self) -> &[u64] {
        &self.row
    }

    /// The skipped rows, in file order.
    pub fn skipped(&self) -> &[SkippedRow] {
        &self.skipped
    }
}

/// Appends rows to a [`QuoteColumns`], interning their symbols.
#[derive(Default)]
pub struct ColumnsBuilder {
    scanner: QuoteScanner,
    /// The last symbols seen, checked before the map (a file of few symbols never hashes).
    recent: Vec<(Box<[u8]>, u32)>,
    index: HashMap<Box<[u8]>, u32>,
    columns: QuoteColumns,
}

/// Symbols compared one by one before the map is asked.
const RECENT_SYMBOLS: usize = 8;

impl ColumnsBuilder {
    /// A builder with room for `rows` rows.
    pub fn with_capacity(rows: usize) -> Self {
        let mut b = ColumnsBuilder::default();
        let c = &mut b.columns;
        c.ts_ns.reserve(rows);
        c.symbol.reserve(rows);
        c.bid.reserve(rows);
        c.bid_size.reserve(rows);
        c.ask.reserve(rows);
        c.ask_size.reserve(rows);
        c.row.reserve(rows);
        b
    }

    /// Scans one data row (`ts_ns,symbol,bid,bid_size,ask,ask_size`, without its newline) by
    /// the crate's one quote parser.
    #[inline]
    pub fn push_line(&mut self, line: &[u8], line_no: u64) {
        match self.scanner.scan(line) {
            Ok(f) => {
                let symbol = self.intern(f.symbol);
                self.push_accepted(
                    f.ts_ns,
                    symbol,
                    [f.bid, f.bid_size, f.ask, f.ask_size],
                    [f.last, f.last_size],
                    line_no,
                );
            }
            Err(problem) => self.push_skipped(line_no, problem),
        }
    }

    /// One row a [`super::QuoteSource`] decoded (its symbol id from the source's table).
    #[inline]
    pub fn push_record(&mut self, r: &QuoteRecord) {
        match r.problem {
            Some(problem) => self.push_skipped(r.row, problem),
            None => self.push_accepted(
                r.ts_ns,
                r.symbol,
                [r.bid, r.bid_size, r.ask, r.ask_size],
                [r.last, r.last_size],
                r.row,
            ),
        }
    }

    #[inline]
    fn push_accepted(&mut self, ts_ns: i64, symbol: u32, top: [f64; 4], trade: [f64; 2], row: u64) {
        let c = &mut self.columns;
        match &mut c.trade {
            Some(t) => t.push(trade),
            None if trade[1] > 0.0 => {
                let mut t = Vec::with_capacity(c.ts_ns.capacity());
                t.resize(c.ts_ns.len(), [0.0; 2]);
                t.push(trade);
                c.trade = Some(t);
            }
            None => {}
        }
        c.ts_ns.push(ts_ns);
        c.symbol.push(symbol);
        c.bid.push(top[0]);
        c.bid_size.push(top[1]);
        c.ask.push(top[2]);
        c.ask_size.push(top[3]);
        c.row.push(row);
    }

    fn push_skipped(&mut self, row: u64, problem: RowProblem) {
        let at = self.columns.ts_ns.len();
        self.columns.skipped.push(SkippedRow { at, row, problem });
    }

    /// The id of `symbol` (not UTF-8 or empty: [`NO_SYMBOL`]).
    #[inline]
    fn intern(&mut self, symbol: &[u8]) -> u32 {
        if let Some((_, id)) = self.recent.iter().find(|(s, _)| **s == *symbol) {
            return *id;
        }
        self.intern_slow(symbol)
    }

    #[cold]
    fn intern_slow(&mut self, symbol: &[u8]) -> u32 {
        let id = match self.index.get(symbol) {
            Some(&id) => id,
            None => {
                let Some(name) = std::str::from_utf8(symbol).ok().filter(|s| !s.is_empty()) else {
                    return NO_SYMBOL;
                };
                let id = self.columns.symbols.len() as u32;
                self.columns.symbols.push(name.to_string());
                self.index.insert(symbol.into(), id);
                id
            }
        };
        if self.recent.len() < RECENT_SYMBOLS {
            self.recent.push((symbol.into(), id));
        }
        id
    }

    /// The rows pushed so far.
    pub fn finish(self) -> QuoteColumns {
        self.columns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_rows_keep_their_place_and_line() {
        let text = b"ts_ns,symbol,bid,bid_size,ask,ask_size\r\n\
            5,AAA,10,1,10.01,1\r\n\
            \n\
            4,AAA,10,1,10.01,1\n\
            6,,10,1,10.01,1\n\
            7,BBB,10,1,9,1\n\
            8,AAA,10,1,10.02,3";
        let q = QuoteColumns::from_csv_bytes(text).unwrap();
        assert_eq!(q.len(), 5);
        assert_eq!(q.ts_ns(), [5, 6, 8]);
        assert_eq!(q.symbol_ids(), [0, NO_SYMBOL, 0]);
        assert_eq!(q.rows(), [2, 5, 7]);
        assert_eq!(q.ask_size(), [1.0, 1.0, 3.0]);
        let skipped: Vec<(usize, u64, RowProblem)> = q
            .skipped()
            .iter()
            .map(|s| (s.at, s.row, s.problem))
            .collect();
        assert_eq!(
            skipped,
            [
                (1, 4, RowProblem::TimeBackwards),
                (2, 6, RowProblem::CrossedQuote)
            ]
        );
        assert_eq!(q.symbols(), ["AAA"]);
    }

    #[test]
    fn more_symbols_than_the_recent_list_intern_through_the_map() {
        let mut text = String::from("ts_ns,symbol,bid,bid_size,ask,ask_size\n");
        for k in 0..40 {
            text.push_str(&format!("{k},S{},10,1,10.01,1\n", k % 20));
        }
        let q = QuoteColumns::from_csv_bytes(text.as_bytes()).unwrap();
        let want: Vec<u32> = (0..40).map(|k| k % 20).collect();
        assert_eq!(q.symbol_ids(), want);
        assert_eq!(q.symbols().len(), 20);
    }
}
