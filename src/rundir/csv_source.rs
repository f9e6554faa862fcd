//! CSV quote files as a [`QuoteSource`]: the header checked, then lines read in 1 MiB chunks and
//! parsed by the one scanner ([`QuoteScanner`]).

use super::records::{NO_SYMBOL, QuoteInputError, QuoteRecord, QuoteSource, SymbolTable};
use super::{QUOTE_HEADER, QuoteScanner, RowProblem, is_quote_header};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Rows per batch, about.
const BATCH_ROWS: usize = 1 << 14;

/// A CSV quote file read in chunks.
pub struct CsvSource<R> {
    input: R,
    path: PathBuf,
    file: u16,
    scanner: QuoteScanner,
    buf: Vec<u8>,
    /// Bytes of `buf` read and not yet consumed: `start..filled`.
    start: usize,
    filled: usize,
    line_no: u64,
    header_seen: bool,
    eof: bool,
}

impl CsvSource<std::fs::File> {
    /// Opens the file at `path`.
    ///
    /// # Errors
    /// It cannot be opened.
    pub fn open(path: &Path, file: u16) -> Result<Self, QuoteInputError> {
        let input = std::fs::File::open(path)
            .map_err(|e| QuoteInputError::new(path, format!("cannot open: {e}")))?;
        Ok(Self::new(input, path, file))
    }
}

impl<R: Read> CsvSource<R> {
    /// Reads quote text from `input`; `path` names it in errors.
    pub fn new(input: R, path: &Path, file: u16) -> Self {
        CsvSource {
            input,
            path: path.to_path_buf(),
            file,
            scanner: QuoteScanner::default(),
            buf: vec![0u8; 1 << 20],
            start: 0,
            filled: 0,
            line_no: 0,
            header_seen: false,
            eof: false,
        }
    }

    fn line(
        &mut self,
        line: (usize, usize),
        symbols: &mut SymbolTable,
        out: &mut Vec<QuoteRecord>,
    ) -> Result<(), QuoteInputError> {
        self.line_no += 1;
        let text = &self.buf[line.0..line.1];
        if !self.header_seen {
            if !is_quote_header(text) {
                return Err(QuoteInputError::new(
                    &self.path,
                    format!("line 1: expected header `{QUOTE_HEADER}`"),
                ));
            }
            self.header_seen = true;
            return Ok(());
        }
        if text.is_empty() {
            return Ok(());
        }
        let last_ts = self.scanner.last_ts().max(0);
        let record = match self.scanner.scan(text) {
            Ok(row) => {
                let symbol = symbols.intern(row.symbol);
                if !symbols.kept(symbol) {
                    return Ok(());
                }
                QuoteRecord {
                    ts_ns: row.ts_ns,
                    bid: row.bid,
                    bid_size: row.bid_size,
                    ask: row.ask,
                    ask_size: row.ask_size,
                    last: row.last,
                    last_size: row.last_size,
                    row: self.line_no,
                    symbol,
                    file: self.file,
                    problem: (symbol == NO_SYMBOL).then_some(RowProblem::UnknownSymbol),
                }
            }
            Err(problem) => QuoteRecord {
                ts_ns: last_ts,
                bid: f64::NAN,
                bid_size: f64::NAN,
                ask: f64::NAN,
                ask_size: f64::NAN,
                last: 0.0,
                last_size: 0.0,
                row: self.line_no,
                symbol: NO_SYMBOL,
                file: self.file,
                problem: Some(problem),
            },
        };
        out.push(record);
        Ok(())
    }
}

impl<R: Read> QuoteSource for CsvSource<R> {
    fn next_batch(
        &mut self,
        symbols: &mut SymbolTable,
        out: &mut Vec<QuoteRecord>,
    ) -> Result<bool, QuoteInputError> {
        let before = out.len();
        loop {
            while let Some(nl) = memchr::memchr(b'\n', &self.buf[self.start..self.filled]) {
                let line = (self.start, self.start + nl);
                self.start += nl + 1;
                self.line(line, symbols, out)?;
                if out.len() - before >= BATCH_ROWS {
                    return Ok(true);
                }
            }
            if self.eof {
                if self.start < self.filled {
                    let line = (self.start, self.filled);
                    self.start = self.filled;
                    self.line(line, symbols, out)?;
                }
                if !self.header_seen {
                    return Err(QuoteInputError::new(
                        &self.path,
                        "empty quote file (no header)",
                    ));
                }
                return Ok(out.len() > before);
            }
            self.buf.copy_within(self.start..self.filled, 0);
            self.filled -= self.start;
            self.start = 0;
            if self.filled == self.buf.len() {
                // A single line longer than the buffer: grow.
                self.buf.resize(self.buf.len() * 2, 0);
            }
            let n = self.input.read(&mut self.buf[self.filled..]).map_err(|e| {
                QuoteInputError::new(&self.path, format!("line {}: {e}", self.line_no + 1))
            })?;
            self.eof = n == 0;
            self.filled += n;
            if out.len() > before && self.eof && self.start == self.filled {
                return Ok(true);
            }
        }
    }
}
